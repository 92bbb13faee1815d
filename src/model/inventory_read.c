/* inventory_read.c: reads and validates a formats-v1 inventory (../../shared/docs/formats.md)
 * into struct vdm_inventory. Every rejection says "<source>: <json path>: <problem>". */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "vdmirror/model.h"
#include "vdmirror/util.h"

#define RD_PATH 512   /* deepest path: partitions[N].vgs[N].lvs[N].copies[N][N].extents */

struct rd {
	const char *source;
	struct vdm_error *err;
};

static int rd_fail(struct rd *rd, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rd_fail(struct rd *rd, const char *path, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return vdm_err(rd->err, -EINVAL, "%s: %s: %s", rd->source, path, msg);
}

/* Paths longer than RD_PATH are cut (the start names the object); JSON nesting of the
 * inventory is bounded, so only absurd names of keys could get there. */
/* Paths are built for every element read, error or not: by hand, not snprintf, which was a
 * tenth of the reading time of a 200 000-LV inventory. Truncated at RD_PATH - 1 like before. */
static void rd_path_cat(char *out, size_t *len, const char *s, size_t n)
{
	if (*len + n > RD_PATH - 1)
		n = RD_PATH - 1 - *len;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
}

static void rd_key(char *out, const char *base, const char *key)
{
	size_t len = 0;
	rd_path_cat(out, &len, base, strnlen(base, RD_PATH));
	if (base[0])
		rd_path_cat(out, &len, ".", 1);
	rd_path_cat(out, &len, key, strnlen(key, RD_PATH));
}

static void rd_idx(char *out, const char *base, size_t i)
{
	char num[24];
	size_t n = sizeof num;
	num[--n] = ']';
	do
		num[--n] = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	num[--n] = '[';
	size_t len = 0;
	rd_path_cat(out, &len, base, strnlen(base, RD_PATH));
	rd_path_cat(out, &len, num + n, sizeof num - n);
}

/* A name quoted in a message: bounded and printable, since a bad name may be anything. */
static const char *rd_show(const char *s, char *buf, size_t size)
{
	size_t i;
	for (i = 0; s[i] && i + 4 < size && i < 140; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] && i + 4 <= size) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* ---- a fixed-size hash of names to indices, so that large inventories stay linear ---- */

struct rd_names {
	const char **keys;
	int *vals;
	size_t mask;
};

static void rd_names_init(struct rd_names *x, size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n + 1)
		cap *= 2;
	x->keys = xcalloc(cap, sizeof *x->keys);
	x->vals = xcalloc(cap, sizeof *x->vals);
	x->mask = cap - 1;
}

static void rd_names_free(struct rd_names *x)
{
	free(x->keys);
	free(x->vals);
	x->keys = NULL;
	x->vals = NULL;
}

static size_t rd_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static int rd_names_get(const struct rd_names *x, const char *k)
{
	for (size_t i = rd_hash(k) & x->mask; x->keys[i]; i = (i + 1) & x->mask)
		if (!strcmp(x->keys[i], k))
			return x->vals[i];
	return -1;
}

/* Adds k -> v unless k is there already; returns the index already held, or -1 if added.
 * The table never holds more than the n it was sized for, so it never fills up. */
static int rd_names_add(struct rd_names *x, const char *k, int v)
{
	size_t i;
	for (i = rd_hash(k) & x->mask; x->keys[i]; i = (i + 1) & x->mask)
		if (!strcmp(x->keys[i], k))
			return x->vals[i];
	x->keys[i] = k;
	x->vals[i] = v;
	return -1;
}

/* ---- typed field readers; an optional field may be absent or null ---- */

static int rd_field(struct rd *rd, const json_t *obj, const char *path, const char *key,
		    bool required, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	if (!v || (!required && json_is_null(v))) {
		*out = NULL;
		if (required)
			return rd_fail(rd, path, "required field is missing");
		return 0;
	}
	*out = v;
	return 0;
}

static int rd_string(struct rd *rd, const json_t *obj, const char *base, const char *key,
		     bool required, const char **out)
{
	char path[RD_PATH];
	json_t *v;
	int r;

	rd_key(path, base, key);
	*out = NULL;
	if ((r = rd_field(rd, obj, path, key, required, &v)) < 0 || !v)
		return r;
	if (!json_is_string(v))
		return rd_fail(rd, path, "must be a string");
	*out = json_string_value(v);
	return 0;
}

static int rd_check_name(struct rd *rd, const char *path, const char *name)
{
	char show[160];
	if (!vdm_name_valid(name))
		return rd_fail(rd, path,
			       "invalid name \"%s\" (must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,127})",
			       rd_show(name, show, sizeof show));
	return 0;
}

static int rd_name(struct rd *rd, const json_t *obj, const char *base, const char *key,
		   bool required, const char **out)
{
	char path[RD_PATH];
	int r = rd_string(rd, obj, base, key, required, out);
	if (r < 0 || !*out)
		return r;
	rd_key(path, base, key);
	return rd_check_name(rd, path, *out);
}

static int rd_int(struct rd *rd, const json_t *obj, const char *base, const char *key,
		  bool required, int64_t def, int64_t min, int64_t max, int64_t *out)
{
	char path[RD_PATH];
	json_t *v;
	int r;

	rd_key(path, base, key);
	*out = def;
	if ((r = rd_field(rd, obj, path, key, required, &v)) < 0 || !v)
		return r;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		if (max == INT64_MAX)
			return rd_fail(rd, path, "must be an integer >= %" PRId64, min);
		return rd_fail(rd, path, "must be an integer from %" PRId64 " to %" PRId64,
			       min, max);
	}
	*out = json_integer_value(v);
	return 0;
}

/* formats.md, "Failed, stale and unreachable parts": an optional state, "ok" (the default) or
 * the one other value the field allows. */
static int rd_state(struct rd *rd, const json_t *o, const char *path, const char *other,
		    bool *out)
{
	const char *st;
	int r;
	char spath[RD_PATH];
	*out = false;
	if ((r = rd_string(rd, o, path, "state", false, &st)) < 0 || !st)
		return r;
	rd_key(spath, path, "state");
	if (!strcmp(st, other))
		*out = true;
	else if (strcmp(st, "ok"))
		return rd_fail(rd, spath, "must be \"ok\" or \"%s\"", other);
	return 0;
}

/* RFC 3339 UTC as discovery writes it: YYYY-MM-DDTHH:MM:SS[.fraction]Z. */
static int rd_time(struct rd *rd, const json_t *o, const char *path, const char *key,
		   int64_t *out)
{
	const char *t;
	int r;
	char tpath[RD_PATH];
	*out = -1;
	if ((r = rd_string(rd, o, path, key, false, &t)) < 0 || !t)
		return r;
	rd_key(tpath, path, key);
	struct tm tm = { 0 };
	const char *end = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end && *end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++)
			;
	if (!end || strcmp(end, "Z"))
		return rd_fail(rd, tpath, "must be a UTC time like 2026-11-30T15:04:05Z");
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int rd_array(struct rd *rd, const json_t *obj, const char *base, const char *key,
		    bool required, json_t **out)
{
	char path[RD_PATH];
	int r;

	rd_key(path, base, key);
	if ((r = rd_field(rd, obj, path, key, required, out)) < 0 || !*out)
		return r;
	if (!json_is_array(*out))
		return rd_fail(rd, path, "must be an array");
	return 0;
}

/* Element i of array a, which must be an object. */
static int rd_elem_obj(struct rd *rd, const json_t *a, const char *base, size_t i,
		       char *path, json_t **out)
{
	rd_idx(path, base, i);
	*out = json_array_get(a, i);
	if (!json_is_object(*out))
		return rd_fail(rd, path, "must be an object");
	return 0;
}

/* An optional list of device names (pools[].devices, disks[].devices), no name twice. */
static int rd_devices(struct rd *rd, const json_t *obj, const char *base,
		      char ***out, size_t *n_out)
{
	char apath[RD_PATH], path[RD_PATH], show[160];
	struct rd_names seen;
	json_t *a;
	int r;

	if ((r = rd_array(rd, obj, base, "devices", false, &a)) < 0 || !a)
		return r;
	rd_key(apath, base, "devices");
	size_t n = json_array_size(a);
	*out = xcalloc(n ? n : 1, sizeof **out);
	rd_names_init(&seen, n);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(a, i);
		rd_idx(path, apath, i);
		if (!json_is_string(v)) {
			r = rd_fail(rd, path, "must be a string");
			break;
		}
		const char *s = json_string_value(v);
		if ((r = rd_check_name(rd, path, s)) < 0)
			break;
		if (rd_names_add(&seen, s, (int)i) >= 0) {
			r = rd_fail(rd, path, "duplicate device \"%s\"", rd_show(s, show, sizeof show));
			break;
		}
		(*out)[i] = xstrdup(s);
		*n_out = i + 1;
	}
	rd_names_free(&seen);
	return r;
}

/* Reads the array `key` of root, allocates *items (zeroed, n elements, so that the
 * inventory can be freed at any point) and checks that each element is an object with a
 * valid, unique `name`, which it copies and indexes. Returns the element array via *arr. */
/* rd_named_list() writes the name through the first member of each element type. */
_Static_assert(offsetof(struct vdm_site, name) == 0, "name first");
_Static_assert(offsetof(struct vdm_frame, name) == 0, "name first");
_Static_assert(offsetof(struct vdm_server, name) == 0, "name first");
_Static_assert(offsetof(struct vdm_pool, name) == 0, "name first");
_Static_assert(offsetof(struct vdm_partition, name) == 0, "name first");
_Static_assert(offsetof(struct vdm_disk, name) == 0, "name first");
_Static_assert(offsetof(struct vdm_vg, name) == 0, "name first");
_Static_assert(offsetof(struct vdm_lv, name) == 0, "name first");

struct rd_kind {
	const char *key;          /* "pools" */
	const char *what;         /* "pool" (in messages) */
};

static int rd_named_list(struct rd *rd, const json_t *obj, const char *base,
			 const struct rd_kind *kind, bool required, size_t elem_size,
			 void **items, size_t *n_items, json_t **arr, struct rd_names *names)
{
	char apath[RD_PATH], path[RD_PATH], show[160];
	int r;

	if ((r = rd_array(rd, obj, base, kind->key, required, arr)) < 0)
		return r;
	size_t n = *arr ? json_array_size(*arr) : 0;
	rd_key(apath, base, kind->key);
	*items = xcalloc(n ? n : 1, elem_size);
	*n_items = n;
	rd_names_init(names, n);
	for (size_t i = 0; i < n; i++) {
		json_t *o;
		const char *name;
		if ((r = rd_elem_obj(rd, *arr, apath, i, path, &o)) < 0)
			return r;
		if ((r = rd_name(rd, o, path, "name", true, &name)) < 0)
			return r;
		/* every element type begins with `char *name` */
		char **slot = (char **)((char *)*items + i * elem_size);
		*slot = xstrdup(name);
		int prev = rd_names_add(names, *slot, (int)i);
		if (prev >= 0) {
			char npath[RD_PATH];
			rd_key(npath, path, "name");
			return rd_fail(rd, npath, "duplicate %s name \"%s\" (also %s[%d])", kind->what,
				       rd_show(name, show, sizeof show), apath, prev);
		}
	}
	return 0;
}

/* Resolves the optional (or required) reference obj.key to an index through names. */
static int rd_ref(struct rd *rd, const json_t *obj, const char *base, const char *key,
		  bool required, const struct rd_names *names, const char *what,
		  const char *scope, int *out)
{
	char path[RD_PATH], show[160];
	const char *name;
	int r;

	*out = -1;
	if ((r = rd_string(rd, obj, base, key, required, &name)) < 0 || !name)
		return r;
	*out = rd_names_get(names, name);
	if (*out < 0) {
		rd_key(path, base, key);
		return rd_fail(rd, path, "unknown %s \"%s\"%s", what,
			       rd_show(name, show, sizeof show), scope ? scope : "");
	}
	return 0;
}

/* ---- the inventory, level by level ---- */

struct rd_ctx {
	struct rd rd;
	struct vdm_inventory *inv;
	struct rd_names sites, frames, servers, pools, partitions;
};

static int rd_pool(struct rd_ctx *c, const json_t *o, const char *path, struct vdm_pool *pl)
{
	struct rd *rd = &c->rd;
	char fpath[RD_PATH];
	const char *tier;
	int64_t v;
	int r;

	if ((r = rd_ref(rd, o, path, "server", true, &c->servers, "server", NULL,
			&pl->server)) < 0)
		return r;
	if ((r = rd_devices(rd, o, path, &pl->devices, &pl->n_devices)) < 0)
		return r;
	if ((r = rd_int(rd, o, path, "size_mib", true, 0, 0, INT64_MAX, &pl->size_mib)) < 0 ||
	    (r = rd_int(rd, o, path, "free_mib", true, 0, 0, INT64_MAX, &pl->free_mib)) < 0)
		return r;
	if (pl->free_mib > pl->size_mib) {
		rd_key(fpath, path, "free_mib");
		return rd_fail(rd, fpath, "%" PRId64 " is more than size_mib %" PRId64,
			       pl->free_mib, pl->size_mib);
	}
	if ((r = rd_int(rd, o, path, "reserve_pct", false, 0, 0, 100, &v)) < 0)
		return r;
	pl->reserve_pct = (int)v;
	if ((r = rd_int(rd, o, path, "alloc_mib", false, 1, 1, INT64_MAX, &pl->alloc_mib)) < 0)
		return r;
	if ((r = rd_string(rd, o, path, "tier", false, &tier)) < 0)
		return r;
	pl->tier = tier ? xstrdup(tier) : NULL;
	if ((r = rd_state(rd, o, path, "unreachable", &pl->unreachable)) < 0)
		return r;
	return 0;
}

static int rd_disk(struct rd_ctx *c, const json_t *o, const char *path, struct vdm_disk *dk)
{
	struct rd *rd = &c->rd;
	char apath[RD_PATH], epath[RD_PATH], show[160];
	json_t *a;
	int r;

	if ((r = rd_int(rd, o, path, "size_mib", true, 0, 0, INT64_MAX, &dk->size_mib)) < 0)
		return r;
	if ((r = rd_ref(rd, o, path, "pool", false, &c->pools, "pool", NULL, &dk->pool)) < 0)
		return r;
	if ((r = rd_devices(rd, o, path, &dk->devices, &dk->n_devices)) < 0)
		return r;
	if ((r = rd_array(rd, o, path, "paths", true, &a)) < 0)
		return r;
	rd_key(apath, path, "paths");
	size_t n = json_array_size(a);
	if (n == 0)
		return rd_fail(rd, apath, "must list at least one server");
	dk->paths = xcalloc(n, sizeof *dk->paths);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(a, i);
		rd_idx(epath, apath, i);
		if (!json_is_string(v))
			return rd_fail(rd, epath, "must be a string");
		int s = rd_names_get(&c->servers, json_string_value(v));
		if (s < 0)
			return rd_fail(rd, epath, "unknown server \"%s\"",
				       rd_show(json_string_value(v), show, sizeof show));
		for (size_t k = 0; k < i; k++)
			if (dk->paths[k] == s)
				return rd_fail(rd, epath, "duplicate server \"%s\" (also %s[%zu])",
					       c->inv->servers[s].name, apath, k);
		dk->paths[i] = s;
		dk->n_paths = i + 1;
	}
	if ((r = rd_state(rd, o, path, "missing", &dk->missing)) < 0 ||
	    (r = rd_time(rd, o, path, "missing_since", &dk->missing_since)) < 0)
		return r;
	return 0;
}

/* Per partition: which VG and PV each disk already belongs to (a disk is a PV of at most
 * one VG, once). */
struct rd_part {
	struct vdm_partition *p;
	struct rd_names disks;
	int *disk_vg, *disk_pv;
};

static int64_t rd_sat_add(int64_t a, int64_t b)
{
	int64_t s;
	return __builtin_add_overflow(a, b, &s) ? INT64_MAX : s;
}

static int rd_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* lv_use: per PV of the VG, -1 for every PV on entry and on a successful return (an error
 * ends the reading). */
static int rd_lv(struct rd_ctx *c, struct rd_part *pp, int vgi, const json_t *o,
		 const char *path, struct vdm_lv *lv, int64_t *lv_use, int64_t *vg_use)
{
	struct rd *rd = &c->rd;
	struct vdm_vg *vg = &pp->p->vgs[vgi];
	char cpath[RD_PATH], kpath[RD_PATH], spath[RD_PATH], show[160];
	json_t *copies;
	int r;

	if ((r = rd_int(rd, o, path, "extents", true, 0, 0, INT64_MAX, &lv->extents)) < 0)
		return r;
	if ((r = rd_array(rd, o, path, "copies", true, &copies)) < 0)
		return r;
	rd_key(cpath, path, "copies");
	size_t nc = json_array_size(copies);
	if (nc == 0)
		return rd_fail(rd, cpath, "must list at least one copy");
	lv->copies = xcalloc(nc, sizeof *lv->copies);
	lv->n_copies = nc;
	/* only the PVs this LV touches are reset and checked: a pass over every PV of the VG
	 * per LV made the reader quadratic (200 000 LVs on 1 250 PVs) */
	VEC(int) used = { 0 };
	for (size_t ci = 0; ci < nc; ci++) {
		struct vdm_copy *cp = &lv->copies[ci];
		json_t *segs = json_array_get(copies, ci);
		rd_idx(kpath, cpath, ci);
		if (!json_is_array(segs)) {
			r = rd_fail(rd, kpath, "must be an array");
			goto out;
		}
		size_t ns = json_array_size(segs);
		if (ns == 0) {
			r = rd_fail(rd, kpath, "must list at least one segment");
			goto out;
		}
		cp->segs = xcalloc(ns, sizeof *cp->segs);
		cp->n_segs = ns;
		int64_t sum = 0;
		for (size_t si = 0; si < ns; si++) {
			struct vdm_segment *sg = &cp->segs[si];
			json_t *so;
			const char *pvname;
			if ((r = rd_elem_obj(rd, segs, kpath, si, spath, &so)) < 0)
				goto out;   /* not return: `used` is freed and lv_use reset there */
			if ((r = rd_string(rd, so, spath, "pv", true, &pvname)) < 0)
				goto out;
			int d = rd_names_get(&pp->disks, pvname);
			if (d < 0 || pp->disk_vg[d] != vgi) {
				char ppath[RD_PATH];
				rd_key(ppath, spath, "pv");
				r = rd_fail(rd, ppath, "unknown PV \"%s\" (not a PV of vg %s)",
					    rd_show(pvname, show, sizeof show), vg->name);
				goto out;
			}
			sg->pv = pp->disk_pv[d];
			if ((r = rd_int(rd, so, spath, "extents", true, 0, 1, INT64_MAX,
					&sg->extents)) < 0)
				goto out;
			sum = rd_sat_add(sum, sg->extents);
			if (lv_use[sg->pv] < 0) {
				VEC_PUSH(&used, sg->pv);
				lv_use[sg->pv] = 0;
			}
			lv_use[sg->pv] = rd_sat_add(lv_use[sg->pv], sg->extents);
		}
		if (sum != lv->extents) {
			r = rd_fail(rd, kpath, "segments add up to %" PRId64
				    " extents, but the LV has %" PRId64 " extents", sum, lv->extents);
			goto out;
		}
	}
	/* lvs[].stale: 0-based indexes into copies */
	json_t *st = json_object_get(o, "stale");
	if (st) {
		char stpath[RD_PATH], ipath[RD_PATH];
		rd_key(stpath, path, "stale");
		if (!json_is_array(st)) {
			r = rd_fail(rd, stpath, "must be an array of copy indexes");
			goto out;
		}
		lv->stale = xcalloc(nc, sizeof *lv->stale);
		for (size_t i = 0; i < json_array_size(st); i++) {
			json_t *v = json_array_get(st, i);
			rd_idx(ipath, stpath, i);
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) >= (json_int_t)nc) {
				r = rd_fail(rd, ipath, "must be an index into copies (0 to %zu)", nc - 1);
				goto out;
			}
			if (lv->stale[json_integer_value(v)]) {
				r = rd_fail(rd, ipath, "copy %lld listed twice",
					    (long long)json_integer_value(v));
				goto out;
			}
			lv->stale[json_integer_value(v)] = true;
		}
	}
	/* lvs[].resync_percent (vdmirror's addition, formats.md 7.1): parallel to stale, the
	 * percent in sync of each stale copy or null; a guest's word, so anything else is bad
	 * input rather than a number check would print */
	json_t *rp = json_object_get(o, "resync_percent");
	if (rp && !json_is_null(rp)) {
		char rpath[RD_PATH], ipath[RD_PATH];
		rd_key(rpath, path, "resync_percent");
		if (!json_is_array(rp) || !st || json_array_size(rp) != json_array_size(st)) {
			r = rd_fail(rd, rpath, "must be an array as long as stale (%zu), one percent"
				    " or null per stale copy", st ? json_array_size(st) : (size_t)0);
			goto out;
		}
		lv->resync_percent = xcalloc(nc, sizeof *lv->resync_percent);
		for (size_t k = 0; k < nc; k++)
			lv->resync_percent[k] = -1;
		for (size_t i = 0; i < json_array_size(rp); i++) {
			json_t *v = json_array_get(rp, i);
			rd_idx(ipath, rpath, i);
			if (json_is_null(v))
				continue;
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 100) {
				r = rd_fail(rd, ipath, "must be an integer percent, 0 to 100, or null");
				goto out;
			}
			lv->resync_percent[json_integer_value(json_array_get(st, i))] =
				(int)json_integer_value(v);
		}
	}
	/* in PV order, so that the first PV named is the same as a pass over every PV */
	qsort(used.v, used.n, sizeof *used.v, rd_cmp_int);
	for (size_t i = 0; i < used.n; i++) {
		int k = used.v[i];
		if (lv_use[k] > vg->pvs[k].total_extents) {
			r = rd_fail(rd, cpath, "the copies put %" PRId64 " extents on PV %s,"
				    " which has only %" PRId64 " total_extents", lv_use[k],
				    pp->p->disks[vg->pvs[k].disk].name, vg->pvs[k].total_extents);
			goto out;
		}
		vg_use[k] = rd_sat_add(vg_use[k], lv_use[k]);
	}
	r = 0;
out:
	for (size_t i = 0; i < used.n; i++)
		lv_use[used.v[i]] = -1;   /* untouched again, for the next LV */
	free(used.v);
	return r;
}

static int rd_vg(struct rd_ctx *c, struct rd_part *pp, int vgi, const json_t *o,
		 const char *path)
{
	struct rd *rd = &c->rd;
	struct vdm_vg *vg = &pp->p->vgs[vgi];
	static const struct rd_kind lv_kind = { "lvs", "LV" };
	char apath[RD_PATH], epath[RD_PATH], fpath[RD_PATH], show[160];
	struct rd_names lvnames = { 0 };
	int64_t *lv_use = NULL, *vg_use = NULL;
	json_t *a;
	int r;

	if ((r = rd_int(rd, o, path, "extent_mib", true, 0, 1, INT64_MAX, &vg->extent_mib)) < 0 ||
	    (r = rd_int(rd, o, path, "pv_overhead_mib", false, 0, 0, INT64_MAX,
			&vg->pv_overhead_mib)) < 0 ||
	    (r = rd_int(rd, o, path, "copy_meta_extents", false, 0, 0, INT64_MAX,
			&vg->copy_meta_extents)) < 0)
		return r;

	if ((r = rd_array(rd, o, path, "pvs", true, &a)) < 0)
		return r;
	rd_key(apath, path, "pvs");
	size_t n = json_array_size(a);
	vg->pvs = xcalloc(n ? n : 1, sizeof *vg->pvs);
	for (size_t i = 0; i < n; i++) {
		struct vdm_pv *pv = &vg->pvs[i];
		json_t *po;
		const char *dname;
		if ((r = rd_elem_obj(rd, a, apath, i, epath, &po)) < 0)
			return r;
		if ((r = rd_string(rd, po, epath, "disk", true, &dname)) < 0)
			return r;
		rd_key(fpath, epath, "disk");
		int d = rd_names_get(&pp->disks, dname);
		if (d < 0)
			return rd_fail(rd, fpath, "unknown disk \"%s\" (not a disk of partition %s)",
				       rd_show(dname, show, sizeof show), pp->p->name);
		if (pp->disk_vg[d] == vgi)
			return rd_fail(rd, fpath, "disk \"%s\" is already a PV of this vg (%s[%d])",
				       dname, apath, pp->disk_pv[d]);
		if (pp->disk_vg[d] >= 0)
			return rd_fail(rd, fpath, "disk \"%s\" is already a PV of vg %s", dname,
				       pp->p->vgs[pp->disk_vg[d]].name);
		pp->disk_vg[d] = vgi;
		pp->disk_pv[d] = (int)i;
		pv->disk = d;
		vg->n_pvs = i + 1;
		if ((r = rd_int(rd, po, epath, "total_extents", true, 0, 0, INT64_MAX,
				&pv->total_extents)) < 0 ||
		    (r = rd_int(rd, po, epath, "free_extents", true, 0, 0, INT64_MAX,
				&pv->free_extents)) < 0)
			return r;
		if (pv->free_extents > pv->total_extents) {
			rd_key(fpath, epath, "free_extents");
			return rd_fail(rd, fpath, "%" PRId64 " is more than total_extents %" PRId64,
				       pv->free_extents, pv->total_extents);
		}
		/* The partition reports its PVs, the storage server the disk's size: a PV larger
		 * than its disk is a lie (or a mix-up) that would make the planner ask a pool for
		 * space that does not exist. */
		int64_t pv_mib;
		const struct vdm_disk *dk = &pp->p->disks[d];
		bool wrapped = __builtin_mul_overflow(pv->total_extents, vg->extent_mib, &pv_mib);
		if (wrapped || pv_mib > dk->size_mib) {
			char mib[40];
			snprintf(mib, sizeof mib, wrapped ? "more than %" PRId64 : "%" PRId64,
				 wrapped ? INT64_MAX : pv_mib);
			rd_key(fpath, epath, "total_extents");
			return rd_fail(rd, fpath, "partition %s, disk %s: the PV claims %" PRId64
				       " extents of %" PRId64 " MiB (%s MiB), but the storage server"
				       " reports the disk as %" PRId64 " MiB", pp->p->name, dk->name,
				       pv->total_extents, vg->extent_mib, mib, dk->size_mib);
		}
	}

	if ((r = rd_named_list(rd, o, path, &lv_kind, true, sizeof *vg->lvs, (void **)&vg->lvs,
			       &vg->n_lvs, &a, &lvnames)) < 0)
		goto out;
	rd_key(apath, path, "lvs");
	lv_use = xmalloc((vg->n_pvs + 1) * sizeof *lv_use);
	for (size_t k = 0; k < vg->n_pvs; k++)
		lv_use[k] = -1;
	vg_use = xcalloc(vg->n_pvs + 1, sizeof *vg_use);
	for (size_t i = 0; i < vg->n_lvs; i++) {
		rd_idx(epath, apath, i);
		if ((r = rd_lv(c, pp, vgi, json_array_get(a, i), epath, &vg->lvs[i], lv_use,
			       vg_use)) < 0)
			goto out;
	}
	/* All LVs together must fit too: a PV cannot hold more extents than it has. */
	for (size_t k = 0; k < vg->n_pvs; k++)
		if (vg_use[k] > vg->pvs[k].total_extents) {
			rd_key(fpath, path, "lvs");
			r = rd_fail(rd, fpath, "the LVs put %" PRId64 " extents on PV %s, which has"
				    " only %" PRId64 " total_extents", vg_use[k],
				    pp->p->disks[vg->pvs[k].disk].name, vg->pvs[k].total_extents);
			goto out;
		}
out:
	free(lv_use);
	free(vg_use);
	rd_names_free(&lvnames);
	return r;
}

static int rd_partition(struct rd_ctx *c, const json_t *o, const char *path,
			struct vdm_partition *p)
{
	struct rd *rd = &c->rd;
	static const struct rd_kind disk_kind = { "disks", "disk" };
	static const struct rd_kind vg_kind = { "vgs", "vg" };
	struct rd_part pp = { .p = p };
	struct rd_names vgnames = { 0 };
	char apath[RD_PATH], epath[RD_PATH];
	const char *os;
	json_t *a;
	int r;

	if ((r = rd_string(rd, o, path, "os", false, &os)) < 0)
		return r;
	p->os = os ? xstrdup(os) : NULL;
	if ((r = rd_ref(rd, o, path, "frame", false, &c->frames, "frame", NULL, &p->frame)) < 0)
		return r;

	if ((r = rd_named_list(rd, o, path, &disk_kind, true, sizeof *p->disks,
			       (void **)&p->disks, &p->n_disks, &a, &pp.disks)) < 0)
		goto out;
	rd_key(apath, path, "disks");
	for (size_t i = 0; i < p->n_disks; i++) {
		p->disks[i].pool = -1;
		rd_idx(epath, apath, i);
		if ((r = rd_disk(c, json_array_get(a, i), epath, &p->disks[i])) < 0)
			goto out;
	}
	pp.disk_vg = xcalloc(p->n_disks + 1, sizeof *pp.disk_vg);
	pp.disk_pv = xcalloc(p->n_disks + 1, sizeof *pp.disk_pv);
	for (size_t i = 0; i < p->n_disks; i++)
		pp.disk_vg[i] = pp.disk_pv[i] = -1;

	if ((r = rd_named_list(rd, o, path, &vg_kind, true, sizeof *p->vgs, (void **)&p->vgs,
			       &p->n_vgs, &a, &vgnames)) < 0)
		goto out;
	rd_key(apath, path, "vgs");
	for (size_t i = 0; i < p->n_vgs; i++) {
		rd_idx(epath, apath, i);
		if ((r = rd_vg(c, &pp, (int)i, json_array_get(a, i), epath)) < 0)
			goto out;
	}
out:
	rd_names_free(&pp.disks);
	rd_names_free(&vgnames);
	free(pp.disk_vg);
	free(pp.disk_pv);
	return r;
}

static int rd_inventory(struct rd_ctx *c, const json_t *root)
{
	static const struct rd_kind site_kind = { "sites", "site" };
	static const struct rd_kind frame_kind = { "frames", "frame" };
	static const struct rd_kind server_kind = { "servers", "server" };
	static const struct rd_kind pool_kind = { "pools", "pool" };
	static const struct rd_kind part_kind = { "partitions", "partition" };
	struct rd *rd = &c->rd;
	struct vdm_inventory *inv = c->inv;
	char epath[RD_PATH];
	json_t *a;
	int64_t version;
	int r;

	if (!json_is_object(root))
		return rd_fail(rd, "top level", "must be a JSON object");
	json_t *jv = json_object_get(root, "version");
	if (!jv)
		return rd_fail(rd, "version", "required field is missing");
	if (!json_is_integer(jv))
		return rd_fail(rd, "version", "must be an integer");
	version = json_integer_value(jv);
	if (version != 1)
		return rd_fail(rd, "version", "unsupported version %" PRId64
			       " (this vdmirror reads version 1)", version);
	inv->version = 1;

	if ((r = rd_named_list(rd, root, "", &site_kind, false, sizeof *inv->sites,
			       (void **)&inv->sites, &inv->n_sites, &a, &c->sites)) < 0)
		return r;

	if ((r = rd_named_list(rd, root, "", &frame_kind, false, sizeof *inv->frames,
			       (void **)&inv->frames, &inv->n_frames, &a, &c->frames)) < 0)
		return r;
	for (size_t i = 0; i < inv->n_frames; i++) {
		rd_idx(epath, "frames", i);
		if ((r = rd_ref(rd, json_array_get(a, i), epath, "site", false, &c->sites, "site",
				NULL, &inv->frames[i].site)) < 0)
			return r;
	}

	if ((r = rd_named_list(rd, root, "", &server_kind, true, sizeof *inv->servers,
			       (void **)&inv->servers, &inv->n_servers, &a, &c->servers)) < 0)
		return r;
	for (size_t i = 0; i < inv->n_servers; i++) {
		rd_idx(epath, "servers", i);
		if ((r = rd_ref(rd, json_array_get(a, i), epath, "frame", false, &c->frames, "frame",
				NULL, &inv->servers[i].frame)) < 0)
			return r;
		/* formats.md: servers[].max_name, optional (a VIOS: 15) */
		int64_t mn;
		if ((r = rd_int(rd, json_array_get(a, i), epath, "max_name", false, 0, 1, 2147483647,
				&mn)) < 0)
			return r;
		inv->servers[i].max_name = (int)mn;
		if ((r = rd_state(rd, json_array_get(a, i), epath, "unreachable",
				  &inv->servers[i].unreachable)) < 0)
			return r;
	}

	if ((r = rd_named_list(rd, root, "", &pool_kind, true, sizeof *inv->pools,
			       (void **)&inv->pools, &inv->n_pools, &a, &c->pools)) < 0)
		return r;
	for (size_t i = 0; i < inv->n_pools; i++) {
		rd_idx(epath, "pools", i);
		if ((r = rd_pool(c, json_array_get(a, i), epath, &inv->pools[i])) < 0)
			return r;
	}

	if ((r = rd_named_list(rd, root, "", &part_kind, true, sizeof *inv->partitions,
			       (void **)&inv->partitions, &inv->n_partitions, &a,
			       &c->partitions)) < 0)
		return r;
	for (size_t i = 0; i < inv->n_partitions; i++)
		inv->partitions[i].frame = -1;
	for (size_t i = 0; i < inv->n_partitions; i++) {
		rd_idx(epath, "partitions", i);
		if ((r = rd_partition(c, json_array_get(a, i), epath, &inv->partitions[i])) < 0)
			return r;
	}
	return 0;
}

int vdm_inventory_parse_json(const json_t *root, const char *source,
			     struct vdm_inventory **out, struct vdm_error *err)
{
	struct rd_ctx c = { .rd = { .source = source ? source : "inventory", .err = err } };
	int r;

	*out = NULL;
	c.inv = xcalloc(1, sizeof *c.inv);
	r = rd_inventory(&c, root);
	rd_names_free(&c.sites);
	rd_names_free(&c.frames);
	rd_names_free(&c.servers);
	rd_names_free(&c.pools);
	rd_names_free(&c.partitions);
	if (r < 0) {
		vdm_inventory_free(c.inv);
		return r;
	}
	*out = c.inv;
	return 0;
}

static int rd_syntax(const char *source, const json_error_t *je, struct vdm_error *err)
{
	return vdm_err(err, -EINVAL, "%s: line %d column %d: %s", source, je->line, je->column,
		       je->text);
}

/* A key given twice in one object is ambiguous (which one did the producer mean?): reject. */
#define RD_JSON_FLAGS JSON_REJECT_DUPLICATES

int vdm_inventory_parse_string(const char *text, size_t len, const char *source,
			       struct vdm_inventory **out, struct vdm_error *err)
{
	json_error_t je;
	json_t *root;
	int r;

	*out = NULL;
	if (!source)
		source = "inventory";
	root = json_loadb(text, len, RD_JSON_FLAGS, &je);
	if (!root)
		return rd_syntax(source, &je, err);
	r = vdm_inventory_parse_json(root, source, out, err);
	json_decref(root);
	return r;
}

int vdm_inventory_parse_file(const char *path, struct vdm_inventory **out,
			     struct vdm_error *err)
{
	bool is_stdin = !strcmp(path, "-");
	const char *source = is_stdin ? "stdin" : path;
	json_error_t je;
	json_t *root;
	FILE *f;
	int r;

	*out = NULL;
	f = is_stdin ? stdin : fopen(path, "r");
	if (!f) {
		int e = errno;
		return vdm_err_exit(err, -e, VDM_EXIT_INPUT, "%s: cannot open: %s", path,
				    strerror(e));
	}
	root = json_loadf(f, RD_JSON_FLAGS, &je);
	if (!is_stdin)
		fclose(f);
	if (!root)
		return rd_syntax(source, &je, err);
	r = vdm_inventory_parse_json(root, source, out, err);
	json_decref(root);
	return r;
}
