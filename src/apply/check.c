/* check.c: a plan held against the live inventory: before applying a saved plan (is it still
 * valid?) and after applying one (did every LV reach the level?). Pure: no I/O. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vdmirror/apply.h"
#include "vdmirror/protect.h"
#include "vdmirror/util.h"

static int stale(struct vdm_error *err, const struct vdm_plan *plan, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int stale(struct vdm_error *err, const struct vdm_plan *plan, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return vdm_err_kind(err, -ESTALE, VDM_ERR_STALE,
			    "plan for %s/%s is no longer valid: %s; make a new plan",
			    plan->partition, plan->vg, msg);
}

static const struct vdm_plan_disk *check_new_disk(const struct vdm_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->n_new_disks; i++)
		if (!strcmp(plan->new_disks[i].name, name))
			return &plan->new_disks[i];
	return NULL;
}

/* Extents the plan takes from the disk called name (an existing PV or a new disk); INT64_MAX
 * when they add up to more than 64 bits hold (more than any disk has). */
static int64_t check_taken(const struct vdm_plan *plan, const char *name)
{
	int64_t t = 0;
	for (size_t l = 0; l < plan->n_lvs; l++)
		for (size_t c = 0; c < plan->lvs[l].n_new_copies; c++)
			for (size_t s = 0; s < plan->lvs[l].new_copies[c].n_segs; s++)
				if (!strcmp(plan->lvs[l].new_copies[c].segs[s].pv, name))
					t = vdm_add_sat(t, plan->lvs[l].new_copies[c].segs[s].extents);
	return t;
}

/* A plan whose sizes do not add up in 64 bits is bad input, not a stale plan. */
static int check_overflow(struct vdm_error *err, const struct vdm_plan *plan, const char *what)
{
	return vdm_err_exit(err, -EOVERFLOW, VDM_EXIT_INPUT, "plan for %s/%s: %s add up to more "
			    "than 64 bits hold", plan->partition, plan->vg, what);
}

static int check_pv_index(const struct vdm_partition *p, const struct vdm_vg *vg, const char *name)
{
	int d = vdm_find_disk(p, name);
	for (size_t i = 0; d >= 0 && i < vg->n_pvs; i++)
		if (vg->pvs[i].disk == d)
			return (int)i;
	return -1;
}

int vdm_plan_check_live(const struct vdm_inventory *inv, const struct vdm_plan *plan,
			struct vdm_error *err)
{
	int pi = vdm_find_partition(inv, plan->partition);
	if (pi < 0)
		return stale(err, plan, "partition %s is gone", plan->partition);
	const struct vdm_partition *p = &inv->partitions[pi];
	int vi = vdm_find_vg(p, plan->vg);
	if (vi < 0)
		return stale(err, plan, "VG %s is gone from %s", plan->vg, p->name);
	const struct vdm_vg *vg = &p->vgs[vi];

	for (size_t l = 0; l < plan->n_lvs; l++) {
		const struct vdm_plan_lv *pl = &plan->lvs[l];
		int li = vdm_find_lv(vg, pl->name);
		if (li < 0)
			return stale(err, plan, "LV %s/%s is gone", vg->name, pl->name);
		const struct vdm_lv *lv = &vg->lvs[li];
		const int *idx[] = { pl->resync, pl->drop, pl->waiting };
		size_t nidx[] = { pl->n_resync, pl->n_drop, pl->n_waiting };
		for (int k = 0; k < 3; k++)
			for (size_t j = 0; j < nidx[k]; j++)
				if (idx[k][j] < 0 || (size_t)idx[k][j] >= lv->n_copies)
					return stale(err, plan, "LV %s/%s has %zu copies now, the plan names"
						     " copy %d", vg->name, lv->name, lv->n_copies,
						     idx[k][j] + 1);
		if (pl->n_new_copies == 0)
			continue;
		/* a repair plan drops lost copies beside adding new ones */
		int want_now = plan->copies - (int)pl->n_new_copies + (int)pl->n_drop;
		if ((int)lv->n_copies != want_now)
			return stale(err, plan, "LV %s/%s has %zu copies now, the plan was made when it"
				     " had %d", vg->name, lv->name, lv->n_copies, want_now);
		for (size_t c = 0; c < pl->n_new_copies; c++) {
			int64_t sum = 0;
			for (size_t s = 0; s < pl->new_copies[c].n_segs; s++)
				if (vdm_add_overflows(sum, pl->new_copies[c].segs[s].extents, &sum))
					return check_overflow(err, plan, "a new copy's extents");
			if (sum != lv->extents + vg->copy_meta_extents)
				return stale(err, plan, "LV %s/%s has %lld extents now, the plan's new copy"
					     " holds %lld (with %lld of metadata)", vg->name, lv->name,
					     (long long)lv->extents, (long long)sum,
					     (long long)vg->copy_meta_extents);
		}
	}

	/* every PV a segment names: a new disk of the plan, or an existing PV with room */
	for (size_t l = 0; l < plan->n_lvs; l++)
		for (size_t c = 0; c < plan->lvs[l].n_new_copies; c++)
			for (size_t s = 0; s < plan->lvs[l].new_copies[c].n_segs; s++) {
				const char *pv = plan->lvs[l].new_copies[c].segs[s].pv;
				if (check_new_disk(plan, pv))
					continue;
				int k = check_pv_index(p, vg, pv);
				if (k < 0)
					return stale(err, plan, "PV %s is no longer in VG %s", pv, vg->name);
				if (p->disks[vg->pvs[k].disk].missing)
					return stale(err, plan, "PV %s is missing now", pv);
				int64_t taken = check_taken(plan, pv);
				if (vg->pvs[k].free_extents < taken)
					return stale(err, plan, "PV %s has %lld free extents now, the plan"
						     " uses %lld", pv, (long long)vg->pvs[k].free_extents,
						     (long long)taken);
			}

	for (size_t i = 0; i < plan->n_new_disks; i++) {
		const struct vdm_plan_disk *d = &plan->new_disks[i];
		if (vdm_find_disk(p, d->name) >= 0)
			return stale(err, plan, "disk %s already exists in %s (another run? see"
				     " vdmirror undo)", d->name, p->name);
		int64_t holds = vg->extent_mib > 0
			? (d->size_mib - vg->pv_overhead_mib) / vg->extent_mib : 0;
		if (check_taken(plan, d->name) > holds)
			return stale(err, plan, "new disk %s of %lld MiB holds %lld extents of %lld MiB,"
				     " the plan puts %lld on it", d->name, (long long)d->size_mib,
				     (long long)holds, (long long)vg->extent_mib,
				     (long long)check_taken(plan, d->name));
	}

	/* pools: each must still hand out what the plan creates in it, reserve kept */
	for (size_t i = 0; i < plan->n_new_disks; i++) {
		const char *pool = plan->new_disks[i].pool;
		bool first = true;
		for (size_t k = 0; k < i; k++)
			first &= strcmp(plan->new_disks[k].pool, pool) != 0;
		if (!first)
			continue;
		int pidx = vdm_find_pool(inv, pool);
		if (pidx < 0)
			return stale(err, plan, "pool %s is gone", pool);
		const struct vdm_pool *po = &inv->pools[pidx];
		if (po->unreachable || inv->servers[po->server].unreachable)
			return stale(err, plan, "pool %s is unreachable now", pool);
		int64_t need = 0;
		for (size_t k = i; k < plan->n_new_disks; k++)
			if (!strcmp(plan->new_disks[k].pool, pool) &&
			    vdm_add_overflows(need, plan->new_disks[k].size_mib, &need))
				return check_overflow(err, plan, "the new disks of a pool");
		/* reserve_pct <= 100: the kept part fits, the product may not */
		int64_t reserve = (int64_t)(((__int128)po->size_mib * po->reserve_pct + 99) / 100);
		if (po->free_mib - reserve < need)
			return stale(err, plan, "pool %s has %lld MiB free now (%lld kept in reserve),"
				     " the plan creates %lld MiB there", pool, (long long)po->free_mib,
				     (long long)reserve, (long long)need);
	}
	return 0;
}

int vdm_plan_verify_inventory(const struct vdm_inventory *inv, const struct vdm_plan *plan,
			      struct vdm_error *err)
{
	int pi = vdm_find_partition(inv, plan->partition);
	int vi = pi < 0 ? -1 : vdm_find_vg(&inv->partitions[pi], plan->vg);
	if (vi < 0)
		return vdm_err_exit(err, -ENOENT, VDM_EXIT_BACKEND,
				    "verify: %s/%s not found by a fresh discovery", plan->partition,
				    plan->vg);
	const struct vdm_vg *vg = &inv->partitions[pi].vgs[vi];
	struct vdm_faults *f = vdm_faults_new(inv);
	struct strbuf why = STRBUF_INIT(1500);
	int bad = 0;

	for (size_t l = 0; l < plan->n_lvs; l++) {
		int li = vdm_find_lv(vg, plan->lvs[l].name);
		if (li < 0) {
			strbuf_addf(&why, "%sLV %s is gone", bad++ ? "; " : "", plan->lvs[l].name);
			continue;
		}
		const struct vdm_lv *lv = &vg->lvs[li];
		struct vdm_failset fs = { 0 };
		enum vdm_level got = vdm_lv_protection(f, pi, vi, li, &fs);
		if ((int)lv->n_copies >= plan->copies && got != VDM_LEVEL_NONE && got >= plan->level)
			continue;
		const char *gotname = vdm_level_name(got);
		strbuf_addf(&why, "%sLV %s/%s: %zu of %d copies, protection %s", bad++ ? "; " : "",
			    vg->name, lv->name, lv->n_copies, plan->copies,
			    gotname ? gotname : "none");
		if (fs.n > 0) {
			char buf[256];
			strbuf_addf(&why, " (losing %s", vdm_component_name(f, fs.ids[0], buf,
									  sizeof buf));
			if (fs.n > 1)
				strbuf_addf(&why, " and %s", vdm_component_name(f, fs.ids[1], buf,
										sizeof buf));
			strbuf_adds(&why, " loses every copy)");
		}
		/* a copy that counts for nothing says why (a server died during the run) */
		for (size_t c = 0; c < lv->n_copies; c++) {
			char buf[256];
			const char *t = vdm_copy_state_text(inv, pi, vi, li, c, buf, sizeof buf);
			if (*t)
				strbuf_addf(&why, ", copy %zu %s", c + 1, t);
		}
	}
	vdm_faults_free(f);
	int rc = 0;
	if (bad)
		rc = vdm_err_exit(err, -EDOM, VDM_EXIT_UNPROTECTED,
				  "verify: %d LV%s below level %s: %s", bad, bad > 1 ? "s" : "",
				  vdm_level_name(plan->level), why.s);
	strbuf_free(&why);
	return rc;
}
