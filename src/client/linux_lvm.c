/* linux_lvm.c: the linux-lvm client driver: LVM2 volume groups in a Linux partition, mirrored
 * with raid1 LVs (`lvconvert --type raid1 -m N` on the exact PVs of the plan).
 * Commands reach the partition only through struct vdm_exec, so the driver also writes
 * scripts; discovery reads the agent's report (docs/internals/agent.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "linux.h"
#include "vdmirror/client.h"
#include "vdmirror/util.h"

#define MIB (1024 * 1024LL)

/* LVM's JSON gives every number as a string. */
static int64_t lvm_num(const json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));
	return s && *s ? strtoll(s, NULL, 10) : -1;
}

static const char *lvm_str(const json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));
	return s ? s : "";
}

/* Adds `extents` on `pv` to a copy (a JSON array of {pv, extents}), merging with an existing
 * segment on the same PV: the inventory counts extents per PV and copy, not LVM's ranges. */
static void copy_add(json_t *copy, const char *pv, int64_t extents)
{
	size_t i;
	json_t *seg;
	json_array_foreach(copy, i, seg)
		if (!strcmp(json_string_value(json_object_get(seg, "pv")), pv)) {
			json_object_set_new(seg, "extents",
				json_integer(json_integer_value(json_object_get(seg, "extents")) +
					     extents));
			return;
		}
	json_array_append_new(copy, json_pack("{s:s, s:I}", "pv", pv, "extents",
					      (json_int_t)extents));
}

/* The disk (serial) behind a PV path, through the report's pvs and disks. */
static const char *pv_disk(const json_t *report, const char *pv_name)
{
	if (strncmp(pv_name, "/dev/", 5))
		return NULL;
	return lnx_serial_of(report, pv_name + 5);
}

/* "DEV:a-b DEV:c-d" (seg_pe_ranges) into a copy. For a raid1 LV the "DEV"s are its images. */
static int ranges_add(const json_t *report, const char *ranges, json_t *copy, const char *what,
		      struct vdm_error *err)
{
	CLEANUP_FREE char *dup = xstrdup(ranges);
	char *save = NULL;
	for (char *tok = strtok_r(dup, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strrchr(tok, ':');
		long long a, b;
		if (!colon || sscanf(colon + 1, "%lld-%lld", &a, &b) != 2 || b < a)
			return vdm_err(err, -EPROTO, "%s: cannot read LVM range \"%s\"", what, tok);
		*colon = '\0';
		/* a PV whose disk is gone (its server died): this copy has lost extents */
		if (!strcmp(tok, "[unknown]"))
			return vdm_err(err, -ENODEV, "%s: extents on a missing PV", what);
		const char *disk = pv_disk(report, tok);
		if (!disk)
			return vdm_err(err, -ENOENT, "%s: PV %s is not a whole disk with a serial "
				       "(missing, or a partition): vdmirror handles whole-disk PVs",
				       what, tok);
		copy_add(copy, disk, b - a + 1);
	}
	return 0;
}

static const json_t *find_rows(const json_t *segs, const char *vg, const char *lv, size_t from,
			       size_t *at)
{
	for (size_t i = from; i < json_array_size(segs); i++) {
		const json_t *r = json_array_get(segs, i);
		if (!strcmp(lvm_str(r, "vg_name"), vg) && !strcmp(lvm_str(r, "lv_name"), lv)) {
			*at = i;
			return r;
		}
	}
	return NULL;
}

/* One copy per raid1/mirror image, from the image sub-LVs' own (linear) segments. */
static int lv_image_copies(const json_t *report, const json_t *segs, const char *vg,
			   const char *ranges, json_t *copies, const char *what,
			   struct vdm_error *err)
{
	CLEANUP_FREE char *dup = xstrdup(ranges);
	char *save = NULL;
	bool lost = false;
	for (char *tok = strtok_r(dup, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strrchr(tok, ':');
		if (colon)
			*colon = '\0';
		if (!strstr(tok, "_rimage_") && !strstr(tok, "_mimage_"))
			continue;
		char sub[300];
		snprintf(sub, sizeof sub, "[%s]", tok);
		json_t *copy = json_array();
		size_t at = 0;
		for (const json_t *r = find_rows(segs, vg, sub, 0, &at); r;
		     r = find_rows(segs, vg, sub, at + 1, &at)) {
			if (strcmp(lvm_str(r, "segtype"), "linear") &&
			    strcmp(lvm_str(r, "segtype"), "striped")) {
				json_decref(copy);
				return vdm_err(err, -ENOTSUP, "%s: image %s has segment type %s "
					       "(nested layouts are not handled)", what, tok,
					       lvm_str(r, "segtype"));
			}
			int rc = ranges_add(report, lvm_str(r, "seg_pe_ranges"), copy, what, err);
			if (rc == -ENODEV) {
				/* an image on a missing PV is no copy any more: the audit must see
				 * the LV with what survives */
				json_array_clear(copy);
				lost = true;
				break;
			}
			if (rc < 0) {
				json_decref(copy);
				return rc;
			}
		}
		if (lost) {
			json_decref(copy);
			lost = false;
			continue;
		}
		if (json_array_size(copy) == 0) {
			json_decref(copy);
			return vdm_err(err, -EPROTO, "%s: image %s not in the report", what, tok);
		}
		json_array_append_new(copies, copy);
	}
	return 0;
}

/* Builds the LVs of one VG from the report's segment rows. */
static int lvm_vg_lvs(const json_t *report, const char *vg, json_t *lvs, struct vdm_error *err)
{
	const json_t *segs = json_object_get(json_object_get(report, "lvm"), "segs");
	for (size_t i = 0; i < json_array_size(segs); i++) {
		const json_t *row = json_array_get(segs, i);
		const char *name = lvm_str(row, "lv_name");
		if (strcmp(lvm_str(row, "vg_name"), vg) || name[0] == '[')
			continue;
		size_t at;
		if (find_rows(segs, vg, name, 0, &at) && at < i)
			continue;   /* a later segment of an LV already built */
		char what[300];
		snprintf(what, sizeof what, "VG %s LV %s", vg, name);
		if (!lnx_name_ok(name))
			return vdm_err(err, -EINVAL, "%s: name not usable by vdmirror", what);
		json_t *copies = json_array();
		json_t *linear = NULL;
		int64_t extents = 0;
		int rc = 0;
		for (const json_t *r = row; r && rc == 0; r = find_rows(segs, vg, name, at + 1, &at)) {
			const char *type = lvm_str(r, "segtype");
			extents += lvm_num(r, "seg_size_pe");
			if (!strcmp(type, "linear") || !strcmp(type, "striped")) {
				if (!linear) {
					linear = json_array();
					json_array_append_new(copies, linear);
				}
				rc = ranges_add(report, lvm_str(r, "seg_pe_ranges"), linear, what, err);
			} else if (!strcmp(type, "raid1") || !strcmp(type, "mirror")) {
				if (json_array_size(copies) == 0) {
					rc = lv_image_copies(report, segs, vg,
							     lvm_str(r, "seg_pe_ranges"), copies, what,
							     err);
					if (rc == 0 && json_array_size(copies) == 0)
						rc = vdm_err(err, -ENODEV, "%s: every copy has extents "
							     "on a missing PV", what);
				}
			} else {
				rc = vdm_err(err, -ENOTSUP, "%s: segment type %s is not handled "
					     "(linear, striped, raid1, mirror)", what, type);
			}
			if (r == row)
				at = i;
		}
		if (rc < 0) {
			json_decref(copies);
			return rc;
		}
		json_array_append_new(lvs, json_pack("{s:s, s:I, s:o}", "name", name, "extents",
						     (json_int_t)extents, "copies", copies));
	}
	return 0;
}

/* The formats-v1 "vgs" array from an agent report. Kept separate from the I/O so the unit
 * tests can feed it reports recorded from a real guest. */
int vdm_lvm_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err);
int vdm_lvm_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err)
{
	*vgs_out = NULL;
	const json_t *lvm = json_object_get(report, "lvm");
	if (!lvm)
		return vdm_err(err, -ENOENT, "linux-lvm: the partition reports no LVM (%s)",
			       json_string_value(json_object_get(report, "lvm_error")) ?: "no lvm");
	json_t *vgs = json_array();
	size_t i;
	json_t *vgrow;
	json_array_foreach(json_object_get(lvm, "vgs"), i, vgrow) {
		const char *vg = lvm_str(vgrow, "vg_name");
		int64_t ext = lvm_num(vgrow, "vg_extent_size");
		if (!lnx_name_ok(vg) || ext <= 0 || ext % MIB) {
			json_decref(vgs);
			return vdm_err(err, -ENOTSUP, "VG %s: name or extent size (%lld bytes) not "
				       "usable (whole MiB needed)", vg, (long long)ext);
		}
		json_t *pvs = json_array();
		int64_t overhead = 0;
		size_t k;
		json_t *pv;
		json_array_foreach(json_object_get(lvm, "pvs"), k, pv) {
			if (strcmp(lvm_str(pv, "vg_name"), vg))
				continue;
			/* a missing PV holds no extent anyone can use; the copies on it are
			 * dropped below */
			if (!strcmp(lvm_str(pv, "pv_name"), "[unknown]"))
				continue;
			const char *disk = pv_disk(report, lvm_str(pv, "pv_name"));
			if (!disk) {
				json_decref(pvs), json_decref(vgs);
				return vdm_err(err, -ENOENT, "VG %s: PV %s is not a whole disk with a "
					       "serial (missing, or a partition)", vg,
					       lvm_str(pv, "pv_name"));
			}
			int64_t total = lvm_num(pv, "pv_pe_count"), used = lvm_num(pv, "pv_pe_alloc_count");
			/* a new disk loses pe_start (label + metadata area) before its first extent */
			int64_t pe_start = lvm_num(pv, "pe_start");
			int64_t ov = (pe_start + MIB - 1) / MIB;
			if (ov > overhead)
				overhead = ov;
			json_array_append_new(pvs, json_pack("{s:s, s:I, s:I}", "disk", disk,
				"total_extents", (json_int_t)total, "free_extents",
				(json_int_t)(total - used)));
		}
		json_t *lvs = json_array();
		int rc = lvm_vg_lvs(report, vg, lvs, err);
		if (rc < 0) {
			json_decref(pvs), json_decref(lvs), json_decref(vgs);
			return rc;
		}
		json_array_append_new(vgs, json_pack("{s:s, s:I, s:I, s:i, s:o, s:o}", "name", vg,
			"extent_mib", (json_int_t)(ext / MIB), "pv_overhead_mib", (json_int_t)overhead,
			"copy_meta_extents", 1, "pvs", pvs, "lvs", lvs));
	}
	*vgs_out = vgs;
	return 0;
}

static int lvm_discover(struct vdm_exec *x, json_t *partition, struct vdm_error *err)
{
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
	rc = vdm_lvm_vgs_from_report(report, &vgs, err);
	json_decref(report);
	if (rc < 0)
		return rc;
	lnx_append_vgs(partition, vgs);
	return 0;
}

/* One row of an lvm JSON report printed by a command run through x. */
static int lvm_query(struct vdm_exec *x, const char *const argv[], const char *key,
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

/* Which VG holds the PV on dev: "" for a PV in no VG; -ENOENT when dev is not a PV. */
static int lvm_pv_vg(struct vdm_exec *x, const char *dev, char *vg, size_t size,
		     struct vdm_error *err)
{
	const char *argv[] = { "pvs", "--reportformat", "json", "-o", "pv_name,vg_name", dev,
			       NULL };
	char *out = NULL;
	struct vdm_error e2 = { 0 };
	if (lnx_run(x, argv, LNX_QUERY_MS, &out, &e2) < 0) {
		/* pvs exits 5 with "Failed to find physical volume" on a disk with no label */
		if (strstr(e2.msg, "Failed to find") || strstr(e2.msg, "not found"))
			return -ENOENT;
		*err = e2;
		return e2.code ? e2.code : -EIO;
	}
	json_t *root = json_loads(out, 0, NULL);
	free(out);
	json_t *r = json_array_get(json_object_get(json_array_get(json_object_get(root, "report"),
								  0), "pv"), 0);
	if (!r) {
		json_decref(root);
		return -ENOENT;
	}
	snprintf(vg, size, "%s", lvm_str(r, "vg_name"));
	json_decref(root);
	return 0;
}

static int lvm_add_pv(struct vdm_exec *x, const char *vg, const char *disk,
		      struct vdm_error *err)
{
	char dev[256], cur[256];
	if (!lnx_name_ok(vg))
		return vdm_err(err, -EINVAL, "VG \"%s\": invalid name", vg);
	int rc = lnx_disk_dev(x, disk, LNX_DISK_MS, dev, sizeof dev, err);
	if (rc < 0)
		return rc;
	/* Try first, look only when it fails: a check before every add costs one more lvm
	 * start (~0.3 s under TCG) on the path every run takes. Both commands refuse what must
	 * not happen: pvcreate (no -y) a disk with any other signature or a PV of a VG, vgextend
	 * a PV of another VG. One round trip for both; the batch stops at a failing pvcreate. */
	const char *pvcreate[] = { "pvcreate", dev, NULL };
	const char *vgextend[] = { "vgextend", vg, dev, NULL };
	const char *const *cmds[] = { pvcreate, vgextend };
	struct vdm_batch_result res[2];
	size_t done = 0;
	rc = vdm_exec_batch(x, cmds, 2, LNX_CMD_MS, res, &done, err);
	vdm_batch_results_free(res, done);
	if (rc != -EIO || x->scripting)
		return rc;
	/* done before (a resumed run), a PV left in no VG, or a refusal to quote as it is */
	struct vdm_error first = *err;
	int crc = lvm_pv_vg(x, dev, cur, sizeof cur, err);
	if (crc == 0 && !strcmp(cur, vg))
		return 0;                      /* done before: idempotent */
	if (crc == 0 && cur[0])
		return vdm_err(err, -EEXIST, "disk %s (%s) already belongs to VG %s", disk, dev,
			       cur);
	if (crc == 0)
		return lnx_run(x, vgextend, LNX_CMD_MS, NULL, err);
	*err = first;
	return rc;
}

static int lvm_remove_pv(struct vdm_exec *x, const char *vg, const char *disk,
			 struct vdm_error *err)
{
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

/* How many copies lv has now (raid1/mirror images; 1 for a plain LV). */
static int lvm_copies(struct vdm_exec *x, const char *vglv, int *copies, struct vdm_error *err)
{
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
static int lvm_copy_devs(struct vdm_exec *x, const struct vdm_plan_copy *copy,
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

static int lvm_add_copy(struct vdm_exec *x, const char *vg, const char *lv, int copies,
			const struct vdm_plan_copy *copy, struct vdm_error *err)
{
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

static int lvm_remove_copy(struct vdm_exec *x, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err)
{
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

static int lvm_sync_status(struct vdm_exec *x, const char *vg, const char *lv, double *percent,
			   struct vdm_error *err)
{
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

/* ---- several LVs of one VG at a time: round trips that do not grow with the LVs ---- */

/* lv_name -> row of `lvs -o lv_name,FIELD VG`, one query for the whole VG. */
static int lvm_vg_rows(struct vdm_exec *x, const char *vg, const char *field, json_t **rows,
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
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		if (!strcmp(lvm_str(r, "lv_name"), lv))
			return r;
	return NULL;
}

/* The copies each LV has, as lvs's data_copies rows, from the agent's lv_copies (the
 * device-mapper tables of the active LVs: no lvm start). -1 when the agent cannot say (an
 * older agent, an inactive LV, another layout): then lvs asks LVM. */
static int lvm_copies_from_dm(struct vdm_exec *x, const char *vg, size_t n,
			      const struct vdm_copy_req *reqs, json_t **rows)
{
	if (!x->request)
		return -1;
	json_t *names = json_array(), *reply = NULL;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(names, json_string(reqs[i].lv));
	json_t *req = json_pack("{s:s, s:s, s:o}", "op", "lv_copies", "vg", vg, "lvs", names);
	struct vdm_error e = { 0 };
	int rc = x->request(x->ctx, req, &reply, LNX_QUERY_MS, &e);
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
static int lvm_add_copies(struct vdm_exec *x, const char *vg, size_t n,
			  const struct vdm_copy_req *reqs, struct vdm_batch_result *res,
			  size_t *n_done, struct vdm_error *err)
{
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
	rc = n_conv ? vdm_exec_batch(x, cmds, n_conv, LNX_CMD_MS, br, &ran, err) : 0;
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

static int lvm_sync_status_all(struct vdm_exec *x, const char *vg, size_t n,
			       const char *const lvs[], double percent[], struct vdm_error *err)
{
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
		json_t *req = json_pack("{s:s, s:s, s:o}", "op", "sync_lvs", "vg", vg, "lvs", names);
		struct vdm_error e = { 0 };
		int rc = x->request(x->ctx, req, &reply, LNX_QUERY_MS, &e);
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
	.discover = lvm_discover,
	.wait_disk = lnx_wait_disk,
	.add_pv = lvm_add_pv,
	.remove_pv = lvm_remove_pv,
	.add_copy = lvm_add_copy,
	.remove_copy = lvm_remove_copy,
	.sync_status = lvm_sync_status,
	.add_copies = lvm_add_copies,
	.sync_status_all = lvm_sync_status_all,
	.sync_rate = lnx_sync_rate,
};
