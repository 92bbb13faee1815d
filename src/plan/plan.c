/* plan.c: where the new mirror copies of a volume group go (formats.md, "Plan").
 * Reuse of valid free extents first, then as few new disks as possible, then the emptiest
 * pools; every candidate judged by protect.c so that plan and audit never disagree. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "vdmirror/plan.h"
#include "vdmirror/protect.h"
#include "vdmirror/util.h"

/* Utilization caps are in parts per million of a pool's size. */
#define PPM 1000000

/* Why copies of one LV are placed in rounds: with 3 copies and 1 existing, the second copy
 * is placed (for every LV) before the third, which is judged against both. */

struct plan_seg { int id; int64_t ext; };   /* id: disk index, or n_disks + pool index */
typedef VEC(struct plan_seg) seg_vec;

/* Copies of LVs that share the same disks, copy by copy, are judged once: a group. */
struct plan_group {
	int *key; size_t nkey;
	uint64_t hash;
	int idx;                                /* in ctx->groups */
	int prot;                               /* protection of these copies, -2 = not yet */
	int witness;                            /* last disk that left room for a last copy */
	const struct vdm_profile ***copies;     /* profiles per copy */
	size_t *ncopy;                          /* disks per copy */
	size_t n_copies;
	bool final;                             /* the LV reaches its copy count in this round */
	bool valid_done;
	unsigned char *pool_ok;                 /* n_pools */
	int *valid_pools; size_t n_valid_pools;
	int *invalid_pools; size_t n_invalid_pools;   /* the others: shorter when most are valid */
	int *valid_pvs; size_t n_valid_pvs;
};

struct plan_lv {
	int lv;
	int m;                    /* missing copies */
	int64_t need;             /* extents each new copy needs: extents + copy_meta_extents */
	int *base_ids;            /* existing copies as canonical key fragment */
	size_t n_base;
	int rmeta_pv;             /* PV reserving copy_meta_extents for the first mirror, -1 */
};

struct plan_ctx {
	const struct vdm_inventory *inv;
	const struct vdm_request *req;
	struct vdm_faults *f;
	int pi, gi;
	const struct vdm_partition *part;
	const struct vdm_vg *vg;
	int n_disks;
	enum vdm_level level;
	int64_t ext_mib, ovh_mib, meta;
	/* pools */
	size_t n_pools;
	struct vdm_profile *pool_prof;
	int64_t *pool_max;        /* largest new disk (MiB) that keeps reserve_pct, multiple of alloc */
	int *tier;
	/* PVs */
	int64_t *pv_free0;        /* free extents after rmeta reservations */
	/* LVs to plan, in VG order */
	struct plan_lv *lvs; size_t n_lvs;
	bool *requested;          /* per VG LV */
	/* groups */
	VEC(struct plan_group *) groups;
	struct plan_group **gtab; size_t gtab_cap;
	VEC(int) keybuf;
	/* round 1 does not depend on the try: its groups and LV order are kept */
	int *r1_group;
	size_t *r1_order, r1_n;
	/* round 1's reuse at the full utilization cap, per reuse mode: the balance search
	 * keeps it (it must not reuse less) instead of recomputing it for every cap */
	int r1_mode;                        /* -1: nothing kept */
	int64_t *r1_pv_free, *r1_remaining;
	seg_vec *r1_segs;
	/* candidates the look-ahead of 3 copies tries: pools (index) and PVs (n_pools + index)
	 * spread over sites, frames and servers */
	int *diverse;
	size_t n_diverse;
	unsigned char *pool_private;  /* devices shared with no other pool, no disk in the pool */
};

/* One attempt at a level, reuse mode and utilization cap. */
struct plan_try {
	int reuse_mode;           /* 0 everywhere, 1 only in a copy's final round, 2 never */
	int64_t cap_ppm;          /* PPM: only reserve_pct limits */
	int64_t *pv_free;
	int64_t *pool_used;       /* extents placed on the new disk of each pool, -1 = no disk */
	int64_t *pool_cap;        /* extents a new disk in the pool may hold under this try */
	seg_vec *copies;          /* per plan_lv: m vectors */
	int64_t *remaining;       /* per plan_lv, current round */
	int *lv_group;
	int n_opened;
	/* failure */
	bool failed;
	int fail_lv;              /* index into ctx->lvs */
	int fail_group;
	int64_t fail_remaining;
	char fail_msg[1024];
};

static int tier_rank(const char *t)
{
	if (!t)
		return 9;
	static const char *const names[] = { "nvme", "ssd", "sas", "fc", "hdd", "sata" };
	static const int rank[] = { 0, 1, 2, 2, 3, 3 };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(t, names[i]))
			return rank[i];
	return 9;
}

static int64_t round_up(int64_t v, int64_t unit) { return unit <= 1 ? v : (v + unit - 1) / unit * unit; }
static int64_t round_down(int64_t v, int64_t unit) { return unit <= 1 ? v : v / unit * unit; }

/* Size in MiB of a new disk holding n extents in pool p. */
static int64_t plan_disk_size(const struct plan_ctx *c, int p, int64_t n)
{
	return round_up(c->ovh_mib + n * c->ext_mib, c->inv->pools[p].alloc_mib);
}

static const struct vdm_profile *plan_profile(const struct plan_ctx *c, int id)
{
	if (id < c->n_disks)
		return vdm_faults_disk(c->f, c->pi, id);
	return &c->pool_prof[id - c->n_disks];
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* ---- groups ------------------------------------------------------------------------ */

static uint64_t plan_hash(const int *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (uint64_t)(uint32_t)k[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Key: final flag, then per copy: count, sorted ids. Copies keep their order (existing first,
 * then new copies in round order): the same LVs of the same layout always build the same key. */
static int plan_group_find(struct plan_ctx *c, const int *key, size_t n)
{
	uint64_t h = plan_hash(key, n);
	if (c->gtab_cap == 0 || c->groups.n * 2 >= c->gtab_cap) {
		size_t ncap = c->gtab_cap ? c->gtab_cap * 2 : 256;
		struct plan_group **t = xcalloc(ncap, sizeof *t);
		for (size_t i = 0; i < c->groups.n; i++) {
			size_t j = c->groups.v[i]->hash & (ncap - 1);
			while (t[j])
				j = (j + 1) & (ncap - 1);
			t[j] = c->groups.v[i];
		}
		free(c->gtab);
		c->gtab = t;
		c->gtab_cap = ncap;
	}
	size_t j = h & (c->gtab_cap - 1);
	while (c->gtab[j]) {
		struct plan_group *g = c->gtab[j];
		if (g->hash == h && g->nkey == n && !memcmp(g->key, key, n * sizeof *key))
			return g->idx;
		j = (j + 1) & (c->gtab_cap - 1);
	}
	struct plan_group *g = xcalloc(1, sizeof *g);
	g->key = xmalloc(n * sizeof *key);
	memcpy(g->key, key, n * sizeof *key);
	g->nkey = n;
	g->hash = h;
	g->final = key[0] == 1;
	g->prot = -2;
	g->witness = -1;
	/* decode copies */
	size_t pos = 1, nc = 0;
	while (pos < n) {
		nc++;
		pos += 1 + (size_t)key[pos];
	}
	g->n_copies = nc;
	g->copies = xcalloc(nc + 1, sizeof *g->copies);
	g->ncopy = xcalloc(nc + 1, sizeof *g->ncopy);
	pos = 1;
	for (size_t k = 0; k < nc; k++) {
		size_t cnt = (size_t)key[pos++];
		g->copies[k] = xcalloc(cnt ? cnt : 1, sizeof **g->copies);
		g->ncopy[k] = cnt;
		for (size_t i = 0; i < cnt; i++)
			g->copies[k][i] = plan_profile(c, key[pos++]);
	}
	c->gtab[j] = g;
	g->idx = (int)c->groups.n;
	VEC_PUSH(&c->groups, g);
	return (int)c->groups.n - 1;
}

/* Would a new copy holding (among others) the disk with profile p keep the group valid? */
static bool plan_group_accepts(const struct plan_ctx *c, const struct plan_group *g,
			       const struct vdm_profile *p)
{
	struct vdm_copy_disks cd[4];
	size_t n = g->n_copies;
	if (n + 1 > 4)
		return false;
	for (size_t k = 0; k < n; k++) {
		cd[k].disks = g->copies[k];
		cd[k].n = g->ncopy[k];
	}
	const struct vdm_profile *one[1] = { p };
	cd[n].disks = one;
	cd[n].n = 1;
	enum vdm_level got = vdm_protection(c->f, cd, n + 1, NULL);
	return got != VDM_LEVEL_NONE && got >= c->level;
}

/* For a copy that is not the LV's last (3 copies, 1 existing): would some disk still be left
 * for the last copy if this one used the disk with profile p? Looks for one pool or PV that
 * makes the full set valid; stops at the first. */
static bool plan_group_leaves_room(struct plan_ctx *c, struct plan_group *g,
				   const struct vdm_profile *p)
{
	struct vdm_copy_disks cd[4];
	size_t n = g->n_copies;
	if (n + 2 > 4)
		return false;
	for (size_t k = 0; k < n; k++) {
		cd[k].disks = g->copies[k];
		cd[k].n = g->ncopy[k];
	}
	const struct vdm_profile *one[1] = { p }, *two[1];
	cd[n].disks = one;
	cd[n].n = 1;
	cd[n + 1].disks = two;
	cd[n + 1].n = 1;
	/* the disk that left room last time usually does again: try it first; then a few
	 * disks of every site, frame and server (plan_diverse), not all of them: for disks of
	 * their own, only how they relate to these copies matters */
	for (size_t j = 0; j <= c->n_diverse; j++) {
		int i;
		if (j == 0) {
			if (g->witness < 0)
				continue;
			i = g->witness;
		} else {
			i = c->diverse[j - 1];
		}
		if (i < (int)c->n_pools)
			two[0] = &c->pool_prof[i];
		else
			two[0] = vdm_faults_disk(c->f, c->pi, c->vg->pvs[i - (int)c->n_pools].disk);
		if (two[0] == p)
			continue;
		enum vdm_level got = vdm_protection(c->f, cd, n + 2, NULL);
		if (got != VDM_LEVEL_NONE && got >= c->level) {
			g->witness = i;
			return true;
		}
	}
	return false;
}

static bool plan_group_candidate(struct plan_ctx *c, struct plan_group *g,
				 const struct vdm_profile *p)
{
	if (!plan_group_accepts(c, g, p))
		return false;
	return g->final || plan_group_leaves_room(c, g, p);
}

static bool plan_has(const int *v, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Which pools are valid for a group. A new disk in pool P whose devices and pool appear in
 * none of the group's disks can only meet the group through its server, that server's frame
 * or site: every such pool of the same "relation" (server of the group, frame of the group,
 * site of the group, or foreign) is judged alike (the relabelling of servers, frames and sites
 * that maps one onto the other leaves the group unchanged), so protect.c is asked once per relation
 * instead of once per pool (2400 pools, a few relations). Pools that share a device or the
 * pool itself with the group are judged one by one. */
static void plan_group_validity(struct plan_ctx *c, struct plan_group *g)
{
	if (g->valid_done)
		return;
	g->valid_done = true;
	const struct vdm_inventory *inv = c->inv;
	/* the group's components as protect.c numbers them (devices, pools) and its servers,
	 * frames and sites as inventory indices (frame/site -1 = unnamed: own slot) */
	VEC(int) comp = { 0 };
	size_t ns = inv->n_servers, nf = inv->n_frames + 1, nt = inv->n_sites + 1;
	unsigned char *gs = xcalloc(ns + nf + nt + 1, 1);
	unsigned char *gf = gs + ns, *gt = gf + nf;
	size_t pos = 1;
	while (pos < g->nkey) {
		size_t cnt = (size_t)g->key[pos++];
		for (size_t i = 0; i < cnt; i++) {
			int id = g->key[pos++];
			const struct vdm_profile *p = plan_profile(c, id);
			for (size_t k = 0; k < p->n_devices; k++)
				VEC_PUSH(&comp, p->devices[k]);
			if (p->pool >= 0)
				VEC_PUSH(&comp, p->pool);
			const int *paths;
			size_t np;
			int one;
			if (id < c->n_disks) {
				paths = c->part->disks[id].paths;
				np = c->part->disks[id].n_paths;
			} else {
				one = inv->pools[id - c->n_disks].server;
				paths = &one;
				np = 1;
			}
			for (size_t k = 0; k < np; k++) {
				int sv = paths[k], fr = inv->servers[sv].frame;
				int st = fr >= 0 ? inv->frames[fr].site : -1;
				gs[sv] = 1;
				gf[fr >= 0 ? (size_t)fr : nf - 1] = 1;
				gt[st >= 0 ? (size_t)st : nt - 1] = 1;
			}
		}
	}
	/* memo per relation: 0 unknown, 1 valid, 2 invalid */
	unsigned char *memo = xcalloc(2 * (ns + nf + nt + 2), 1);
	unsigned char *room = memo + ns + nf + nt + 2;
	g->pool_ok = xcalloc(c->n_pools ? c->n_pools : 1, 1);
	g->valid_pools = xmalloc((c->n_pools ? c->n_pools : 1) * sizeof(int));
	for (size_t p = 0; p < c->n_pools; p++) {
		if (c->pool_max[p] < c->ovh_mib + c->ext_mib)
			continue;  /* cannot hold one extent: never a candidate */
		const struct vdm_profile *pp = &c->pool_prof[p];
		bool shared = plan_has(comp.v, comp.n, pp->pool);
		for (size_t k = 0; k < pp->n_devices && !shared; k++)
			shared = plan_has(comp.v, comp.n, pp->devices[k]);
		bool ok;
		if (shared) {
			ok = plan_group_candidate(c, g, pp);
		} else {
			int sv = inv->pools[p].server, fr = inv->servers[sv].frame;
			int st = fr >= 0 ? inv->frames[fr].site : -1;
			size_t fi = fr >= 0 ? (size_t)fr : nf - 1, ti = st >= 0 ? (size_t)st : nt - 1;
			size_t slot = gs[sv] ? (size_t)sv : gf[fi] ? ns + fi : gt[ti] ? ns + nf + ti
				    : ns + nf + nt;
			if (!memo[slot])
				memo[slot] = plan_group_accepts(c, g, pp) ? 1 : 2;
			/* the look-ahead (3 copies) is kept per relation too: a heuristic, as the
			 * other candidates need not be alike; the last copy's own check is exact */
			if (memo[slot] == 1 && !g->final && !c->pool_private[p])
				ok = plan_group_leaves_room(c, g, pp);
			else {
				if (memo[slot] == 1 && !g->final && !room[slot])
					room[slot] = plan_group_leaves_room(c, g, pp) ? 1 : 2;
				ok = memo[slot] == 1 && (g->final || room[slot] == 1);
			}
		}
		if (ok) {
			g->pool_ok[p] = 1;
			g->valid_pools[g->n_valid_pools++] = (int)p;
		}
	}
	g->invalid_pools = xmalloc((c->n_pools - g->n_valid_pools + 1) * sizeof(int));
	for (size_t p = 0; p < c->n_pools; p++)
		if (!g->pool_ok[p])
			g->invalid_pools[g->n_invalid_pools++] = (int)p;
	/* PVs: a disk with one path whose devices and pool are its own relates to the group
	 * like a new disk on that server does (its private components act as one) */
	g->valid_pvs = xmalloc((c->vg->n_pvs ? c->vg->n_pvs : 1) * sizeof(int));
	for (size_t v = 0; v < c->vg->n_pvs; v++) {
		if (c->pv_free0[v] <= 0)
			continue;
		int d = c->vg->pvs[v].disk;
		const struct vdm_profile *pp = vdm_faults_disk(c->f, c->pi, d);
		bool shared = c->part->disks[d].n_paths != 1 || plan_has(comp.v, comp.n, pp->pool);
		for (size_t k = 0; k < pp->n_devices && !shared; k++)
			shared = plan_has(comp.v, comp.n, pp->devices[k]);
		bool ok;
		if (shared) {
			ok = plan_group_candidate(c, g, pp);
		} else {
			int sv = c->part->disks[d].paths[0], fr = inv->servers[sv].frame;
			int st = fr >= 0 ? inv->frames[fr].site : -1;
			size_t fi = fr >= 0 ? (size_t)fr : nf - 1, ti = st >= 0 ? (size_t)st : nt - 1;
			size_t slot = gs[sv] ? (size_t)sv : gf[fi] ? ns + fi : gt[ti] ? ns + nf + ti
				    : ns + nf + nt;
			if (!memo[slot])
				memo[slot] = plan_group_accepts(c, g, pp) ? 1 : 2;
			/* an existing disk shares its pool with others: its look-ahead is its own */
			ok = memo[slot] == 1 && (g->final || plan_group_leaves_room(c, g, pp));
		}
		if (ok)
			g->valid_pvs[g->n_valid_pvs++] = (int)v;
	}
	free(memo);
	free(gs);
	free(comp.v);
}

static void plan_group_free(struct plan_group *g)
{
	for (size_t k = 0; k < g->n_copies; k++)
		free(g->copies[k]);
	free(g->copies);
	free(g->ncopy);
	free(g->key);
	free(g->pool_ok);
	free(g->valid_pools);
	free(g->invalid_pools);
	free(g->valid_pvs);
	free(g);
}

/* Group of LV l in round r (1-based) of try t. */
static int plan_lv_group(struct plan_ctx *c, struct plan_try *t, size_t l, int r)
{
	struct plan_lv *pl = &c->lvs[l];
	c->keybuf.n = 0;
	VEC_PUSH(&c->keybuf, r > pl->m ? 2 : r == pl->m ? 1 : 0);
	for (size_t i = 0; i < pl->n_base; i++)
		VEC_PUSH(&c->keybuf, pl->base_ids[i]);
	for (int k = 0; k < r - 1; k++) {
		seg_vec *sv = &t->copies[l * 3 + (size_t)k];
		size_t at = c->keybuf.n;
		VEC_PUSH(&c->keybuf, 0);
		size_t start = c->keybuf.n;
		for (size_t i = 0; i < sv->n; i++)
			VEC_PUSH(&c->keybuf, sv->v[i].id);
		qsort(c->keybuf.v + start, c->keybuf.n - start, sizeof(int), cmp_int);
		size_t w = start;
		for (size_t i = start; i < c->keybuf.n; i++)
			if (w == start || c->keybuf.v[w - 1] != c->keybuf.v[i])
				c->keybuf.v[w++] = c->keybuf.v[i];
		c->keybuf.n = w;
		c->keybuf.v[at] = (int)(w - start);
	}
	return plan_group_find(c, c->keybuf.v, c->keybuf.n);
}

/* ---- one try ----------------------------------------------------------------------- */

static void plan_try_init(struct plan_ctx *c, struct plan_try *t, int reuse_mode, int64_t cap_ppm)
{
	memset(t, 0, sizeof *t);
	t->reuse_mode = reuse_mode;
	t->cap_ppm = cap_ppm;
	t->pv_free = xmalloc((c->vg->n_pvs + 1) * sizeof(int64_t));
	memcpy(t->pv_free, c->pv_free0, c->vg->n_pvs * sizeof(int64_t));
	t->pool_used = xmalloc((c->n_pools + 1) * sizeof(int64_t));
	t->pool_cap = xmalloc((c->n_pools + 1) * sizeof(int64_t));
	for (size_t p = 0; p < c->n_pools; p++) {
		const struct vdm_pool *pool = &c->inv->pools[p];
		t->pool_used[p] = -1;
		int64_t max = c->pool_max[p];
		if (cap_ppm < PPM) {
			/* (size - free + S) * PPM <= cap_ppm * size */
			__int128 lim = (__int128)cap_ppm * pool->size_mib / PPM - (pool->size_mib - pool->free_mib);
			int64_t l = lim < 0 ? 0 : (int64_t)lim;
			l = round_down(l, pool->alloc_mib);
			if (l < max)
				max = l;
		}
		t->pool_cap[p] = max >= c->ovh_mib + c->ext_mib ? (max - c->ovh_mib) / c->ext_mib : 0;
	}
	t->copies = xcalloc(c->n_lvs * 3 + 1, sizeof *t->copies);
	t->remaining = xcalloc(c->n_lvs + 1, sizeof *t->remaining);
	t->lv_group = xcalloc(c->n_lvs + 1, sizeof *t->lv_group);
}

static void plan_try_free(struct plan_ctx *c, struct plan_try *t)
{
	free(t->pv_free);
	free(t->pool_used);
	free(t->pool_cap);
	if (t->copies)
		for (size_t i = 0; i < c->n_lvs * 3; i++)
			free(t->copies[i].v);
	free(t->copies);
	free(t->remaining);
	free(t->lv_group);
	memset(t, 0, sizeof *t);
}

static void plan_add_seg(seg_vec *sv, int id, int64_t ext)
{
	for (size_t i = 0; i < sv->n; i++)
		if (sv->v[i].id == id) {
			sv->v[i].ext += ext;
			return;
		}
	struct plan_seg s = { id, ext };
	if (sv->n == sv->cap) {
		/* most copies have one or two segments: grow from 2, not VEC's 8 (20 000 LVs) */
		sv->cap = sv->cap ? sv->cap * 2 : 2;
		sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	sv->v[sv->n++] = s;
}

/* Max flow (Dinic) on a small graph: groups of LVs -> existing PVs valid for them. Reuse is
 * the first goal, and which LV takes which PV's free extents decides how much fits: a greedy
 * order can strand free extents that only another LV could have used. */
struct plan_edge { int to; int64_t cap; };
struct plan_flow {
	VEC(struct plan_edge) e;       /* edge i and i^1 are a pair */
	VEC(int) *adj;                 /* per node: edge indices */
	int n;
	int *level, *it;
};

static void flow_init(struct plan_flow *fl, int n)
{
	memset(fl, 0, sizeof *fl);
	fl->n = n;
	fl->adj = xcalloc((size_t)n, sizeof *fl->adj);
	fl->level = xcalloc((size_t)n, sizeof(int));
	fl->it = xcalloc((size_t)n, sizeof(int));
}

static int flow_add(struct plan_flow *fl, int a, int b, int64_t cap)
{
	struct plan_edge f = { b, cap }, r = { a, 0 };
	int id = (int)fl->e.n;
	VEC_PUSH(&fl->e, f);
	VEC_PUSH(&fl->e, r);
	VEC_PUSH(&fl->adj[a], id);
	VEC_PUSH(&fl->adj[b], id + 1);
	return id;
}

static bool flow_bfs(struct plan_flow *fl, int s, int t)
{
	int *q = xmalloc((size_t)fl->n * sizeof(int));
	for (int i = 0; i < fl->n; i++)
		fl->level[i] = -1;
	int h = 0, n = 0;
	q[n++] = s;
	fl->level[s] = 0;
	while (h < n) {
		int u = q[h++];
		for (size_t k = 0; k < fl->adj[u].n; k++) {
			struct plan_edge *e = &fl->e.v[fl->adj[u].v[k]];
			if (e->cap > 0 && fl->level[e->to] < 0) {
				fl->level[e->to] = fl->level[u] + 1;
				q[n++] = e->to;
			}
		}
	}
	free(q);
	return fl->level[t] >= 0;
}

static int64_t flow_dfs(struct plan_flow *fl, int u, int t, int64_t f)
{
	if (u == t)
		return f;
	for (; fl->it[u] < (int)fl->adj[u].n; fl->it[u]++) {
		int id = fl->adj[u].v[fl->it[u]];
		struct plan_edge *e = &fl->e.v[id];
		if (e->cap <= 0 || fl->level[e->to] != fl->level[u] + 1)
			continue;
		int64_t d = flow_dfs(fl, e->to, t, f < e->cap ? f : e->cap);
		if (d > 0) {
			fl->e.v[id].cap -= d;
			fl->e.v[id ^ 1].cap += d;
			return d;
		}
	}
	return 0;
}

static void flow_run(struct plan_flow *fl, int s, int t)
{
	while (flow_bfs(fl, s, t)) {
		memset(fl->it, 0, (size_t)fl->n * sizeof(int));
		while (flow_dfs(fl, s, t, INT64_MAX) > 0)
			;
	}
}

static void flow_free(struct plan_flow *fl)
{
	for (int i = 0; i < fl->n; i++)
		free(fl->adj[i].v);
	free(fl->adj);
	free(fl->e.v);
	free(fl->level);
	free(fl->it);
}

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

/* Reuse: as many extents as possible on free extents of existing PVs valid for each LV.
 * Groups that may use the same PVs and pools form a class; a max flow (Dinic) from classes (demand)
 * to PVs (free extents) gives each class its share per PV. Within a class the biggest
 * copies go first, each whole on the smallest share that holds it, else split: few
 * segments, no stranded free extents. */
static void plan_reuse(struct plan_ctx *c, struct plan_try *t, int r, const size_t *order, size_t n)
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
		if (t->remaining[l] <= 0 || t->reuse_mode == 2 || (t->reuse_mode == 1 && r != pl->m))
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
	flow_init(&fl, 2 + (int)nc + (int)npv);
	for (size_t v = 0; v < npv; v++)
		if (t->pv_free[v] > 0)
			flow_add(&fl, 2 + (int)nc + (int)v, 1, t->pv_free[v]);
	int *cedge = xmalloc((nc * npv + 1) * sizeof *cedge);
	for (size_t i = 0; i < nc; i++) {
		struct plan_group *g = c->groups.v[rep.v[i]];
		flow_add(&fl, 0, 2 + (int)i, demand.v[i]);
		for (size_t v = 0; v < npv; v++)
			cedge[i * npv + v] = -1;
		for (size_t k = 0; k < g->n_valid_pvs; k++) {
			int v = g->valid_pvs[k];
			if (t->pv_free[v] > 0)
				cedge[i * npv + (size_t)v] = flow_add(&fl, 2 + (int)i, 2 + (int)nc + v, INT64_MAX / 4);
		}
	}
	flow_run(&fl, 0, 1);
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
		pcap.v[k] += room;
	}
	if (pcls.n) {
		int base = fl.n;
		struct plan_flow fl2 = fl;   /* grow the node arrays for the pool classes */
		fl2.n = fl.n + (int)pcls.n;
		fl2.adj = xrealloc(fl.adj, (size_t)fl2.n * sizeof *fl2.adj);
		memset(fl2.adj + fl.n, 0, pcls.n * sizeof *fl2.adj);
		fl2.level = xrealloc(fl.level, (size_t)fl2.n * sizeof(int));
		fl2.it = xrealloc(fl.it, (size_t)fl2.n * sizeof(int));
		fl = fl2;
		for (size_t k = 0; k < pcls.n; k++) {
			flow_add(&fl, base + (int)k, 1, pcap.v[k]);
			uint64_t *sp = sig + pcls.v[k] * nwords;
			for (size_t i = 0; i < nc; i++)
				if (sp[i / 64] >> (i % 64) & 1)
					flow_add(&fl, 2 + (int)i, base + (int)k, INT64_MAX / 4);
		}
		flow_run(&fl, 0, 1);
	}
	free(pcls.v);
	free(pcap.v);
	free(sig);
	/* each class's share per PV: the reverse capacity of its edge */
	int64_t *share = xcalloc(nc * npv + 1, sizeof *share);
	for (size_t i = 0; i < nc * npv; i++)
		share[i] = cedge[i] >= 0 ? fl.e.v[cedge[i] ^ 1].cap : 0;
	/* the LVs of each class, biggest first */
	struct plan_want *w = xmalloc((n + 1) * sizeof *w);
	size_t nw = 0;
	for (size_t oi = 0; oi < n; oi++) {
		size_t l = order[oi];
		int g = t->lv_group[l];
		struct plan_lv *pl = &c->lvs[l];
		if (cls[g] < 0 || t->remaining[l] <= 0 || t->reuse_mode == 2 ||
		    (t->reuse_mode == 1 && r != pl->m))
			continue;
		w[nw].l = l;
		w[nw].need = t->remaining[l];
		w[nw].cls = cls[g];
		w[nw].pos = oi;
		nw++;
	}
	qsort(w, nw, sizeof *w, cmp_want);
	for (size_t i = 0; i < nw; i++) {
		int64_t *sh = share + (size_t)w[i].cls * npv;
		size_t l = w[i].l;
		seg_vec *sv = &t->copies[l * 3 + (size_t)(r - 1)];
		while (t->remaining[l] > 0) {
			/* the smallest share that holds the whole rest, else the largest */
			int best = -1, fit = -1;
			for (size_t v = 0; v < npv; v++) {
				if (sh[v] <= 0)
					continue;
				if (best < 0 || sh[v] > sh[best])
					best = (int)v;
				if (sh[v] >= t->remaining[l] && (fit < 0 || sh[v] < sh[fit]))
					fit = (int)v;
			}
			if (fit >= 0)
				best = fit;
			if (best < 0)
				break;
			int64_t take = sh[best] < t->remaining[l] ? sh[best] : t->remaining[l];
			sh[best] -= take;
			t->pv_free[best] -= take;
			t->remaining[l] -= take;
			plan_add_seg(sv, c->vg->pvs[best].disk, take);
		}
	}
	free(w);
	free(share);
	free(cedge);
	flow_free(&fl);
	free(rep.v);
	free(demand.v);
	free(cls);
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

struct plan_gstate { int g; int64_t remaining; size_t n_valid; };

/* New disks for what reuse left, in round r: pick the pool that absorbs most, fill it with
 * whole LV copies (most constrained groups first), then split copies to fill it up. */
static bool plan_new_disks(struct plan_ctx *c, struct plan_try *t, int r, const size_t *order, size_t n)
{
	/* groups with remaining demand, and their LVs */
	size_t ng = c->groups.n;
	int64_t *grem = xcalloc(ng + 1, sizeof *grem);
	VEC(int) active = { 0 };
	for (size_t oi = 0; oi < n; oi++) {
		size_t l = order[oi];
		if (t->remaining[l] <= 0)
			continue;
		int g = t->lv_group[l];
		if (grem[g] == 0)
			VEC_PUSH(&active, g);
		grem[g] += t->remaining[l];
	}
	int64_t *absorb = xcalloc(c->n_pools + 1, sizeof *absorb);
	bool ok = true;
	for (;;) {
		int64_t total = 0;
		for (size_t i = 0; i < active.n; i++)
			total += grem[active.v[i]];
		if (total == 0)
			break;
		/* demand each pool could take */
		memset(absorb, 0, c->n_pools * sizeof *absorb);
		int64_t everywhere = 0;  /* demand of groups counted by the pools they cannot use */
		for (size_t i = 0; i < active.n; i++) {
			struct plan_group *g = c->groups.v[active.v[i]];
			int64_t gr = grem[active.v[i]];
			if (!gr)
				continue;
			if (g->n_invalid_pools < g->n_valid_pools) {
				everywhere += gr;
				for (size_t k = 0; k < g->n_invalid_pools; k++)
					absorb[g->invalid_pools[k]] -= gr;
			} else {
				for (size_t k = 0; k < g->n_valid_pools; k++)
					absorb[g->valid_pools[k]] += gr;
			}
		}
		for (size_t p = 0; p < c->n_pools; p++)
			absorb[p] += everywhere;
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
			for (size_t oi = 0; oi < n; oi++) {
				size_t l = order[oi];
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
		if (t->pool_used[p] < 0) {
			t->pool_used[p] = 0;
			t->n_opened++;
		}
		int64_t room = t->pool_cap[p] - t->pool_used[p];
		int id = c->n_disks + p;
		/* whole copies first, then split to fill the disk */
		for (int pass = 0; pass < 2 && room > 0; pass++) {
			for (size_t oi = 0; oi < n && room > 0; oi++) {
				size_t l = order[oi];
				int64_t rem = t->remaining[l];
				if (rem <= 0 || !c->groups.v[t->lv_group[l]]->pool_ok[p])
					continue;
				if (pass == 0 && rem > room)
					continue;
				int64_t take = rem < room ? rem : room;
				plan_add_seg(&t->copies[l * 3 + (size_t)(r - 1)], id, take);
				t->remaining[l] -= take;
				grem[t->lv_group[l]] -= take;
				t->pool_used[p] += take;
				room -= take;
			}
		}
	}
	free(absorb);
	free(active.v);
	free(grem);
	return ok;
}

static void plan_drop_r1(struct plan_ctx *c)
{
	if (c->r1_segs)
		for (size_t l = 0; l < c->n_lvs; l++)
			free(c->r1_segs[l].v);
	free(c->r1_segs);
	free(c->r1_pv_free);
	free(c->r1_remaining);
	c->r1_segs = NULL;
	c->r1_pv_free = c->r1_remaining = NULL;
	c->r1_mode = -1;
}

/* Keeps round 1's reuse of try t (called right after plan_reuse of round 1). */
static void plan_keep_r1(struct plan_ctx *c, const struct plan_try *t)
{
	plan_drop_r1(c);
	c->r1_mode = t->reuse_mode;
	c->r1_pv_free = xmalloc((c->vg->n_pvs + 1) * sizeof *c->r1_pv_free);
	memcpy(c->r1_pv_free, t->pv_free, c->vg->n_pvs * sizeof *t->pv_free);
	c->r1_remaining = xmalloc((c->n_lvs + 1) * sizeof *c->r1_remaining);
	memcpy(c->r1_remaining, t->remaining, c->n_lvs * sizeof *t->remaining);
	c->r1_segs = xcalloc(c->n_lvs + 1, sizeof *c->r1_segs);
	for (size_t l = 0; l < c->n_lvs; l++)
		for (size_t i = 0; i < t->copies[l * 3].n; i++)
			plan_add_seg(&c->r1_segs[l], t->copies[l * 3].v[i].id, t->copies[l * 3].v[i].ext);
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
			if (c->r1_mode == t->reuse_mode && t->cap_ppm < PPM) {
				memcpy(t->pv_free, c->r1_pv_free, c->vg->n_pvs * sizeof *t->pv_free);
				memcpy(t->remaining, c->r1_remaining, c->n_lvs * sizeof *t->remaining);
				for (size_t l = 0; l < c->n_lvs; l++)
					for (size_t i = 0; i < c->r1_segs[l].n; i++)
						plan_add_seg(&t->copies[l * 3], c->r1_segs[l].v[i].id,
							     c->r1_segs[l].v[i].ext);
			} else {
				plan_reuse(c, t, r, c->r1_order, c->r1_n);
				if (t->cap_ppm == PPM)
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
		if (r == 1 && t->cap_ppm == PPM)
			plan_keep_r1(c, t);
		ok = plan_new_disks(c, t, r, order, n);
	}
	free(ord);
	free(order);
	return ok;
}

static int64_t plan_try_new_mib(const struct plan_ctx *c, const struct plan_try *t)
{
	int64_t s = 0;
	for (size_t p = 0; p < c->n_pools; p++)
		if (t->pool_used[p] > 0)
			s += plan_disk_size(c, (int)p, t->pool_used[p]);
	return s;
}

/* ---- messages ---------------------------------------------------------------------- */

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
			if (id < c->n_disks) {
				const struct vdm_disk *d = &c->part->disks[id];
				pool = d->pool;
				paths = d->paths;
				npaths = d->n_paths;
				dname = d->name;
			} else {
				pool = id - c->n_disks;
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

static void plan_fail_message(struct plan_ctx *c, struct plan_try *t, char *buf, size_t size)
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
		if (t->pool_cap[p] > used)
			usable += (t->pool_cap[p] - used) * c->ext_mib;
	}
	for (size_t i = 0; i < g->n_valid_pvs; i++)
		usable += t->pv_free[g->valid_pvs[i]] * c->ext_mib;
	/* what this copy already got in the domain counts as usable: the message compares the
	 * whole copy with the whole room left for it */
	usable += (pl->need - t->fail_remaining) * c->ext_mib;
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

/* ---- setup ------------------------------------------------------------------------- */

static void plan_ctx_free(struct plan_ctx *c)
{
	for (size_t p = 0; p < c->n_pools; p++)
		vdm_profile_release(&c->pool_prof[p]);
	free(c->pool_prof);
	free(c->pool_max);
	free(c->tier);
	free(c->pv_free0);
	for (size_t l = 0; l < c->n_lvs; l++)
		free(c->lvs[l].base_ids);
	free(c->lvs);
	free(c->requested);
	for (size_t i = 0; i < c->groups.n; i++)
		plan_group_free(c->groups.v[i]);
	free(c->groups.v);
	free(c->gtab);
	free(c->keybuf.v);
	free(c->r1_order);
	free(c->r1_group);
	plan_drop_r1(c);
	free(c->diverse);
	free(c->pool_private);
	if (c->f)
		vdm_faults_free(c->f);
}

/* Resets the per-level state (groups depend on the level). */
static void plan_ctx_reset_groups(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->groups.n; i++)
		plan_group_free(c->groups.v[i]);
	c->groups.n = 0;
	free(c->gtab);
	c->gtab = NULL;
	c->gtab_cap = 0;
	free(c->r1_order);
	free(c->r1_group);
	c->r1_order = NULL;
	c->r1_group = NULL;
	c->r1_n = 0;
	plan_drop_r1(c);
}

/* Reserves copy_meta_extents on a PV of the existing copy of each LV gaining its first
 * mirror. Returns false (message in buf) when one has no room. */
static bool plan_reserve_rmeta(struct plan_ctx *c, char *buf, size_t size)
{
	for (size_t l = 0; l < c->n_lvs; l++) {
		struct plan_lv *pl = &c->lvs[l];
		const struct vdm_lv *lv = &c->vg->lvs[pl->lv];
		pl->rmeta_pv = -1;
		if (c->meta <= 0 || lv->n_copies != 1)
			continue;
		const struct vdm_copy *cp = &lv->copies[0];
		int best = -1;
		for (size_t s = 0; s < cp->n_segs; s++) {
			int v = cp->segs[s].pv;
			if (best < 0 || c->pv_free0[v] > c->pv_free0[best] ||
			    (c->pv_free0[v] == c->pv_free0[best] && v < best))
				best = v;
		}
		if (best < 0 || c->pv_free0[best] < c->meta) {
			snprintf(buf, size, "lv %s (%lld MiB) cannot be mirrored: its first mirror needs "
				 "%lld free extent(s) for metadata on a PV of its existing copy (%s has %lld)",
				 lv->name, (long long)(lv->extents * c->ext_mib), (long long)c->meta,
				 best >= 0 ? c->part->disks[c->vg->pvs[best].disk].name : "none",
				 (long long)(best >= 0 ? c->pv_free0[best] : 0));
			return false;
		}
		c->pv_free0[best] -= c->meta;
		pl->rmeta_pv = best;
	}
	return true;
}

/* Up to 2 disks per server, 3 servers per frame, 4 frames per site (in inventory order): the
 * candidates the look-ahead of 3 copies tries. Disks of their own (devices and pool shared
 * with nothing of the LV) relate to the LV's copies only through server, frame and site, so
 * a few of each kind stand for all. */
static void plan_build_diverse(struct plan_ctx *c)
{
	const struct vdm_inventory *inv = c->inv;
	size_t ns = inv->n_servers, nf = inv->n_frames + 1, nt = inv->n_sites + 1;
	int *per_server = xcalloc(ns + 1, sizeof(int)), *per_frame = xcalloc(nf, sizeof(int));
	int *per_site = xcalloc(nt, sizeof(int));
	unsigned char *frame_seen = xcalloc(nf, 1), *server_seen = xcalloc(ns + 1, 1);
	size_t total = c->n_pools + c->vg->n_pvs;
	c->diverse = xmalloc((total + 1) * sizeof *c->diverse);
	c->n_diverse = 0;
	/* which pools are entirely their own: no device shared with another pool or a disk of
	 * the partition, no disk of the partition in them */
	int maxid = 0;
	for (size_t p = 0; p < c->n_pools; p++)
		for (size_t k = 0; k < c->pool_prof[p].n_devices; k++)
			if (c->pool_prof[p].devices[k] > maxid)
				maxid = c->pool_prof[p].devices[k];
	for (size_t d = 0; d < c->part->n_disks; d++) {
		const struct vdm_profile *dp = vdm_faults_disk(c->f, c->pi, (int)d);
		for (size_t k = 0; k < dp->n_devices; k++)
			if (dp->devices[k] > maxid)
				maxid = dp->devices[k];
	}
	int *uses = xcalloc((size_t)maxid + 1, sizeof *uses);
	for (size_t p = 0; p < c->n_pools; p++)
		for (size_t k = 0; k < c->pool_prof[p].n_devices; k++)
			uses[c->pool_prof[p].devices[k]]++;
	for (size_t d = 0; d < c->part->n_disks; d++) {
		const struct vdm_profile *dp = vdm_faults_disk(c->f, c->pi, (int)d);
		for (size_t k = 0; k < dp->n_devices; k++)
			uses[dp->devices[k]] += 2;   /* a disk's devices include its pool's */
	}
	c->pool_private = xcalloc(c->n_pools + 1, 1);
	for (size_t p = 0; p < c->n_pools; p++) {
		bool own = true;
		for (size_t k = 0; k < c->pool_prof[p].n_devices; k++)
			own &= uses[c->pool_prof[p].devices[k]] == 1;
		c->pool_private[p] = own;
	}
	free(uses);
	if (total <= 64) {
		/* small: the look-ahead may try every disk, and is then exact */
		for (size_t i = 0; i < total; i++)
			if (i < c->n_pools ? c->pool_max[i] >= c->ovh_mib + c->ext_mib : c->pv_free0[i - c->n_pools] > 0)
				c->diverse[c->n_diverse++] = (int)i;
		free(per_server);
		free(per_frame);
		free(per_site);
		free(frame_seen);
		free(server_seen);
		return;
	}
	for (size_t i = 0; i < total; i++) {
		int sv;
		if (i < c->n_pools) {
			if (c->pool_max[i] < c->ovh_mib + c->ext_mib)
				continue;
			sv = inv->pools[i].server;
		} else {
			size_t v = i - c->n_pools;
			if (c->pv_free0[v] <= 0)
				continue;
			sv = c->part->disks[c->vg->pvs[v].disk].paths[0];
		}
		int fr = inv->servers[sv].frame, st = fr >= 0 ? inv->frames[fr].site : -1;
		size_t fi = fr >= 0 ? (size_t)fr : nf - 1, ti = st >= 0 ? (size_t)st : nt - 1;
		bool take;
		if (server_seen[sv])
			take = per_server[sv] < 2;
		else if (frame_seen[fi])
			take = per_frame[fi] < 3;
		else
			take = per_site[ti] < 4;
		if (!take)
			continue;
		if (!server_seen[sv]) {
			server_seen[sv] = 1;
			if (!frame_seen[fi]) {
				frame_seen[fi] = 1;
				per_site[ti]++;
			}
			per_frame[fi]++;
		}
		per_server[sv]++;
		c->diverse[c->n_diverse++] = (int)i;
	}
	free(per_server);
	free(per_frame);
	free(per_site);
	free(frame_seen);
	free(server_seen);
}

static int plan_setup(struct plan_ctx *c, const struct vdm_inventory *inv,
		      const struct vdm_request *req, struct vdm_error *err)
{
	memset(c, 0, sizeof *c);
	c->r1_mode = -1;
	c->inv = inv;
	c->req = req;
	if (!req->partition || !req->vg)
		return vdm_err(err, -EINVAL, "plan: a partition and a volume group are required");
	if (req->copies != 2 && req->copies != 3)
		return vdm_err(err, -EINVAL, "plan: copies must be 2 or 3, not %d", req->copies);
	if (req->level < VDM_LEVEL_DEVICE || req->level > VDM_LEVEL_SITE)
		return vdm_err(err, -EINVAL, "plan: unknown protection level %d", (int)req->level);
	c->pi = vdm_find_partition(inv, req->partition);
	if (c->pi < 0)
		return vdm_err(err, -ENOENT, "plan: partition %s: not in the inventory", req->partition);
	c->part = &inv->partitions[c->pi];
	c->gi = vdm_find_vg(c->part, req->vg);
	if (c->gi < 0)
		return vdm_err(err, -ENOENT, "plan: volume group %s: not in partition %s", req->vg,
			       req->partition);
	c->vg = &c->part->vgs[c->gi];
	if (c->vg->extent_mib <= 0)
		return vdm_err(err, -EINVAL, "plan: volume group %s: extent_mib must be > 0", req->vg);
	c->requested = xcalloc(c->vg->n_lvs + 1, sizeof *c->requested);
	if (req->n_lvs == 0) {
		for (size_t i = 0; i < c->vg->n_lvs; i++)
			c->requested[i] = true;
	}
	for (size_t i = 0; i < req->n_lvs; i++) {
		int l = vdm_find_lv(c->vg, req->lvs[i]);
		if (l < 0)
			return vdm_err(err, -ENOENT, "plan: lv %s: not in volume group %s of partition %s",
				       req->lvs[i], req->vg, req->partition);
		c->requested[l] = true;
	}
	c->n_disks = (int)c->part->n_disks;
	c->ext_mib = c->vg->extent_mib;
	c->ovh_mib = c->vg->pv_overhead_mib;
	c->meta = c->vg->copy_meta_extents;
	c->f = vdm_faults_new(inv);
	if (!c->f)
		return vdm_err(err, -ENOMEM, "plan: cannot index failure components");
	c->n_pools = inv->n_pools;
	c->pool_prof = xcalloc(c->n_pools + 1, sizeof *c->pool_prof);
	c->pool_max = xcalloc(c->n_pools + 1, sizeof *c->pool_max);
	c->tier = xcalloc(c->n_pools + 1, sizeof *c->tier);
	for (size_t p = 0; p < c->n_pools; p++) {
		const struct vdm_pool *pool = &inv->pools[p];
		int srv = pool->server;
		vdm_faults_profile(c->f, (int)p, NULL, 0, &srv, 1, &c->pool_prof[p]);
		/* free_after * 100 >= size * reserve_pct, free_after >= 0 */
		int64_t keep = (pool->size_mib * pool->reserve_pct + 99) / 100;
		int64_t max = pool->free_mib - keep;
		c->pool_max[p] = max > 0 ? round_down(max, pool->alloc_mib > 0 ? pool->alloc_mib : 1) : 0;
		c->tier[p] = tier_rank(pool->tier);
	}
	c->pv_free0 = xcalloc(c->vg->n_pvs + 1, sizeof *c->pv_free0);
	for (size_t v = 0; v < c->vg->n_pvs; v++)
		c->pv_free0[v] = c->vg->pvs[v].free_extents;
	plan_build_diverse(c);
	c->lvs = xcalloc(c->vg->n_lvs + 1, sizeof *c->lvs);
	for (size_t i = 0; i < c->vg->n_lvs; i++) {
		const struct vdm_lv *lv = &c->vg->lvs[i];
		if (!c->requested[i] || (int)lv->n_copies >= req->copies)
			continue;
		struct plan_lv *pl = &c->lvs[c->n_lvs++];
		pl->lv = (int)i;
		pl->m = req->copies - (int)lv->n_copies;
		pl->need = lv->extents + c->meta;
		/* existing copies as key fragments: count, sorted unique disk ids */
		VEC(int) k = { 0 };
		for (size_t cp = 0; cp < lv->n_copies; cp++) {
			size_t at = k.n;
			VEC_PUSH(&k, 0);
			size_t start = k.n;
			for (size_t s = 0; s < lv->copies[cp].n_segs; s++)
				VEC_PUSH(&k, c->vg->pvs[lv->copies[cp].segs[s].pv].disk);
			qsort(k.v + start, k.n - start, sizeof(int), cmp_int);
			size_t w = start;
			for (size_t j = start; j < k.n; j++)
				if (w == start || k.v[w - 1] != k.v[j])
					k.v[w++] = k.v[j];
			k.n = w;
			k.v[at] = (int)(w - start);
		}
		pl->base_ids = k.v;
		pl->n_base = k.n;
	}
	return 0;
}

/* ---- the plan document -------------------------------------------------------------- */

struct plan_newdisk { int pool; char *name; };

static int cmp_pool_name(const void *a, const void *b, void *arg)
{
	const struct vdm_inventory *inv = arg;
	int x = *(const int *)a, y = *(const int *)b;
	return strcmp(inv->pools[x].name, inv->pools[y].name);
}

static bool plan_name_used(const struct vdm_partition *part, const char *name)
{
	return vdm_find_disk(part, name) >= 0;
}

static struct vdm_plan *plan_build(struct plan_ctx *c, struct plan_try *t)
{
	const struct vdm_inventory *inv = c->inv;
	struct vdm_plan *plan = xcalloc(1, sizeof *plan);
	plan->partition = xstrdup(c->part->name);
	plan->vg = xstrdup(c->vg->name);
	plan->copies = c->req->copies;
	plan->level = c->level;
	/* new disks: pools sorted by name, names m1, m2, ... skipping names in use */
	VEC(int) pools = { 0 };
	for (size_t p = 0; p < c->n_pools; p++)
		if (t->pool_used[p] > 0)
			VEC_PUSH(&pools, (int)p);
	if (pools.n)
		qsort_r(pools.v, pools.n, sizeof(int), cmp_pool_name, (void *)inv);
	char **disk_name = xcalloc(c->n_pools + 1, sizeof *disk_name);
	plan->new_disks = xcalloc(pools.n + 1, sizeof *plan->new_disks);
	plan->pools = xcalloc(pools.n + 1, sizeof *plan->pools);
	int next = 1;
	for (size_t i = 0; i < pools.n; i++) {
		int p = pools.v[i];
		char *name = NULL;
		for (;;) {
			name = xasprintf("%s-%s-m%d", c->part->name, c->vg->name, next++);
			if (!plan_name_used(c->part, name))
				break;
			free(name);
		}
		struct vdm_plan_disk *d = &plan->new_disks[plan->n_new_disks++];
		d->name = name;
		disk_name[p] = name;
		d->pool = xstrdup(inv->pools[p].name);
		d->size_mib = plan_disk_size(c, p, t->pool_used[p]);
		d->paths = xcalloc(1, sizeof *d->paths);
		d->paths[0] = xstrdup(inv->servers[inv->pools[p].server].name);
		d->n_paths = 1;
		plan->new_mib += d->size_mib;
		struct vdm_plan_pool *pp = &plan->pools[plan->n_pools++];
		pp->name = xstrdup(inv->pools[p].name);
		pp->free_mib_before = inv->pools[p].free_mib;
		pp->free_mib_after = inv->pools[p].free_mib - d->size_mib;
	}
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
		while (li < c->n_lvs && c->lvs[li].lv < (int)i)
			li++;
		if (li >= c->n_lvs || c->lvs[li].lv != (int)i) {
			out->protection = vdm_lv_protection(c->f, c->pi, c->gi, (int)i, NULL);
			continue;
		}
		struct plan_lv *pl = &c->lvs[li];
		out->n_new_copies = (size_t)pl->m;
		out->new_copies = xcalloc((size_t)pl->m, sizeof *out->new_copies);
		for (int k = 0; k < pl->m; k++) {
			seg_vec *sv = &t->copies[li * 3 + (size_t)k];
			struct vdm_plan_copy *pc = &out->new_copies[k];
			pc->segs = xcalloc(sv->n + 1, sizeof *pc->segs);
			for (size_t s = 0; s < sv->n; s++) {
				int id = sv->v[s].id;
				pc->segs[s].pv = xstrdup(id < c->n_disks ? c->part->disks[id].name
								      : disk_name[id - c->n_disks]);
				pc->segs[s].extents = sv->v[s].ext;
				plan->required_mib += sv->v[s].ext * c->ext_mib;
				if (id < c->n_disks)
					plan->reused_mib += sv->v[s].ext * c->ext_mib;
			}
			pc->n_segs = sv->n;
		}
		/* protection after: existing copies plus the new ones, judged once per layout */
		int gid = plan_lv_group(c, t, li, pl->m + 1);  /* may grow c->groups */
		struct plan_group *g = c->groups.v[gid];
		if (g->prot == -2) {
			struct vdm_copy_disks cd[4];
			for (size_t k = 0; k < g->n_copies && k < 4; k++) {
				cd[k].disks = g->copies[k];
				cd[k].n = g->ncopy[k];
			}
			g->prot = (int)vdm_protection(c->f, cd, g->n_copies, NULL);
		}
		out->protection = (enum vdm_level)g->prot;
	}
	free(disk_name);
	free(pools.v);
	return plan;
}

/* ---- exhaustive search for small requests -------------------------------------------
 * The placement above is greedy. When it finds nothing and the request is small (a few
 * copies, a few PVs and pools), every assignment of each missing copy, whole, to one PV or
 * one pool's new disk is tried, so that "no plan" is never answered where one exists in
 * that space. The best by the goals' order (reuse, disks, new MiB) is kept. */
#define PLAN_EX_SLOTS 8
#define PLAN_EX_TARGETS 12
#define PLAN_EX_BUDGET 400000

struct plan_ex {
	struct plan_ctx *c;
	size_t slot_lv[PLAN_EX_SLOTS];
	int slot_k[PLAN_EX_SLOTS];
	size_t nslots;
	int target[PLAN_EX_TARGETS];      /* >= 0: PV index; < 0: -(pool + 1) */
	size_t ntargets;
	int choice[PLAN_EX_SLOTS], best[PLAN_EX_SLOTS];
	int64_t *pv_free, *pool_used, *pool_cap;
	bool found;
	int64_t b_reuse, b_mib;
	int b_disks;
	long budget;
};

static int plan_ex_id(const struct plan_ex *x, int tg)
{
	return tg >= 0 ? x->c->vg->pvs[tg].disk : x->c->n_disks + (-tg - 1);
}

/* Is LV l valid with its existing copies plus the new copies in slots [first, last]? */
static bool plan_ex_valid(struct plan_ex *x, size_t first, size_t last)
{
	struct plan_ctx *c = x->c;
	struct plan_lv *pl = &c->lvs[x->slot_lv[first]];
	const struct vdm_lv *lv = &c->vg->lvs[pl->lv];
	struct vdm_copy_disks cd[4];
	const struct vdm_profile *profs[64];
	size_t np = 0, n = 0;
	for (size_t k = 0; k < lv->n_copies && n < 4; k++, n++) {
		cd[n].disks = profs + np;
		cd[n].n = 0;
		for (size_t sg = 0; sg < lv->copies[k].n_segs && np < 60; sg++) {
			profs[np++] = vdm_faults_disk(c->f, c->pi, c->vg->pvs[lv->copies[k].segs[sg].pv].disk);
			cd[n].n++;
		}
	}
	for (size_t sl = first; sl <= last && n < 4; sl++, n++) {
		profs[np] = plan_profile(c, plan_ex_id(x, x->target[x->choice[sl]]));
		cd[n].disks = profs + np++;
		cd[n].n = 1;
	}
	enum vdm_level got = vdm_protection(c->f, cd, n, NULL);
	return got != VDM_LEVEL_NONE && got >= c->level;
}

static void plan_ex_rec(struct plan_ex *x, size_t s)
{
	struct plan_ctx *c = x->c;
	if (x->budget-- <= 0)
		return;
	if (s == x->nslots) {
		int64_t reuse = 0, mib = 0;
		int disks = 0;
		for (size_t v = 0; v < c->vg->n_pvs; v++)
			reuse += c->pv_free0[v] - x->pv_free[v];
		for (size_t p = 0; p < c->n_pools; p++)
			if (x->pool_used[p] > 0) {
				disks++;
				mib += plan_disk_size(c, (int)p, x->pool_used[p]);
			}
		if (!x->found || reuse > x->b_reuse || (reuse == x->b_reuse && (disks < x->b_disks ||
		    (disks == x->b_disks && mib < x->b_mib)))) {
			x->found = true;
			x->b_reuse = reuse;
			x->b_disks = disks;
			x->b_mib = mib;
			memcpy(x->best, x->choice, sizeof x->best);
		}
		return;
	}
	size_t l = x->slot_lv[s];
	int64_t need = c->lvs[l].need;
	bool last = s + 1 == x->nslots || x->slot_lv[s + 1] != l;
	size_t first = s - (size_t)x->slot_k[s];
	for (size_t ti = 0; ti < x->ntargets; ti++) {
		int tg = x->target[ti];
		int64_t *room = tg >= 0 ? &x->pv_free[tg] : NULL;
		if (tg >= 0 && *room < need)
			continue;
		if (tg < 0) {
			int p = -tg - 1;
			int64_t used = x->pool_used[p] > 0 ? x->pool_used[p] : 0;
			if (used + need > x->pool_cap[p] || need == 0)
				continue;
		}
		x->choice[s] = (int)ti;
		if (last && !plan_ex_valid(x, first, s))
			continue;
		if (tg >= 0) {
			*room -= need;
		} else {
			int p = -tg - 1;
			x->pool_used[p] = (x->pool_used[p] > 0 ? x->pool_used[p] : 0) + need;
		}
		plan_ex_rec(x, s + 1);
		if (tg >= 0)
			*room += need;
		else
			x->pool_used[-tg - 1] -= need;
	}
}

/* Fills *t (initialized, reuse mode as asked) with the best exhaustive placement; false if
 * the request is too big for it or nothing is valid. */
static bool plan_exhaustive(struct plan_ctx *c, struct plan_try *t, long budget)
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
				x.target[x.ntargets++] = (int)v;
			}
	for (size_t p = 0; p < c->n_pools; p++)
		if (t->pool_cap[p] > 0) {
			if (x.ntargets == PLAN_EX_TARGETS)
				return false;
			x.target[x.ntargets++] = -(int)p - 1;
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
		int tg = x.target[x.best[sl]];
		int64_t need = c->lvs[l].need;
		if (need > 0)
			plan_add_seg(&t->copies[l * 3 + (size_t)x.slot_k[sl]], plan_ex_id(&x, tg), need);
		if (tg >= 0) {
			t->pv_free[tg] -= need;
		} else {
			int p = -tg - 1;
			if (t->pool_used[p] < 0) {
				t->pool_used[p] = 0;
				t->n_opened++;
			}
			t->pool_used[p] += need;
		}
	}
	return true;
}

static int64_t plan_try_reused(const struct plan_ctx *c, const struct plan_try *t)
{
	int64_t s = 0;
	for (size_t v = 0; v < c->vg->n_pvs; v++)
		s += c->pv_free0[v] - t->pv_free[v];
	return s;
}

/* Plans at c->level; on success *best holds the chosen placement. Reuse modes are tried in
 * turn (with 3 copies, reusing for the second copy can take what the third needed) and the
 * best by the goals' order wins: most reuse, fewest new disks, least new space. */
static bool plan_at_level(struct plan_ctx *c, struct plan_try *best, char *msg, size_t msize)
{
	plan_ctx_reset_groups(c);
	int modes[3] = { 0, 1, 2 };
	size_t nmodes = c->req->no_reuse ? 1 : (c->req->copies == 3 ? 3 : 2);
	if (c->req->no_reuse)
		modes[0] = 2;
	bool have_msg = false, have = false;
	int64_t b_reuse = 0, b_mib = 0;
	int b_disks = 0, b_mode = 0;
	for (size_t mi = 0; mi < nmodes; mi++) {
		struct plan_try t;
		plan_try_init(c, &t, modes[mi], PPM);
		if (!plan_run(c, &t)) {
			if (!have_msg && msg) {
				plan_fail_message(c, &t, msg, msize);
				have_msg = true;
			}
			plan_try_free(c, &t);
			continue;
		}
		int64_t reuse = plan_try_reused(c, &t), mib = plan_try_new_mib(c, &t);
		if (!have || reuse > b_reuse || (reuse == b_reuse && (t.n_opened < b_disks ||
		    (t.n_opened == b_disks && mib < b_mib)))) {
			have = true;
			b_reuse = reuse;
			b_disks = t.n_opened;
			b_mib = mib;
			b_mode = modes[mi];
		}
		plan_try_free(c, &t);
		if (modes[mi] == 0 && reuse == 0)
			break;  /* nothing to reuse: the other modes give the same */
	}
#ifndef VDM_PLAN_NO_EXHAUSTIVE   /* defined only to measure the greedy placement alone */
	if (!have) {
		struct plan_try t;
		plan_try_init(c, &t, c->req->no_reuse ? 2 : 0, PPM);
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
		plan_try_init(c, &x, c->req->no_reuse ? 2 : 0, PPM);
		if (plan_exhaustive(c, &x, PLAN_EX_BUDGET / 8)) {
			int64_t reuse = plan_try_reused(c, &x), mib = plan_try_new_mib(c, &x);
			if (reuse > b_reuse || (reuse == b_reuse && (x.n_opened < b_disks ||
			    (x.n_opened == b_disks && mib < b_mib)))) {
				*best = x;
				return true;
			}
		}
		plan_try_free(c, &x);
	}
	struct plan_try t;
	plan_try_init(c, &t, b_mode, PPM);
	plan_run(c, &t);
	/* balance: the lowest utilization cap that keeps the disk count and new space */
	/* 1/8192 of a pool's size is as fine as utilization needs to be */
	int64_t lo = 0, hi = PPM, step = PPM / 8192;
	while (hi - lo > step && b_disks > 0) {
		int64_t mid = lo + (hi - lo) / 2;
		struct plan_try u;
		plan_try_init(c, &u, b_mode, mid);
		bool good = plan_run(c, &u) && u.n_opened <= b_disks && plan_try_new_mib(c, &u) <= b_mib &&
			    plan_try_reused(c, &u) >= b_reuse;
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

int vdm_plan_make(const struct vdm_inventory *inv, const struct vdm_request *req,
		  struct vdm_plan **out, struct vdm_noplan *noplan, struct vdm_error *err)
{
	struct plan_ctx c;
	*out = NULL;
	int rc = plan_setup(&c, inv, req, err);
	if (rc < 0) {
		plan_ctx_free(&c);
		return rc;
	}
	char msg[sizeof noplan->message];
	msg[0] = '\0';
	if (!plan_reserve_rmeta(&c, msg, sizeof msg)) {
		/* metadata room is level-independent: nothing can be reached */
		if (noplan) {
			snprintf(noplan->message, sizeof noplan->message, "%s", msg);
			noplan->best_level = VDM_LEVEL_NONE;
		}
		plan_ctx_free(&c);
		return vdm_err_exit(err, -ENOSPC, VDM_EXIT_NOPLAN, "%s; strongest level reachable: none", msg);
	}
	struct plan_try t;
	c.level = req->level;
	if (plan_at_level(&c, &t, msg, sizeof msg)) {
		*out = plan_build(&c, &t);
		plan_try_free(&c, &t);
		plan_ctx_free(&c);
		return 0;
	}
	enum vdm_level best = VDM_LEVEL_NONE;
	for (int l = (int)req->level - 1; l >= VDM_LEVEL_DEVICE; l--) {
		c.level = (enum vdm_level)l;
		if (plan_at_level(&c, &t, NULL, 0)) {
			plan_try_free(&c, &t);
			best = (enum vdm_level)l;
			break;
		}
	}
	if (noplan) {
		snprintf(noplan->message, sizeof noplan->message, "%s", msg);
		noplan->best_level = best;
	}
	plan_ctx_free(&c);
	return vdm_err_exit(err, -ENOSPC, VDM_EXIT_NOPLAN, "%s; strongest level reachable: %s", msg,
			    best == VDM_LEVEL_NONE ? "none" : vdm_level_name(best));
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
	}
	free(plan->lvs);
	for (size_t i = 0; i < plan->n_pools; i++)
		free(plan->pools[i].name);
	free(plan->pools);
	free(plan);
}
