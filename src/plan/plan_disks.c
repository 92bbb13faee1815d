/* plan_disks.c: the second and third goals, new disks for what reuse left: as few as
 * possible, in the pools that absorb most, then the emptiest and fastest. */
#include <string.h>
#include "plan_int.h"

int64_t plan_disk_size(const struct plan_ctx *c, int p, int64_t n)
{
	return plan_round_up(c->ovh_mib + n * c->ext_mib, c->inv->pools[p].alloc_mib);
}

/* Utilization of pool p after its new disk holds n extents, compared as fractions. */
static int plan_cmp_util(const struct plan_ctx *c, int p, int64_t np, int q, int64_t nq)
{
	const struct vdm_pool *a = &c->inv->pools[p], *b = &c->inv->pools[q];
	int64_t ua = a->size_mib - a->free_mib + (np > 0 ? plan_disk_size(c, p, np) : 0);
	int64_t ub = b->size_mib - b->free_mib + (nq > 0 ? plan_disk_size(c, q, nq) : 0);
	__int128 x = (__int128)ua * (b->size_mib > 0 ? b->size_mib : 1);
	__int128 y = (__int128)ub * (a->size_mib > 0 ? a->size_mib : 1);
	return (x > y) - (x < y);
}

struct plan_cand { int64_t absorb, waste; };

/* Is pool p (absorbing a) a better next disk than q (absorbing b)? Order of formats' goals:
 * more absorbed (fewer disks), less rounding waste, lower utilization after, faster tier,
 * name. */
static bool plan_pool_better(const struct plan_ctx *c, struct plan_try *t, int p, struct plan_cand a,
			     int q, struct plan_cand b)
{
	if (a.absorb != b.absorb)
		return a.absorb > b.absorb;
	if (a.waste != b.waste)
		return a.waste < b.waste;
	int64_t np = (t->pool_used[p] > 0 ? t->pool_used[p] : 0) + a.absorb;
	int64_t nq = (t->pool_used[q] > 0 ? t->pool_used[q] : 0) + b.absorb;
	int u = plan_cmp_util(c, p, np, q, nq);
	if (u)
		return u < 0;
	int tp = c->tier[p], tq = c->tier[q];
	if (tp != tq)
		return tp < tq;
	return strcmp(c->inv->pools[p].name, c->inv->pools[q].name) < 0;
}

/* New disks for what reuse left, in round r: pick the pool that absorbs most, fill it with
 * whole LV copies (most constrained groups first), then split copies to fill it up. */
bool plan_new_disks(struct plan_ctx *c, struct plan_try *t, int r, const size_t *order, size_t n)
{
	/* groups with remaining demand, and their LVs */
	size_t ng = c->groups.n;
	int64_t *grem = xcalloc(ng + 1, sizeof *grem);
	VEC(int) active = { 0 };
	/* in order, remaining > 0; with the group's pool_ok at hand, so that the scan for each
	 * disk reads the list in order instead of chasing LV -> group -> pool_ok */
	struct { size_t l; const unsigned char *ok; } *left = xmalloc((n + 1) * sizeof *left);
	size_t n_left = 0;
	for (size_t oi = 0; oi < n; oi++) {
		size_t l = order[oi];
		if (t->remaining[l] <= 0)
			continue;
		left[n_left].l = l;
		left[n_left++].ok = c->groups.v[t->lv_group[l]]->pool_ok;
		int g = t->lv_group[l];
		if (grem[g] == 0)
			VEC_PUSH(&active, g);
		grem[g] += t->remaining[l];
	}
	/* demand each pool could take: delta[p] + everywhere. Kept up to date as groups are
	 * served (only the groups a disk took from are applied again), not recomputed over every
	 * group's pool list for every disk */
	int64_t *delta = xcalloc(c->n_pools + 1, sizeof *delta);
	int64_t *absorb = xcalloc(c->n_pools + 1, sizeof *absorb);
	int64_t *applied = xcalloc(ng + 1, sizeof *applied);   /* grem last applied per group */
	int64_t everywhere = 0;  /* demand of groups counted by the pools they cannot use */
	int64_t total = 0;
	for (size_t i = 0; i < active.n; i++)
		total += grem[active.v[i]];
	VEC(int) touched = { 0 };
	for (size_t i = 0; i < active.n; i++)
		VEC_PUSH(&touched, active.v[i]);
	bool ok = true;
	for (;;) {
		for (size_t i = 0; i < touched.n; i++) {
			int gi = touched.v[i];
			struct plan_group *g = c->groups.v[gi];
			int64_t d = grem[gi] - applied[gi];
			if (!d)
				continue;
			applied[gi] = grem[gi];
			if (g->n_invalid_pools < g->n_valid_pools) {
				everywhere += d;
				for (size_t k = 0; k < g->n_invalid_pools; k++)
					delta[g->invalid_pools[k]] -= d;
			} else {
				for (size_t k = 0; k < g->n_valid_pools; k++)
					delta[g->valid_pools[k]] += d;
			}
		}
		touched.n = 0;
		if (total == 0)
			break;
		for (size_t p = 0; p < c->n_pools; p++)
			absorb[p] = delta[p] + everywhere;
		int best = -1, best_open = -1;
		struct plan_cand bc = { 0, 0 }, boc = { 0, 0 };
		for (size_t p = 0; p < c->n_pools; p++) {
			if (!absorb[p])
				continue;
			int64_t used = t->pool_used[p] > 0 ? t->pool_used[p] : 0;
			int64_t room = t->pool_cap[p] - used;
			if (room <= 0)
				continue;
			struct plan_cand cand;
			cand.absorb = absorb[p] < room ? absorb[p] : room;
			int64_t n_after = used + cand.absorb;
			cand.waste = plan_disk_size(c, (int)p, n_after) - c->ovh_mib - n_after * c->ext_mib;
			if (t->pool_used[p] >= 0) {
				if (best_open < 0 || plan_pool_better(c, t, (int)p, cand, best_open, boc)) {
					best_open = (int)p;
					boc = cand;
				}
			} else if (best < 0 || plan_pool_better(c, t, (int)p, cand, best, bc)) {
				best = (int)p;
				bc = cand;
			}
		}
		int p = best_open >= 0 ? best_open : best;
		if (p < 0) {
			/* something is left that no pool can take: report the first such LV */
			for (size_t oi = 0; oi < n_left; oi++) {
				size_t l = left[oi].l;
				if (t->remaining[l] > 0) {
					t->failed = true;
					t->fail_lv = (int)l;
					t->fail_group = t->lv_group[l];
					t->fail_remaining = t->remaining[l];
					break;
				}
			}
			ok = false;
			break;
		}
		if (t->pool_used[p] < 0)
			t->pool_used[p] = 0;
		int64_t room = t->pool_cap[p] - t->pool_used[p];
		int id = plan_pool_id(c, p);
		/* whole copies first, then split to fill the disk; LVs done are dropped from the
		 * list, so that each disk scans only what is left (not every LV again) */
		for (int pass = 0; pass < 2 && room > 0; pass++) {
			for (size_t oi = 0; oi < n_left && room > 0; oi++) {
				if (!left[oi].ok[p])
					continue;
				size_t l = left[oi].l;
				int64_t rem = t->remaining[l];
				if (rem <= 0)
					continue;
				if (pass == 0 && rem > room)
					continue;
				int64_t take = rem < room ? rem : room;
				plan_add_seg(plan_new_copy(t, l, r - 1), id, take);
				t->remaining[l] -= take;
				if (grem[t->lv_group[l]] == applied[t->lv_group[l]])
					VEC_PUSH(&touched, t->lv_group[l]);
				grem[t->lv_group[l]] -= take;
				total -= take;
				t->pool_used[p] += take;
				room -= take;
			}
		}
		size_t w = 0;
		for (size_t oi = 0; oi < n_left; oi++)
			if (t->remaining[left[oi].l] > 0)
				left[w++] = left[oi];
		n_left = w;
	}
	free(left);
	free(touched.v);
	free(applied);
	free(delta);
	free(absorb);
	free(active.v);
	free(grem);
	return ok;
}

