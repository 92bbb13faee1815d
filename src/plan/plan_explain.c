/* plan_explain.c: why no plan exists: which LV, which level, the failure domain its other
 * copies live in, and how much room is usable outside it against what the copy needs. */
#include <stdio.h>
#include <string.h>
#include "plan_int.h"

typedef VEC(const char *) str_vec;

static void plan_add_name(str_vec *names, const char *s)
{
	for (size_t i = 0; i < names->n; i++)
		if (!strcmp(names->v[i], s))
			return;
	VEC_PUSH(names, s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "server vios1", "servers vios1, vios3": the domain the other copies live in, at the level. */
static void plan_domain(const struct plan_ctx *c, const struct plan_group *g, char *buf, size_t size)
{
	str_vec names = { 0 };
	const struct vdm_inventory *inv = c->inv;
	/* walk the key: ids of the other copies */
	size_t pos = 1;
	while (pos < g->nkey) {
		size_t cnt = (size_t)g->key[pos++];
		for (size_t i = 0; i < cnt; i++) {
			int id = g->key[pos++];
			int pool = -1;
			const int *paths;
			size_t npaths;
			int one;
			const char *dname;
			if (!plan_id_is_pool(c, id)) {
				const struct vdm_disk *d = &c->part->disks[id];
				pool = d->pool;
				paths = d->paths;
				npaths = d->n_paths;
				dname = d->name;
			} else {
				pool = plan_id_pool(c, id);
				one = inv->pools[pool].server;
				paths = &one;
				npaths = 1;
				dname = inv->pools[pool].name;
			}
			switch (c->level) {
			case VDM_LEVEL_DEVICE:
				plan_add_name(&names, dname);
				break;
			case VDM_LEVEL_POOL:
				plan_add_name(&names, pool >= 0 ? inv->pools[pool].name : dname);
				break;
			case VDM_LEVEL_SERVER:
				for (size_t k = 0; k < npaths; k++)
					plan_add_name(&names, inv->servers[paths[k]].name);
				break;
			case VDM_LEVEL_FRAME:
			case VDM_LEVEL_SITE:
				for (size_t k = 0; k < npaths; k++) {
					int fr = inv->servers[paths[k]].frame;
					if (c->level == VDM_LEVEL_FRAME) {
						plan_add_name(&names, fr >= 0 ? inv->frames[fr].name : "(unnamed)");
					} else {
						int st = fr >= 0 ? inv->frames[fr].site : -1;
						plan_add_name(&names, st >= 0 ? inv->sites[st].name : "(unnamed)");
					}
				}
				break;
			default:
				break;
			}
		}
	}
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, cmp_str);
	const char *lvl = c->level == VDM_LEVEL_DEVICE ? "disk" : vdm_level_name(c->level);
	size_t w = (size_t)snprintf(buf, size, "%s%s ", lvl, names.n > 1 ? "s" : "");
	for (size_t i = 0; i < names.n && w < size; i++)
		w += (size_t)snprintf(buf + w, size - w, "%s%s", i ? ", " : "", names.v[i]);
	free(names.v);
}

void plan_fail_message(struct plan_ctx *c, struct plan_try *t, char *buf, size_t size)
{
	if (t->fail_msg[0]) {
		snprintf(buf, size, "%s", t->fail_msg);
		return;
	}
	struct plan_lv *pl = &c->lvs[t->fail_lv];
	const struct vdm_lv *lv = &c->vg->lvs[pl->lv];
	struct plan_group *g = c->groups.v[t->fail_group];
	char dom[512];
	plan_domain(c, g, dom, sizeof dom);
	int64_t usable = 0;
	for (size_t i = 0; i < g->n_valid_pools; i++) {
		int p = g->valid_pools[i];
		int64_t used = t->pool_used[p] > 0 ? t->pool_used[p] : 0;
		if (t->pool_cap[p] > used)   /* (cap - used) * ext_mib <= the pool's free_mib */
			usable = vdm_add_sat(usable, (t->pool_cap[p] - used) * c->ext_mib);
	}
	for (size_t i = 0; i < g->n_valid_pvs; i++) {
		int64_t mib;
		if (vdm_mul_overflows(t->pv_free[g->valid_pvs[i]], c->ext_mib, &mib))
			mib = INT64_MAX;
		usable = vdm_add_sat(usable, mib);
	}
	/* what this copy already got in the domain counts as usable: the message compares the
	 * whole copy with the whole room left for it */
	usable = vdm_add_sat(usable, (pl->need - t->fail_remaining) * c->ext_mib);
	int64_t needed = pl->need * c->ext_mib + c->ovh_mib;
	const char *what = c->req->copies == 3 && g->n_copies > 1 && lv->n_copies == 1 ?
			   " for its third copy" : "";
	const char *where = g->n_valid_pvs ? "pools and PVs" : "pools";
	if (g->n_valid_pools == 0 && g->n_valid_pvs == 0 && !g->final)
		snprintf(buf, size, "lv %s (%lld MiB) cannot reach level %s with 3 copies: outside %s "
			 "no two pools or PVs are independent enough to hold both new copies", lv->name,
			 (long long)(lv->extents * c->ext_mib), vdm_level_name(c->level), dom);
	else if (g->n_valid_pools == 0 && g->n_valid_pvs == 0)
		snprintf(buf, size, "lv %s (%lld MiB) cannot reach level %s: no pool outside %s "
			 "can hold a copy%s", lv->name, (long long)(lv->extents * c->ext_mib),
			 vdm_level_name(c->level), dom, what);
	else
		snprintf(buf, size, "lv %s (%lld MiB) cannot reach level %s: %s outside %s "
			 "have %lld MiB usable, %lld MiB needed%s", lv->name,
			 (long long)(lv->extents * c->ext_mib), vdm_level_name(c->level), where, dom,
			 (long long)usable, (long long)needed, what);
}

