/* plan_search.c: one try (a reuse mode and a utilization cap, run round by round), and the
 * search at one level: the reuse modes ranked by plan_score_better(), the exhaustive fallback,
 * and the bisection on the utilization cap that balances the pools. */
#include <string.h>
#include "plan_int.h"

void plan_try_init(struct plan_ctx *c, struct plan_try *t, enum plan_reuse mode, int64_t cap_ppm)
{
	memset(t, 0, sizeof *t);
	t->reuse_mode = mode;
	t->cap_ppm = cap_ppm;
	t->pv_free = xmalloc((c->vg->n_pvs + 1) * sizeof(int64_t));
	memcpy(t->pv_free, c->pv_free0, c->vg->n_pvs * sizeof(int64_t));
	t->pool_used = xmalloc((c->n_pools + 1) * sizeof(int64_t));
	t->pool_cap = xmalloc((c->n_pools + 1) * sizeof(int64_t));
	for (size_t p = 0; p < c->n_pools; p++) {
		const struct vdm_pool *pool = &c->inv->pools[p];
		t->pool_used[p] = -1;
		int64_t max = c->pool_max[p];
		if (cap_ppm < PLAN_PPM) {
			/* (size - free + S) * PLAN_PPM <= cap_ppm * size */
			__int128 lim = (__int128)cap_ppm * pool->size_mib / PLAN_PPM - (pool->size_mib - pool->free_mib);
			int64_t l = lim < 0 ? 0 : (int64_t)lim;
			l = plan_round_down(l, pool->alloc_mib);
			if (l < max)
				max = l;
		}
		t->pool_cap[p] = max >= c->ovh_mib + c->ext_mib ? (max - c->ovh_mib) / c->ext_mib : 0;
	}
	t->n_slots = (size_t)c->req->copies - 1;
	size_t nc = c->n_lvs * t->n_slots + 1;
	if (c->spare_copies) {
		/* the balance search makes a dozen tries of the same size: reusing the last one's
		 * arrays saves the kernel mapping and zeroing fresh pages each time */
		t->copies = c->spare_copies;
		t->remaining = c->spare_remaining;
		t->lv_group = c->spare_lv_group;
		c->spare_copies = NULL;
		memset(t->copies, 0, nc * sizeof *t->copies);
		memset(t->remaining, 0, (c->n_lvs + 1) * sizeof *t->remaining);
		memset(t->lv_group, 0, (c->n_lvs + 1) * sizeof *t->lv_group);
	} else {
		t->copies = xcalloc(nc, sizeof *t->copies);
		t->remaining = xcalloc(c->n_lvs + 1, sizeof *t->remaining);
		t->lv_group = xcalloc(c->n_lvs + 1, sizeof *t->lv_group);
	}
}

void plan_try_spare_free(struct plan_ctx *c)
{
	free(c->spare_copies);
	free(c->spare_remaining);
	free(c->spare_lv_group);
	c->spare_copies = NULL;
}

void plan_try_free(struct plan_ctx *c, struct plan_try *t)
{
	free(t->pv_free);
	free(t->pool_used);
	free(t->pool_cap);
	if (t->copies)
		for (size_t i = 0; i < c->n_lvs * t->n_slots; i++)
			plan_seg_free(&t->copies[i]);
	if (t->copies && !c->spare_copies) {
		c->spare_copies = t->copies;
		c->spare_remaining = t->remaining;
		c->spare_lv_group = t->lv_group;
	} else {
		free(t->copies);
		free(t->remaining);
		free(t->lv_group);
	}
	memset(t, 0, sizeof *t);
}

void plan_add_seg(seg_vec *sv, int id, int64_t ext)
{
	for (size_t i = 0; i < sv->n; i++)
		if (sv->v[i].id == id) {
			sv->v[i].ext += ext;
			return;
		}
	struct plan_seg s = { id, ext };
	if (sv->cap == 0) {
		sv->v = &sv->one;
		sv->cap = 1;
	} else if (sv->n == sv->cap) {
		struct plan_seg *nv = xmalloc(sv->cap * 2 * sizeof *nv);
		memcpy(nv, sv->v, sv->n * sizeof *nv);
		if (sv->v != &sv->one)
			free(sv->v);
		sv->v = nv;
		sv->cap *= 2;
	}
	sv->v[sv->n++] = s;
}

void plan_seg_copy(seg_vec *dst, const seg_vec *src)
{
	plan_seg_free(dst);
	if (src->n <= 1) {
		dst->one = src->n ? src->v[0] : dst->one;
		dst->v = &dst->one;
		dst->cap = 1;
	} else {
		dst->v = xmalloc(src->n * sizeof *dst->v);
		dst->cap = src->n;
	}
	if (src->n > 1)
		memcpy(dst->v, src->v, src->n * sizeof *dst->v);
	dst->n = src->n;
}

void plan_seg_free(seg_vec *sv)
{
	if (sv->v != &sv->one)
		free(sv->v);
	memset(sv, 0, sizeof *sv);
}

static void plan_drop_r1(struct plan_ctx *c)
{
	if (c->r1_segs)
		for (size_t l = 0; l < c->n_lvs; l++)
			plan_seg_free(&c->r1_segs[l]);
	free(c->r1_segs);
	free(c->r1_pv_free);
	free(c->r1_remaining);
	c->r1_segs = NULL;
	c->r1_pv_free = c->r1_remaining = NULL;
	c->r1_kept = false;
}

/* Keeps round 1's reuse of try t (called right after plan_reuse of round 1). */
static void plan_keep_r1(struct plan_ctx *c, const struct plan_try *t)
{
	plan_drop_r1(c);
	c->r1_kept = true;
	c->r1_mode = t->reuse_mode;
	c->r1_pv_free = xmalloc((c->vg->n_pvs + 1) * sizeof *c->r1_pv_free);
	memcpy(c->r1_pv_free, t->pv_free, c->vg->n_pvs * sizeof *t->pv_free);
	c->r1_remaining = xmalloc((c->n_lvs + 1) * sizeof *c->r1_remaining);
	memcpy(c->r1_remaining, t->remaining, c->n_lvs * sizeof *t->remaining);
	c->r1_segs = xcalloc(c->n_lvs + 1, sizeof *c->r1_segs);
	for (size_t l = 0; l < c->n_lvs; l++)
		plan_seg_copy(&c->r1_segs[l], plan_new_copy(t, l, 0));
}

struct plan_ord { size_t l; size_t nvalid; };

static int cmp_ord(const void *a, const void *b)
{
	const struct plan_ord *x = a, *y = b;
	if (x->nvalid != y->nvalid)
		return x->nvalid < y->nvalid ? -1 : 1;
	return (x->l > y->l) - (x->l < y->l);
}

/* Runs the whole placement once; true when every copy found a place. */
static bool plan_run(struct plan_ctx *c, struct plan_try *t)
{
	int maxm = 0;
	for (size_t l = 0; l < c->n_lvs; l++)
		if (c->lvs[l].m > maxm)
			maxm = c->lvs[l].m;
	struct plan_ord *ord = xmalloc((c->n_lvs + 1) * sizeof *ord);
	size_t *order = xmalloc((c->n_lvs + 1) * sizeof *order);
	bool ok = true;
	for (int r = 1; r <= maxm && ok; r++) {
		size_t n = 0;
		if (r == 1 && c->r1_order) {
			for (size_t l = 0; l < c->n_lvs; l++) {
				t->remaining[l] = c->lvs[l].need;
				t->lv_group[l] = c->r1_group[l];
			}
			/* round 1's reuse is the one at the full cap (for lower caps: kept, not
			 * redone; at the full cap: the same computation) */
			if (c->r1_kept && c->r1_mode == t->reuse_mode) {
				memcpy(t->pv_free, c->r1_pv_free, c->vg->n_pvs * sizeof *t->pv_free);
				memcpy(t->remaining, c->r1_remaining, c->n_lvs * sizeof *t->remaining);
				for (size_t l = 0; l < c->n_lvs; l++)
					plan_seg_copy(plan_new_copy(t, l, 0), &c->r1_segs[l]);
			} else {
				plan_reuse(c, t, r, c->r1_order, c->r1_n);
				if (t->cap_ppm == PLAN_PPM)
					plan_keep_r1(c, t);
			}
			ok = plan_new_disks(c, t, r, c->r1_order, c->r1_n);
			continue;
		}
		for (size_t l = 0; l < c->n_lvs; l++) {
			if (c->lvs[l].m < r)
				continue;
			t->remaining[l] = c->lvs[l].need;
			t->lv_group[l] = plan_lv_group(c, t, l, r);
			struct plan_group *g = c->groups.v[t->lv_group[l]];
			plan_group_validity(c, g);
			ord[n].l = l;
			ord[n].nvalid = g->n_valid_pools + g->n_valid_pvs;
			n++;
		}
		/* most constrained LVs first, so that flexible ones do not take their only room */
		qsort(ord, n, sizeof *ord, cmp_ord);
		for (size_t i = 0; i < n; i++)
			order[i] = ord[i].l;
		if (r == 1) {
			c->r1_order = xmalloc((n + 1) * sizeof *c->r1_order);
			memcpy(c->r1_order, order, n * sizeof *order);
			c->r1_n = n;
			c->r1_group = xmalloc((c->n_lvs + 1) * sizeof *c->r1_group);
			memcpy(c->r1_group, t->lv_group, c->n_lvs * sizeof *t->lv_group);
		}
		plan_reuse(c, t, r, order, n);
		if (r == 1 && t->cap_ppm == PLAN_PPM)
			plan_keep_r1(c, t);
		ok = plan_new_disks(c, t, r, order, n);
	}
	free(ord);
	free(order);
	return ok;
}

bool plan_score_better(const struct plan_score *a, const struct plan_score *b)
{
	if (a->reuse != b->reuse)
		return a->reuse > b->reuse;
	if (a->disks != b->disks)
		return a->disks < b->disks;
	return a->new_mib < b->new_mib;
}

void plan_score_of(const struct plan_ctx *c, const int64_t *pv_free, const int64_t *pool_used,
		   struct plan_score *s)
{
	s->reuse = 0;
	for (size_t v = 0; v < c->vg->n_pvs; v++)
		s->reuse += c->pv_free0[v] - pv_free[v];
	s->disks = 0;
	s->new_mib = 0;
	for (size_t p = 0; p < c->n_pools; p++)
		if (pool_used[p] > 0) {
			s->disks++;
			/* compared only; plan_build() checks the real total */
			s->new_mib = vdm_add_sat(s->new_mib, plan_disk_size(c, (int)p, pool_used[p]));
		}
}

void plan_try_score(const struct plan_ctx *c, const struct plan_try *t, struct plan_score *s)
{
	plan_score_of(c, t->pv_free, t->pool_used, s);
}

void plan_reset_level(struct plan_ctx *c)
{
	plan_groups_clear(c);
	free(c->r1_order);
	free(c->r1_group);
	c->r1_order = NULL;
	c->r1_group = NULL;
	c->r1_n = 0;
	plan_drop_r1(c);
}

/* Reuse modes are tried in turn (with 3 copies, reusing for the second copy can take what the
 * third needed) and the best by the goals' order wins. */
bool plan_at_level(struct plan_ctx *c, struct plan_try *best, char *msg, size_t msize)
{
	plan_reset_level(c);
	enum plan_reuse modes[3] = { PLAN_REUSE_ALL, PLAN_REUSE_LAST_ROUND, PLAN_REUSE_NONE };
	/* with 2 copies every LV gets its last copy in round 1: "only in the last round" is
	 * "everywhere", and would give the same try again */
	size_t nmodes = c->req->no_reuse || c->req->copies == 2 ? 1 : 3;
	if (c->req->no_reuse)
		modes[0] = PLAN_REUSE_NONE;
	bool have_msg = false, have = false;
	struct plan_score b = { 0, 0, 0 };
	enum plan_reuse b_mode = PLAN_REUSE_ALL;
	for (size_t mi = 0; mi < nmodes; mi++) {
		struct plan_try t;
		plan_try_init(c, &t, modes[mi], PLAN_PPM);
		if (!plan_run(c, &t)) {
			if (!have_msg && msg) {
				plan_fail_message(c, &t, msg, msize);
				have_msg = true;
			}
			plan_try_free(c, &t);
			continue;
		}
		struct plan_score sc;
		plan_try_score(c, &t, &sc);
		if (!have || plan_score_better(&sc, &b)) {
			have = true;
			b = sc;
			b_mode = modes[mi];
		}
		plan_try_free(c, &t);
		if (modes[mi] == PLAN_REUSE_ALL && sc.reuse == 0)
			break;  /* nothing to reuse: the other modes give the same */
	}
	enum plan_reuse ex_mode = c->req->no_reuse ? PLAN_REUSE_NONE : PLAN_REUSE_ALL;
#ifndef VDM_PLAN_NO_EXHAUSTIVE   /* defined only to measure the greedy placement alone */
	if (!have) {
		struct plan_try t;
		plan_try_init(c, &t, ex_mode, PLAN_PPM);
		if (plan_exhaustive(c, &t, PLAN_EX_BUDGET)) {
			*best = t;
			return true;
		}
		plan_try_free(c, &t);
		return false;
	}
#endif
	if (!have)
		return false;
	if (c->req->copies == 3) {
		/* two new copies placed one after the other can miss reuse a joint choice finds:
		 * on small requests, a short exhaustive search may do better */
		struct plan_try x;
		plan_try_init(c, &x, ex_mode, PLAN_PPM);
		if (plan_exhaustive(c, &x, PLAN_EX_BUDGET / 8)) {
			struct plan_score sc;
			plan_try_score(c, &x, &sc);
			if (plan_score_better(&sc, &b)) {
				*best = x;
				return true;
			}
		}
		plan_try_free(c, &x);
	}
	struct plan_try t;
	plan_try_init(c, &t, b_mode, PLAN_PPM);
	plan_run(c, &t);
	/* balance: the lowest utilization cap that keeps the reuse, disk count and new space;
	 * 1/8192 of a pool's size is as fine as utilization needs to be */
	int64_t lo = 0, hi = PLAN_PPM, step = PLAN_PPM / 8192;
	while (hi - lo > step && b.disks > 0) {
		int64_t mid = lo + (hi - lo) / 2;
		struct plan_try u;
		plan_try_init(c, &u, b_mode, mid);
		bool good = plan_run(c, &u);
		if (good) {
			struct plan_score sc;
			plan_try_score(c, &u, &sc);
			good = sc.disks <= b.disks && sc.new_mib <= b.new_mib && sc.reuse >= b.reuse;
		}
		if (good) {
			hi = mid;
			plan_try_free(c, &t);
			t = u;
		} else {
			lo = mid;
			plan_try_free(c, &u);
		}
	}
	*best = t;
	return true;
}
