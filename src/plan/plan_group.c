/* plan_group.c: groups of LVs whose copies sit on the same disks, judged once per layout (a
 * hash table keyed by the layout), and which pools and PVs are valid candidates for each. */
#include <string.h>
#include "plan_int.h"

static uint64_t plan_hash(const int *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (uint64_t)(uint32_t)k[i];
		h *= 1099511628211ull;
	}
	return h;
}

int plan_intern(struct plan_intern *t, const int *key, size_t n, bool *is_new)
{
	size_t count = t->start.n ? t->start.n - 1 : 0;
	if (!t->start.n)
		VEC_PUSH(&t->start, 0);
	if (t->cap == 0 || count * 2 >= t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		int *nt = xcalloc(ncap, sizeof *nt);
		for (size_t id = 0; id < count; id++) {
			size_t j = plan_hash(t->keys.v + t->start.v[id], t->start.v[id + 1] - t->start.v[id])
				   & (ncap - 1);
			while (nt[j])
				j = (j + 1) & (ncap - 1);
			nt[j] = (int)id + 1;
		}
		free(t->tab);
		t->tab = nt;
		t->cap = ncap;
	}
	size_t j = plan_hash(key, n) & (t->cap - 1);
	while (t->tab[j]) {
		size_t id = (size_t)t->tab[j] - 1, len = t->start.v[id + 1] - t->start.v[id];
		if (len == n && !memcmp(t->keys.v + t->start.v[id], key, n * sizeof *key)) {
			*is_new = false;
			return (int)id;
		}
		j = (j + 1) & (t->cap - 1);
	}
	VEC_RESERVE(&t->keys, t->keys.n + n);
	if (n)
		memcpy(t->keys.v + t->keys.n, key, n * sizeof *key);
	t->keys.n += n;
	VEC_PUSH(&t->start, t->keys.n);
	t->tab[j] = (int)count + 1;
	*is_new = true;
	return (int)count;
}

void plan_intern_free(struct plan_intern *t)
{
	free(t->keys.v);
	free(t->start.v);
	free(t->tab);
	memset(t, 0, sizeof *t);
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
	g->final = key[0] == PLAN_STAGE_LAST;
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
	struct vdm_copy_disks cd[PLAN_MAX_COPIES + 1];
	size_t n = g->n_copies;
	if (n + 1 > PLAN_MAX_COPIES + 1)
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
	struct vdm_copy_disks cd[PLAN_MAX_COPIES + 1];
	size_t n = g->n_copies;
	if (n + 2 > PLAN_MAX_COPIES + 1)
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

/* A relation memo's states. */
enum plan_memo { MEMO_UNKNOWN, MEMO_YES, MEMO_NO };

/* How a disk on server sv that shares no device or pool with a group relates to it: slot sv
 * (a server of the group), then ns + frame, ns + nf + site (frame or site of the group; -1 =
 * the unnamed one, last slot of its kind), else ns + nf + nt (foreign). gs marks the group's
 * servers, followed by its frames (nf = n_frames + 1) and sites (nt = n_sites + 1). */
static size_t relation_slot(const struct vdm_inventory *inv, int sv, const unsigned char *gs)
{
	size_t ns = inv->n_servers, nf = inv->n_frames + 1, nt = inv->n_sites + 1;
	const unsigned char *gf = gs + ns, *gt = gf + nf;
	int fr = inv->servers[sv].frame;
	int st = fr >= 0 ? inv->frames[fr].site : -1;
	size_t fi = fr >= 0 ? (size_t)fr : nf - 1, ti = st >= 0 ? (size_t)st : nt - 1;
	return gs[sv] ? (size_t)sv : gf[fi] ? ns + fi : gt[ti] ? ns + nf + ti : ns + nf + nt;
}

/* Which pools are valid for a group. A new disk in pool P whose devices and pool appear in
 * none of the group's disks can only meet the group through its server, that server's frame
 * or site: every such pool of the same "relation" (server of the group, frame of the group,
 * site of the group, or foreign) is judged alike (the relabelling of servers, frames and sites
 * that maps one onto the other leaves the group unchanged), so protect.c is asked once per relation
 * instead of once per pool (2400 pools, a few relations). Pools that share a device or the
 * pool itself with the group are judged one by one. */
static void plan_valid_compute(struct plan_ctx *c, struct plan_group *g, struct plan_valid *out);

void plan_group_validity(struct plan_ctx *c, struct plan_group *g)
{
	if (g->valid_done)
		return;
	g->valid_done = true;
	/* the same layout by profile classes: stage, then per copy count and sorted classes */
	VEC(int) vk = { 0 };
	VEC_PUSH(&vk, g->key[0]);
	for (size_t pos = 1; pos < g->nkey;) {
		size_t cnt = (size_t)g->key[pos++], at = vk.n;
		VEC_PUSH(&vk, 0);
		for (size_t i = 0; i < cnt; i++)
			VEC_PUSH(&vk, c->prof_class[g->key[pos++]]);
		qsort(vk.v + at + 1, cnt, sizeof(int), plan_cmp_int);
		size_t w = at + 1;
		for (size_t i = at + 1; i < vk.n; i++)
			if (w == at + 1 || vk.v[w - 1] != vk.v[i])
				vk.v[w++] = vk.v[i];
		vk.n = w;
		vk.v[at] = (int)(w - at - 1);
	}
	bool is_new;
	int vi = plan_intern(&c->valid_keys, vk.v, vk.n, &is_new);
	free(vk.v);
	if (is_new) {
		struct plan_valid nv = { 0 };
		VEC_PUSH(&c->valids, nv);
		plan_valid_compute(c, g, &c->valids.v[vi]);
	}
	const struct plan_valid *v = &c->valids.v[vi];
	g->pool_ok = v->pool_ok;
	g->valid_pools = v->valid_pools;
	g->n_valid_pools = v->n_valid_pools;
	g->invalid_pools = v->invalid_pools;
	g->n_invalid_pools = v->n_invalid_pools;
	g->valid_pvs = v->valid_pvs;
	g->n_valid_pvs = v->n_valid_pvs;
}

/* Computes the validity of group g's layout into *out. */
static void plan_valid_compute(struct plan_ctx *c, struct plan_group *g, struct plan_valid *out)
{
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
			if (!plan_id_is_pool(c, id)) {
				paths = c->part->disks[id].paths;
				np = c->part->disks[id].n_paths;
			} else {
				one = inv->pools[plan_id_pool(c, id)].server;
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
	/* per relation: is a disk of that relation valid, and does it leave room (3 copies) */
	unsigned char *memo = xcalloc(2 * (ns + nf + nt + 2), 1);   /* enum plan_memo */
	unsigned char *room = memo + ns + nf + nt + 2;
	out->pool_ok = xcalloc(c->n_pools ? c->n_pools : 1, 1);
	out->valid_pools = xmalloc((c->n_pools ? c->n_pools : 1) * sizeof(int));
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
			size_t slot = relation_slot(inv, inv->pools[p].server, gs);
			if (memo[slot] == MEMO_UNKNOWN)
				memo[slot] = plan_group_accepts(c, g, pp) ? MEMO_YES : MEMO_NO;
			/* the look-ahead (3 copies) is kept per relation too: a heuristic, as the
			 * other candidates need not be alike; the last copy's own check is exact */
			if (memo[slot] == MEMO_YES && !g->final && !c->pool_private[p])
				ok = plan_group_leaves_room(c, g, pp);
			else {
				if (memo[slot] == MEMO_YES && !g->final && room[slot] == MEMO_UNKNOWN)
					room[slot] = plan_group_leaves_room(c, g, pp) ? MEMO_YES : MEMO_NO;
				ok = memo[slot] == MEMO_YES && (g->final || room[slot] == MEMO_YES);
			}
		}
		if (ok) {
			out->pool_ok[p] = 1;
			out->valid_pools[out->n_valid_pools++] = (int)p;
		}
	}
	out->invalid_pools = xmalloc((c->n_pools - out->n_valid_pools + 1) * sizeof(int));
	/* pools that cannot hold one extent are never a candidate for anyone: left out, or
	 * every group would list the same full pools (a tenth of a fleet's) again */
	for (size_t p = 0; p < c->n_pools; p++)
		if (!out->pool_ok[p] && c->pool_max[p] >= c->ovh_mib + c->ext_mib)
			out->invalid_pools[out->n_invalid_pools++] = (int)p;
	/* PVs: a disk with one path whose devices and pool are its own relates to the group
	 * like a new disk on that server does (its private components act as one) */
	out->valid_pvs = xmalloc((c->vg->n_pvs ? c->vg->n_pvs : 1) * sizeof(int));
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
			size_t slot = relation_slot(inv, c->part->disks[d].paths[0], gs);
			if (memo[slot] == MEMO_UNKNOWN)
				memo[slot] = plan_group_accepts(c, g, pp) ? MEMO_YES : MEMO_NO;
			/* an existing disk shares its pool with others: its look-ahead is its own */
			ok = memo[slot] == MEMO_YES && (g->final || plan_group_leaves_room(c, g, pp));
		}
		if (ok)
			out->valid_pvs[out->n_valid_pvs++] = (int)v;
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
	free(g);
}

/* Group of LV l in round r (1-based) of try t. */
int plan_lv_group(struct plan_ctx *c, struct plan_try *t, size_t l, int r)
{
	struct plan_lv *pl = &c->lvs[l];
	c->keybuf.n = 0;
	enum plan_stage stage = r > pl->m ? PLAN_STAGE_DONE : r == pl->m ? PLAN_STAGE_LAST
				: PLAN_STAGE_EARLY;
	VEC_PUSH(&c->keybuf, (int)stage);
	for (size_t i = 0; i < pl->n_base; i++)
		VEC_PUSH(&c->keybuf, pl->base_ids[i]);
	for (int k = 0; k < r - 1; k++) {
		seg_vec *sv = plan_new_copy(t, l, k);
		size_t at = c->keybuf.n;
		VEC_PUSH(&c->keybuf, 0);
		size_t start = c->keybuf.n;
		for (size_t i = 0; i < sv->n; i++)
			VEC_PUSH(&c->keybuf, sv->v[i].id);
		qsort(c->keybuf.v + start, c->keybuf.n - start, sizeof(int), plan_cmp_int);
		size_t w = start;
		for (size_t i = start; i < c->keybuf.n; i++)
			if (w == start || c->keybuf.v[w - 1] != c->keybuf.v[i])
				c->keybuf.v[w++] = c->keybuf.v[i];
		c->keybuf.n = w;
		c->keybuf.v[at] = (int)(w - start);
	}
	return plan_group_find(c, c->keybuf.v, c->keybuf.n);
}


enum vdm_level plan_group_protection(struct plan_ctx *c, struct plan_group *g)
{
	if (!g->prot_known) {
		/* a repair keeps every copy in sync: there may be more than a plan makes */
		struct vdm_copy_disks *cd = xcalloc(g->n_copies + 1, sizeof *cd);
		for (size_t k = 0; k < g->n_copies; k++) {
			cd[k].disks = g->copies[k];
			cd[k].n = g->ncopy[k];
		}
		g->prot = vdm_protection(c->f, cd, g->n_copies, NULL);
		g->prot_known = true;
		free(cd);
	}
	return g->prot;
}

void plan_groups_clear(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->groups.n; i++)
		plan_group_free(c->groups.v[i]);
	c->groups.n = 0;
	for (size_t i = 0; i < c->valids.n; i++) {
		free(c->valids.v[i].pool_ok);
		free(c->valids.v[i].valid_pools);
		free(c->valids.v[i].invalid_pools);
		free(c->valids.v[i].valid_pvs);
	}
	c->valids.n = 0;
	plan_intern_free(&c->valid_keys);
	free(c->gtab);
	c->gtab = NULL;
	c->gtab_cap = 0;
}

int plan_group_of_key(struct plan_ctx *c, const int *key, size_t n)
{
	return plan_group_find(c, key, n);
}
