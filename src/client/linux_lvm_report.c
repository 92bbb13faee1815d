/* linux_lvm_report.c: the linux-lvm driver's reading of the agent's report: LVM2's JSON rows
 * (vgs, pvs, lvs with segments, and the device-mapper list) into formats-v1 "vgs", with lost
 * copies (missing PVs), stale raid1 images and their resync progress. No I/O: the driver
 * (linux_lvm.c) asks for the report, the unit tests and fuzz targets feed recorded ones. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "linux.h"
#include "vdmirror/util.h"
#include "vdmirror/warnings.h"

#define MIB (1024 * 1024LL)

/* LVM's JSON gives every number as a string; a guest writes it, so only plain decimal digits
 * that fit in int64_t count (strtoll took "-9223372036854775807" and wrapped later sums).
 * -1: absent or not such a number. */
int64_t lvm_num(const json_t *row, const char *key)
{
	return lnx_count(json_string_value(json_object_get(row, key)));
}

const char *lvm_str(const json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));
	return s ? s : "";
}

/* What a report is read through, built once: every lookup is a hash lookup, so reading a
 * report is linear in its size (it used to scan every segment row per LV: one segment per LV,
 * 16k LVs, 18.7 s; issue 9). */
struct lvm_idx {
	json_t *serials;          /* kernel disk name -> serial */
	json_t *rows;             /* lvm_key(vg, lv) -> [its segment rows, in report order] */
	json_t *lvs;              /* vg -> [its top-level LV names, first seen first] */
	json_t *pvs;              /* vg -> [its pv rows] */
	json_t *dm;               /* device-mapper name -> [kernel names of the disks under it] */
};

/* Unambiguous whatever the names hold (they are checked later, the index comes first). */
static char *lvm_key(const char *vg, const char *lv)
{
	return xasprintf("%zu:%s/%s", strlen(vg), vg, lv);
}

static json_t *lvm_list(json_t *obj, const char *key)
{
	json_t *a = json_object_get(obj, key);
	if (!a) {
		a = json_array();
		json_object_set_new_nocheck(obj, key, a);
	}
	return a;
}

static void lvm_idx_build(const json_t *report, struct lvm_idx *x)
{
	const json_t *lvm = json_object_get(report, "lvm");
	size_t i;
	json_t *r;
	x->serials = lnx_disk_serials(report);
	x->rows = json_object();
	x->lvs = json_object();
	x->pvs = json_object();
	json_array_foreach(json_object_get(lvm, "segs"), i, r) {
		const char *vg = lvm_str(r, "vg_name"), *lv = lvm_str(r, "lv_name");
		CLEANUP_FREE char *key = lvm_key(vg, lv);
		json_t *rows = json_object_get(x->rows, key);
		if (!rows) {
			rows = json_array();
			json_object_set_new_nocheck(x->rows, key, rows);
			if (lv[0] != '[')
				json_array_append_new(lvm_list(x->lvs, vg), json_string_nocheck(lv));
		}
		json_array_append(rows, r);
	}
	json_array_foreach(json_object_get(lvm, "pvs"), i, r)
		json_array_append(lvm_list(x->pvs, lvm_str(r, "vg_name")), r);
	x->dm = json_object();
	json_array_foreach(json_object_get(report, "dm"), i, r) {
		const char *n = json_string_value(json_object_get(r, "name"));
		json_t *sl = json_object_get(r, "slaves");
		if (n && json_is_array(sl))
			json_object_set_nocheck(x->dm, n, sl);
	}
}

static void lvm_idx_free(struct lvm_idx *x)
{
	json_decref(x->serials);
	json_decref(x->rows);
	json_decref(x->lvs);
	json_decref(x->pvs);
	json_decref(x->dm);
}

static const json_t *lvm_rows(const struct lvm_idx *x, const char *vg, const char *lv)
{
	CLEANUP_FREE char *key = lvm_key(vg, lv);
	return json_object_get(x->rows, key);
}

/* One copy being built: its segments ({pv, extents}, a JSON array) and, by PV, the segment
 * that counts that PV's extents: the inventory counts extents per PV and copy, not LVM's
 * ranges. */
struct lvm_copy {
	json_t *segs;
	json_t *by_pv;
};

static void lvm_copy_init(struct lvm_copy *c)
{
	c->segs = json_array();
	c->by_pv = json_object();
}

static int copy_add(struct lvm_copy *c, const char *pv, int64_t extents, const char *what,
		    struct vdm_error *err)
{
	json_t *seg = json_object_get(c->by_pv, pv);
	if (seg) {
		int64_t sum;
		if (__builtin_add_overflow(json_integer_value(json_object_get(seg, "extents")),
					   extents, &sum))
			return vdm_err(err, -EPROTO, "%s: extents on PV %s overflow", what, pv);
		json_object_set_new(seg, "extents", json_integer(sum));
		return 0;
	}
	seg = json_pack("{s:s, s:I}", "pv", pv, "extents", (json_int_t)extents);
	json_object_set_nocheck(c->by_pv, pv, seg);
	json_array_append_new(c->segs, seg);
	return 0;
}

/* The disk (serial) behind a PV path, through the report's pvs and disks. */
static const char *pv_disk(const struct lvm_idx *x, const char *pv_name)
{
	if (strncmp(pv_name, "/dev/", 5))
		return NULL;
	const char *s = json_string_value(json_object_get(x->serials, pv_name + 5));
	return s && *s ? s : NULL;
}

/* "a-b" of a PE range: two counts, b >= a. */
static int lvm_range(const char *s, int64_t *a, int64_t *b)
{
	const char *dash = strchr(s, '-');
	if (!dash)
		return -1;
	CLEANUP_FREE char *first = strndup(s, (size_t)(dash - s));
	*a = lnx_count(first);
	*b = lnx_count(dash + 1);
	return *a < 0 || *b < *a || *b == INT64_MAX ? -1 : 0;
}

/* "DEV:a-b DEV:c-d" (seg_pe_ranges) into a copy. For a raid1 LV the "DEV"s are its images. */
static int ranges_add(const struct lvm_idx *x, const char *ranges, const char *missing,
		      struct lvm_copy *copy, const char *what, struct vdm_error *err)
{
	CLEANUP_FREE char *dup = xstrdup(ranges);
	char *save = NULL;
	for (char *tok = strtok_r(dup, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strrchr(tok, ':');
		int64_t a, b;
		if (!colon || lvm_range(colon + 1, &a, &b) < 0)
			return vdm_err(err, -EPROTO, "%s: cannot read LVM range \"%s\"", what, tok);
		*colon = '\0';
		/* a PV whose disk is gone (its server died): this copy has lost extents; they
		 * count on that disk when the VG's missing PV could be named (lvm_missing_disk) */
		const char *disk;
		if (!strcmp(tok, "[unknown]")) {
			if (!missing)
				return vdm_err(err, -ENODEV, "%s: extents on a missing PV", what);
			disk = missing;
		} else {
			disk = pv_disk(x, tok);
		}
		if (!disk)
			return vdm_err(err, -ENOENT, "%s: PV %s is not a whole disk with a serial "
				       "(missing, or a partition): vdmirror handles whole-disk PVs",
				       what, tok);
		int rc = copy_add(copy, disk, b - a + 1, what, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A raid1/mirror image the kernel does not hold in sync: 'I' (out of sync: resyncing, or a
 * leg that failed and came back) in lv_attr's first character, or health 'r' (refresh
 * needed: the leg failed, its device is back) in the ninth. *resyncing: 'I' without 'r'. */
static bool lvm_image_stale(const struct lvm_idx *x, const char *vg, const char *sub,
			    bool *resyncing)
{
	const char *attr = lvm_str(json_array_get(lvm_rows(x, vg, sub), 0), "lv_attr");
	bool refresh = strlen(attr) >= 9 && attr[8] == 'r';
	*resyncing = attr[0] == 'I' && !refresh;
	return attr[0] == 'I' || refresh;
}

/* Which disk the extents LVM reports on "[unknown]" are on: per LV (bare name, from the
 * kernel's mapping), else the VG's one missing disk; NULL members: not known. */
struct lvm_lost {
	const char *single;
	json_t *by_lv;
};

static const char *lost_disk(const struct lvm_lost *l, const char *lv)
{
	const char *d = json_string_value(json_object_get(l->by_lv, lv));
	return d ? d : l->single;
}

/* How far the kernel has brought a raid1/mirror LV's out-of-sync images: its sync_percent
 * ("42.00", LVM's two decimals; the guest's word), floored to a whole percent. -1 when there is
 * none ("": inactive, or not a mirror) or it is no percent (then *bad is set): the stale copy
 * is shown without progress, never with the guest's number. */
static int lvm_sync_percent(const char *s, bool *bad)
{
	*bad = false;
	if (!*s)
		return -1;
	size_t n = strspn(s, "0123456789");
	bool frac_ok = s[n] == '\0' || (s[n] == '.' && s[n + 1] &&
					 s[n + 1 + strspn(s + n + 1, "0123456789")] == '\0');
	int v = n >= 1 && n <= 3 ? atoi(s) : 101;
	if (!frac_ok || v > 100 || (v == 100 && s[n] == '.' && strspn(s + n + 1, "0") !=
				    strlen(s + n + 1))) {
		*bad = true;
		return -1;
	}
	return v;
}

/* The last stale index and its progress entry, when they name copy `c` (a copy found lost or
 * left out after its image was seen out of sync). */
static void stale_forget(json_t *stale, json_t *progress, size_t c)
{
	size_t n = json_array_size(stale);
	if (n && json_integer_value(json_array_get(stale, n - 1)) == (json_int_t)c) {
		json_array_remove(stale, n - 1);
		json_array_remove(progress, n - 1);
	}
}

/* One copy per raid1/mirror image, from the image sub-LVs' own (linear) segments. A stale
 * image's index goes into `stale`, and into `progress` at the same place the LV's resync
 * percent (`sync`, -1: not known) when the image is resyncing ('I'), else null: an image
 * waiting for a refresh is not being brought up to date. */
static int lv_image_copies(const struct lvm_idx *x, const char *vg, const char *ranges,
			   const struct lvm_lost *lostd, int sync, json_t *copies, json_t *stale,
			   json_t *progress, const char *what, struct vdm_error *err)
{
	CLEANUP_FREE char *dup = xstrdup(ranges);
	char *save = NULL;
	for (char *tok = strtok_r(dup, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strrchr(tok, ':');
		if (colon)
			*colon = '\0';
		if (!strstr(tok, "_rimage_") && !strstr(tok, "_mimage_"))
			continue;
		CLEANUP_FREE char *sub = xasprintf("[%s]", tok);
		const char *missing = lost_disk(lostd, tok);
		struct lvm_copy copy;
		lvm_copy_init(&copy);
		bool lost = false;
		size_t i;
		const json_t *r;
		int rc = 0;
		bool resyncing;
		if (lvm_image_stale(x, vg, sub, &resyncing)) {
			json_array_append_new(stale, json_integer((json_int_t)json_array_size(copies)));
			/* 100 % with an image still out of sync: LVM has not caught up, no number */
			json_array_append_new(progress, resyncing && sync >= 0 && sync < 100 ?
					      json_integer(sync) : json_null());
		}
		json_array_foreach(lvm_rows(x, vg, sub), i, r) {
			if (strcmp(lvm_str(r, "segtype"), "linear") &&
			    strcmp(lvm_str(r, "segtype"), "striped")) {
				rc = vdm_err(err, -ENOTSUP, "%s: image %s has segment type %s "
					     "(nested layouts are not handled)", what, tok,
					     lvm_str(r, "segtype"));
				break;
			}
			rc = ranges_add(x, lvm_str(r, "seg_pe_ranges"), missing, &copy, what, err);
			if (rc == -ENODEV) {
				/* an image on a missing PV nobody could name: left out, so the audit
				 * sees the LV with what survives (a named one stays, lost) */
				lost = true;
				rc = 0;
				break;
			}
			if (rc < 0)
				break;
		}
		/* a copy on the missing disk is lost, which says more than stale */
		if (missing && json_object_get(copy.by_pv, missing))
			stale_forget(stale, progress, json_array_size(copies));
		json_decref(copy.by_pv);
		if (rc < 0 || lost) {
			json_decref(copy.segs);
			if (rc < 0)
				return rc;
			/* its stale index, if any, named this image */
			stale_forget(stale, progress, json_array_size(copies));
			continue;
		}
		if (json_array_size(copy.segs) == 0) {
			json_decref(copy.segs);
			return vdm_err(err, -EPROTO, "%s: image %s not in the report", what, tok);
		}
		json_array_append_new(copies, copy.segs);
	}
	return 0;
}

/* Builds the LVs of one VG from its segment rows. A resync percent that is no percent is
 * left out with a warning on `partition` (may be NULL). */
static int lvm_vg_lvs(const struct lvm_idx *x, const char *vg, const struct lvm_lost *lostd,
		      json_t *partition, json_t *lvs, struct vdm_error *err)
{
	size_t n;
	json_t *jname;
	json_array_foreach(json_object_get(x->lvs, vg), n, jname) {
		const char *name = json_string_value(jname);
		char what[300];
		snprintf(what, sizeof what, "VG %s LV %s", vg, name);
		if (!lnx_name_ok(name))
			return vdm_err(err, -EINVAL, "%s: name not usable by vdmirror", what);
		json_t *copies = json_array(), *stale = json_array(), *progress = json_array();
		struct lvm_copy linear = { 0 };
		int64_t extents = 0;
		int rc = 0;
		size_t i;
		const json_t *r;
		json_array_foreach(lvm_rows(x, vg, name), i, r) {
			const char *type = lvm_str(r, "segtype");
			int64_t pe = lvm_num(r, "seg_size_pe");
			if (pe < 0 || __builtin_add_overflow(extents, pe, &extents)) {
				rc = vdm_err(err, -EPROTO, "%s: segment size \"%s\" unusable", what,
					     lvm_str(r, "seg_size_pe"));
				break;
			}
			if (!strcmp(type, "linear") || !strcmp(type, "striped")) {
				if (!linear.segs) {
					lvm_copy_init(&linear);
					json_array_append(copies, linear.segs);
				}
				rc = ranges_add(x, lvm_str(r, "seg_pe_ranges"),
						lost_disk(lostd, name), &linear, what, err);
			} else if (!strcmp(type, "raid1") || !strcmp(type, "mirror")) {
				if (json_array_size(copies) == 0) {
					bool bad;
					const char *sp = lvm_str(r, "sync_percent");
					int sync = lvm_sync_percent(sp, &bad);
					if (bad && partition)
						vdm_warn(partition, "linux-lvm: %s: sync_percent \"%.32s\""
							 " is no percent: resync progress not shown",
							 what, sp);
					rc = lv_image_copies(x, vg, lvm_str(r, "seg_pe_ranges"),
							     lostd, sync, copies, stale, progress,
							     what, err);
					if (rc == 0 && json_array_size(copies) == 0)
						rc = vdm_err(err, -ENODEV, "%s: every copy has extents "
							     "on a missing PV", what);
				}
			} else {
				rc = vdm_err(err, -ENOTSUP, "%s: segment type %s is not handled "
					     "(linear, striped, raid1, mirror)", what, type);
			}
			if (rc < 0)
				break;
		}
		json_decref(linear.segs);
		json_decref(linear.by_pv);
		if (rc < 0) {
			json_decref(copies), json_decref(stale), json_decref(progress);
			return rc;
		}
		json_t *lvo = json_pack("{s:s, s:I, s:o}", "name", name, "extents",
					(json_int_t)extents, "copies", copies);
		if (json_array_size(stale))
			json_object_set(lvo, "stale", stale);
		/* formats.md 7.1: only when some stale copy's progress is known */
		size_t k;
		json_t *pv;
		json_array_foreach(progress, k, pv)
			if (!json_is_null(pv)) {
				json_object_set(lvo, "resync_percent", progress);
				break;
			}
		json_decref(stale);
		json_decref(progress);
		json_array_append_new(lvs, lvo);
	}
	return 0;
}

/* The disk (serial) under the active LV vg/lv as the kernel maps it (device-mapper name: each
 * '-' of the names doubled, joined by '-'), when that is exactly one disk; else NULL. */
static const char *lvm_dm_disk(const struct lvm_idx *x, const char *vg, const char *lv)
{
	struct strbuf b = STRBUF_INIT(0);
	for (int k = 0; k < 2; k++) {
		for (const char *p = k ? lv : vg; *p; p++)
			strbuf_adds(&b, *p == '-' ? "--" : (char[2]){ *p, 0 });
		if (!k)
			strbuf_adds(&b, "-");
	}
	CLEANUP_FREE char *name = strbuf_detach(&b);
	const json_t *sl = json_object_get(x->dm, name);
	if (json_array_size(sl) != 1)
		return NULL;
	const char *s = json_string_value(json_object_get(x->serials,
		json_string_value(json_array_get(sl, 0)) ?: ""));
	return s && *s ? s : NULL;
}

/* The disk of a VG's one missing PV, from the kernel's mappings: every segment LVM reports on
 * "[unknown]" is an LV (or raid image) whose device-mapper device sits on one disk; when they
 * all name the same disk, that is it. NULL otherwise (not active, no "dm" in the report). */
static const char *lvm_missing_dm(const json_t *report, const struct lvm_idx *x,
				  const char *vg)
{
	const char *found = NULL;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(json_object_get(report, "lvm"), "segs"), i, r) {
		const char *lv = lvm_str(r, "lv_name");
		if (strcmp(lvm_str(r, "vg_name"), vg) || !strstr(lvm_str(r, "seg_pe_ranges"),
								   "[unknown]:"))
			continue;
		size_t l = strlen(lv);
		CLEANUP_FREE char *bare = lv[0] == '[' && l > 2 && lv[l - 1] == ']' ?
					  strndup(lv + 1, l - 2) : xstrdup(lv);
		const char *d = lvm_dm_disk(x, vg, bare);
		if (!d || (found && strcmp(found, d)))
			return NULL;
		found = d;
	}
	return found;
}

/* The disk a VG's one missing PV ("[unknown]": LVM cannot read its label) was: among the
 * partition's disks the storage side reports missing (formats.md, disks[].state), the one
 * that is no present PV and is large enough for the PV's extents. NULL when there is no such
 * disk or more than one, or the VG misses several PVs (LVM's ranges do not say which): the
 * copies on it are then left out, as before vdmirror knew missing disks. */
static const char *lvm_missing_disk(const json_t *report, const struct lvm_idx *x,
				    const json_t *partition, const json_t *pvrow, int64_t ext_bytes)
{
	const char *found = NULL;
	size_t i, k;
	json_t *d, *pv;
	int64_t pe = lvm_num(pvrow, "pv_pe_count"), start = lvm_num(pvrow, "pe_start"), need;
	const char *vg = lvm_str(pvrow, "vg_name"), *dm = lvm_missing_dm(report, x, vg);
	if (dm) {
		/* a disk that is a PV LVM reads is not the missing one */
		json_array_foreach(json_object_get(json_object_get(report, "lvm"), "pvs"), k, pv) {
			const char *pd = pv_disk(x, lvm_str(pv, "pv_name"));
			if (pd && !strcmp(pd, dm))
				return NULL;
		}
		return dm;
	}
	if (pe < 0 || start < 0 || __builtin_mul_overflow(pe, ext_bytes, &need) ||
	    __builtin_add_overflow(need, start, &need))
		return NULL;
	json_array_foreach(json_object_get(partition, "disks"), i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		if (!name || strcmp(json_string_value(json_object_get(d, "state")) ?: "", "missing"))
			continue;
		int64_t mib = json_integer_value(json_object_get(d, "size_mib"));
		if (mib <= 0 || mib > INT64_MAX / MIB || mib * MIB < need)
			continue;
		bool present = false;
		json_array_foreach(json_object_get(json_object_get(report, "lvm"), "pvs"), k, pv) {
			const char *pd = pv_disk(x, lvm_str(pv, "pv_name"));
			present |= pd && !strcmp(pd, name);
		}
		if (present)
			continue;
		if (found)
			return NULL;            /* two candidates: no guess */
		found = name;
	}
	return found;
}

static json_t *lvm_part_disk(json_t *partition, const char *name)
{
	return lnx_find_named(json_object_get(partition, "disks"), "name", name);
}

/* Extents a row's seg_pe_ranges puts on "[unknown]"; -1 when unreadable. */
static int64_t lvm_unknown_extents(const char *ranges)
{
	int64_t sum = 0, a, b;
	CLEANUP_FREE char *dup = xstrdup(ranges);
	char *save = NULL;
	for (char *tok = strtok_r(dup, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (strncmp(tok, "[unknown]:", 10))
			continue;
		if (lvm_range(tok + 10, &a, &b) < 0 || __builtin_add_overflow(sum, b - a + 1, &sum))
			return -1;
	}
	return sum;
}

/* A VG that misses several PVs (a server with several of its disks died): each LV with
 * extents on "[unknown]" is named to its disk by the kernel's mapping (lvm_dm_disk), and each
 * such disk to the missing PV row whose allocated extents are what those LVs put on it (rows
 * alike in counts are interchangeable: the same pvs entry either way). by_lv gets LV -> disk,
 * rowdisk one disk (or null: a missing PV with nothing on it) per missing row in report
 * order. 0, or -1 when any of it cannot be told: then nothing is guessed. */
static int lvm_missing_many(const json_t *report, const struct lvm_idx *x,
			    const json_t *partition, const char *vg, int64_t ext_bytes,
			    json_t *by_lv, json_t *rowdisk)
{
	json_t *used = json_object();     /* disk -> extents the LVs put on it */
	size_t i, k;
	json_t *r, *pv;
	int rc = 0;
	json_array_foreach(json_object_get(json_object_get(report, "lvm"), "segs"), i, r) {
		const char *lv = lvm_str(r, "lv_name");
		int64_t n = lvm_unknown_extents(lvm_str(r, "seg_pe_ranges"));
		if (strcmp(lvm_str(r, "vg_name"), vg) || n == 0)
			continue;
		size_t l = strlen(lv);
		CLEANUP_FREE char *bare = lv[0] == '[' && l > 2 && lv[l - 1] == ']' ?
					  strndup(lv + 1, l - 2) : xstrdup(lv);
		const char *d = n > 0 ? lvm_dm_disk(x, vg, bare) : NULL;
		const char *prev = json_string_value(json_object_get(by_lv, bare));
		if (!d || (prev && strcmp(prev, d)) ||
		    (partition && !lvm_part_disk((json_t *)partition, d))) {
			rc = -1;
			break;
		}
		json_array_foreach(json_object_get(json_object_get(report, "lvm"), "pvs"), k, pv) {
			const char *pd = pv_disk(x, lvm_str(pv, "pv_name"));
			if (pd && !strcmp(pd, d))
				rc = -1;   /* a PV LVM reads is not a missing one */
		}
		json_object_set_new(by_lv, bare, json_string(d));
		int64_t sum = json_integer_value(json_object_get(used, d));
		if (rc < 0 || __builtin_add_overflow(sum, n, &sum)) {
			rc = -1;
			break;
		}
		json_object_set_new(used, d, json_integer(sum));
	}
	/* rows: every missing PV of the VG, in report order */
	json_array_foreach(json_object_get(x->pvs, vg), k, pv)
		if (!strcmp(lvm_str(pv, "pv_name"), "[unknown]"))
			json_array_append_new(rowdisk, json_null());
	const char *d;
	json_t *v;
	json_object_foreach(used, d, v) {
		if (rc < 0)
			break;
		size_t row = 0;
		bool placed = false;
		json_array_foreach(json_object_get(x->pvs, vg), k, pv) {
			if (strcmp(lvm_str(pv, "pv_name"), "[unknown]"))
				continue;
			int64_t pe = lvm_num(pv, "pv_pe_count"), start = lvm_num(pv, "pe_start"), need;
			json_t *dk = partition ? lvm_part_disk((json_t *)partition, d) : NULL;
			int64_t mib = json_integer_value(json_object_get(dk, "size_mib"));
			bool fits = !dk || (pe >= 0 && start >= 0 &&
				!__builtin_mul_overflow(pe, ext_bytes, &need) &&
				!__builtin_add_overflow(need, start, &need) && mib > 0 &&
				mib <= INT64_MAX / MIB && mib * MIB >= need);
			if (!placed && json_is_null(json_array_get(rowdisk, row)) && fits &&
			    lvm_num(pv, "pv_pe_alloc_count") == json_integer_value(v)) {
				json_array_set_new(rowdisk, row, json_string(d));
				placed = true;
			}
			row++;
		}
		if (!placed)
			rc = -1;
	}
	json_decref(used);
	return rc;
}

static int lvm_vgs(const json_t *report, const struct lvm_idx *x, json_t *partition,
		   json_t *vgs, struct vdm_error *err)
{
	size_t i;
	json_t *vgrow;
	json_array_foreach(json_object_get(json_object_get(report, "lvm"), "vgs"), i, vgrow) {
		const char *vg = lvm_str(vgrow, "vg_name");
		int64_t ext = lvm_num(vgrow, "vg_extent_size");
		if (!lnx_name_ok(vg) || ext <= 0 || ext % MIB)
			return vdm_err(err, -ENOTSUP, "VG %s: name or extent size (%s bytes) not "
				       "usable (whole MiB needed)", vg, lvm_str(vgrow, "vg_extent_size"));
		json_t *pvs = json_array();
		int64_t overhead = 0;
		size_t k, n_missing = 0;
		json_t *pv;
		const json_t *missing_row = NULL;
		json_array_foreach(json_object_get(x->pvs, vg), k, pv)
			if (!strcmp(lvm_str(pv, "pv_name"), "[unknown]")) {
				n_missing++;
				missing_row = pv;
			}
		/* the disk of each missing PV (rowdisk: one per "[unknown]" row) */
		struct lvm_lost lostd = { NULL, json_object() };
		json_t *rowdisk = json_array();
		if (n_missing == 1) {
			lostd.single = lvm_missing_disk(report, x, partition, missing_row, ext);
			/* not the partition's disk: the inventory could not name it */
			if (lostd.single && partition && !lvm_part_disk(partition, lostd.single))
				lostd.single = NULL;
			json_array_append_new(rowdisk, lostd.single ? json_string(lostd.single)
								    : json_null());
		} else if (n_missing > 1 &&
			   lvm_missing_many(report, x, partition, vg, ext, lostd.by_lv, rowdisk) < 0) {
			json_object_clear(lostd.by_lv);
			json_array_clear(rowdisk);
		}
		/* the guest has lost those disks: say so on the partition's disks (the storage
		 * side may not know: a device can fail on a server that answers) */
		json_t *rd;
		json_array_foreach(rowdisk, k, rd) {
			json_t *dk = partition && json_is_string(rd) ?
				     lvm_part_disk(partition, json_string_value(rd)) : NULL;
			if (dk && !json_object_get(dk, "state"))
				json_object_set_new(dk, "state", json_string("missing"));
		}
		size_t row = 0;
		json_array_foreach(json_object_get(x->pvs, vg), k, pv) {
			/* a missing PV: listed on the disk it was when that is known (the planner
			 * drops the copies on it and removes it), else left out with its copies */
			bool unknown = !strcmp(lvm_str(pv, "pv_name"), "[unknown]");
			const char *disk = unknown ? json_string_value(json_array_get(rowdisk, row++))
						   : pv_disk(x, lvm_str(pv, "pv_name"));
			if (unknown && !disk)
				continue;
			if (!disk) {
				json_decref(rowdisk), json_decref(lostd.by_lv);
				json_decref(pvs);
				return vdm_err(err, -ENOENT, "VG %s: PV %s is not a whole disk with a "
					       "serial (missing, or a partition)", vg,
					       lvm_str(pv, "pv_name"));
			}
			int64_t total = lvm_num(pv, "pv_pe_count"), used = lvm_num(pv, "pv_pe_alloc_count");
			/* a new disk loses pe_start (label + metadata area) before its first extent */
			int64_t pe_start = lvm_num(pv, "pe_start");
			if (total < 0 || used < 0 || used > total || pe_start < 0 ||
			    pe_start > INT64_MAX - MIB) {
				json_decref(rowdisk), json_decref(lostd.by_lv);
				json_decref(pvs);
				return vdm_err(err, -EPROTO, "VG %s: PV %s: extent counts or pe_start "
					       "unusable", vg, lvm_str(pv, "pv_name"));
			}
			int64_t ov = (pe_start + MIB - 1) / MIB;
			if (ov > overhead)
				overhead = ov;
			json_array_append_new(pvs, json_pack("{s:s, s:I, s:I}", "disk", disk,
				"total_extents", (json_int_t)total, "free_extents",
				(json_int_t)(total - used)));
		}
		json_t *lvs = json_array();
		int rc = lvm_vg_lvs(x, vg, &lostd, partition, lvs, err);
		json_decref(rowdisk), json_decref(lostd.by_lv);
		if (rc < 0) {
			json_decref(pvs), json_decref(lvs);
			return rc;
		}
		json_array_append_new(vgs, json_pack("{s:s, s:I, s:I, s:i, s:o, s:o}", "name", vg,
			"extent_mib", (json_int_t)(ext / MIB), "pv_overhead_mib", (json_int_t)overhead,
			"copy_meta_extents", 1, "pvs", pvs, "lvs", lvs));
	}
	return 0;
}

/* The formats-v1 "vgs" array from an agent report. Kept separate from the I/O so the unit
 * tests can feed it reports recorded from a real guest. Linear in the report's size.
 * `partition` (the storage side's view, may be NULL) names the disks that are missing: a PV
 * LVM reports missing is listed on the disk it was (lvm_missing_disk), with the copies on it
 * (lost copies), and that disk of `partition` gets "state": "missing". */
int vdm_lvm_vgs_read(const json_t *report, json_t *partition, json_t **vgs_out,
		     struct vdm_error *err)
{
	*vgs_out = NULL;
	if (!json_object_get(report, "lvm"))
		return vdm_err(err, -ENOENT, "linux-lvm: the partition reports no LVM (%s)",
			       json_string_value(json_object_get(report, "lvm_error")) ?: "no lvm");
	struct lvm_idx x;
	lvm_idx_build(report, &x);
	json_t *vgs = json_array();
	int rc = lvm_vgs(report, &x, partition, vgs, err);
	lvm_idx_free(&x);
	if (rc < 0) {
		json_decref(vgs);
		return rc;
	}
	*vgs_out = vgs;
	return 0;
}

int vdm_lvm_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err)
{
	return vdm_lvm_vgs_read(report, NULL, vgs_out, err);
}
