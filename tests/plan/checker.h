/* checker.h: an independent judge of plans, written from formats.md alone (it does not call
 * src/plan or protect.c): parses the inventory and the plan JSON itself with jansson. */
#ifndef VDM_TEST_CHECKER_H
#define VDM_TEST_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct chk_request {
	const char *partition, *vg;
	const char *const *lvs;   /* NULL/0: every LV */
	size_t n_lvs;
	int copies;
	int level;                /* 0 device .. 4 site */
	bool no_reuse;
};

/* Returns NULL when the plan obeys every rule of formats.md for this inventory and request,
 * else a malloc'ed description of the first broken rule. */
char *chk_plan(const json_t *inv, const json_t *plan, const struct chk_request *req);

/* Exhaustive search for small inventories: each missing copy goes whole onto one existing PV
 * or onto the one new disk of a pool. Returns true if some assignment is a valid plan at the
 * level; *best_reuse_mib / *best_disks get the best (most reuse, then fewest disks) found.
 * *too_big is set (and false returned) when the search space is over `limit` assignments. */
bool chk_brute(const json_t *inv, const struct chk_request *req, int level, long limit,
	       long long *best_reuse_mib, int *best_disks, bool *too_big);

/* Protection level (-1 none .. 4 site) of an LV of the inventory, as it is today. */
int chk_lv_protection(const json_t *inv, const char *partition, const char *vg, const char *lv);

/* Repair plans (vdm_plan_repair with no wait): the LV of the request that has no copy in sync
 * (the request must fail), or NULL. */
const char *chk_repair_unfixable(const json_t *inv, const struct chk_request *req);
/* The inventory a repair is a mirror plan of: requested LVs keep their copies in sync and
 * stale ones only, missing disks, disks behind unreachable servers and unreachable pools offer
 * no room. The caller decrefs it. chk_brute on it confirms a repair's "no plan". */
json_t *chk_repair_world(const json_t *inv, const struct chk_request *req);
/* NULL when the repair plan obeys formats.md (resync, drop, remove_pvs, delete_later, and its
 * placement judged by chk_plan on chk_repair_world), else the first broken rule. */
char *chk_repair_plan(const json_t *inv, const json_t *plan, const struct chk_request *req);

#endif
