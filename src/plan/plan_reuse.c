/* plan_reuse.c: the first goal, reuse of valid free extents of the volume group's PVs, as a
 * max flow from classes of LVs to PVs (and pools, so that the classes that can go elsewhere
 * leave the PV extents to those that cannot). */
#include <string.h>
#include "plan_int.h"

struct plan_want { size_t l; int64_t need; int cls; size_t pos; };

/* class, then biggest first, then the LV order */
static int cmp_want(const void *a, const void *b)
{
	const struct plan_want *x = a, *y = b;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->need != y->need)
		return x->need > y->need ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Does this try reuse PV extents for the copy of round r of this LV? */
static bool reuses(const struct plan_try *t, int r, const struct plan_lv *pl)
{
	return t->reuse_mode == PLAN_REUSE_ALL || (t->reuse_mode == PLAN_REUSE_LAST_ROUND && r == pl->m);
}

/* An ordered set of shares (a treap keyed by share, then PV index), nodes in one array. */
struct share_node { int64_t share; int v; uint32_t prio; int l, r; };
struct share_set { struct share_node *node; size_t n; };

static bool share_less(const struct share_node *a, int64_t share, int v)
{
	return a->share < share || (a->share == share && a->v < v);
}

/* Splits tree t into keys < (share, v) and the others. */
static void share_split(struct share_set *s, int t, int64_t share, int v, int *lo, int *hi)
{
	if (t < 0) {
		*lo = *hi = -1;
		return;
	}
	if (share_less(&s->node[t], share, v)) {
		share_split(s, s->node[t].r, share, v, &s->node[t].r, hi);
		*lo = t;
	} else {
		share_split(s, s->node[t].l, share, v, lo, &s->node[t].l);
		*hi = t;
	}
}

static int share_merge(struct share_set *s, int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	if (s->node[a].prio > s->node[b].prio) {
		s->node[a].r = share_merge(s, s->node[a].r, b);
		return a;
	}
	s->node[b].l = share_merge(s, a, s->node[b].l);
	return b;
}

static void share_insert(struct share_set *s, int *root, int x)
{
	int lo, hi;
	s->node[x].l = s->node[x].r = -1;
	share_split(s, *root, s->node[x].share, s->node[x].v, &lo, &hi);
	*root = share_merge(s, share_merge(s, lo, x), hi);
}

static void share_erase(struct share_set *s, int *root, int x)
{
	int lo, mid, hi;
	share_split(s, *root, s->node[x].share, s->node[x].v, &lo, &mid);
	share_split(s, mid, s->node[x].share, s->node[x].v + 1, &mid, &hi);
	*root = share_merge(s, lo, hi);
}

/* The smallest node with share >= want (lowest PV among equals), or -1. */
static int share_lower_bound(const struct share_set *s, int t, int64_t want)
{
	int found = -1;
	while (t >= 0) {
		if (s->node[t].share >= want) {
			found = t;
			t = s->node[t].l;
		} else {
			t = s->node[t].r;
		}
	}
	return found;
}

static int share_max(const struct share_set *s, int t)
{
	while (s->node[t].r >= 0)
		t = s->node[t].r;
	return t;
}

/* Reuse: as many extents as possible on free extents of existing PVs valid for each LV.
 * Groups that may use the same PVs and pools form a class; a max flow (Dinic) from classes (demand)
 * to PVs (free extents) gives each class its share per PV. Within a class the biggest
 * copies go first, each whole on the smallest share that holds it, else split: few
 * segments, no stranded free extents. */
void plan_reuse(struct plan_ctx *c, struct plan_try *t, int r, const size_t *order, size_t n)
{
	size_t ng = c->groups.n, npv = c->vg->n_pvs;
	int *cls = xmalloc((ng + 1) * sizeof *cls);
	for (size_t i = 0; i < ng; i++)
		cls[i] = -1;
	VEC(int) rep = { 0 };                 /* a representative group per class */
	VEC(int64_t) demand = { 0 };
	for (size_t oi = 0; oi < n; oi++) {
		size_t l = order[oi];
		struct plan_lv *pl = &c->lvs[l];
		if (t->remaining[l] <= 0 || !reuses(t, r, pl))
			continue;
		int g = t->lv_group[l];
		struct plan_group *gg = c->groups.v[g];
		if (!gg->n_valid_pvs)
			continue;
		if (cls[g] < 0) {
			for (size_t k = 0; k < rep.n && cls[g] < 0; k++) {
				struct plan_group *h = c->groups.v[rep.v[k]];
				if (h->n_valid_pvs == gg->n_valid_pvs && h->n_valid_pools == gg->n_valid_pools &&
				    !memcmp(h->valid_pvs, gg->valid_pvs, gg->n_valid_pvs * sizeof(int)) &&
				    !memcmp(h->valid_pools, gg->valid_pools, gg->n_valid_pools * sizeof(int)))
					cls[g] = (int)k;
			}
			if (cls[g] < 0) {
				cls[g] = (int)rep.n;
				VEC_PUSH(&rep, g);
				VEC_PUSH(&demand, 0);
			}
		}
		demand.v[cls[g]] += t->remaining[l];
	}
	size_t nc = rep.n;
	if (!nc) {
		free(cls);
		return;
	}
	/* nodes: 0 source, 1 sink, 2.. classes, then PVs */
	struct plan_flow fl;
	plan_flow_init(&fl, 2 + (int)nc + (int)npv);
	for (size_t v = 0; v < npv; v++)
		if (t->pv_free[v] > 0)
			plan_flow_add(&fl, 2 + (int)nc + (int)v, 1, t->pv_free[v]);
	int *cedge = xmalloc((nc * npv + 1) * sizeof *cedge);
	for (size_t i = 0; i < nc; i++) {
		struct plan_group *g = c->groups.v[rep.v[i]];
		plan_flow_add(&fl, 0, 2 + (int)i, demand.v[i]);
		for (size_t v = 0; v < npv; v++)
			cedge[i * npv + v] = -1;
		for (size_t k = 0; k < g->n_valid_pvs; k++) {
			int v = g->valid_pvs[k];
			if (t->pv_free[v] > 0)
				cedge[i * npv + (size_t)v] = plan_flow_add(&fl, 2 + (int)i, 2 + (int)nc + v, INT64_MAX / 4);
		}
	}
	plan_flow_run(&fl, 0, 1);
	/* Most reuse is found; now let the classes also reach the pools they may use, with the
	 * pools' room, and augment again. Augmenting paths never take flow back from the sink,
	 * so reuse stays at its maximum, but a class that could go to a pool leaves its PV
	 * extents to a class that could not (which PV serves whom is what this decides). Pools
	 * valid for the same classes are one node. */
	size_t nwords = (nc + 63) / 64;
	uint64_t *sig = xcalloc(c->n_pools * nwords + 1, sizeof *sig);
	for (size_t i = 0; i < nc; i++) {
		struct plan_group *g = c->groups.v[rep.v[i]];
		for (size_t k = 0; k < g->n_valid_pools; k++)
			sig[(size_t)g->valid_pools[k] * nwords + i / 64] |= 1ull << (i % 64);
	}
	VEC(size_t) pcls = { 0 };             /* first pool of each pool class */
	VEC(int64_t) pcap = { 0 };
	for (size_t p = 0; p < c->n_pools; p++) {
		int64_t room = t->pool_cap[p] - (t->pool_used[p] > 0 ? t->pool_used[p] : 0);
		if (room <= 0)
			continue;
		uint64_t *sp = sig + p * nwords;
		bool any = false;
		for (size_t k = 0; k < nwords; k++)
			any |= sp[k] != 0;
		if (!any)
			continue;
		size_t k;
		for (k = 0; k < pcls.n; k++)
			if (!memcmp(sig + pcls.v[k] * nwords, sp, nwords * sizeof *sp))
				break;
		if (k == pcls.n) {
			VEC_PUSH(&pcls, p);
			VEC_PUSH(&pcap, 0);
		}
		pcap.v[k] = vdm_add_sat(pcap.v[k], room);   /* a capacity: more than demand is all */
	}
	if (pcls.n) {
		int base = plan_flow_grow(&fl, (int)pcls.n);
		for (size_t k = 0; k < pcls.n; k++) {
			plan_flow_add(&fl, base + (int)k, 1, pcap.v[k]);
			uint64_t *sp = sig + pcls.v[k] * nwords;
			for (size_t i = 0; i < nc; i++)
				if (sp[i / 64] >> (i % 64) & 1)
					plan_flow_add(&fl, 2 + (int)i, base + (int)k, INT64_MAX / 4);
		}
		plan_flow_run(&fl, 0, 1);
	}
	free(pcls.v);
	free(pcap.v);
	free(sig);
	/* each class's share per PV (the reverse capacity of its edge), in an ordered set per
	 * class, so that handing shares to LVs costs a logarithm, not a scan of every PV */
	struct share_set ss = { 0 };
	ss.n = 0;
	size_t nedges = 0;
	for (size_t i = 0; i < nc * npv; i++)
		nedges += cedge[i] >= 0 && fl.e.v[cedge[i] ^ 1].cap > 0;
	ss.node = xmalloc((nedges + 1) * sizeof *ss.node);
	int *root = xmalloc((nc + 1) * sizeof *root);
	for (size_t i = 0; i < nc; i++) {
		root[i] = -1;
		for (size_t v = 0; v < npv; v++) {
			int e = cedge[i * npv + v];
			if (e < 0 || fl.e.v[e ^ 1].cap <= 0)
				continue;
			int x = (int)ss.n++;
			ss.node[x].share = fl.e.v[e ^ 1].cap;
			ss.node[x].v = (int)v;
			/* a fixed pseudo-random priority: the same tree on every run */
			ss.node[x].prio = (uint32_t)((uint64_t)(x + 1) * 2654435761u >> 7);
			share_insert(&ss, &root[i], x);
		}
	}
	/* the LVs of each class, biggest first */
	struct plan_want *w = xmalloc((n + 1) * sizeof *w);
	size_t nw = 0;
	for (size_t oi = 0; oi < n; oi++) {
		size_t l = order[oi];
		int g = t->lv_group[l];
		struct plan_lv *pl = &c->lvs[l];
		if (cls[g] < 0 || t->remaining[l] <= 0 || !reuses(t, r, pl))
			continue;
		w[nw].l = l;
		w[nw].need = t->remaining[l];
		w[nw].cls = cls[g];
		w[nw].pos = oi;
		nw++;
	}
	qsort(w, nw, sizeof *w, cmp_want);
	for (size_t i = 0; i < nw; i++) {
		int *rt = &root[w[i].cls];
		size_t l = w[i].l;
		seg_vec *sv = plan_new_copy(t, l, r - 1);
		while (t->remaining[l] > 0 && *rt >= 0) {
			/* the smallest share that holds the whole rest, else the largest; the
			 * lowest PV among equal shares */
			int x = share_lower_bound(&ss, *rt, t->remaining[l]);
			if (x < 0)
				x = share_lower_bound(&ss, *rt, ss.node[share_max(&ss, *rt)].share);
			int best = ss.node[x].v;
			int64_t take = ss.node[x].share < t->remaining[l] ? ss.node[x].share : t->remaining[l];
			share_erase(&ss, rt, x);
			ss.node[x].share -= take;
			if (ss.node[x].share > 0)
				share_insert(&ss, rt, x);
			t->pv_free[best] -= take;
			t->remaining[l] -= take;
			plan_add_seg(sv, c->vg->pvs[best].disk, take);
		}
	}
	free(root);
	free(ss.node);
	free(w);
	free(cedge);
	plan_flow_free(&fl);
	free(rep.v);
	free(demand.v);
	free(cls);
}

