/* model.c: the parts of the inventory model that are not the reader: protection level names,
 * name validation, lookups by name, freeing, and the formats-v1 JSON writer. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "vdmirror/model.h"
#include "vdmirror/util.h"

static const char *const model_level_names[VDM_LEVEL_COUNT] = {
	"device", "pool", "server", "frame", "site",
};

const char *vdm_level_name(enum vdm_level level)
{
	if (level < VDM_LEVEL_DEVICE || level >= VDM_LEVEL_COUNT)
		return NULL;
	return model_level_names[level];
}

int vdm_level_parse(const char *name, enum vdm_level *level)
{
	if (!name)
		return -EINVAL;
	for (int i = 0; i < VDM_LEVEL_COUNT; i++)
		if (!strcmp(name, model_level_names[i])) {
			*level = (enum vdm_level)i;
			return 0;
		}
	return -EINVAL;
}

/* ASCII only on purpose: names travel to VIOS commands and QMP, a locale must not widen them. */
static bool model_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool vdm_name_valid(const char *name)
{
	if (!name || !model_alnum(name[0]))
		return false;
	size_t i;
	for (i = 1; name[i]; i++) {
		char c = name[i];
		if (i >= 128)
			return false;
		if (!model_alnum(c) && c != '.' && c != '_' && c != ':' && c != '/' && c != '-')
			return false;
	}
	/* ".." as a whole path component */
	for (const char *p = name; (p = strstr(p, "..")); p++)
		if ((p == name || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return false;
	return true;
}

bool vdm_name_valid_short(const char *name, size_t max)
{
	return vdm_name_valid(name) && strlen(name) <= max && !strpbrk(name, ":/");
}

/* Lookups are linear: callers resolve names once (the reader keeps indices), so these serve
 * the CLI and tests, where lists are short. */
#define MODEL_FIND(arr, n, name) do { \
		if (!(name)) return -1; \
		for (size_t i_ = 0; i_ < (n); i_++) \
			if ((arr)[i_].name && !strcmp((arr)[i_].name, (name))) \
				return (int)i_; \
		return -1; \
	} while (0)

int vdm_find_server(const struct vdm_inventory *inv, const char *name)
{
	MODEL_FIND(inv->servers, inv->n_servers, name);
}

int vdm_find_pool(const struct vdm_inventory *inv, const char *name)
{
	MODEL_FIND(inv->pools, inv->n_pools, name);
}

int vdm_find_partition(const struct vdm_inventory *inv, const char *name)
{
	MODEL_FIND(inv->partitions, inv->n_partitions, name);
}

int vdm_find_disk(const struct vdm_partition *p, const char *name)
{
	MODEL_FIND(p->disks, p->n_disks, name);
}

int vdm_find_vg(const struct vdm_partition *p, const char *name)
{
	MODEL_FIND(p->vgs, p->n_vgs, name);
}

int vdm_find_lv(const struct vdm_vg *vg, const char *name)
{
	MODEL_FIND(vg->lvs, vg->n_lvs, name);
}

static void model_free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void model_free_vg(struct vdm_vg *vg)
{
	free(vg->name);
	free(vg->pvs);
	for (size_t l = 0; l < vg->n_lvs; l++) {
		struct vdm_lv *lv = &vg->lvs[l];
		free(lv->name);
		for (size_t c = 0; c < lv->n_copies; c++)
			free(lv->copies[c].segs);
		free(lv->copies);
		free(lv->stale);
		free(lv->resync_percent);
	}
	free(vg->lvs);
}

/* Safe on a half-built inventory: the reader allocates every array zeroed before filling it. */
void vdm_inventory_free(struct vdm_inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n_sites; i++)
		free(inv->sites[i].name);
	free(inv->sites);
	for (size_t i = 0; i < inv->n_frames; i++)
		free(inv->frames[i].name);
	free(inv->frames);
	for (size_t i = 0; i < inv->n_servers; i++)
		free(inv->servers[i].name);
	free(inv->servers);
	for (size_t i = 0; i < inv->n_pools; i++) {
		struct vdm_pool *pl = &inv->pools[i];
		free(pl->name);
		model_free_strv(pl->devices, pl->n_devices);
		free(pl->tier);
	}
	free(inv->pools);
	for (size_t i = 0; i < inv->n_partitions; i++) {
		struct vdm_partition *p = &inv->partitions[i];
		free(p->name);
		free(p->os);
		for (size_t d = 0; d < p->n_disks; d++) {
			struct vdm_disk *dk = &p->disks[d];
			free(dk->name);
			model_free_strv(dk->devices, dk->n_devices);
			free(dk->paths);
		}
		free(p->disks);
		for (size_t v = 0; v < p->n_vgs; v++)
			model_free_vg(&p->vgs[v]);
		free(p->vgs);
	}
	free(inv->partitions);
	free(inv);
}

/* ---- writer ---- */

static json_t *model_strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static void model_set_str(json_t *o, const char *key, const char *val)
{
	json_object_set_new(o, key, json_string(val));
}

static void model_set_int(json_t *o, const char *key, int64_t val)
{
	json_object_set_new(o, key, json_integer((json_int_t)val));
}

static json_t *model_vg_json(const struct vdm_partition *p, const struct vdm_vg *vg)
{
	json_t *o = json_object(), *pvs = json_array(), *lvs = json_array();

	model_set_str(o, "name", vg->name);
	model_set_int(o, "extent_mib", vg->extent_mib);
	model_set_int(o, "pv_overhead_mib", vg->pv_overhead_mib);
	model_set_int(o, "copy_meta_extents", vg->copy_meta_extents);
	for (size_t i = 0; i < vg->n_pvs; i++) {
		const struct vdm_pv *pv = &vg->pvs[i];
		json_t *j = json_object();
		model_set_str(j, "disk", p->disks[pv->disk].name);
		model_set_int(j, "total_extents", pv->total_extents);
		model_set_int(j, "free_extents", pv->free_extents);
		json_array_append_new(pvs, j);
	}
	for (size_t i = 0; i < vg->n_lvs; i++) {
		const struct vdm_lv *lv = &vg->lvs[i];
		json_t *j = json_object(), *copies = json_array();
		model_set_str(j, "name", lv->name);
		model_set_int(j, "extents", lv->extents);
		for (size_t c = 0; c < lv->n_copies; c++) {
			json_t *segs = json_array();
			for (size_t s = 0; s < lv->copies[c].n_segs; s++) {
				const struct vdm_segment *sg = &lv->copies[c].segs[s];
				json_t *js = json_object();
				model_set_str(js, "pv", p->disks[vg->pvs[sg->pv].disk].name);
				model_set_int(js, "extents", sg->extents);
				json_array_append_new(segs, js);
			}
			json_array_append_new(copies, segs);
		}
		json_object_set_new(j, "copies", copies);
		if (lv->stale) {
			json_t *st = json_array();
			for (size_t c = 0; c < lv->n_copies; c++)
				if (lv->stale[c])
					json_array_append_new(st, json_integer((json_int_t)c));
			json_object_set_new(j, "stale", st);
		}
		/* parallel to stale as written just above (copy order) */
		if (lv->stale && lv->resync_percent) {
			json_t *rp = json_array();
			for (size_t c = 0; c < lv->n_copies; c++)
				if (lv->stale[c])
					json_array_append_new(rp, lv->resync_percent[c] < 0 ? json_null()
							      : json_integer(lv->resync_percent[c]));
			json_object_set_new(j, "resync_percent", rp);
		}
		json_array_append_new(lvs, j);
	}
	json_object_set_new(o, "pvs", pvs);
	json_object_set_new(o, "lvs", lvs);
	return o;
}

/* Emits exactly the fields of formats.md v1, defaults written out, so that a reader that does
 * not know the defaults still gets the same numbers. Indices must be valid (as the reader
 * leaves them). */
json_t *vdm_inventory_to_json(const struct vdm_inventory *inv)
{
	json_t *root = json_object();
	json_t *sites = json_array(), *frames = json_array(), *servers = json_array();
	json_t *pools = json_array(), *parts = json_array();

	model_set_int(root, "version", 1);
	for (size_t i = 0; i < inv->n_sites; i++) {
		json_t *o = json_object();
		model_set_str(o, "name", inv->sites[i].name);
		json_array_append_new(sites, o);
	}
	for (size_t i = 0; i < inv->n_frames; i++) {
		json_t *o = json_object();
		model_set_str(o, "name", inv->frames[i].name);
		if (inv->frames[i].site >= 0)
			model_set_str(o, "site", inv->sites[inv->frames[i].site].name);
		json_array_append_new(frames, o);
	}
	for (size_t i = 0; i < inv->n_servers; i++) {
		json_t *o = json_object();
		model_set_str(o, "name", inv->servers[i].name);
		if (inv->servers[i].frame >= 0)
			model_set_str(o, "frame", inv->frames[inv->servers[i].frame].name);
		if (inv->servers[i].unreachable)
			model_set_str(o, "state", "unreachable");
		if (inv->servers[i].max_name > 0)
			json_object_set_new(o, "max_name", json_integer(inv->servers[i].max_name));
		json_array_append_new(servers, o);
	}
	for (size_t i = 0; i < inv->n_pools; i++) {
		const struct vdm_pool *pl = &inv->pools[i];
		json_t *o = json_object();
		model_set_str(o, "name", pl->name);
		model_set_str(o, "server", inv->servers[pl->server].name);
		if (pl->n_devices)
			json_object_set_new(o, "devices", model_strv_json(pl->devices, pl->n_devices));
		model_set_int(o, "size_mib", pl->size_mib);
		model_set_int(o, "free_mib", pl->free_mib);
		model_set_int(o, "reserve_pct", pl->reserve_pct);
		model_set_int(o, "alloc_mib", pl->alloc_mib);
		if (pl->tier)
			model_set_str(o, "tier", pl->tier);
		if (pl->unreachable)
			model_set_str(o, "state", "unreachable");
		json_array_append_new(pools, o);
	}
	for (size_t i = 0; i < inv->n_partitions; i++) {
		const struct vdm_partition *p = &inv->partitions[i];
		json_t *o = json_object(), *disks = json_array(), *vgs = json_array();
		model_set_str(o, "name", p->name);
		if (p->os)
			model_set_str(o, "os", p->os);
		if (p->frame >= 0)
			model_set_str(o, "frame", inv->frames[p->frame].name);
		for (size_t d = 0; d < p->n_disks; d++) {
			const struct vdm_disk *dk = &p->disks[d];
			json_t *jd = json_object(), *paths = json_array();
			model_set_str(jd, "name", dk->name);
			model_set_int(jd, "size_mib", dk->size_mib);
			if (dk->pool >= 0)
				model_set_str(jd, "pool", inv->pools[dk->pool].name);
			if (dk->n_devices)
				json_object_set_new(jd, "devices",
						    model_strv_json(dk->devices, dk->n_devices));
			for (size_t k = 0; k < dk->n_paths; k++)
				json_array_append_new(paths,
						      json_string(inv->servers[dk->paths[k]].name));
			json_object_set_new(jd, "paths", paths);
			if (dk->missing)
				model_set_str(jd, "state", "missing");
			if (dk->missing_since > 0) {
				char t[32];
				time_t ts = (time_t)dk->missing_since;
				struct tm tm;
				strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&ts, &tm));
				model_set_str(jd, "missing_since", t);
			}
			json_array_append_new(disks, jd);
		}
		for (size_t v = 0; v < p->n_vgs; v++)
			json_array_append_new(vgs, model_vg_json(p, &p->vgs[v]));
		json_object_set_new(o, "disks", disks);
		json_object_set_new(o, "vgs", vgs);
		json_array_append_new(parts, o);
	}
	json_object_set_new(root, "sites", sites);
	json_object_set_new(root, "frames", frames);
	json_object_set_new(root, "servers", servers);
	json_object_set_new(root, "pools", pools);
	json_object_set_new(root, "partitions", parts);
	return root;
}
