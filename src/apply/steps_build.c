/* steps_build.c: a plan becomes the ordered steps that steps.c runs; pure, no I/O. */
#include <errno.h>
#include <string.h>
#include "vdmirror/apply.h"
#include "vdmirror/util.h"

/* ---- from a plan to steps ---- */

typedef VEC(struct vdm_step) step_vec;

static void steps_push(step_vec *v, enum vdm_step_kind kind, json_t *args)
{
	struct vdm_step s = { 0 };
	s.seq = (int)v->n + 1;
	s.kind = kind;
	s.args = args;
	s.state = VDM_STEP_PLANNED;
	VEC_PUSH(v, s);
}

static json_t *steps_copy_json(const struct vdm_plan_copy *c)
{
	json_t *segs = json_array();
	for (size_t i = 0; i < c->n_segs; i++)
		json_array_append_new(segs, json_pack("{s:s, s:I}", "pv", c->segs[i].pv,
						      "extents", (json_int_t)c->segs[i].extents));
	return segs;
}

/* The disks of copy `c` of inv's LV `lv_name` in plan's VG, each once, as a JSON array of
 * names; NULL when the index or a name does not resolve. */
static json_t *steps_copy_disks(const struct vdm_inventory *inv, const struct vdm_plan *plan,
				const char *lv_name, int c)
{
	int pi = vdm_find_partition(inv, plan->partition);
	int vi = pi < 0 ? -1 : vdm_find_vg(&inv->partitions[pi], plan->vg);
	if (vi < 0)
		return NULL;
	const struct vdm_partition *p = &inv->partitions[pi];
	const struct vdm_vg *vg = &p->vgs[vi];
	int li = vdm_find_lv(vg, lv_name);
	if (li < 0 || c < 0 || (size_t)c >= vg->lvs[li].n_copies)
		return NULL;
	const struct vdm_copy *cp = &vg->lvs[li].copies[c];
	json_t *a = json_array();
	for (size_t s = 0; s < cp->n_segs; s++) {
		int pv = cp->segs[s].pv;
		if (pv < 0 || (size_t)pv >= vg->n_pvs || vg->pvs[pv].disk < 0 ||
		    (size_t)vg->pvs[pv].disk >= p->n_disks) {
			json_decref(a);
			return NULL;
		}
		const char *name = p->disks[vg->pvs[pv].disk].name;
		bool dup = false;
		for (size_t k = 0; k < json_array_size(a); k++)
			dup |= !strcmp(json_string_value(json_array_get(a, k)), name);
		if (!dup)
			json_array_append_new(a, json_string(name));
	}
	return a;
}

/* How many copies the LV has in inv now, lost and stale ones included (what LVM's
 * data_copies and md's raid_disks count); -1 when inv does not know it. */
static int steps_lv_copies(const struct vdm_inventory *inv, const struct vdm_plan *plan,
			   const char *lv_name)
{
	int pi = vdm_find_partition(inv, plan->partition);
	int vi = pi < 0 ? -1 : vdm_find_vg(&inv->partitions[pi], plan->vg);
	int li = vi < 0 ? -1 : vdm_find_lv(&inv->partitions[pi].vgs[vi], lv_name);
	return li < 0 ? -1 : (int)inv->partitions[pi].vgs[vi].lvs[li].n_copies;
}

int vdm_steps_from_repair(const struct vdm_plan *plan, const struct vdm_inventory *inv,
			  const struct vdm_delete_later *deletes, size_t n_deletes,
			  struct vdm_step **out, size_t *n, struct vdm_error *err)
{
	step_vec v = { 0 };
	int64_t new_extents = 0;
	bool repair = plan->n_remove_pvs > 0;

	for (size_t i = 0; i < plan->n_lvs; i++) {
		repair |= plan->lvs[i].n_resync || plan->lvs[i].n_drop || plan->lvs[i].n_waiting;
		for (size_t c = 0; c < plan->lvs[i].n_new_copies; c++)
			for (size_t s = 0; s < plan->lvs[i].new_copies[c].n_segs; s++)
				new_extents += plan->lvs[i].new_copies[c].segs[s].extents;
	}
	if (repair && !inv)
		return vdm_err(err, -EINVAL, "plan %s/%s: a repair plan needs the inventory it was"
			       " made from", plan->partition, plan->vg);
	/* required_mib is the new extents times extent_mib (formats.md), so this is exact. */
	double extent_mib = new_extents > 0 ? (double)plan->required_mib / (double)new_extents : 0;
	bool bad = false;
	json_t *sync_lvs = json_array(), *verify_lvs = json_array();

	/* a stale copy first: it is the cheapest protection back, and it needs no new space */
	for (size_t i = 0; i < plan->n_lvs; i++) {
		const struct vdm_plan_lv *lv = &plan->lvs[i];
		for (size_t r = 0; r < lv->n_resync; r++) {
			json_t *pvs = steps_copy_disks(inv, plan, lv->name, lv->resync[r]);
			bad |= !pvs;
			steps_push(&v, VDM_STEP_RESYNC_COPY, pvs ? json_pack("{s:s, s:o}", "lv",
				   lv->name, "pvs", pvs) : NULL);
		}
	}
	for (size_t i = 0; i < plan->n_new_disks; i++) {
		const struct vdm_plan_disk *d = &plan->new_disks[i];
		steps_push(&v, VDM_STEP_CREATE_DISK, json_pack("{s:s, s:s, s:I}", "disk", d->name,
			   "pool", d->pool, "size_mib", (json_int_t)d->size_mib));
		steps_push(&v, VDM_STEP_MAP_DISK, json_pack("{s:s, s:s}", "disk", d->name,
			   "pool", d->pool));
		steps_push(&v, VDM_STEP_WAIT_DISK, json_pack("{s:s}", "disk", d->name));
		steps_push(&v, VDM_STEP_ADD_PV, json_pack("{s:s}", "disk", d->name));
	}
	bool waits = false;
	for (size_t i = 0; i < plan->n_lvs; i++) {
		const struct vdm_plan_lv *lv = &plan->lvs[i];
		waits |= lv->n_waiting > 0;
		/* a waiting LV is not protected yet: the verify would fail on it by design */
		if (!lv->n_waiting)
			json_array_append_new(verify_lvs, json_string(lv->name));
		/* copies now (lost and stale included); a mirror plan: what the LV has */
		int cur = repair ? steps_lv_copies(inv, plan, lv->name)
				 : plan->copies - (int)lv->n_new_copies;
		bad |= cur < 1;
		size_t c = 0;
		int64_t ext = 0;
		for (size_t d = 0; d < lv->n_drop; d++) {
			json_t *lost = steps_copy_disks(inv, plan, lv->name, lv->drop[d]);
			bad |= !lost;
			if (c < lv->n_new_copies) {
				const struct vdm_plan_copy *nc = &lv->new_copies[c++];
				for (size_t s = 0; s < nc->n_segs; s++)
					ext += nc->segs[s].extents;
				steps_push(&v, VDM_STEP_REPLACE_COPY, lost ? json_pack("{s:s, s:i, s:o, "
					   "s:o}", "lv", lv->name, "copies", cur, "lost", lost,
					   "segments", steps_copy_json(nc)) : NULL);
			} else {
				cur--;
				steps_push(&v, VDM_STEP_DROP_COPY, lost ? json_pack("{s:s, s:i, s:o}",
					   "lv", lv->name, "copies", cur, "lost", lost) : NULL);
			}
		}
		for (; c < lv->n_new_copies; c++) {
			cur++;
			steps_push(&v, VDM_STEP_ADD_COPY, json_pack("{s:s, s:i, s:o}", "lv", lv->name,
				   "copies", cur, "segments", steps_copy_json(&lv->new_copies[c])));
			for (size_t s = 0; s < lv->new_copies[c].n_segs; s++)
				ext += lv->new_copies[c].segs[s].extents;
		}
		double mib = (double)ext * extent_mib;
		if (lv->n_resync && inv) {
			/* a resync may have to copy the whole LV (LVM without its bitmap) */
			int pi = vdm_find_partition(inv, plan->partition);
			int vi = pi < 0 ? -1 : vdm_find_vg(&inv->partitions[pi], plan->vg);
			const struct vdm_vg *g = vi < 0 ? NULL : &inv->partitions[pi].vgs[vi];
			int li = g ? vdm_find_lv(g, lv->name) : -1;
			if (li >= 0)
				mib += (double)(g->lvs[li].extents * g->extent_mib) * (double)lv->n_resync;
		}
		if (lv->n_new_copies || lv->n_resync)
			json_array_append_new(sync_lvs, json_pack("{s:s, s:f}", "name", lv->name,
								  "mib", mib));
	}
	if (json_array_size(sync_lvs) > 0)
		steps_push(&v, VDM_STEP_WAIT_SYNC, json_pack("{s:o}", "lvs", sync_lvs));
	else
		json_decref(sync_lvs);
	/* vgreduce --removemissing refuses while any LV still sits on a missing PV: with a copy
	 * waiting for its disk, the empty missing PVs wait too */
	if (plan->n_remove_pvs && !waits) {
		json_t *disks = json_array();
		for (size_t i = 0; i < plan->n_remove_pvs; i++)
			json_array_append_new(disks, json_string(plan->remove_pvs[i]));
		steps_push(&v, VDM_STEP_REMOVE_MISSING, json_pack("{s:o}", "disks", disks));
	}
	for (size_t i = 0; i < n_deletes; i++)
		steps_push(&v, VDM_STEP_DELETE_DISK, json_pack("{s:s, s:s, s:s}", "disk",
			   deletes[i].disk, "pool", deletes[i].pool, "server", deletes[i].server));
	/* names as in formats.md; kept here so the engine needs nothing but the plan struct */
	static const char *const level_names[] = { "device", "pool", "server", "frame", "site" };
	const char *level = plan->level >= VDM_LEVEL_DEVICE && plan->level <= VDM_LEVEL_SITE
			    ? level_names[plan->level] : NULL;
	steps_push(&v, VDM_STEP_VERIFY, json_pack("{s:s?, s:i, s:o}", "level", level,
		   "copies", plan->copies, "lvs", verify_lvs));

	for (size_t i = 0; i < v.n; i++)
		bad |= !v.v[i].args;
	if (bad) {
		vdm_steps_free(v.v, v.n);
		return vdm_err(err, -EINVAL, "plan %s/%s: cannot build its steps (bad name, or a copy"
			       " index the inventory does not have)", plan->partition, plan->vg);
	}
	*out = v.v;
	*n = v.n;
	return 0;
}

int vdm_steps_from_plan(const struct vdm_plan *plan, struct vdm_step **out, size_t *n,
			struct vdm_error *err)
{
	return vdm_steps_from_repair(plan, NULL, NULL, 0, out, n, err);
}

void vdm_steps_free(struct vdm_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_decref(steps[i].args);
		json_decref(steps[i].facts);
		free(steps[i].error);
	}
	free(steps);
}
