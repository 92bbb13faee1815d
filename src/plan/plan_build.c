/* plan_build.c: the plan document (struct vdm_plan) from the chosen try: new disks named
 * and sized, each LV's new copies, protection after, the pools' free space. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "plan_int.h"

static int cmp_pool_name(const void *a, const void *b, void *arg)
{
	const struct vdm_inventory *inv = arg;
	int x = *(const int *)a, y = *(const int *)b;
	return strcmp(inv->pools[x].name, inv->pools[y].name);
}

static int *copy_ints(const int *v, size_t n)
{
	int *r = xcalloc(n + 1, sizeof *r);
	if (n)
		memcpy(r, v, n * sizeof *r);
	return r;
}

/* Repair: the LV's resync, drop and waiting lists. */
static void build_fix(struct plan_ctx *c, int i, struct vdm_plan_lv *out)
{
	const struct plan_fix *fx = &c->fix[i];
	out->resync = copy_ints(fx->resync.v, fx->resync.n);
	out->n_resync = fx->resync.n;
	out->drop = copy_ints(fx->drop.v, fx->drop.n);
	out->n_drop = fx->drop.n;
	out->waiting = copy_ints(fx->waiting.v, fx->waiting.n);
	out->n_waiting = fx->waiting.n;
}

/* Repair, an LV that gets no new copy: the exact level of the copies it keeps (in sync now,
 * or resynced), judged like any final layout. */
static enum vdm_level kept_protection(struct plan_ctx *c, int i)
{
	const struct vdm_lv *lv = &c->vg->lvs[i];
	const struct plan_fix *fx = &c->fix[i];
	VEC(int) k = { 0 };
	VEC_PUSH(&k, (int)PLAN_STAGE_DONE);
	for (size_t bi = 0; bi < fx->keep.n; bi++) {
		const struct vdm_copy *cp = &lv->copies[fx->keep.v[bi]];
		size_t at = k.n;
		VEC_PUSH(&k, 0);
		for (size_t s = 0; s < cp->n_segs; s++)
			VEC_PUSH(&k, c->vg->pvs[cp->segs[s].pv].disk);
		qsort(k.v + at + 1, k.n - at - 1, sizeof(int), plan_cmp_int);
		size_t w = at + 1;
		for (size_t j = at + 1; j < k.n; j++)
			if (w == at + 1 || k.v[w - 1] != k.v[j])
				k.v[w++] = k.v[j];
		k.n = w;
		k.v[at] = (int)(w - at - 1);
	}
	int g = plan_group_of_key(c, k.v, k.n);
	free(k.v);
	return plan_group_protection(c, c->groups.v[g]);
}

/* Repair: missing PVs that hold nothing once the drops are done (every copy of an LV left
 * out of the request still holds its disks, and so does a copy waited for), and of those the
 * ones behind an unreachable server, to delete when it is back. */
static void build_remove(struct plan_ctx *c, struct vdm_plan *plan)
{
	const struct vdm_vg *vg = c->vg;
	bool *held = xcalloc(vg->n_pvs + 1, sizeof *held);
	for (size_t i = 0; i < vg->n_lvs; i++) {
		const struct vdm_lv *lv = &vg->lvs[i];
		for (size_t cp = 0; cp < lv->n_copies; cp++) {
			bool dropped = false;
			if (c->requested[i])
				for (size_t k = 0; k < c->fix[i].drop.n; k++)
					dropped |= c->fix[i].drop.v[k] == (int)cp;
			if (dropped)
				continue;
			for (size_t s = 0; s < lv->copies[cp].n_segs; s++)
				held[lv->copies[cp].segs[s].pv] = true;
		}
	}
	plan->remove_pvs = xcalloc(vg->n_pvs + 1, sizeof *plan->remove_pvs);
	plan->delete_later = xcalloc(vg->n_pvs + 1, sizeof *plan->delete_later);
	for (size_t v = 0; v < vg->n_pvs; v++) {
		const struct vdm_disk *dk = &c->part->disks[vg->pvs[v].disk];
		if (!dk->missing || held[v])
			continue;
		plan->remove_pvs[plan->n_remove_pvs++] = xstrdup(dk->name);
		for (size_t k = 0; k < dk->n_paths; k++) {
			const struct vdm_server *sv = &c->inv->servers[dk->paths[k]];
			if (sv->unreachable) {
				struct vdm_plan_later *dl = &plan->delete_later[plan->n_delete_later++];
				dl->name = xstrdup(dk->name);
				dl->server = xstrdup(sv->name);
				break;
			}
		}
	}
	free(held);
	for (size_t i = 0; i < vg->n_lvs; i++)
		if (c->requested[i] && c->fix[i].wait_s > plan->wait_s)
			plan->wait_s = c->fix[i].wait_s;
}

int plan_build(struct plan_ctx *c, struct plan_try *t, struct vdm_plan **result,
	       struct vdm_error *err)
{
	*result = NULL;
	const struct vdm_inventory *inv = c->inv;
	struct vdm_plan *plan = xcalloc(1, sizeof *plan);
	plan->partition = xstrdup(c->part->name);
	plan->vg = xstrdup(c->vg->name);
	plan->copies = c->req->copies;
	plan->level = c->level;
	/* new disks: pools sorted by name, named by plan_names.c */
	VEC(int) pools = { 0 };
	for (size_t p = 0; p < c->n_pools; p++)
		if (t->pool_used[p] > 0)
			VEC_PUSH(&pools, (int)p);
	if (pools.n)
		qsort_r(pools.v, pools.n, sizeof(int), cmp_pool_name, (void *)inv);
	char **disk_name = xcalloc(c->n_pools + 1, sizeof *disk_name);
	plan->new_disks = xcalloc(pools.n + 1, sizeof *plan->new_disks);
	plan->pools = xcalloc(pools.n + 1, sizeof *plan->pools);
	char **names = xcalloc(pools.n + 1, sizeof *names);
	int rc = plan_name_new_disks(inv, c->pi, c->vg->name, pools.v, pools.n, names, err);
	if (rc < 0) {
		free(names);
		free(disk_name);
		free(pools.v);
		vdm_plan_free(plan);
		return rc;
	}
	for (size_t i = 0; i < pools.n; i++) {
		int p = pools.v[i];
		char *name = names[i];
		names[i] = NULL;
		struct vdm_plan_disk *d = &plan->new_disks[plan->n_new_disks++];
		d->name = name;
		disk_name[p] = name;
		d->pool = xstrdup(inv->pools[p].name);
		d->size_mib = plan_disk_size(c, p, t->pool_used[p]);
		d->paths = xcalloc(1, sizeof *d->paths);
		d->paths[0] = xstrdup(inv->servers[inv->pools[p].server].name);
		d->n_paths = 1;
		if (vdm_add_overflows(plan->new_mib, d->size_mib, &plan->new_mib)) {
			rc = vdm_err_exit(err, -EOVERFLOW, VDM_EXIT_INPUT, "plan: the new disks "
					  "add up to more than 2^63 MiB (pool %s: %lld MiB)",
					  inv->pools[p].name, (long long)d->size_mib);
			for (size_t k = i + 1; k < pools.n; k++)
				free(names[k]);
			free(names);
			free(disk_name);
			free(pools.v);
			vdm_plan_free(plan);
			return rc;
		}
		struct vdm_plan_pool *pp = &plan->pools[plan->n_pools++];
		pp->name = xstrdup(inv->pools[p].name);
		pp->free_mib_before = inv->pools[p].free_mib;
		pp->free_mib_after = inv->pools[p].free_mib - d->size_mib;
	}
	free(names);
	/* LVs: every requested one, in VG order */
	size_t nreq = 0;
	for (size_t i = 0; i < c->vg->n_lvs; i++)
		nreq += c->requested[i];
	plan->lvs = xcalloc(nreq + 1, sizeof *plan->lvs);
	size_t li = 0;
	for (size_t i = 0; i < c->vg->n_lvs; i++) {
		if (!c->requested[i])
			continue;
		const struct vdm_lv *lv = &c->vg->lvs[i];
		struct vdm_plan_lv *out = &plan->lvs[plan->n_lvs++];
		out->name = xstrdup(lv->name);
		if (c->repair)
			build_fix(c, (int)i, out);
		while (li < c->n_lvs && c->lvs[li].lv < (int)i)
			li++;
		if (li >= c->n_lvs || c->lvs[li].lv != (int)i) {
			/* enough copies: the protection it has (a repair: once resynced) */
			out->protection = c->repair ? kept_protection(c, (int)i)
				: vdm_lv_protection(c->f, c->pi, c->gi, (int)i, NULL);
			continue;
		}
		struct plan_lv *pl = &c->lvs[li];
		out->n_new_copies = (size_t)pl->m;
		out->new_copies = xcalloc((size_t)pl->m, sizeof *out->new_copies);
		for (int k = 0; k < pl->m; k++) {
			seg_vec *sv = plan_new_copy(t, li, k);
			struct vdm_plan_copy *pc = &out->new_copies[k];
			pc->segs = xcalloc(sv->n + 1, sizeof *pc->segs);
			for (size_t s = 0; s < sv->n; s++) {
				int id = sv->v[s].id;
				pc->segs[s].pv = xstrdup(!plan_id_is_pool(c, id) ? c->part->disks[id].name
								      : disk_name[plan_id_pool(c, id)]);
				pc->segs[s].extents = sv->v[s].ext;
				/* bounded: plan_check_sizes() checked every new copy's MiB */
				plan->required_mib += sv->v[s].ext * c->ext_mib;
				if (!plan_id_is_pool(c, id))
					plan->reused_mib += sv->v[s].ext * c->ext_mib;
			}
			pc->n_segs = sv->n;
		}
		/* protection after: existing copies plus the new ones, judged once per layout */
		int gid = plan_lv_group(c, t, li, pl->m + 1);  /* may grow c->groups */
		out->protection = plan_group_protection(c, c->groups.v[gid]);
	}
	free(disk_name);
	free(pools.v);
	if (c->repair)
		build_remove(c, plan);
	*result = plan;
	return 0;
}

void vdm_plan_free(struct vdm_plan *plan)
{
	if (!plan)
		return;
	free(plan->partition);
	free(plan->vg);
	for (size_t i = 0; i < plan->n_new_disks; i++) {
		struct vdm_plan_disk *d = &plan->new_disks[i];
		free(d->name);
		free(d->pool);
		for (size_t k = 0; k < d->n_paths; k++)
			free(d->paths[k]);
		free(d->paths);
	}
	free(plan->new_disks);
	for (size_t i = 0; i < plan->n_lvs; i++) {
		struct vdm_plan_lv *l = &plan->lvs[i];
		free(l->name);
		for (size_t k = 0; k < l->n_new_copies; k++) {
			for (size_t s = 0; s < l->new_copies[k].n_segs; s++)
				free(l->new_copies[k].segs[s].pv);
			free(l->new_copies[k].segs);
		}
		free(l->new_copies);
		free(l->resync);
		free(l->drop);
		free(l->waiting);
	}
	free(plan->lvs);
	for (size_t i = 0; i < plan->n_remove_pvs; i++)
		free(plan->remove_pvs[i]);
	free(plan->remove_pvs);
	for (size_t i = 0; i < plan->n_delete_later; i++) {
		free(plan->delete_later[i].name);
		free(plan->delete_later[i].server);
	}
	free(plan->delete_later);
	for (size_t i = 0; i < plan->n_pools; i++)
		free(plan->pools[i].name);
	free(plan->pools);
	free(plan);
}
