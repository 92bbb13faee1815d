/* linux_lvm.c: the linux-lvm client driver: LVM2 volume groups in a Linux partition, mirrored
 * with raid1 LVs (`lvconvert --type raid1 -m N` on the exact PVs of the plan).
 * Commands reach the partition only through struct vdm_transport, so the driver also writes
 * scripts; discovery reads the agent's report (docs/internals/agent.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "linux.h"
#include "vdmirror/client.h"
#include "vdmirror/util.h"
#include "vdmirror/warnings.h"

static int lvm_discover(void *h, json_t *partition, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	json_t *report, *vgs;
	int rc = lnx_report(x, &report, err);
	if (rc < 0)
		return rc;
	/* a partition without lvm at all (md only) simply has no LVM VGs */
	const char *lerr = json_string_value(json_object_get(report, "lvm_error"));
	if (!json_object_get(report, "lvm") && lerr && strstr(lerr, "program not found")) {
		json_decref(report);
		return 0;
	}
	rc = vdm_lvm_vgs_read(report, partition, &vgs, err);
	json_decref(report);
	if (rc < 0)
		return rc;
	lnx_append_vgs(partition, vgs);
	return 0;
}

/* One row of an lvm JSON report printed by a command run through x. */
static int lvm_query(struct vdm_transport *x, const char *const argv[], const char *key,
		     json_t **row, struct vdm_error *err)
{
	char *out = NULL;
	*row = NULL;
	int rc = lnx_run(x, argv, LNX_QUERY_MS, &out, err);
	if (rc < 0)
		return rc;
	json_error_t jerr;
	json_t *root = json_loads(out, 0, &jerr);
	free(out);
	json_t *r = json_array_get(json_object_get(json_array_get(json_object_get(root, "report"),
								  0), key), 0);
	if (!r) {
		size_t n = 0;
		while (argv[n + 1])
			n++;
		json_decref(root);
		return vdm_err(err, -EPROTO, "%s %s: no %s row in its JSON report", argv[0],
			       argv[n], key);
	}
	*row = json_incref(r);
	json_decref(root);
	return 0;
}

/* Which VG holds the PV on dev: "" for a PV in no VG; -ENOENT when dev is not a PV. Lists every
 * PV rather than naming dev: `pvs DEV` of a disk without a label exits 5, and with a VG missing
 * PVs its stderr is so full of warnings that the "Failed to find" line was cut off (seen in the
 * lab, repair with vios1 dead). */
static int lvm_pv_vg(struct vdm_transport *x, const char *dev, char *vg, size_t size,
		     struct vdm_error *err)
{
	const char *argv[] = { "pvs", "--reportformat", "json", "-o", "pv_name,vg_name", NULL };
	char *out = NULL;
	int rc = lnx_run(x, argv, LNX_QUERY_MS, &out, err);
	if (rc < 0)
		return rc;
	json_t *root = json_loads(out, 0, NULL);
	free(out);
	json_t *rows = json_object_get(json_array_get(json_object_get(root, "report"), 0), "pv");
	size_t i;
	json_t *r;
	rc = -ENOENT;
	json_array_foreach(rows, i, r)
		if (!strcmp(lvm_str(r, "pv_name"), dev)) {
			snprintf(vg, size, "%s", lvm_str(r, "vg_name"));
			rc = 0;
			break;
		}
	json_decref(root);
	return rc;
}

static int lvm_add_pv(void *h, const char *vg, const char *disk,
		      struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char dev[256], cur[256];
	if (!lnx_name_ok(vg))
		return vdm_err(err, -EINVAL, "VG \"%s\": invalid name", vg);
	int rc = lnx_disk_dev(x, disk, LNX_DISK_MS, dev, sizeof dev, err);
	if (rc < 0)
		return rc;
	/* Try first, look only when it fails: a check before every add costs one more lvm
	 * start (~0.3 s under TCG) on the path every run takes. vgextend initializes a disk that
	 * is not a PV yet with pvcreate's own code and defaults (lvm2's vgextend(8)), so one lvm
	 * start does both (a separate pvcreate was 0.2 s more in the lab guest); it refuses what
	 * must not happen as pvcreate does: without -y (the agent's stdin is /dev/null) a disk
	 * with any other signature, an md member, a PV of another VG. */
	const char *vgextend[] = { "vgextend", vg, dev, NULL };
	rc = lnx_run(x, vgextend, LNX_CMD_MS, NULL, err);
	if (rc != -EIO || x->scripting)
		return rc;
	/* done before (a resumed run), or a refusal to quote as it is */
	struct vdm_error first = *err;
	int crc = lvm_pv_vg(x, dev, cur, sizeof cur, err);
	if (crc == 0 && !strcmp(cur, vg))
		return 0;                      /* done before: idempotent */
	if (crc == 0 && cur[0])
		return vdm_err(err, -EEXIST, "disk %s (%s) already belongs to VG %s", disk, dev,
			       cur);
	*err = first;
	return rc;
}

/* LVM refuses the vgreduce while the VG has a missing PV ("Cannot change VG while PVs are
 * missing"): undo never asks for it in a repair of lost copies (apply.h, vdm_run_undo_finishes). */
static int lvm_remove_pv(void *h, const char *vg, const char *disk,
			 struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char dev[256], cur[256];
	if (!lnx_name_ok(vg))
		return vdm_err(err, -EINVAL, "VG \"%s\": invalid name", vg);
	int rc = lnx_disk_dev(x, disk, LNX_DISK_MS, dev, sizeof dev, err);
	if (rc < 0)
		return rc;
	bool in_vg = true;
	if (!x->scripting) {
		rc = lvm_pv_vg(x, dev, cur, sizeof cur, err);
		if (rc == -ENOENT)
			return 0;                      /* not a PV any more: done */
		if (rc < 0)
			return rc;
		if (cur[0] && strcmp(cur, vg))
			return vdm_err(err, -EBUSY, "disk %s (%s) belongs to VG %s, not %s", disk,
				       dev, cur, vg);
		in_vg = cur[0] != '\0';
	}
	const char *vgreduce[] = { "vgreduce", vg, dev, NULL };
	const char *pvremove[] = { "pvremove", dev, NULL };
	if (in_vg && (rc = lnx_run(x, vgreduce, LNX_CMD_MS, NULL, err)) < 0)
		return rc;
	return lnx_run(x, pvremove, LNX_CMD_MS, NULL, err);
}

static int lvm_copies_from_dm(struct vdm_transport *x, const char *vg, size_t n,
			      const struct vdm_copy_req *reqs, json_t **rows);

/* How many copies lv ("VG/LV") has now (raid1/mirror images; 1 for a plain LV): the agent's
 * lv_copies (a device-mapper ioctl: 0.01 s), else lvs (an lvm start, 0.2 s in the lab guest,
 * which every single-LV run paid before its lvconvert). */
static int lvm_copies(struct vdm_transport *x, const char *vglv, int *copies, struct vdm_error *err)
{
	const char *slash = strchr(vglv, '/');
	if (slash && slash - vglv < 256) {
		char vg[256];
		snprintf(vg, sizeof vg, "%.*s", (int)(slash - vglv), vglv);
		struct vdm_copy_req q = { .lv = slash + 1 };
		json_t *rows;
		if (lvm_copies_from_dm(x, vg, 1, &q, &rows) == 0) {
			*copies = (int)lvm_num(json_array_get(rows, 0), "data_copies");
			json_decref(rows);
			return 0;
		}
	}
	const char *argv[] = { "lvs", "--reportformat", "json", "-o",
			       "lv_name,segtype,data_copies", vglv, NULL };
	json_t *row;
	int rc = lvm_query(x, argv, "lv", &row, err);
	if (rc < 0)
		return rc;
	int64_t n = lvm_num(row, "data_copies");
	*copies = n > 0 ? (int)n : 1;
	json_decref(row);
	return 0;
}

/* The devices of a copy's PVs, each once, after "VG/LV" in argv. */
static int lvm_copy_devs(struct vdm_transport *x, const struct vdm_plan_copy *copy,
			 const char **argv, size_t *argc, size_t max, char devs[][256],
			 struct vdm_error *err)
{
	for (size_t i = 0; i < copy->n_segs; i++) {
		if (*argc + 1 >= max)
			return vdm_err(err, -E2BIG, "copy on too many PVs (%zu)", copy->n_segs);
		int rc = lnx_disk_dev(x, copy->segs[i].pv, LNX_DISK_MS, devs[i], 256, err);
		if (rc < 0)
			return rc;
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup |= !strcmp(devs[k], devs[i]);
		if (!dup)
			argv[(*argc)++] = devs[i];
	}
	argv[*argc] = NULL;
	return 0;
}

#define LVM_MAX_SEGS 32

static int lvm_add_copy(void *h, const char *vg, const char *lv, int copies,
			const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char vglv[300], m[16], devs[LVM_MAX_SEGS][256];
	if (!lnx_name_ok(vg) || !lnx_name_ok(lv) || strchr(lv, '/') || strchr(vg, '/'))
		return vdm_err(err, -EINVAL, "VG %s LV %s: invalid name", vg, lv);
	if (copies < 2 || copies > 4 || !copy || copy->n_segs == 0 || copy->n_segs > LVM_MAX_SEGS)
		return vdm_err(err, -EINVAL, "%s/%s: add copy: bad request (%d copies, %zu PVs)",
			       vg, lv, copies, copy ? copy->n_segs : 0);
	snprintf(vglv, sizeof vglv, "%s/%s", vg, lv);
	if (!x->scripting) {
		int now, rc = lvm_copies(x, vglv, &now, err);
		if (rc < 0)
			return rc;
		if (now >= copies)
			return 0;                      /* done before: idempotent */
		if (now != copies - 1)
			return vdm_err(err, -EINVAL, "%s has %d copies; one step adds one copy to "
				       "reach %d", vglv, now, copies);
	}
	snprintf(m, sizeof m, "%d", copies - 1);
	const char *argv[8 + LVM_MAX_SEGS] = { "lvconvert", "-y", "--type", "raid1", "-m", m,
					       vglv };
	size_t argc = 7;
	int rc = lvm_copy_devs(x, copy, argv, &argc, sizeof argv / sizeof argv[0], devs, err);
	if (rc < 0)
		return rc;
	rc = lnx_run(x, argv, LNX_CMD_MS, NULL, err);
	if (rc < 0)
		vdm_err_prefix(err, "%s: add copy", vglv);
	return rc;
}

static int lvm_remove_copy(void *h, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char vglv[300], m[16], devs[LVM_MAX_SEGS][256];
	if (!lnx_name_ok(vg) || !lnx_name_ok(lv) || strchr(lv, '/') || strchr(vg, '/'))
		return vdm_err(err, -EINVAL, "VG %s LV %s: invalid name", vg, lv);
	if (!copy || copy->n_segs == 0 || copy->n_segs > LVM_MAX_SEGS)
		return vdm_err(err, -EINVAL, "%s/%s: remove copy: bad request", vg, lv);
	snprintf(vglv, sizeof vglv, "%s/%s", vg, lv);
	int now = 2;
	if (!x->scripting) {
		int rc = lvm_copies(x, vglv, &now, err);
		if (rc < 0)
			return rc;
		if (now <= 1)
			return 0;                      /* nothing left to remove */
		/* a copy never made (a repair's replace that did not run): its PVs hold nothing,
		 * and the LV's image count (lost images included) says nothing about it */
		bool used = false;
		for (size_t i = 0; i < copy->n_segs && !used; i++) {
			char dev[256];
			const char *q[] = { "pvs", "--reportformat", "json", "--units", "b",
					    "--nosuffix", "-o", "pv_name,pv_used", dev, NULL };
			json_t *row;
			if ((rc = lnx_disk_dev(x, copy->segs[i].pv, LNX_DISK_MS, dev, sizeof dev,
					       err)) < 0)
				return rc;
			if (lvm_query(x, q, "pv", &row, err) < 0) {
				used = true;           /* cannot tell: let lvconvert decide */
				continue;
			}
			used = lvm_num(row, "pv_used") != 0;
			json_decref(row);
		}
		if (!used)
			return 0;
	}
	/* -m counts mirrors beside the original (copies - 1): one copy less is -m now-2; with
	 * PVs, lvconvert removes the image that sits on them */
	snprintf(m, sizeof m, "%d", now - 2);
	const char *argv[8 + LVM_MAX_SEGS] = { "lvconvert", "-y", "-m", m, vglv };
	size_t argc = 5;
	int rc = lvm_copy_devs(x, copy, argv, &argc, sizeof argv / sizeof argv[0], devs, err);
	if (rc < 0)
		return rc;
	rc = lnx_run(x, argv, LNX_CMD_MS, NULL, err);
	if (rc < 0)
		vdm_err_prefix(err, "%s: remove copy", vglv);
	return rc;
}

static int lvm_sync_status(void *h, const char *vg, const char *lv, double *percent,
			   struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char vglv[300];
	if (!lnx_name_ok(vg) || !lnx_name_ok(lv))
		return vdm_err(err, -EINVAL, "VG %s LV %s: invalid name", vg, lv);
	if (x->scripting) {
		*percent = 100.0;
		return 0;
	}
	snprintf(vglv, sizeof vglv, "%s/%s", vg, lv);
	const char *argv[] = { "lvs", "--reportformat", "json", "-o",
			       "lv_name,sync_percent,raid_sync_action", vglv, NULL };
	json_t *row;
	int rc = lvm_query(x, argv, "lv", &row, err);
	if (rc < 0)
		return rc;
	const char *p = lvm_str(row, "sync_percent");
	if (!*p) {
		json_decref(row);
		return vdm_err(err, -EINVAL, "%s: not a mirrored LV (no sync_percent)", vglv);
	}
	*percent = strtod(p, NULL);
	json_decref(row);
	return 0;
}

/* ---- repair (issue 10) ---- */

/* An LV's health and its number of images (lost ones included), from a fresh lvs. */
static int lvm_health(struct vdm_transport *x, const char *vglv, char *health, size_t size,
		      int *copies, struct vdm_error *err)
{
	const char *argv[] = { "lvs", "--reportformat", "json", "-o",
			       "lv_name,lv_health_status,data_copies", vglv, NULL };
	json_t *row;
	int rc = lvm_query(x, argv, "lv", &row, err);
	if (rc < 0)
		return rc;
	snprintf(health, size, "%s", lvm_str(row, "lv_health_status"));
	int64_t n = lvm_num(row, "data_copies");
	*copies = n > 0 ? (int)n : 1;
	json_decref(row);
	return 0;
}

static int lvm_vglv(const char *vg, const char *lv, char *vglv, size_t size,
		    struct vdm_error *err)
{
	if (!lnx_name_ok(vg) || !lnx_name_ok(lv) || strchr(lv, '/') || strchr(vg, '/'))
		return vdm_err(err, -EINVAL, "VG %s LV %s: invalid name", vg, lv);
	snprintf(vglv, size, "%s/%s", vg, lv);
	return 0;
}

/* A PV whose disk is back: LVM's own cache of online PVs still leaves it out ("[unknown]",
 * checked in the lab: reads work again, `pvs` does not list the device until `pvscan
 * --cache`); a PV the VG metadata flags missing also needs `vgextend --restoremissing`. */
static int lvm_restore_pv(void *h, const char *vg, const char *disk, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char dev[256], cur[256];
	if (!lnx_name_ok(vg) || strchr(vg, '/'))
		return vdm_err(err, -EINVAL, "VG \"%s\": invalid name", vg);
	int rc = lnx_disk_dev(x, disk, LNX_DISK_MS, dev, sizeof dev, err);
	if (rc < 0)
		return rc;
	const char *scan[] = { "pvscan", "--cache", dev, NULL };
	if ((rc = lnx_run(x, scan, LNX_CMD_MS, NULL, err)) < 0 || x->scripting)
		return rc;
	const char *argv[] = { "pvs", "--reportformat", "json", "-o", "pv_name,vg_name,pv_attr",
			       dev, NULL };
	json_t *row;
	if ((rc = lvm_query(x, argv, "pv", &row, err)) < 0)
		return rc == -EPROTO ? vdm_err(err, -EAGAIN, "%s (%s): LVM does not read it yet",
					       disk, dev) : rc;
	snprintf(cur, sizeof cur, "%s", lvm_str(row, "vg_name"));
	bool flagged = strlen(lvm_str(row, "pv_attr")) >= 3 && lvm_str(row, "pv_attr")[2] == 'm';
	json_decref(row);
	if (strcmp(cur, vg))
		return vdm_err(err, -EAGAIN, "%s (%s): LVM sees it in VG \"%s\", not %s", disk, dev,
			       cur, vg);
	const char *restore[] = { "vgextend", "--restoremissing", vg, dev, NULL };
	return flagged ? lnx_run(x, restore, LNX_CMD_MS, NULL, err) : 0;
}

/* A raid1 leg whose disk came back: `lvchange --refresh` reloads the LV so dm-raid takes the
 * leg back and resyncs what changed. The first I/O after a server returns may still fail
 * (docs/internals/lab.md: 1-4 failed reads within 2.5 s), so a refresh that is refused or
 * leaves the leg "refresh needed" is tried again by the returning rule
 * (vdm_client_returning_try). */
static int lvm_resync_copy(void *h, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char vglv[300], health[128];
	int rc = lvm_vglv(vg, lv, vglv, sizeof vglv, err), n;
	if (rc < 0)
		return rc;
	/* LVM finds the leg by itself: it is the one on the returned PV */
	const char *refresh[] = { "lvchange", "--refresh", vglv, NULL };
	if (x->scripting)
		return lnx_run(x, refresh, LNX_CMD_MS, NULL, err);
	for (int attempt = 0; vdm_client_returning_try(attempt); attempt++) {
		/* a refresh that did not take is tried again, the first time at once, after taking
		 * the copy's PVs back: the session's take-back may have come while the disk's first
		 * reads still failed (docs/internals/lab.md, "When a server comes back"; seen: the
		 * agent's report reads the PV again while LVM's cache of online PVs still lacks it),
		 * and LVM then refuses the refresh of a partial LV */
		for (int pass = attempt > 0; pass < 2; pass++) {
			for (size_t i = 0; pass > 0 && i < copy->n_segs; i++) {
				struct vdm_error e2 = { 0 };
				(void)lvm_restore_pv(h, vg, copy->segs[i].pv, &e2);
			}
			if ((rc = lnx_run(x, refresh, LNX_CMD_MS, NULL, err)) < 0)
				continue;
			if ((rc = lvm_health(x, vglv, health, sizeof health, &n, err)) < 0)
				return rc;
			if (!strstr(health, "refresh") && !strstr(health, "partial"))
				return 0;
		}
	}
	if (rc < 0)
		return rc;
	return vdm_err(err, -EAGAIN, "%s: still \"%s\" after %d refreshes: is the copy's disk"
		       " really back?", vglv, health, VDM_RETURNING_TRIES + 1);
}

/* A lost raid1 leg: `lvconvert --repair` rebuilds the failed images on exactly the planned
 * PVs (given on its command line: LVM allocates nowhere else). The failed image leaves the LV's
 * metadata for good, so an unfinished run is finished by undo from here on (apply.h). */
static int lvm_replace_copy(void *h, const char *vg, const char *lv, int copies,
			    const struct vdm_plan_copy *lost, const struct vdm_plan_copy *copy,
			    struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char vglv[300], health[128], devs[LVM_MAX_SEGS][256];
	int rc = lvm_vglv(vg, lv, vglv, sizeof vglv, err);
	if (rc < 0)
		return rc;
	(void)lost;     /* the failed images are the ones on missing PVs: LVM knows them */
	if (!copy || copy->n_segs == 0 || copy->n_segs > LVM_MAX_SEGS || copies < 2)
		return vdm_err(err, -EINVAL, "%s: replace copy: bad request", vglv);
	if (!x->scripting) {
		int now;
		if ((rc = lvm_health(x, vglv, health, sizeof health, &now, err)) < 0)
			return rc;
		if (!strstr(health, "partial") && now >= copies)
			return 0;                      /* replaced before: idempotent */
	}
	const char *argv[8 + LVM_MAX_SEGS] = { "lvconvert", "-y", "--repair", vglv };
	size_t argc = 4;
	rc = lvm_copy_devs(x, copy, argv, &argc, sizeof argv / sizeof argv[0], devs, err);
	if (rc == 0)
		rc = lnx_run(x, argv, LNX_CMD_MS, NULL, err);
	if (rc < 0)
		vdm_err_prefix(err, "%s: replace the lost copy", vglv);
	return rc;
}

/* A surplus lost leg: one image fewer; LVM takes the failed image out first. */
static int lvm_drop_copy(void *h, const char *vg, const char *lv, int copies,
			 const struct vdm_plan_copy *lost, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char vglv[300], health[128], m[16];
	int rc = lvm_vglv(vg, lv, vglv, sizeof vglv, err), now;
	if (rc < 0)
		return rc;
	(void)lost;
	if (copies < 1 || copies > 4)
		return vdm_err(err, -EINVAL, "%s: drop copy to %d copies", vglv, copies);
	if (!x->scripting) {
		if ((rc = lvm_health(x, vglv, health, sizeof health, &now, err)) < 0)
			return rc;
		if (now <= copies)
			return 0;
	}
	snprintf(m, sizeof m, "%d", copies - 1);
	const char *argv[] = { "lvconvert", "-y", "-m", m, vglv, NULL };
	rc = lnx_run(x, argv, LNX_CMD_MS, NULL, err);
	if (rc < 0)
		vdm_err_prefix(err, "%s: drop the lost copy", vglv);
	return rc;
}

/* Missing PVs that hold nothing: `vgreduce --removemissing` (a no-op on a consistent VG). */
static int lvm_remove_missing(void *h, const char *vg, const char *const *disks, size_t n,
			      struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	(void)disks, (void)n;   /* LVM removes exactly the missing ones; the plan listed them */
	if (!lnx_name_ok(vg) || strchr(vg, '/'))
		return vdm_err(err, -EINVAL, "VG \"%s\": invalid name", vg);
	const char *argv[] = { "vgreduce", "--removemissing", vg, NULL };
	return lnx_run(x, argv, LNX_CMD_MS, NULL, err);
}

/* ---- several LVs of one VG at a time: round trips that do not grow with the LVs ---- */

/* lv_name -> row of `lvs -o lv_name,FIELD VG`, one query for the whole VG. */
static int lvm_vg_rows(struct vdm_transport *x, const char *vg, const char *field, json_t **rows,
		       struct vdm_error *err)
{
	CLEANUP_FREE char *fields = xasprintf("lv_name,%s", field);
	const char *argv[] = { "lvs", "--reportformat", "json", "-o", fields, vg, NULL };
	char *out = NULL;
	*rows = NULL;
	int rc = lnx_run(x, argv, LNX_QUERY_MS, &out, err);
	if (rc < 0)
		return rc;
	json_t *root = json_loads(out, 0, NULL);
	free(out);
	json_t *lv = json_object_get(json_array_get(json_object_get(root, "report"), 0), "lv");
	if (!json_is_array(lv)) {
		json_decref(root);
		return vdm_err(err, -EPROTO, "lvs %s: no lv rows in its JSON report", vg);
	}
	*rows = json_incref(lv);
	json_decref(root);
	return 0;
}

static const json_t *lvm_row_of(const json_t *rows, const char *lv)
{
	return lnx_find_named(rows, "lv_name", lv);
}

/* The copies each LV has, as lvs's data_copies rows, from the agent's lv_copies (the
 * device-mapper tables of the active LVs: no lvm start). -1 when the agent cannot say (an
 * older agent, an inactive LV, another layout): then lvs asks LVM. */
static int lvm_copies_from_dm(struct vdm_transport *x, const char *vg, size_t n,
			      const struct vdm_copy_req *reqs, json_t **rows)
{
	if (!x->request)
		return -1;
	json_t *names = json_array(), *reply = NULL;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(names, json_string(reqs[i].lv));
	json_t *req = json_pack("{s:s, s:s, s:o}", "op", "lv_copies", "vg", vg, "lvs", names);
	struct vdm_error e = { 0 };
	int rc = vdm_transport_request(x, req, &reply, LNX_QUERY_MS, &e);
	json_decref(req);
	if (rc < 0)
		return -1;
	json_t *got = json_object_get(reply, "lvs");
	json_t *out = json_array();
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *r = json_array_get(got, i);
		json_int_t c = json_integer_value(json_object_get(r, "copies"));
		if (c < 1 || c > 8 || strcmp(json_string_value(json_object_get(r, "name")) ?: "",
					     reqs[i].lv))
			rc = -1;
		else {
			char num[8];   /* LVM's reports give every number as a string */
			snprintf(num, sizeof num, "%d", (int)c);
			json_array_append_new(out, json_pack("{s:s, s:s}", "lv_name", reqs[i].lv,
							     "data_copies", num));
		}
	}
	json_decref(reply);
	if (rc < 0) {
		json_decref(out);
		return -1;
	}
	*rows = out;
	return 0;
}

/* One LV's lvconvert, built before anything runs. */
struct lvm_conv {
	char vglv[300], m[16], devs[LVM_MAX_SEGS][256];
	const char *argv[8 + LVM_MAX_SEGS];
	size_t lv;                  /* index in reqs */
};

/* Three kinds of round trip, however many LVs: one lvs for the copies every LV has, one
 * wait_disk per distinct disk of the new copies (they are the plan's new disks), one batch
 * with every lvconvert still needed. */
static int lvm_add_copies(void *h, const char *vg, size_t n, const struct vdm_copy_req *reqs,
			  struct vdm_batch_result *res, size_t *n_done, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	*n_done = 0;
	memset(res, 0, n * sizeof *res);
	if (!lnx_name_ok(vg) || strchr(vg, '/'))
		return vdm_err(err, -EINVAL, "VG %s: invalid name", vg);
	if (n == 0 || n > VDM_BATCH_MAX)
		return vdm_err(err, -EINVAL, "VG %s: add copies: %zu LVs (1 to %d at a time)", vg,
			       n, VDM_BATCH_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct vdm_copy_req *q = &reqs[i];
		if (!lnx_name_ok(q->lv) || strchr(q->lv, '/'))
			return vdm_err(err, -EINVAL, "VG %s LV %s: invalid name", vg, q->lv);
		if (q->copies < 2 || q->copies > 4 || !q->copy || q->copy->n_segs == 0 ||
		    q->copy->n_segs > LVM_MAX_SEGS)
			return vdm_err(err, -EINVAL, "%s/%s: add copy: bad request (%d copies)", vg,
				       q->lv, q->copies);
	}
	json_t *rows = NULL;
	if (!x->scripting && lvm_copies_from_dm(x, vg, n, reqs, &rows) < 0) {
		int rc = lvm_vg_rows(x, vg, "data_copies", &rows, err);
		if (rc < 0)
			return rc;
	}
	struct lvm_conv *conv = xcalloc(n, sizeof *conv);
	/* distinct disks -> devices, each asked once */
	size_t n_conv = 0, n_known = 0;
	const char **known = xcalloc(n * LVM_MAX_SEGS, sizeof *known);
	char (*known_dev)[256] = xcalloc(n * LVM_MAX_SEGS, sizeof *known_dev);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct vdm_copy_req *q = &reqs[i];
		struct lvm_conv *c = &conv[n_conv];
		snprintf(c->vglv, sizeof c->vglv, "%s/%s", vg, q->lv);
		if (rows) {
			const json_t *r = lvm_row_of(rows, q->lv);
			if (!r) {
				rc = vdm_err(err, -ENOENT, "%s: no such LV", c->vglv);
				break;
			}
			int64_t now = lvm_num(r, "data_copies");
			if (now <= 0)
				now = 1;
			if (now >= q->copies)
				continue;              /* done before: idempotent */
			if (now != q->copies - 1) {
				rc = vdm_err(err, -EINVAL, "%s has %d copies; one step adds one copy "
					     "to reach %d", c->vglv, (int)now, q->copies);
				break;
			}
		}
		snprintf(c->m, sizeof c->m, "%d", q->copies - 1);
		const char *head[] = { "lvconvert", "-y", "--type", "raid1", "-m", c->m, c->vglv };
		size_t argc = 7;
		memcpy(c->argv, head, sizeof head);
		for (size_t sgi = 0; sgi < q->copy->n_segs && rc == 0; sgi++) {
			const char *pv = q->copy->segs[sgi].pv;
			size_t k = 0;
			while (k < n_known && strcmp(known[k], pv))
				k++;
			if (k == n_known) {
				rc = lnx_disk_dev(x, pv, LNX_DISK_MS, known_dev[k], 256, err);
				known[n_known++] = pv;
			}
			bool dup = false;
			for (size_t a = 7; a < argc; a++)
				dup |= !strcmp(c->argv[a], known_dev[k]);
			if (!dup)
				c->argv[argc++] = known_dev[k];
		}
		c->argv[argc] = NULL;
		c->lv = i;
		n_conv++;
	}
	json_decref(rows);
	if (rc < 0)
		goto out;
	const char *const **cmds = xcalloc(n_conv ? n_conv : 1, sizeof *cmds);
	for (size_t k = 0; k < n_conv; k++)
		cmds[k] = conv[k].argv;
	struct vdm_batch_result *br = xcalloc(n_conv ? n_conv : 1, sizeof *br);
	size_t ran = 0;
	rc = n_conv ? vdm_transport_batch(x, cmds, n_conv, LNX_CMD_MS, br, &ran, err) : 0;
	if (rc < 0 && ran == 0) {
		free(cmds), free(br);
		goto out;
	}
	/* back to the caller's order: LVs with nothing to do take the time of the check */
	struct timeval tv;
	gettimeofday(&tv, NULL);
	int64_t wall = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k < n_conv && conv[k].lv == i) {
			if (k >= ran)
				break;
			res[i] = br[k];
			*n_done = i + 1;
			if (br[k].status != 0) {
				vdm_err_prefix(err, "%s: add copy", conv[k].vglv);
				break;
			}
			k++;
			continue;
		}
		res[i].started_at = res[i].finished_at = wall;
		*n_done = i + 1;
	}
	/* results past the failing one were never handed over */
	for (size_t m = k + 1; m < ran; m++)
		vdm_batch_results_free(&br[m], 1);
	free(cmds), free(br);
out:
	free(known), free(known_dev), free(conv);
	return rc;
}

static int lvm_sync_status_all(void *h, const char *vg, size_t n, const char *const lvs[],
			       int64_t wait_ms, double percent[], struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	if (!lnx_name_ok(vg) || strchr(vg, '/'))
		return vdm_err(err, -EINVAL, "VG %s: invalid name", vg);
	if (x->scripting) {
		for (size_t i = 0; i < n; i++)
			percent[i] = 100.0;
		return 0;
	}
	if (x->request && n <= VDM_BATCH_MAX) {
		/* the agent reads dm-raid's status itself: no lvm start per poll */
		json_t *names = json_array(), *reply = NULL;
		for (size_t i = 0; i < n; i++)
			json_array_append_new(names, json_string(lvs[i]));
		/* the agent holds the answer while the sync runs (an older one answers at once) */
		if (wait_ms > LNX_SYNC_WAIT_MAX_MS)
			wait_ms = LNX_SYNC_WAIT_MAX_MS;
		json_t *req = json_pack("{s:s, s:s, s:o, s:I}", "op", "sync_lvs", "vg", vg, "lvs",
					names, "wait_ms", (json_int_t)(wait_ms > 0 ? wait_ms : 0));
		struct vdm_error e = { 0 };
		int rc = vdm_transport_request(x, req, &reply, LNX_QUERY_MS + wait_ms, &e);
		json_decref(req);
		if (rc == 0) {
			json_t *rows = json_object_get(reply, "lvs");
			for (size_t i = 0; i < n && rc == 0; i++) {
				json_t *r = json_array_get(rows, i);
				if (!json_is_number(json_object_get(r, "percent")))
					rc = vdm_err(err, -EPROTO, "%s/%s: no sync percent from the agent",
						     vg, lvs[i]);
				else
					percent[i] = json_number_value(json_object_get(r, "percent"));
			}
			json_decref(reply);
			return rc;
		}
		if (!strstr(e.msg, "unknown op")) {
			*err = e;
			return rc;
		}
		/* an agent from before sync_lvs: lvs below */
	}
	json_t *rows;
	int rc = lvm_vg_rows(x, vg, "sync_percent,raid_sync_action", &rows, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const json_t *r = lvm_row_of(rows, lvs[i]);
		const char *p = r ? lvm_str(r, "sync_percent") : "";
		if (!*p)
			rc = vdm_err(err, -EINVAL, "%s/%s: %s", vg, lvs[i],
				     r ? "not a mirrored LV (no sync_percent)" : "no such LV");
		else
			percent[i] = strtod(p, NULL);
	}
	json_decref(rows);
	return rc;
}

const struct vdm_client_ops vdm_client_linux_lvm = {
	.name = "linux-lvm",
	.caps = VDM_CLIENT_AUTOMATED | VDM_CLIENT_SCRIPT,
	.open = lnx_open,
	.close = lnx_close,
	.discover = lvm_discover,
	.wait_disk = lnx_wait_disk,
	.add_pv = lvm_add_pv,
	.remove_pv = lvm_remove_pv,
	.add_copy = lvm_add_copy,
	.remove_copy = lvm_remove_copy,
	.sync_status = lvm_sync_status,
	.resync_copy = lvm_resync_copy,
	.replace_copy = lvm_replace_copy,
	.drop_copy = lvm_drop_copy,
	.remove_missing = lvm_remove_missing,
	.restore_pv = lvm_restore_pv,
	.add_copies = lvm_add_copies,
	.sync_status_all = lvm_sync_status_all,
	.sync_rate = lnx_sync_rate,
};
