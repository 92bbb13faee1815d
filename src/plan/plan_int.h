/* plan_int.h: the planner's private types and the functions its files share (src/plan only).
 * plan.c checks a request and drives the levels; each other file is one concern. */
#ifndef VDM_PLAN_INT_H
#define VDM_PLAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vdmirror/plan.h"
#include "vdmirror/protect.h"
#include "vdmirror/util.h"

/* Utilization caps are in parts per million of a pool's size. */
#define PLAN_PPM 1000000

/* formats.md: 2 or 3 copies. An LV being planned has at least one, so at most two are new;
 * per LV a try keeps copies - 1 slots, slot k holding the copy of round k + 1. */
#define PLAN_MAX_COPIES 3

/* Where extents go: a placement id is either a disk index of the partition (an existing PV)
 * or n_disks + pool index (the new disk of that pool: all new disks of a pool are alike for
 * validity, so one id stands for it). */
struct plan_seg { int id; int64_t ext; };
/* The segments of one new copy. Most copies have one: it is kept inline (v == &one), so that
 * a try over 200 000 LVs does not make 200 000 small allocations. Never moved once used
 * (v may point into the struct); plan_add_seg() adds, plan_seg_free() frees. */
typedef struct { struct plan_seg *v; size_t n, cap; struct plan_seg one; } seg_vec;

/* Which rounds may reuse free extents of existing PVs. With 3 copies and 1 existing, the
 * second copy reusing a PV can take what the third needed, so "only the last round" is tried
 * too. */
enum plan_reuse {
	PLAN_REUSE_ALL,
	PLAN_REUSE_LAST_ROUND,    /* only in the round that gives the LV its last copy */
	PLAN_REUSE_NONE,
};

/* First element of a group's key: where the copies being judged stand. Why copies of one LV
 * are placed in rounds: with 3 copies and 1 existing, the second copy is placed (for every LV)
 * before the third, which is judged against both. */
enum plan_stage {
	PLAN_STAGE_EARLY = 0,     /* a new copy is judged that is not the LV's last */
	PLAN_STAGE_LAST = 1,      /* the new copy judged is the LV's last */
	PLAN_STAGE_DONE = 2,      /* every copy placed: the key is the final layout */
};

/* Interns int-array keys as dense ids 0, 1, ... (an open-addressing hash table). */
struct plan_intern {
	VEC(int) keys;                          /* every key, back to back */
	VEC(size_t) start;                      /* id -> offset in keys; start.v[n] = end */
	int *tab; size_t cap;                   /* id + 1, 0 = empty */
};
/* Returns the key's id; *is_new tells whether it was added now. */
int plan_intern(struct plan_intern *t, const int *key, size_t n, bool *is_new);
void plan_intern_free(struct plan_intern *t);

/* Which pools and PVs are valid for a layout. Depends only on the failure profiles of the
 * layout's disks (and the stage), so groups whose disks differ but whose profiles are the
 * same (every disk of one pool on one server) share one: a fleet has thousands of PV layouts
 * but a handful of profiles, and a validity costs a pass over every pool. */
struct plan_valid {
	unsigned char *pool_ok;                 /* n_pools */
	int *valid_pools; size_t n_valid_pools;
	int *invalid_pools; size_t n_invalid_pools;   /* the others that can hold an extent:
						 shorter when most are valid */
	int *valid_pvs; size_t n_valid_pvs;
};

/* Copies of LVs that share the same disks, copy by copy, are judged once: a group. */
struct plan_group {
	int *key; size_t nkey;                  /* stage, then per copy: count, sorted ids */
	uint64_t hash;
	int idx;                                /* in ctx->groups */
	bool prot_known;                        /* prot computed (final layouts only) */
	enum vdm_level prot;                    /* protection of these copies */
	int witness;                            /* last candidate that left room for a last copy */
	const struct vdm_profile ***copies;     /* profiles per copy */
	size_t *ncopy;                          /* disks per copy */
	size_t n_copies;
	bool final;                             /* the LV reaches its copy count in this round */
	bool valid_done;
	/* from the plan_valid of its profiles (owned there) */
	const unsigned char *pool_ok;
	const int *valid_pools; size_t n_valid_pools;
	const int *invalid_pools; size_t n_invalid_pools;
	const int *valid_pvs; size_t n_valid_pvs;
};

struct plan_lv {
	int lv;
	int m;                    /* missing copies */
	int64_t need;             /* extents each new copy needs: extents + copy_meta_extents */
	int *base_ids;            /* existing copies as canonical key fragment */
	size_t n_base;
	int rmeta_pv;             /* PV reserving copy_meta_extents for the first mirror, -1 */
};

/* Repair: what becomes of each copy of a requested LV (indexes into its copies). */
struct plan_fix {
	VEC(int) keep;            /* in sync or stale: stays, judged with the new copies */
	VEC(int) resync, drop, waiting;
	int n_sync;               /* copies in sync now */
	int64_t wait_s;           /* longest wait left for a waiting copy */
};

struct plan_ctx {
	const struct vdm_inventory *inv;
	bool repair;              /* vdm_plan_repair(): fix[] says what each copy becomes */
	int64_t now;
	struct plan_fix *fix;     /* per VG LV (repair only) */
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
	int *prof_class;          /* per placement id: equal failure profiles, equal class */
	struct plan_intern valid_keys;           /* layouts by profile class -> valids index */
	VEC(struct plan_valid) valids;
	/* round 1 does not depend on the try: its groups and LV order are kept */
	int *r1_group;
	size_t *r1_order, r1_n;
	/* round 1's reuse at the full utilization cap, per reuse mode: the balance search
	 * keeps it (it must not reuse less) instead of recomputing it for every cap */
	bool r1_kept;
	enum plan_reuse r1_mode;
	int64_t *r1_pv_free, *r1_remaining;
	seg_vec *r1_segs;
	/* candidates the look-ahead of 3 copies tries: pools (index) and PVs (n_pools + index)
	 * spread over sites, frames and servers */
	int *diverse;
	size_t n_diverse;
	unsigned char *pool_private;  /* devices shared with no other pool, no disk in the pool */
	/* per-LV arrays of the last freed try, for the next (plan_search.c) */
	seg_vec *spare_copies;
	int64_t *spare_remaining;
	int *spare_lv_group;
};

/* One attempt at a level, reuse mode and utilization cap. */
struct plan_try {
	enum plan_reuse reuse_mode;
	int64_t cap_ppm;          /* PLAN_PPM: only reserve_pct limits */
	int64_t *pv_free;
	int64_t *pool_used;       /* extents placed on the new disk of each pool, -1 = no disk */
	int64_t *pool_cap;        /* extents a new disk in the pool may hold under this try */
	seg_vec *copies;          /* per plan_lv: n_slots slots, see plan_new_copy() */
	size_t n_slots;           /* new copies an LV may get: copies - 1 */
	int64_t *remaining;       /* per plan_lv, current round */
	int *lv_group;
	/* failure */
	bool failed;
	int fail_lv;              /* index into ctx->lvs */
	int fail_group;
	int64_t fail_remaining;
	char fail_msg[1024];
};

/* The goals of formats.md in their order: most reuse, then fewest new disks, then least new
 * space. THE comparison of two placements; every ranking of whole plans goes through it. */
struct plan_score { int64_t reuse; int disks; int64_t new_mib; };
bool plan_score_better(const struct plan_score *a, const struct plan_score *b);

/* ---- small shared helpers ----------------------------------------------------------- */

static inline int64_t plan_round_up(int64_t v, int64_t unit)
{
	return unit <= 1 ? v : (v + unit - 1) / unit * unit;
}
static inline int64_t plan_round_down(int64_t v, int64_t unit)
{
	return unit <= 1 ? v : v / unit * unit;
}

static inline int plan_pool_id(const struct plan_ctx *c, int pool) { return c->n_disks + pool; }
static inline bool plan_id_is_pool(const struct plan_ctx *c, int id) { return id >= c->n_disks; }
static inline int plan_id_pool(const struct plan_ctx *c, int id) { return id - c->n_disks; }

static inline const struct vdm_profile *plan_profile(const struct plan_ctx *c, int id)
{
	if (!plan_id_is_pool(c, id))
		return vdm_faults_disk(c->f, c->pi, id);
	return &c->pool_prof[plan_id_pool(c, id)];
}

/* The new copy of plan LV l placed in round k + 1. */
static inline seg_vec *plan_new_copy(const struct plan_try *t, size_t l, int k)
{
	return &t->copies[l * t->n_slots + (size_t)k];
}

int plan_cmp_int(const void *a, const void *b);

/* ---- groups (plan_group.c) ---------------------------------------------------------- */

/* Group of plan LV l in round r (1-based) of try t; r = m + 1 gives the final layout. May
 * grow c->groups. */
int plan_lv_group(struct plan_ctx *c, struct plan_try *t, size_t l, int r);
/* Fills the group's valid pools and PVs (once). */
void plan_group_validity(struct plan_ctx *c, struct plan_group *g);
/* Protection of a final layout, computed once per group. */
enum vdm_level plan_group_protection(struct plan_ctx *c, struct plan_group *g);
/* The group of a key built by the caller (stage, then per copy: count, sorted ids). */
int plan_group_of_key(struct plan_ctx *c, const int *key, size_t n);
/* Frees every group (they depend on the level). */
void plan_groups_clear(struct plan_ctx *c);

/* ---- max flow (plan_flow.c) --------------------------------------------------------- */

struct plan_edge { int to; int64_t cap; };
struct plan_flow {
	VEC(struct plan_edge) e;       /* edge i and i^1 are a pair */
	VEC(int) *adj;                 /* per node: edge indices */
	int n;
	int *level, *it;
};
void plan_flow_init(struct plan_flow *fl, int n);
/* Adds n nodes (numbered from the old count, returned); edges and flow are kept. */
int plan_flow_grow(struct plan_flow *fl, int n);
/* Returns the edge id; its flow is later the reverse capacity, e[id ^ 1].cap. */
int plan_flow_add(struct plan_flow *fl, int a, int b, int64_t cap);
void plan_flow_run(struct plan_flow *fl, int s, int t);
void plan_flow_free(struct plan_flow *fl);

/* ---- reuse and new disks (plan_reuse.c, plan_disks.c) ------------------------------- */

void plan_reuse(struct plan_ctx *c, struct plan_try *t, int r, const size_t *order, size_t n);
bool plan_new_disks(struct plan_ctx *c, struct plan_try *t, int r, const size_t *order, size_t n);
/* Size in MiB of a new disk holding n extents in pool p. */
int64_t plan_disk_size(const struct plan_ctx *c, int p, int64_t n);
void plan_add_seg(seg_vec *sv, int id, int64_t ext);
void plan_seg_free(seg_vec *sv);
/* dst becomes a copy of src (dst's segments are freed first). */
void plan_seg_copy(seg_vec *dst, const seg_vec *src);

/* ---- tries and the search at one level (plan_search.c) ------------------------------ */

void plan_try_init(struct plan_ctx *c, struct plan_try *t, enum plan_reuse mode, int64_t cap_ppm);
/* Frees a try; its per-LV arrays are kept in the context for the next plan_try_init(). */
void plan_try_free(struct plan_ctx *c, struct plan_try *t);
void plan_try_spare_free(struct plan_ctx *c);
void plan_try_score(const struct plan_ctx *c, const struct plan_try *t, struct plan_score *s);
/* The score of a placement given by its PVs' free extents and its pools' used extents. */
void plan_score_of(const struct plan_ctx *c, const int64_t *pv_free, const int64_t *pool_used,
		   struct plan_score *s);
/* Plans at c->level; true and *best filled when a placement exists. msg (may be NULL)
 * receives why not. */
bool plan_at_level(struct plan_ctx *c, struct plan_try *best, char *msg, size_t msize);
/* Frees the per-level state: groups, round 1's order and kept reuse. */
void plan_reset_level(struct plan_ctx *c);

/* ---- exhaustive search for small requests (plan_exhaustive.c) ------------------------ */

#define PLAN_EX_BUDGET 400000
bool plan_exhaustive(struct plan_ctx *c, struct plan_try *t, long budget);

/* ---- failure messages (plan_explain.c) ---------------------------------------------- */

void plan_fail_message(struct plan_ctx *c, struct plan_try *t, char *buf, size_t size);

/* ---- new-disk names (plan_names.c) ------------------------------------------------ */

/* Names the new disks of partition pi's VG vg, one per pools[i] (in that order), as
 * plan_names.c describes: names[i] are the caller's to free. Returns 0, or -EINVAL (exit 1)
 * when a server's max_name leaves no room for a name. */
int plan_name_new_disks(const struct vdm_inventory *inv, int pi, const char *vg,
			const int *pools, size_t n, char **names, struct vdm_error *err);

/* ---- the plan document (plan_build.c) ----------------------------------------------- */

/* Returns 0 and *out, or -EOVERFLOW (exit 1) when the plan's totals do not fit in 64 bits. */
int plan_build(struct plan_ctx *c, struct plan_try *t, struct vdm_plan **out,
	       struct vdm_error *err);

#endif
