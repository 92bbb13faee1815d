/* plan.c: where the new mirror copies of a volume group go (formats.md, "Plan"): checks the
 * request, sets up the context, and tries the requested level, then lower ones for the
 * message. Reuse of valid free extents first, then as few new disks as possible, then the
 * emptiest pools; every candidate judged by protect.c so that plan and audit never disagree.
 * vdm_plan_repair() is the same search on the copies a repair keeps (plan_fix_lv). The
 * concerns live in plan_*.c behind plan_int.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "plan_int.h"

int plan_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

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
	plan_reset_level(c);
	plan_try_spare_free(c);
	if (c->fix)
		for (size_t i = 0; i < c->vg->n_lvs; i++) {
			free(c->fix[i].keep.v);
			free(c->fix[i].resync.v);
			free(c->fix[i].drop.v);
			free(c->fix[i].waiting.v);
		}
	free(c->fix);
	free(c->groups.v);
	free(c->valids.v);
	free(c->keybuf.v);
	free(c->prof_class);
	free(c->diverse);
	free(c->pool_private);
	if (c->f)
		vdm_faults_free(c->f);
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

/* Numbers the failure profiles of every placement id (disks, then pools' new disks): equal
 * profiles, equal class. Validity is computed once per layout of classes (plan_group.c). */
static void plan_profile_classes(struct plan_ctx *c)
{
	size_t n = (size_t)c->n_disks + c->n_pools;
	struct plan_intern t = { 0 };
	VEC(int) k = { 0 };
	c->prof_class = xmalloc((n + 1) * sizeof *c->prof_class);
	for (size_t id = 0; id < n; id++) {
		const struct vdm_profile *p = plan_profile(c, (int)id);
		k.n = 0;
		VEC_PUSH(&k, (int)p->n_devices);
		for (size_t i = 0; i < p->n_devices; i++)
			VEC_PUSH(&k, p->devices[i]);
		VEC_PUSH(&k, p->pool);
		for (size_t i = 0; i < p->n_servers; i++)
			VEC_PUSH(&k, p->servers[i]);
		bool is_new;
		c->prof_class[id] = plan_intern(&t, k.v, k.n, &is_new);
	}
	free(k.v);
	plan_intern_free(&t);
}

/* formats.md: sizes are 64-bit, and a sum or product that does not fit is bad input. The
 * new copies' sizes are checked here once: every sum the placement makes later (reuse,
 * demand, a new disk's size) is bounded by them or by a pool's free_mib. */
static int plan_check_sizes(const struct plan_ctx *c, struct vdm_error *err)
{
	int64_t total = 0;
	for (size_t l = 0; l < c->n_lvs; l++) {
		const struct plan_lv *pl = &c->lvs[l];
		const struct vdm_lv *lv = &c->vg->lvs[pl->lv];
		int64_t need, mib, disk, all;
		if (vdm_add_overflows(lv->extents, c->meta, &need) ||
		    vdm_mul_overflows(need, c->ext_mib, &mib) ||
		    vdm_add_overflows(mib, c->ovh_mib, &disk) ||
		    vdm_mul_overflows(mib, pl->m, &all) || vdm_add_overflows(total, all, &total))
			return vdm_err_exit(err, -EOVERFLOW, VDM_EXIT_INPUT, "plan: lv %s of volume "
					    "group %s: %lld extents (+%lld of metadata) of %lld MiB, %d "
					    "new copies: the sizes do not fit in 64 bits", lv->name,
					    c->vg->name, (long long)lv->extents, (long long)c->meta,
					    (long long)c->ext_mib, pl->m);
	}
	return 0;
}

/* Repair: sorts the copies of VG LV i into kept (in sync, stale: resynced), dropped and
 * waited for (lost; formats.md's readings: a copy with an extent on a missing disk is lost
 * even if stale, and waits while its first missing disk has been missing for less than
 * --wait-for-return; a disk without missing_since is missing since now). An LV with no copy in
 * sync cannot be repaired from inside the VG: -ENOSPC, exit 2. */
static int plan_fix_lv(struct plan_ctx *c, int i, struct vdm_error *err)
{
	const struct vdm_lv *lv = &c->vg->lvs[i];
	struct plan_fix *fx = &c->fix[i];
	char why[1024] = "";
	size_t wl = 0;
	for (size_t cp = 0; cp < lv->n_copies; cp++) {
		int d;
		enum vdm_copy_state st = vdm_copy_state(c->inv, c->pi, c->gi, i, cp, &d);
		if (st == VDM_COPY_IN_SYNC) {
			fx->n_sync++;
			VEC_PUSH(&fx->keep, (int)cp);
			continue;
		}
		char txt[512];
		vdm_copy_state_text(c->inv, c->pi, c->gi, i, cp, txt, sizeof txt);
		if (wl < sizeof why)
			wl += (size_t)snprintf(why + wl, sizeof why - wl, "%scopy %zu %s",
					       wl ? "; " : "", cp + 1, txt);
		if (st == VDM_COPY_STALE) {
			VEC_PUSH(&fx->keep, (int)cp);
			VEC_PUSH(&fx->resync, (int)cp);
			continue;
		}
		/* lost since its first disk went missing */
		int64_t since = c->now;
		const struct vdm_copy *co = &lv->copies[cp];
		for (size_t s = 0; s < co->n_segs; s++) {
			const struct vdm_disk *dk = &c->part->disks[c->vg->pvs[co->segs[s].pv].disk];
			if (dk->missing && dk->missing_since > 0 && dk->missing_since < since)
				since = dk->missing_since;
		}
		int64_t gone = c->now - since, wait = c->req->wait_for_return_s;
		if (wait > 0 && gone < wait) {
			VEC_PUSH(&fx->waiting, (int)cp);
			if (wait - gone > fx->wait_s)
				fx->wait_s = wait - gone;
		} else {
			VEC_PUSH(&fx->drop, (int)cp);
		}
	}
	if (fx->n_sync == 0)
		return vdm_err_exit(err, -ENOSPC, VDM_EXIT_NOPLAN, "lv %s (%lld MiB) cannot be "
				    "repaired from inside volume group %s: no copy in sync is left (%s);"
				    " leave it out with --lv", lv->name,
				    (long long)(lv->extents * c->ext_mib), c->vg->name, why);
	return 0;
}

static int plan_setup(struct plan_ctx *c, const struct vdm_inventory *inv,
		      const struct vdm_request *req, bool repair, int64_t now,
		      struct vdm_error *err)
{
	memset(c, 0, sizeof *c);
	c->repair = repair;
	c->now = now;
	int rc;
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
		/* reserve_pct <= 100: the kept part fits, the product may not (2^62 MiB pools) */
		int64_t keep = (int64_t)(((__int128)pool->size_mib * pool->reserve_pct + 99) / 100);
		int64_t max = pool->free_mib - keep;
		c->pool_max[p] = max > 0 ? plan_round_down(max, pool->alloc_mib > 0 ? pool->alloc_mib : 1) : 0;
		/* formats.md: no new disk in an unreachable pool or on an unreachable server */
		if (pool->unreachable || inv->servers[srv].unreachable)
			c->pool_max[p] = 0;
		c->tier[p] = tier_rank(pool->tier);
	}
	c->pv_free0 = xcalloc(c->vg->n_pvs + 1, sizeof *c->pv_free0);
	for (size_t v = 0; v < c->vg->n_pvs; v++) {
		const struct vdm_disk *dk = &c->part->disks[c->vg->pvs[v].disk];
		/* nothing new on a missing disk, nor on one reached only through unreachable
		 * servers */
		bool reachable = false;
		for (size_t k = 0; k < dk->n_paths; k++)
			reachable |= !inv->servers[dk->paths[k]].unreachable;
		c->pv_free0[v] = dk->missing || !reachable ? 0 : c->vg->pvs[v].free_extents;
	}
	plan_build_diverse(c);
	plan_profile_classes(c);
	c->lvs = xcalloc(c->vg->n_lvs + 1, sizeof *c->lvs);
	if (c->repair) {
		c->fix = xcalloc(c->vg->n_lvs + 1, sizeof *c->fix);
		for (size_t i = 0; i < c->vg->n_lvs; i++)
			if (c->requested[i] && (rc = plan_fix_lv(c, (int)i, err)) < 0)
				return rc;
	}
	for (size_t i = 0; i < c->vg->n_lvs; i++) {
		const struct vdm_lv *lv = &c->vg->lvs[i];
		/* the copies that stay: all of them for a mirror, the kept ones for a repair */
		size_t n_base = c->repair ? c->fix[i].keep.n : lv->n_copies;
		int have = (int)n_base + (c->repair ? (int)c->fix[i].waiting.n : 0);
		if (!c->requested[i] || have >= req->copies)
			continue;
		struct plan_lv *pl = &c->lvs[c->n_lvs++];
		pl->lv = (int)i;
		pl->m = req->copies - have;
		pl->need = lv->extents + c->meta;
		/* existing copies as key fragments: count, sorted unique disk ids */
		VEC(int) k = { 0 };
		for (size_t bi = 0; bi < n_base; bi++) {
			size_t cp = c->repair ? (size_t)c->fix[i].keep.v[bi] : bi;
			size_t at = k.n;
			VEC_PUSH(&k, 0);
			size_t start = k.n;
			for (size_t s = 0; s < lv->copies[cp].n_segs; s++)
				VEC_PUSH(&k, c->vg->pvs[lv->copies[cp].segs[s].pv].disk);
			qsort(k.v + start, k.n - start, sizeof(int), plan_cmp_int);
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
	return plan_check_sizes(c, err);
}

static int plan_make(const struct vdm_inventory *inv, const struct vdm_request *req,
		     bool repair, int64_t now, struct vdm_plan **out, struct vdm_noplan *noplan,
		     struct vdm_error *err)
{
	struct plan_ctx c;
	*out = NULL;
	int rc = plan_setup(&c, inv, req, repair, now, err);
	if (rc < 0) {
		if (rc == -ENOSPC && noplan) {   /* an LV without a copy in sync */
			snprintf(noplan->message, sizeof noplan->message, "%s", err ? err->msg : "");
			noplan->best_level = VDM_LEVEL_NONE;
		}
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
		rc = plan_build(&c, &t, out, err);
		plan_try_free(&c, &t);
		plan_ctx_free(&c);
		return rc;
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

int vdm_plan_make(const struct vdm_inventory *inv, const struct vdm_request *req,
		  struct vdm_plan **out, struct vdm_noplan *noplan, struct vdm_error *err)
{
	return plan_make(inv, req, false, 0, out, noplan, err);
}

int vdm_plan_repair(const struct vdm_inventory *inv, const struct vdm_request *req, int64_t now,
		    struct vdm_plan **out, struct vdm_noplan *noplan, struct vdm_error *err)
{
	return plan_make(inv, req, true, now, out, noplan, err);
}
