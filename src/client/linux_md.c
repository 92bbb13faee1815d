/* linux_md.c: the linux-md client driver: a partition whose data sits on md RAID1 arrays
 * (single-device or degraded). Each array is shown to the planner as a VG of its own with one
 * LV of the same name, 1 MiB extents and one PV per member disk (docs/internals/agent.md);
 * a new copy is one whole disk added with `mdadm --grow --raid-devices=N --add`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "linux.h"
#include "vdmirror/client.h"
#include "vdmirror/util.h"
#include "vdmirror/warnings.h"

#define MIB (1024 * 1024LL)

/* The report's numbers are the guest's word: digits only, in range (lnx_count), else -1. */
static int64_t md_num(const json_t *o, const char *key)
{
	return lnx_count(json_string_value(json_object_get(o, key)));
}

/* How far md's recovery of an array's rebuilding members is, in whole percent: sync_action
 * "recover" with sync_completed "DONE / TOTAL" (sectors), or 0 while it is about to start
 * ("none", "delayed"). -1 when no recovery runs, or the numbers are no such thing (then *bad
 * is set): the guest's word, never shown unchecked. */
static int md_recovery_percent(const json_t *md, bool *bad)
{
	const char *action = json_string_value(json_object_get(md, "sync_action")) ?: "";
	const char *done = json_string_value(json_object_get(md, "sync_completed")) ?: "";
	*bad = false;
	if (strcmp(action, "recover"))
		return -1;
	if (!strcmp(done, "none") || !strcmp(done, "delayed"))
		return 0;
	const char *slash = strstr(done, " / ");
	CLEANUP_FREE char *a_s = slash ? strndup(done, (size_t)(slash - done)) : NULL;
	int64_t a = a_s ? lnx_count(a_s) : -1, b = slash ? lnx_count(slash + 3) : -1;
	if (a < 0 || b <= 0 || a > b) {
		*bad = true;
		return -1;
	}
	return (int)((unsigned __int128)a * 100 / (unsigned __int128)b);
}

/* The formats-v1 "vgs" array for the md arrays of an agent report (RAID1 only). Linear in the
 * report's size: disks are looked up through one index, not a scan per member (issue 9).
 * Recovery numbers that make no sense are left out with a warning on `partition` (may be
 * NULL). */
int vdm_md_vgs_read(const json_t *report, json_t *partition, json_t **vgs_out,
		    struct vdm_error *err);
int vdm_md_vgs_read(const json_t *report, json_t *partition, json_t **vgs_out,
		    struct vdm_error *err)
{
	*vgs_out = NULL;
	json_t *vgs = json_array(), *disks = json_object();
	size_t i;
	json_t *md, *d;
	int rc = 0;
	json_array_foreach(json_object_get(report, "disks"), i, d) {
		const char *dn = json_string_value(json_object_get(d, "name"));
		if (dn && !json_object_get(disks, dn))
			json_object_set_nocheck(disks, dn, d);
	}
	json_array_foreach(json_object_get(report, "md"), i, md) {
		const char *name = json_string_value(json_object_get(md, "name")) ?: "";
		const char *level = json_string_value(json_object_get(md, "level")) ?: "";
		if (strcmp(level, "raid1") || !lnx_name_ok(name))
			continue;   /* other levels are not mirrors vdmirror can extend */
		int64_t comp_kib = md_num(md, "component_size");
		if (comp_kib <= 0) {
			rc = vdm_err(err, -EPROTO, "md %s: no component size in the report", name);
			break;
		}
		int64_t extents = comp_kib / 1024, overhead = 0;
		json_t *pvs = json_array(), *copies = json_array(), *stale = json_array();
		json_t *progress = json_array();   /* parallel to stale: resync_percent */
		bool bad, known = false;
		int recovery = md_recovery_percent(md, &bad);
		if (bad && partition)
			vdm_warn(partition, "linux-md: md %s: sync_completed \"%.40s\" makes no sense:"
				 " resync progress not shown", name,
				 json_string_value(json_object_get(md, "sync_completed")) ?: "");
		size_t k;
		json_t *m;
		json_array_foreach(json_object_get(md, "members"), k, m) {
			const char *dev = json_string_value(json_object_get(m, "name")) ?: "";
			const char *state = json_string_value(json_object_get(m, "state")) ?: "";
			const char *slot = json_string_value(json_object_get(m, "slot")) ?: "";
			bool faulty = strstr(state, "faulty") != NULL;
			json_t *disk = json_object_get(disks, dev);
			const char *serial = json_string_value(json_object_get(disk, "serial"));
			/* a faulty member whose device the guest no longer has: nothing to name */
			if (faulty && (!serial || !*serial))
				continue;
			json_t *jbytes = json_object_get(disk, "size_bytes");
			int64_t bytes = json_is_integer(jbytes) ? json_integer_value(jbytes) : -1;
			int64_t off = md_num(m, "offset");
			if (!serial || !*serial || bytes < 0 || off < 0) {
				rc = vdm_err(err, -ENOENT, "md %s: member %s is not a whole disk with "
					     "a serial", name, dev);
				break;
			}
			/* the data starts after the superblock area: a new member loses as much */
			int64_t off_bytes;
			if (__builtin_mul_overflow(off, 512, &off_bytes) || off_bytes > bytes) {
				rc = vdm_err(err, -EPROTO, "md %s: member %s: data offset %lld sectors "
					     "beyond the disk's %lld bytes", name, dev, (long long)off,
					     (long long)bytes);
				break;
			}
			int64_t ov = off_bytes / MIB + (off_bytes % MIB != 0);
			if (ov > overhead)
				overhead = ov;
			int64_t total = (bytes - off_bytes) / MIB;
			json_array_append_new(pvs, json_pack("{s:s, s:I, s:I}", "disk", serial,
				"total_extents", (json_int_t)total, "free_extents",
				(json_int_t)(total > extents ? total - extents : 0)));
			/* a member in sync holds a copy; one in a slot being rebuilt, or marked
			 * faulty, holds an out-of-date one: a stale copy (formats.md, repair; lost
			 * instead when the storage side says its disk is missing); a spare with no
			 * slot holds none */
			bool in_sync = strstr(state, "in_sync") && !faulty;
			bool rebuilding = !in_sync && lnx_count(slot) >= 0;
			if (!in_sync && !faulty && !rebuilding)
				continue;
			if (!in_sync) {
				json_array_append_new(stale, json_integer((json_int_t)json_array_size(copies)));
				/* md recovers every member in a slot at once; a faulty one waits */
				bool rec = rebuilding && !faulty && recovery >= 0;
				json_array_append_new(progress, rec ? json_integer(recovery) : json_null());
				known |= rec;
			}
			json_array_append_new(copies, json_pack("[{s:s, s:I}]", "pv", serial,
								"extents", (json_int_t)extents));
		}
		if (rc < 0) {
			json_decref(pvs), json_decref(copies), json_decref(stale);
			json_decref(progress);
			break;
		}
		json_t *lv = json_pack("{s:s, s:I, s:o}", "name", name, "extents",
				       (json_int_t)extents, "copies", copies);
		if (json_array_size(stale))
			json_object_set(lv, "stale", stale);
		if (known)   /* formats.md 7.1: only when some stale copy's progress is known */
			json_object_set(lv, "resync_percent", progress);
		json_decref(stale);
		json_decref(progress);
		json_array_append_new(vgs, json_pack("{s:s, s:i, s:I, s:i, s:o, s:[o]}", "name", name,
			"extent_mib", 1, "pv_overhead_mib", (json_int_t)overhead,
			"copy_meta_extents", 0, "pvs", pvs, "lvs", lv));
	}
	json_decref(disks);
	if (rc < 0) {
		json_decref(vgs);
		return rc;
	}
	*vgs_out = vgs;
	return 0;
}

int vdm_md_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err);
int vdm_md_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err)
{
	return vdm_md_vgs_read(report, NULL, vgs_out, err);
}

static int md_discover(void *h, json_t *partition, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	json_t *report, *vgs;
	int rc = lnx_report(x, &report, err);
	if (rc < 0)
		return rc;
	rc = vdm_md_vgs_read(report, partition, &vgs, err);
	json_decref(report);
	if (rc < 0)
		return rc;
	lnx_append_vgs(partition, vgs);
	return 0;
}

/* The array's entry in a fresh report, or NULL (reference into *report). */
static const json_t *md_find(struct vdm_transport *x, const char *md, json_t **report,
			     struct vdm_error *err, int *rc)
{
	*rc = lnx_report(x, report, err);
	if (*rc < 0)
		return NULL;
	const json_t *m = lnx_find_named(json_object_get(*report, "md"), "name", md);
	if (m)
		return m;
	*rc = vdm_err(err, -ENOENT, "md array %s not found in the partition", md);
	return NULL;
}

static int md_add_pv(void *h, const char *vg, const char *disk,
		     struct vdm_error *err)
{
	/* md takes the whole disk in add_copy; here the disk only has to be there */
	return lnx_wait_disk(h, disk, LNX_DISK_MS, NULL, err);
}

static int md_remove_pv(void *h, const char *vg, const char *disk,
			struct vdm_error *err)
{
	return 0;   /* remove_copy already cleared the superblock */
}

static int md_check(const char *vg, const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	if (!lnx_name_ok(vg) || strchr(vg, '/'))
		return vdm_err(err, -EINVAL, "md array \"%s\": invalid name", vg);
	if (!copy || copy->n_segs != 1)
		return vdm_err(err, -EINVAL, "md %s: a copy is one whole disk (got %zu segments)",
			       vg, copy ? copy->n_segs : 0);
	return 0;
}

static int md_add_copy(void *h, const char *vg, const char *lv, int copies,
		       const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char dev[256], mddev[300], n[48];
	int rc = md_check(vg, copy, err);
	if (rc < 0)
		return rc;
	if (copies < 2 || copies > 4)
		return vdm_err(err, -EINVAL, "md %s: %d copies is not possible", vg, copies);
	if ((rc = lnx_disk_dev(x, copy->segs[0].pv, LNX_DISK_MS, dev, sizeof dev, err)) < 0)
		return rc;
	snprintf(mddev, sizeof mddev, "/dev/%s", vg);
	snprintf(n, sizeof n, "--raid-devices=%d", copies);
	int64_t raid_disks = 1, comp_kib = -1;
	if (!x->scripting) {
		json_t *report;
		const json_t *md = md_find(x, vg, &report, err, &rc);
		if (!md) {
			json_decref(report);
			return rc;
		}
		bool member = lnx_find_named(json_object_get(md, "members"), "name", dev + 5);
		raid_disks = md_num(md, "raid_disks");
		comp_kib = md_num(md, "component_size");
		json_decref(report);
		if (member)
			return 0;                      /* added before: idempotent */
	}
	/* one bitmap bit per chunk: mdadm's default chunk (64 MiB) covers a small array whole, so
	 * any write would resync all of it; about 16384 chunks, 1 MiB to 64 MiB each */
	int64_t chunk_mib = 1;
	while (comp_kib > 0 && chunk_mib < 64 && chunk_mib * 1024 * 16384 < comp_kib)
		chunk_mib *= 2;
	char chunk[48];
	snprintf(chunk, sizeof chunk, "--bitmap-chunk=%lldM", (long long)chunk_mib);
	/* a write-intent bitmap before the second member: a member that comes back after an
	 * outage is then re-added and resyncs only what changed (repair), not the whole disk */
	const char *bitmap[] = { "mdadm", "--grow", mddev, "--bitmap=internal", chunk, NULL };
	struct vdm_error berr = { 0 };
	if (lnx_run(x, bitmap, LNX_CMD_MS, NULL, &berr) < 0 && !strstr(berr.msg, "already")) {
		*err = berr;
		vdm_err_prefix(err, "md %s: add a write-intent bitmap", vg);
		return berr.code ? berr.code : -EIO;
	}
	const char *grow[] = { "mdadm", "--grow", mddev, n, "--add", dev, NULL };
	/* a degraded array already has the slot: a plain --add fills it */
	const char *add[] = { "mdadm", mddev, "--add", dev, NULL };
	rc = lnx_run(x, raid_disks >= copies ? add : grow, LNX_CMD_MS, NULL, err);
	if (rc < 0)
		vdm_err_prefix(err, "md %s: add copy", vg);
	return rc;
}

static int md_remove_copy(void *h, const char *vg, const char *lv,
			  const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char dev[256], mddev[300], n[48];
	int rc = md_check(vg, copy, err);
	if (rc < 0)
		return rc;
	if ((rc = lnx_disk_dev(x, copy->segs[0].pv, LNX_DISK_MS, dev, sizeof dev, err)) < 0)
		return rc;
	snprintf(mddev, sizeof mddev, "/dev/%s", vg);
	int64_t raid_disks = 2;
	if (!x->scripting) {
		json_t *report;
		const json_t *md = md_find(x, vg, &report, err, &rc);
		if (!md) {
			json_decref(report);
			return rc;
		}
		bool member = lnx_find_named(json_object_get(md, "members"), "name", dev + 5);
		raid_disks = md_num(md, "raid_disks");
		json_decref(report);
		if (!member)
			return 0;                      /* removed before */
	}
	snprintf(n, sizeof n, "--raid-devices=%lld", (long long)(raid_disks > 1 ? raid_disks - 1 : 1));
	const char *fail[] = { "mdadm", mddev, "--fail", dev, "--remove", dev, NULL };
	/* --force: md refuses to shrink a RAID1 to one device without it */
	const char *shrink[] = { "mdadm", "--grow", mddev, n, "--force", NULL };
	const char *zero[] = { "mdadm", "--zero-superblock", dev, NULL };
	if ((rc = lnx_run(x, fail, LNX_CMD_MS, NULL, err)) < 0 ||
	    (rc = lnx_run(x, shrink, LNX_CMD_MS, NULL, err)) < 0 ||
	    (rc = lnx_run(x, zero, LNX_CMD_MS, NULL, err)) < 0)
		vdm_err_prefix(err, "md %s: remove copy", vg);
	return rc;
}

static int md_sync_status(void *h, const char *vg, const char *lv, double *percent,
			  struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	if (!lnx_name_ok(vg) || strchr(vg, '/'))
		return vdm_err(err, -EINVAL, "md array \"%s\": invalid name", vg);
	if (x->scripting) {
		*percent = 100.0;
		return 0;
	}
	if (!x->request)
		return vdm_err(err, -ENOTSUP, "md %s: sync status needs the vdmirror agent", vg);
	json_t *req = json_pack("{s:s, s:s}", "op", "sync", "md", vg), *reply = NULL;
	int rc = vdm_transport_request(x, req, &reply, LNX_QUERY_MS, err);
	json_decref(req);
	if (rc < 0)
		return rc;
	double p = json_number_value(json_object_get(reply, "percent"));
	const char *action = json_string_value(json_object_get(reply, "action")) ?: "";
	/* right after --add, md may not have started recovery yet: degraded and idle is 0 %,
	 * not 100 % */
	if (json_integer_value(json_object_get(reply, "degraded")) > 0 && !strcmp(action, "idle"))
		p = 0.0;
	/* and a degraded array is not in sync, whatever the counters say between two states */
	if (json_integer_value(json_object_get(reply, "degraded")) > 0 && p > 99.9)
		p = 99.9;
	*percent = p;
	json_decref(reply);
	return 0;
}

/* ---- repair (issue 10) ---- */

/* The state of member kname of md in a report; NULL when it is not a member. */
static const char *md_member_state(const json_t *md, const char *kname)
{
	const json_t *m = lnx_find_named(json_object_get(md, "members"), "name", kname);
	return m ? json_string_value(json_object_get(m, "state")) ?: "" : NULL;
}

static bool md_has_faulty(const json_t *md)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(md, "members"), i, m)
		if (strstr(json_string_value(json_object_get(m, "state")) ?: "", "faulty"))
			return true;
	return false;
}

/* 1 when member dev (/dev/X) of array vg is in it and not faulty (in sync or recovering),
 * 0 when not, or the error of the report. */
static int md_member_back(struct vdm_transport *x, const char *vg, const char *dev,
			  struct vdm_error *err)
{
	json_t *report = NULL;
	int rc = 0;
	const json_t *md = md_find(x, vg, &report, err, &rc);
	if (!md) {
		json_decref(report);
		return rc;
	}
	const char *st = md_member_state(md, dev + 5);
	bool back = st && !strstr(st, "faulty");
	json_decref(report);
	return back;
}

/* A member whose disk came back: `mdadm --re-add`; with the bitmap md copies only the regions
 * written while it was away. The first I/O after a server returns may fail (lab.md), so until
 * the member is in the array and not faulty, the re-add is tried again by the returning rule
 * (vdm_client_returning_try). */
static int md_resync_copy(void *h, const char *vg, const char *lv,
			  const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char dev[256], mddev[300];
	int rc = md_check(vg, copy, err);
	if (rc < 0)
		return rc;
	(void)lv;
	if ((rc = lnx_disk_dev(x, copy->segs[0].pv, LNX_DISK_MS, dev, sizeof dev, err)) < 0)
		return rc;
	snprintf(mddev, sizeof mddev, "/dev/%s", vg);
	const char *readd[] = { "mdadm", mddev, "--re-add", dev, NULL };
	if (x->scripting)
		return lnx_run(x, readd, LNX_CMD_MS, NULL, err);
	for (int attempt = 0; vdm_client_returning_try(attempt); attempt++) {
		int back = md_member_back(x, vg, dev, err);
		if (back < 0)
			return back;
		if (back)
			return 0;       /* in sync or recovering: sync_status follows it */
		/* an accepted re-add is looked at again at the next try: md writes the member's
		 * superblock at once, and when that write is one of the failing first I/Os the
		 * member is faulty again (seen in the lab: re-added, then "Disk failure on vdb")
		 * and no resync would ever start */
		rc = lnx_run(x, readd, LNX_CMD_MS, NULL, err);
	}
	/* the last re-add is looked at too */
	if (rc == 0 && (rc = md_member_back(x, vg, dev, err)) != 0)
		return rc < 0 ? rc : 0;
	if (rc == 0)
		rc = vdm_err(err, -EAGAIN, "still faulty after %d re-adds: is its disk really back?",
			     VDM_RETURNING_TRIES);
	vdm_err_prefix(err, "md %s: re-add %s", vg, dev);
	return rc;
}

/* A lost member: the new disk is added first (md rebuilds onto it), then the failed one is
 * removed, so the array never has fewer members than before. */
static int md_replace_copy(void *h, const char *vg, const char *lv, int copies,
			   const struct vdm_plan_copy *lost, const struct vdm_plan_copy *copy,
			   struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char dev[256], mddev[300];
	int rc = md_check(vg, copy, err);
	if (rc < 0)
		return rc;
	(void)lv, (void)lost, (void)copies;
	if ((rc = lnx_disk_dev(x, copy->segs[0].pv, LNX_DISK_MS, dev, sizeof dev, err)) < 0)
		return rc;
	snprintf(mddev, sizeof mddev, "/dev/%s", vg);
	bool member = false, faulty = true;
	if (!x->scripting) {
		json_t *report;
		const json_t *md = md_find(x, vg, &report, err, &rc);
		if (!md) {
			json_decref(report);
			return rc;
		}
		member = md_member_state(md, dev + 5) != NULL;
		faulty = md_has_faulty(md);
		json_decref(report);
	}
	const char *add[] = { "mdadm", mddev, "--add", dev, NULL };
	const char *rm[] = { "mdadm", mddev, "--remove", "failed", NULL };
	if ((!member && (rc = lnx_run(x, add, LNX_CMD_MS, NULL, err)) < 0) ||
	    (faulty && (rc = lnx_run(x, rm, LNX_CMD_MS, NULL, err)) < 0))
		vdm_err_prefix(err, "md %s: replace the lost member", vg);
	return rc;
}

/* A surplus lost member: removed, and the array shrunk to `copies` devices. */
static int md_drop_copy(void *h, const char *vg, const char *lv, int copies,
			const struct vdm_plan_copy *lost, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char mddev[300], n[48];
	(void)lv, (void)lost;
	if (!lnx_name_ok(vg) || strchr(vg, '/') || copies < 1 || copies > 4)
		return vdm_err(err, -EINVAL, "md %s: drop a copy to %d copies", vg, copies);
	snprintf(mddev, sizeof mddev, "/dev/%s", vg);
	snprintf(n, sizeof n, "--raid-devices=%d", copies);
	bool faulty = true;
	int rc;
	if (!x->scripting) {
		json_t *report;
		const json_t *md = md_find(x, vg, &report, err, &rc);
		if (!md) {
			json_decref(report);
			return rc;
		}
		faulty = md_has_faulty(md);
		json_decref(report);
	}
	const char *rm[] = { "mdadm", mddev, "--remove", "failed", NULL };
	const char *shrink[] = { "mdadm", "--grow", mddev, n, "--force", NULL };
	if ((faulty && (rc = lnx_run(x, rm, LNX_CMD_MS, NULL, err)) < 0) ||
	    (rc = lnx_run(x, shrink, LNX_CMD_MS, NULL, err)) < 0)
		vdm_err_prefix(err, "md %s: drop the lost member", vg);
	return rc;
}

static int md_remove_missing(void *h, const char *vg, const char *const *disks, size_t n,
			     struct vdm_error *err)
{
	(void)h, (void)vg, (void)disks, (void)n, (void)err;
	return 0;   /* an array has no VG: the failed member left it in replace or drop */
}

const struct vdm_client_ops vdm_client_linux_md = {
	.name = "linux-md",
	.caps = VDM_CLIENT_AUTOMATED | VDM_CLIENT_SCRIPT,
	.open = lnx_open,
	.close = lnx_close,
	.discover = md_discover,
	.wait_disk = lnx_wait_disk,
	.add_pv = md_add_pv,
	.remove_pv = md_remove_pv,
	.add_copy = md_add_copy,
	.remove_copy = md_remove_copy,
	.sync_status = md_sync_status,
	.resync_copy = md_resync_copy,
	.replace_copy = md_replace_copy,
	.drop_copy = md_drop_copy,
	.remove_missing = md_remove_missing,
	.sync_rate = lnx_sync_rate,
};
