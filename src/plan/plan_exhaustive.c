/* plan_exhaustive.c: the placement is greedy. When it finds nothing and the request is small
 * (a few copies, a few PVs and pools), every assignment of each missing copy, whole, to one
 * PV or one pool's new disk is tried, so that "no plan" is never answered where one exists in
 * that space. The best by plan_score_better() is kept. */
#include <string.h>
#include "plan_int.h"

#define PLAN_EX_SLOTS 8
#define PLAN_EX_TARGETS 12

/* A whole copy goes to the free extents of a PV (index into the VG's pvs) or to the new disk
 * of a pool (index into the inventory's pools). */
struct plan_target {
	enum { PLAN_TARGET_PV, PLAN_TARGET_POOL } kind;
	int index;
};

struct plan_ex {
	struct plan_ctx *c;
	size_t slot_lv[PLAN_EX_SLOTS];
	int slot_k[PLAN_EX_SLOTS];
	size_t nslots;
	struct plan_target target[PLAN_EX_TARGETS];
	size_t ntargets;
	int choice[PLAN_EX_SLOTS], best[PLAN_EX_SLOTS];
	int64_t *pv_free, *pool_used, *pool_cap;
	bool found;
	struct plan_score b;
	long budget;
};

static int plan_ex_id(const struct plan_ex *x, struct plan_target tg)
{
	if (tg.kind == PLAN_TARGET_PV)
		return x->c->vg->pvs[tg.index].disk;
	return plan_pool_id(x->c, tg.index);
}

/* Is LV l valid with its existing copies plus the new copies in slots [first, last]? */
static bool plan_ex_valid(struct plan_ex *x, size_t first, size_t last)
{
	struct plan_ctx *c = x->c;
	struct plan_lv *pl = &c->lvs[x->slot_lv[first]];
	const struct vdm_lv *lv = &c->vg->lvs[pl->lv];
	size_t n_new = last - first + 1, n = lv->n_copies + n_new, nsegs = n_new;
	/* an LV is planned only while it has fewer copies than asked, and at most 3 are asked */
	if (n > PLAN_MAX_COPIES)
		return false;
	for (size_t k = 0; k < lv->n_copies; k++)
		nsegs += lv->copies[k].n_segs;
	struct vdm_copy_disks cd[PLAN_MAX_COPIES];
	const struct vdm_profile **profs = xmalloc(nsegs * sizeof *profs);
	size_t np = 0, ci = 0;
	for (size_t k = 0; k < lv->n_copies; k++, ci++) {
		cd[ci].disks = profs + np;
		cd[ci].n = lv->copies[k].n_segs;
		for (size_t sg = 0; sg < lv->copies[k].n_segs; sg++)
			profs[np++] = vdm_faults_disk(c->f, c->pi, c->vg->pvs[lv->copies[k].segs[sg].pv].disk);
	}
	for (size_t sl = first; sl <= last; sl++, ci++) {
		profs[np] = plan_profile(c, plan_ex_id(x, x->target[x->choice[sl]]));
		cd[ci].disks = profs + np++;
		cd[ci].n = 1;
	}
	enum vdm_level got = vdm_protection(c->f, cd, n, NULL);
	free(profs);
	return got != VDM_LEVEL_NONE && got >= c->level;
}

static void plan_ex_rec(struct plan_ex *x, size_t s)
{
	struct plan_ctx *c = x->c;
	if (x->budget-- <= 0)
		return;
	if (s == x->nslots) {
		struct plan_score sc;
		plan_score_of(c, x->pv_free, x->pool_used, &sc);
		if (!x->found || plan_score_better(&sc, &x->b)) {
			x->found = true;
			x->b = sc;
			memcpy(x->best, x->choice, sizeof x->best);
		}
		return;
	}
	size_t l = x->slot_lv[s];
	int64_t need = c->lvs[l].need;
	bool last = s + 1 == x->nslots || x->slot_lv[s + 1] != l;
	size_t first = s - (size_t)x->slot_k[s];
	for (size_t ti = 0; ti < x->ntargets; ti++) {
		struct plan_target tg = x->target[ti];
		if (tg.kind == PLAN_TARGET_PV && x->pv_free[tg.index] < need)
			continue;
		if (tg.kind == PLAN_TARGET_POOL) {
			int p = tg.index;
			int64_t used = x->pool_used[p] > 0 ? x->pool_used[p] : 0;
			if (used + need > x->pool_cap[p] || need == 0)
				continue;
		}
		x->choice[s] = (int)ti;
		if (last && !plan_ex_valid(x, first, s))
			continue;
		if (tg.kind == PLAN_TARGET_PV) {
			x->pv_free[tg.index] -= need;
			plan_ex_rec(x, s + 1);
			x->pv_free[tg.index] += need;
		} else {
			/* restored exactly: -1 (no disk) must stay -1 */
			int64_t before = x->pool_used[tg.index];
			x->pool_used[tg.index] = (before > 0 ? before : 0) + need;
			plan_ex_rec(x, s + 1);
			x->pool_used[tg.index] = before;
		}
	}
}

/* Fills *t (initialized, reuse mode as asked) with the best exhaustive placement; false if
 * the request is too big for it or nothing is valid. */
bool plan_exhaustive(struct plan_ctx *c, struct plan_try *t, long budget)
{
	struct plan_ex x;
	memset(&x, 0, sizeof x);
	x.c = c;
	for (size_t l = 0; l < c->n_lvs; l++)
		for (int k = 0; k < c->lvs[l].m; k++) {
			if (x.nslots == PLAN_EX_SLOTS)
				return false;
			x.slot_lv[x.nslots] = l;
			x.slot_k[x.nslots++] = k;
		}
	if (!c->req->no_reuse)
		for (size_t v = 0; v < c->vg->n_pvs; v++)
			if (t->pv_free[v] > 0) {
				if (x.ntargets == PLAN_EX_TARGETS)
					return false;
				x.target[x.ntargets++] = (struct plan_target){ PLAN_TARGET_PV, (int)v };
			}
	for (size_t p = 0; p < c->n_pools; p++)
		if (t->pool_cap[p] > 0) {
			if (x.ntargets == PLAN_EX_TARGETS)
				return false;
			x.target[x.ntargets++] = (struct plan_target){ PLAN_TARGET_POOL, (int)p };
		}
	x.pv_free = t->pv_free;
	x.pool_used = t->pool_used;
	x.pool_cap = t->pool_cap;
	x.budget = budget;
	plan_ex_rec(&x, 0);
	if (!x.found)
		return false;
	for (size_t sl = 0; sl < x.nslots; sl++) {
		size_t l = x.slot_lv[sl];
		struct plan_target tg = x.target[x.best[sl]];
		int64_t need = c->lvs[l].need;
		if (need > 0)
			plan_add_seg(plan_new_copy(t, l, x.slot_k[sl]), plan_ex_id(&x, tg), need);
		if (tg.kind == PLAN_TARGET_PV) {
			t->pv_free[tg.index] -= need;
		} else {
			int p = tg.index;
			if (t->pool_used[p] < 0)
				t->pool_used[p] = 0;
			t->pool_used[p] += need;
		}
	}
	return true;
}
