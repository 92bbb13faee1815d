/* plan_json.c: the plan document of formats.md, written for `plan --json` and read back by
 * `vdmirror apply PLAN.json` with the same path-named errors as the inventory reader. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vdmirror/plan.h"
#include "vdmirror/util.h"

static json_t *plan_level_json(enum vdm_level l)
{
	const char *n = vdm_level_name(l);
	return n ? json_string(n) : json_null();
}

/* Repair fields are left out when empty (formats.md): mirror plans stay as they were. */
static void plan_idx_json(json_t *o, const char *key, const int *v, size_t n)
{
	if (!n)
		return;
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	json_object_set_new(o, key, a);
}

json_t *vdm_plan_to_json(const struct vdm_plan *plan)
{
	json_t *root = json_object();
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "partition", json_string(plan->partition));
	json_object_set_new(root, "vg", json_string(plan->vg));
	json_object_set_new(root, "copies", json_integer(plan->copies));
	json_object_set_new(root, "level", plan_level_json(plan->level));
	json_object_set_new(root, "required_mib", json_integer(plan->required_mib));
	json_object_set_new(root, "reused_mib", json_integer(plan->reused_mib));
	json_object_set_new(root, "new_mib", json_integer(plan->new_mib));
	json_t *disks = json_array();
	for (size_t i = 0; i < plan->n_new_disks; i++) {
		const struct vdm_plan_disk *d = &plan->new_disks[i];
		json_t *paths = json_array();
		for (size_t k = 0; k < d->n_paths; k++)
			json_array_append_new(paths, json_string(d->paths[k]));
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(d->name));
		json_object_set_new(o, "pool", json_string(d->pool));
		json_object_set_new(o, "size_mib", json_integer(d->size_mib));
		json_object_set_new(o, "paths", paths);
		json_array_append_new(disks, o);
	}
	json_object_set_new(root, "new_disks", disks);
	json_t *lvs = json_array();
	for (size_t i = 0; i < plan->n_lvs; i++) {
		const struct vdm_plan_lv *l = &plan->lvs[i];
		json_t *copies = json_array();
		for (size_t k = 0; k < l->n_new_copies; k++) {
			json_t *segs = json_array();
			for (size_t s = 0; s < l->new_copies[k].n_segs; s++) {
				json_t *seg = json_object();
				json_object_set_new(seg, "pv", json_string(l->new_copies[k].segs[s].pv));
				json_object_set_new(seg, "extents",
						    json_integer(l->new_copies[k].segs[s].extents));
				json_array_append_new(segs, seg);
			}
			json_array_append_new(copies, segs);
		}
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(l->name));
		json_object_set_new(o, "protection", plan_level_json(l->protection));
		json_object_set_new(o, "new_copies", copies);
		plan_idx_json(o, "resync", l->resync, l->n_resync);
		plan_idx_json(o, "drop", l->drop, l->n_drop);
		plan_idx_json(o, "waiting", l->waiting, l->n_waiting);
		json_array_append_new(lvs, o);
	}
	json_object_set_new(root, "lvs", lvs);
	json_t *pools = json_array();
	for (size_t i = 0; i < plan->n_pools; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(plan->pools[i].name));
		json_object_set_new(o, "free_mib_before", json_integer(plan->pools[i].free_mib_before));
		json_object_set_new(o, "free_mib_after", json_integer(plan->pools[i].free_mib_after));
		json_array_append_new(pools, o);
	}
	json_object_set_new(root, "pools", pools);
	if (plan->n_remove_pvs) {
		json_t *a = json_array();
		for (size_t i = 0; i < plan->n_remove_pvs; i++)
			json_array_append_new(a, json_string(plan->remove_pvs[i]));
		json_object_set_new(root, "remove_pvs", a);
	}
	if (plan->n_delete_later) {
		json_t *a = json_array();
		for (size_t i = 0; i < plan->n_delete_later; i++)
			json_array_append_new(a, json_pack("{s:s, s:s}", "name",
							   plan->delete_later[i].name, "server",
							   plan->delete_later[i].server));
		json_object_set_new(root, "delete_later", a);
	}
	return root;
}

/* Streams the same document as vdm_plan_to_json() without building it in memory (a plan for
 * 20 000 LVs is a tree of a few hundred thousand jansson values). Names are restricted to
 * [A-Za-z0-9._:/-] by the model, so they need no escaping; they are escaped anyway through
 * jansson for safety. Returns 0 or -EIO. */
static void pw_str(FILE *f, const char *s)
{
	if (s && vdm_name_valid(s)) {   /* nothing to escape: the common case, kept cheap */
		putc('"', f);
		fputs(s, f);
		putc('"', f);
		return;
	}
	json_t *j = json_string(s ? s : "");
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	fputs(t ? t : "\"\"", f);
	free(t);
	json_decref(j);
}

static void pw_level(FILE *f, enum vdm_level l)
{
	const char *n = vdm_level_name(l);
	if (n)
		fprintf(f, "\"%s\"", n);
	else
		fputs("null", f);
}

static void pw_idx(FILE *f, const char *key, const int *v, size_t n)
{
	if (!n)
		return;
	fprintf(f, ", \"%s\": [", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? ", " : "", v[i]);
	fputs("]", f);
}

int vdm_plan_write(const struct vdm_plan *plan, FILE *f)
{
	fputs("{\n \"version\": 1,\n \"partition\": ", f);
	pw_str(f, plan->partition);
	fputs(",\n \"vg\": ", f);
	pw_str(f, plan->vg);
	fprintf(f, ",\n \"copies\": %d,\n \"level\": ", plan->copies);
	pw_level(f, plan->level);
	fprintf(f, ",\n \"required_mib\": %lld,\n \"reused_mib\": %lld,\n \"new_mib\": %lld,\n"
		" \"new_disks\": [", (long long)plan->required_mib, (long long)plan->reused_mib,
		(long long)plan->new_mib);
	for (size_t i = 0; i < plan->n_new_disks; i++) {
		const struct vdm_plan_disk *d = &plan->new_disks[i];
		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
		pw_str(f, d->name);
		fputs(", \"pool\": ", f);
		pw_str(f, d->pool);
		fprintf(f, ", \"size_mib\": %lld, \"paths\": [", (long long)d->size_mib);
		for (size_t k = 0; k < d->n_paths; k++) {
			if (k)
				fputs(", ", f);
			pw_str(f, d->paths[k]);
		}
		fputs("]}", f);
	}
	fputs(plan->n_new_disks ? "\n ],\n \"lvs\": [" : "],\n \"lvs\": [", f);
	for (size_t i = 0; i < plan->n_lvs; i++) {
		const struct vdm_plan_lv *l = &plan->lvs[i];
		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
		pw_str(f, l->name);
		fputs(", \"protection\": ", f);
		pw_level(f, l->protection);
		fputs(", \"new_copies\": [", f);
		for (size_t k = 0; k < l->n_new_copies; k++) {
			fputs(k ? ", [" : "[", f);
			for (size_t s = 0; s < l->new_copies[k].n_segs; s++) {
				fputs(s ? ", {\"pv\": " : "{\"pv\": ", f);
				pw_str(f, l->new_copies[k].segs[s].pv);
				fprintf(f, ", \"extents\": %lld}", (long long)l->new_copies[k].segs[s].extents);
			}
			fputs("]", f);
		}
		fputs("]", f);
		pw_idx(f, "resync", l->resync, l->n_resync);
		pw_idx(f, "drop", l->drop, l->n_drop);
		pw_idx(f, "waiting", l->waiting, l->n_waiting);
		fputs("}", f);
	}
	fputs(plan->n_lvs ? "\n ],\n \"pools\": [" : "],\n \"pools\": [", f);
	for (size_t i = 0; i < plan->n_pools; i++) {
		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
		pw_str(f, plan->pools[i].name);
		fprintf(f, ", \"free_mib_before\": %lld, \"free_mib_after\": %lld}",
			(long long)plan->pools[i].free_mib_before, (long long)plan->pools[i].free_mib_after);
	}
	fputs(plan->n_pools ? "\n ]" : "]", f);
	if (plan->n_remove_pvs) {
		fputs(",\n \"remove_pvs\": [", f);
		for (size_t i = 0; i < plan->n_remove_pvs; i++) {
			if (i)
				fputs(", ", f);
			pw_str(f, plan->remove_pvs[i]);
		}
		fputs("]", f);
	}
	if (plan->n_delete_later) {
		fputs(",\n \"delete_later\": [", f);
		for (size_t i = 0; i < plan->n_delete_later; i++) {
			fputs(i ? ", {\"name\": " : "{\"name\": ", f);
			pw_str(f, plan->delete_later[i].name);
			fputs(", \"server\": ", f);
			pw_str(f, plan->delete_later[i].server);
			fputs("}", f);
		}
		fputs("]", f);
	}
	fputs("\n}\n", f);
	return ferror(f) ? -EIO : 0;
}

/* ---- reading ----------------------------------------------------------------------- */

struct pj {
	const char *source;
	struct vdm_error *err;
	char path[512];
};

static int pj_fail(struct pj *r, const char *field, const char *problem)
{
	return vdm_err(r->err, -EINVAL, "%s: %s%s%s: %s", r->source, r->path,
		       r->path[0] && field ? "." : "", field ? field : "", problem);
}

static int pj_get(struct pj *r, const json_t *o, const char *field, json_t **out)
{
	*out = json_object_get(o, field);
	if (!*out)
		return pj_fail(r, field, "missing");
	return 0;
}

static int pj_int(struct pj *r, const json_t *o, const char *field, int64_t *out)
{
	json_t *v;
	int rc = pj_get(r, o, field, &v);
	if (rc)
		return rc;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return pj_fail(r, field, "must be an integer >= 0");
	*out = json_integer_value(v);
	return 0;
}

static int pj_name(struct pj *r, const json_t *o, const char *field, char **out)
{
	json_t *v;
	int rc = pj_get(r, o, field, &v);
	if (rc)
		return rc;
	if (!json_is_string(v) || !vdm_name_valid(json_string_value(v)))
		return pj_fail(r, field, "must be a name ([A-Za-z0-9][A-Za-z0-9._:/-]{0,127})");
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* level: a level name, or null when `nullable` */
static int pj_level(struct pj *r, const json_t *o, const char *field, bool nullable,
		    enum vdm_level *out)
{
	json_t *v;
	int rc = pj_get(r, o, field, &v);
	if (rc)
		return rc;
	if (json_is_null(v) && nullable) {
		*out = VDM_LEVEL_NONE;
		return 0;
	}
	if (!json_is_string(v) || vdm_level_parse(json_string_value(v), out) < 0)
		return pj_fail(r, field, nullable ? "must be a level (device, pool, server, frame, site) or null"
					       : "must be a level (device, pool, server, frame, site)");
	return 0;
}

static int pj_array(struct pj *r, const json_t *o, const char *field, json_t **out)
{
	int rc = pj_get(r, o, field, out);
	if (rc)
		return rc;
	if (!json_is_array(*out))
		return pj_fail(r, field, "must be an array");
	return 0;
}

/* Appends "field[i]" to the path; returns the old length for pj_pop. */
static size_t pj_push(struct pj *r, const char *field, size_t i)
{
	size_t len = strlen(r->path);
	if (field)
		snprintf(r->path + len, sizeof r->path - len, "%s%s[%zu]", len ? "." : "", field, i);
	else
		snprintf(r->path + len, sizeof r->path - len, "[%zu]", i);
	return len;
}

static void pj_pop(struct pj *r, size_t len) { r->path[len] = '\0'; }

static int pj_object(struct pj *r, const json_t *v)
{
	if (!json_is_object(v))
		return pj_fail(r, NULL, "must be an object");
	return 0;
}

/* An optional array of copy indexes (repair plans). */
static int pj_idx(struct pj *r, const json_t *o, const char *field, int **out, size_t *n)
{
	json_t *a = json_object_get(o, field);
	if (!a)
		return 0;
	if (!json_is_array(a))
		return pj_fail(r, field, "must be an array of copy indexes");
	*out = xcalloc(json_array_size(a) + 1, sizeof **out);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
			return pj_fail(r, field, "must be an array of copy indexes");
		(*out)[(*n)++] = (int)json_integer_value(v);
	}
	return 0;
}

static int pj_read(struct pj *r, const json_t *root, struct vdm_plan *plan)
{
	int rc;
	int64_t v;
	json_t *a;
	if (!json_is_object(root))
		return vdm_err(r->err, -EINVAL, "%s: the plan must be a JSON object", r->source);
	if ((rc = pj_int(r, root, "version", &v)))
		return rc;
	if (v != 1)
		return pj_fail(r, "version", "must be 1");
	if ((rc = pj_name(r, root, "partition", &plan->partition)) ||
	    (rc = pj_name(r, root, "vg", &plan->vg)) || (rc = pj_int(r, root, "copies", &v)))
		return rc;
	if (v != 2 && v != 3)
		return pj_fail(r, "copies", "must be 2 or 3");
	plan->copies = (int)v;
	if ((rc = pj_level(r, root, "level", false, &plan->level)) ||
	    (rc = pj_int(r, root, "required_mib", &plan->required_mib)) ||
	    (rc = pj_int(r, root, "reused_mib", &plan->reused_mib)) ||
	    (rc = pj_int(r, root, "new_mib", &plan->new_mib)))
		return rc;

	if ((rc = pj_array(r, root, "new_disks", &a)))
		return rc;
	plan->new_disks = xcalloc(json_array_size(a) + 1, sizeof *plan->new_disks);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		size_t at = pj_push(r, "new_disks", i);
		struct vdm_plan_disk *d = &plan->new_disks[plan->n_new_disks++];
		json_t *paths;
		if ((rc = pj_object(r, o)) || (rc = pj_name(r, o, "name", &d->name)) ||
		    (rc = pj_name(r, o, "pool", &d->pool)) || (rc = pj_int(r, o, "size_mib", &d->size_mib)) ||
		    (rc = pj_array(r, o, "paths", &paths)))
			return rc;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(plan->new_disks[k].name, d->name))
				return pj_fail(r, "name", "duplicate new disk name");
		if (json_array_size(paths) == 0)
			return pj_fail(r, "paths", "must list at least one server");
		d->paths = xcalloc(json_array_size(paths), sizeof *d->paths);
		for (size_t k = 0; k < json_array_size(paths); k++) {
			json_t *s = json_array_get(paths, k);
			if (!json_is_string(s) || !vdm_name_valid(json_string_value(s))) {
				char f[32];
				snprintf(f, sizeof f, "paths[%zu]", k);
				return pj_fail(r, f, "must be a server name");
			}
			d->paths[d->n_paths++] = xstrdup(json_string_value(s));
		}
		pj_pop(r, at);
	}

	if ((rc = pj_array(r, root, "lvs", &a)))
		return rc;
	plan->lvs = xcalloc(json_array_size(a) + 1, sizeof *plan->lvs);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		size_t at = pj_push(r, "lvs", i);
		struct vdm_plan_lv *l = &plan->lvs[plan->n_lvs++];
		json_t *copies;
		if ((rc = pj_object(r, o)) || (rc = pj_name(r, o, "name", &l->name)) ||
		    (rc = pj_level(r, o, "protection", true, &l->protection)) ||
		    (rc = pj_array(r, o, "new_copies", &copies)))
			return rc;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(plan->lvs[k].name, l->name))
				return pj_fail(r, "name", "duplicate lv name");
		l->new_copies = xcalloc(json_array_size(copies) + 1, sizeof *l->new_copies);
		for (size_t k = 0; k < json_array_size(copies); k++) {
			json_t *segs = json_array_get(copies, k);
			size_t at2 = pj_push(r, "new_copies", k);
			struct vdm_plan_copy *pc = &l->new_copies[l->n_new_copies++];
			if (!json_is_array(segs))
				return pj_fail(r, NULL, "must be an array of segments");
			pc->segs = xcalloc(json_array_size(segs) + 1, sizeof *pc->segs);
			for (size_t s = 0; s < json_array_size(segs); s++) {
				json_t *seg = json_array_get(segs, s);
				size_t at3 = pj_push(r, NULL, s);
				struct vdm_plan_segment *sg = &pc->segs[pc->n_segs++];
				if ((rc = pj_object(r, seg)) || (rc = pj_name(r, seg, "pv", &sg->pv)) ||
				    (rc = pj_int(r, seg, "extents", &sg->extents)))
					return rc;
				pj_pop(r, at3);
			}
			pj_pop(r, at2);
		}
		if ((rc = pj_idx(r, o, "resync", &l->resync, &l->n_resync)) ||
		    (rc = pj_idx(r, o, "drop", &l->drop, &l->n_drop)) ||
		    (rc = pj_idx(r, o, "waiting", &l->waiting, &l->n_waiting)))
			return rc;
		pj_pop(r, at);
	}

	if ((rc = pj_array(r, root, "pools", &a)))
		return rc;
	plan->pools = xcalloc(json_array_size(a) + 1, sizeof *plan->pools);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		size_t at = pj_push(r, "pools", i);
		struct vdm_plan_pool *p = &plan->pools[plan->n_pools++];
		json_t *fa;
		if ((rc = pj_object(r, o)) || (rc = pj_name(r, o, "name", &p->name)) ||
		    (rc = pj_int(r, o, "free_mib_before", &p->free_mib_before)) ||
		    (rc = pj_get(r, o, "free_mib_after", &fa)))
			return rc;
		/* free_mib_after may be negative only in a broken plan: reject it */
		if (!json_is_integer(fa) || json_integer_value(fa) < 0)
			return pj_fail(r, "free_mib_after", "must be an integer >= 0");
		p->free_mib_after = json_integer_value(fa);
		pj_pop(r, at);
	}
	/* repair plans: remove_pvs and delete_later, optional */
	json_t *rp = json_object_get(root, "remove_pvs");
	if (rp) {
		if (!json_is_array(rp))
			return pj_fail(r, "remove_pvs", "must be an array of disk names");
		plan->remove_pvs = xcalloc(json_array_size(rp) + 1, sizeof *plan->remove_pvs);
		for (size_t i = 0; i < json_array_size(rp); i++) {
			json_t *e = json_array_get(rp, i);
			if (!json_is_string(e) || !vdm_name_valid(json_string_value(e)))
				return pj_fail(r, "remove_pvs", "must be an array of disk names");
			plan->remove_pvs[plan->n_remove_pvs++] = xstrdup(json_string_value(e));
		}
	}
	json_t *dl = json_object_get(root, "delete_later");
	if (dl) {
		if (!json_is_array(dl))
			return pj_fail(r, "delete_later", "must be an array");
		plan->delete_later = xcalloc(json_array_size(dl) + 1, sizeof *plan->delete_later);
		for (size_t i = 0; i < json_array_size(dl); i++) {
			size_t at = pj_push(r, "delete_later", i);
			struct vdm_plan_later *d = &plan->delete_later[plan->n_delete_later++];
			json_t *o = json_array_get(dl, i);
			if ((rc = pj_object(r, o)) || (rc = pj_name(r, o, "name", &d->name)) ||
			    (rc = pj_name(r, o, "server", &d->server)))
				return rc;
			pj_pop(r, at);
		}
	}
	/* sizes must add up, without wrapping (four 2^62 MiB disks are not new_mib 0) */
	int64_t sum = 0;
	for (size_t i = 0; i < plan->n_new_disks; i++)
		if (vdm_add_overflows(sum, plan->new_disks[i].size_mib, &sum))
			return pj_fail(r, "new_disks", "sizes add up to more than 2^63 MiB");
	if (sum != plan->new_mib)
		return pj_fail(r, "new_mib", "is not the sum of new_disks[].size_mib");
	for (size_t i = 0; i < plan->n_lvs; i++)
		for (size_t k = 0; k < plan->lvs[i].n_new_copies; k++) {
			int64_t ext = 0;
			for (size_t s = 0; s < plan->lvs[i].new_copies[k].n_segs; s++)
				if (vdm_add_overflows(ext, plan->lvs[i].new_copies[k].segs[s].extents, &ext))
					return pj_fail(r, "lvs", "a new copy's extents add up to more than 2^63");
		}
	if (plan->reused_mib > plan->required_mib)
		return pj_fail(r, "reused_mib", "is larger than required_mib");
	return 0;
}

int vdm_plan_from_json(const json_t *root, const char *source, struct vdm_plan **out,
		       struct vdm_error *err)
{
	struct vdm_plan *plan = xcalloc(1, sizeof *plan);
	struct pj r = { .source = source ? source : "plan", .err = err };
	*out = NULL;
	int rc = pj_read(&r, root, plan);
	if (rc) {
		vdm_plan_free(plan);
		return rc;
	}
	*out = plan;
	return 0;
}

/* A key given twice in one object is ambiguous (which one did the producer mean?): rejected,
 * as the inventory reader does. */
#define PJ_JSON_FLAGS JSON_REJECT_DUPLICATES

int vdm_plan_parse_string(const char *text, size_t len, const char *source, struct vdm_plan **out,
			  struct vdm_error *err)
{
	json_error_t je;
	*out = NULL;
	if (!source)
		source = "plan";
	json_t *root = json_loadb(text, len, PJ_JSON_FLAGS, &je);
	if (!root)
		return vdm_err(err, -EINVAL, "%s: line %d column %d: %s", source, je.line, je.column,
			       je.text);
	int rc = vdm_plan_from_json(root, source, out, err);
	json_decref(root);
	return rc;
}

int vdm_plan_parse_file(const char *path, struct vdm_plan **out, struct vdm_error *err)
{
	bool is_stdin = !strcmp(path, "-");
	const char *source = is_stdin ? "stdin" : path;
	json_error_t je;
	*out = NULL;
	/* Opened here, not by json_load_file, so that a missing or unreadable file says so in the
	 * inventory reader's words instead of "line -1 column -1: unable to open". */
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	if (!f) {
		int e = errno;
		return vdm_err_exit(err, -e, VDM_EXIT_INPUT, "%s: cannot open: %s", path,
				    strerror(e));
	}
	json_t *root = json_loadf(f, PJ_JSON_FLAGS, &je);
	if (!is_stdin)
		fclose(f);
	if (!root)
		return vdm_err(err, -EINVAL, "%s: line %d column %d: %s", source, je.line, je.column,
			       je.text);
	int rc = vdm_plan_from_json(root, source, out, err);
	json_decref(root);
	return rc;
}
