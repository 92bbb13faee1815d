/* test_repair.c: unit tests of vdm_plan_repair (formats.md, "Failed, stale and unreachable
 * parts"): missing disks, stale copies, unreachable servers and pools, waiting for a disk to
 * return, LVs without a copy in sync. Every plan is also judged by the independent checker.
 * Inventories are written with ' for " to keep them readable here. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vdmirror/apply.h"
#include "vdmirror/model.h"
#include "vdmirror/plan.h"
#include "vdmirror/protect.h"
#include "checker.h"

#define NOW 1796042400   /* 2026-11-30T12:40:00Z */

struct rcase {
	json_t *root;
	struct vdm_inventory *inv;
	struct vdm_plan *plan;
	struct vdm_noplan np;
	struct vdm_error err;
};

static char *unquote(const char *s)
{
	char *t = strdup(s);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static void rc_load(struct rcase *rc, const char *text)
{
	memset(rc, 0, sizeof *rc);
	char *t = unquote(text);
	json_error_t je;
	rc->root = json_loads(t, 0, &je);
	if (!rc->root)
		fail_msg("test inventory: %s: %s", je.text, t);
	free(t);
	if (vdm_inventory_parse_json(rc->root, "test", &rc->inv, &rc->err) != 0)
		fail_msg("test inventory rejected: %s", rc->err.msg);
}

/* Repairs (all LVs or lvs), and when a plan comes out, judges it with the checker (no wait). */
static int rc_repair(struct rcase *rc, const char *const *lvs, size_t n, int64_t wait_s)
{
	struct vdm_request req = { .partition = "lpar1", .vg = "vg", .lvs = lvs, .n_lvs = n,
				   .copies = 2, .level = VDM_LEVEL_SERVER, .wait_for_return_s = wait_s };
	vdm_plan_free(rc->plan);
	rc->plan = NULL;
	int r = vdm_plan_repair(rc->inv, &req, NOW, &rc->plan, &rc->np, &rc->err);
	if (r == 0 && wait_s == 0) {
		struct chk_request creq = { .partition = "lpar1", .vg = "vg", .lvs = lvs, .n_lvs = n,
					    .copies = 2, .level = VDM_LEVEL_SERVER };
		json_t *pj = vdm_plan_to_json(rc->plan);
		char *why = chk_repair_plan(rc->root, pj, &creq);
		if (why) {
			char *t = json_dumps(pj, JSON_COMPACT);
			fail_msg("checker: %s\nplan: %s", why, t);
		}
		json_decref(pj);
	}
	return r;
}

static void rc_free(struct rcase *rc)
{
	vdm_plan_free(rc->plan);
	vdm_inventory_free(rc->inv);
	json_decref(rc->root);
}

static const struct vdm_plan_lv *rc_lv(const struct rcase *rc, const char *name)
{
	for (size_t i = 0; i < rc->plan->n_lvs; i++)
		if (!strcmp(rc->plan->lvs[i].name, name))
			return &rc->plan->lvs[i];
	fail_msg("lv %s not in the plan", name);
	return NULL;
}

/* vios1, vios2, vios3 on one frame; lpar1's vg mirrored on d1 (vios1) and d2 (vios2). */
#define HEAD(s1state, p3state) "{'version':1,'servers':[{'name':'vios1'" s1state "},{'name':'vios2'}," \
	"{'name':'vios3'}],'pools':[" \
	"{'name':'vios1/sp','server':'vios1','size_mib':100000,'free_mib':50000" s1state "}," \
	"{'name':'vios2/sp','server':'vios2','size_mib':100000,'free_mib':50000}," \
	"{'name':'vios3/sp','server':'vios3','size_mib':100000,'free_mib':50000" p3state "}],"
#define DOWN ",'state':'unreachable'"
#define DISKS(d1state) "'partitions':[{'name':'lpar1','disks':[" \
	"{'name':'d1','size_mib':10000,'pool':'vios1/sp','paths':['vios1']" d1state "}," \
	"{'name':'d2','size_mib':10000,'pool':'vios2/sp','paths':['vios2']}," \
	"{'name':'d4','size_mib':10000,'pool':'vios1/sp','paths':['vios1']" d1state "}],"
#define VG(lvs) "'vgs':[{'name':'vg','extent_mib':32,'pv_overhead_mib':4,'pvs':[" \
	"{'disk':'d1','total_extents':300,'free_extents':100}," \
	"{'disk':'d2','total_extents':300,'free_extents':100}," \
	"{'disk':'d4','total_extents':300,'free_extents':300}],'lvs':[" lvs "]}]}]}"
#define MIRRORED(name, ext) "{'name':'" name "','extents':" #ext ",'copies':[[{'pv':'d1','extents':" \
	#ext "}],[{'pv':'d2','extents':" #ext "}]]"

/* vios1 is gone with d1 and d4: the copies on d1 are dropped and replaced on vios3 (never on
 * vios2 beside the survivor, never on vios1's free extents); d1 and d4 leave the VG and wait
 * for vios1 to be deleted. */
static void test_lost_server(void **state)
{
	struct rcase rc;
	rc_load(&rc, HEAD(DOWN, "") DISKS(",'state':'missing','missing_since':'2026-11-30T10:00:00Z'")
		VG(MIRRORED("a", 100) "}," MIRRORED("b", 50) "}"));
	assert_int_equal(rc_repair(&rc, NULL, 0, 0), 0);
	assert_int_equal(rc.plan->n_new_disks, 1);
	assert_string_equal(rc.plan->new_disks[0].pool, "vios3/sp");
	const struct vdm_plan_lv *a = rc_lv(&rc, "a");
	assert_int_equal(a->n_drop, 1);
	assert_int_equal(a->drop[0], 0);
	assert_int_equal(a->n_new_copies, 1);
	assert_int_equal(a->protection, VDM_LEVEL_SERVER);
	assert_int_equal(rc.plan->n_remove_pvs, 2);
	assert_string_equal(rc.plan->remove_pvs[0], "d1");
	assert_string_equal(rc.plan->remove_pvs[1], "d4");
	assert_int_equal(rc.plan->n_delete_later, 2);
	assert_string_equal(rc.plan->delete_later[0].server, "vios1");
	/* the stale-plan check of apply takes the repair plan on the same inventory */
	if (vdm_plan_check_live(rc.inv, rc.plan, &rc.err) != 0)
		fail_msg("check_live: %s", rc.err.msg);
	/* vdmirror check sees the same: a lost copy protects nothing */
	struct vdm_faults *f = vdm_faults_new(rc.inv);
	assert_int_equal(vdm_lv_protection(f, 0, 0, 0, NULL), VDM_LEVEL_NONE);
	char buf[256];
	assert_non_null(strstr(vdm_copy_state_text(rc.inv, 0, 0, 0, 0, buf, sizeof buf),
			       "server vios1 unreachable"));
	vdm_faults_free(f);
	rc_free(&rc);
}

/* A stale copy on present disks is resynced in place: no new disk, exact protection. */
static void test_stale_resynced(void **state)
{
	struct rcase rc;
	rc_load(&rc, HEAD("", "") DISKS("") VG(MIRRORED("a", 100) ",'stale':[1]}"));
	assert_int_equal(rc_repair(&rc, NULL, 0, 0), 0);
	assert_int_equal(rc.plan->n_new_disks, 0);
	const struct vdm_plan_lv *a = rc_lv(&rc, "a");
	assert_int_equal(a->n_resync, 1);
	assert_int_equal(a->resync[0], 1);
	assert_int_equal(a->n_drop, 0);
	assert_int_equal(a->n_new_copies, 0);
	assert_int_equal(a->protection, VDM_LEVEL_SERVER);
	assert_int_equal(rc.plan->n_remove_pvs, 0);
	rc_free(&rc);
}

/* vdmirror check's words for a stale copy: its resync progress when the inventory knows it
 * (lvs[].resync_percent), else that it needs one; the copy protects nothing either way. */
static void test_stale_text(void **state)
{
	struct rcase rc;
	char buf[256];
	rc_load(&rc, HEAD("", "") DISKS("") VG(MIRRORED("a", 100) ",'stale':[1],'resync_percent':[42]},"
		MIRRORED("b", 50) ",'stale':[1],'resync_percent':[null]}," MIRRORED("c", 50) ",'stale':[1]}"));
	assert_string_equal(vdm_copy_state_text(rc.inv, 0, 0, 0, 1, buf, sizeof buf),
			    "stale: resyncing 42 %");
	assert_string_equal(vdm_copy_state_text(rc.inv, 0, 0, 0, 0, buf, sizeof buf), "");
	assert_string_equal(vdm_copy_state_text(rc.inv, 0, 0, 1, 1, buf, sizeof buf),
			    "stale: out of date, resync needed");
	assert_string_equal(vdm_copy_state_text(rc.inv, 0, 0, 2, 1, buf, sizeof buf),
			    "stale: out of date, resync needed");
	struct vdm_faults *f = vdm_faults_new(rc.inv);
	assert_int_equal(vdm_lv_protection(f, 0, 0, 0, NULL), VDM_LEVEL_NONE);
	vdm_faults_free(f);
	/* resyncing is still stale: resynced in place, not replaced */
	assert_int_equal(rc_repair(&rc, NULL, 0, 0), 0);
	assert_int_equal(rc.plan->n_new_disks, 0);
	assert_int_equal(rc_lv(&rc, "a")->n_resync, 1);
	rc_free(&rc);
}

/* vios3's pool is unreachable (its server answers): with vios1 gone there is no place left
 * outside vios2: exit 2 naming the LV, nothing planned on vios3. */
static void test_unreachable_pool(void **state)
{
	struct rcase rc;
	rc_load(&rc, HEAD(DOWN, DOWN) DISKS(",'state':'missing'") VG(MIRRORED("a", 100) "}"));
	assert_int_equal(rc_repair(&rc, NULL, 0, 0), -ENOSPC);
	assert_null(rc.plan);
	assert_int_equal(rc.err.exit_code, 2);
	assert_non_null(strstr(rc.np.message, "lv a"));
	assert_non_null(strstr(rc.np.message, "server vios2"));
	rc_free(&rc);
}

/* A disk missing for less than --wait-for-return: its copy waits, nothing is replaced yet. */
static void test_wait_for_return(void **state)
{
	struct rcase rc;
	rc_load(&rc, HEAD(DOWN, "") DISKS(",'state':'missing','missing_since':'2026-11-30T12:35:00Z'")
		VG(MIRRORED("a", 100) "}"));
	assert_int_equal(rc_repair(&rc, NULL, 0, 600), 0);
	const struct vdm_plan_lv *a = rc_lv(&rc, "a");
	assert_int_equal(a->n_waiting, 1);
	assert_int_equal(a->n_drop, 0);
	assert_int_equal(a->n_new_copies, 0);
	assert_int_equal(a->protection, VDM_LEVEL_NONE);   /* the waiting copy counts as nothing */
	assert_int_equal(rc.plan->n_new_disks, 0);
	assert_int_equal(rc.plan->wait_s, 300);
	/* d1 still holds the waiting copy: only the empty d4 leaves */
	assert_int_equal(rc.plan->n_remove_pvs, 1);
	assert_string_equal(rc.plan->remove_pvs[0], "d4");
	/* once the wait is over, it is replaced */
	assert_int_equal(rc_repair(&rc, NULL, 0, 120), 0);
	assert_int_equal(rc_lv(&rc, "a")->n_drop, 1);
	assert_int_equal(rc.plan->n_new_disks, 1);
	rc_free(&rc);
}

/* An LV with no copy in sync cannot be repaired: exit 2 naming it; --lv leaves it out and
 * its disk stays out of remove_pvs. */
static void test_no_copy_in_sync(void **state)
{
	struct rcase rc;
	rc_load(&rc, HEAD(DOWN, "") DISKS(",'state':'missing'")
		VG(MIRRORED("a", 100) "},{'name':'b','extents':10,'copies':[[{'pv':'d4','extents':10}]]}"));
	assert_int_equal(rc_repair(&rc, NULL, 0, 0), -ENOSPC);
	assert_non_null(strstr(rc.err.msg, "lv b"));
	assert_non_null(strstr(rc.err.msg, "no copy in sync"));
	const char *only[] = { "a" };
	assert_int_equal(rc_repair(&rc, only, 1, 0), 0);
	assert_int_equal(rc.plan->n_remove_pvs, 1);
	assert_string_equal(rc.plan->remove_pvs[0], "d1");
	rc_free(&rc);
}

/* The plan document: repair fields written when not empty, read back to the same bytes. */
static void test_repair_json(void **state)
{
	struct rcase rc;
	rc_load(&rc, HEAD(DOWN, "") DISKS(",'state':'missing'") VG(MIRRORED("a", 100) "}"));
	assert_int_equal(rc_repair(&rc, NULL, 0, 0), 0);
	json_t *j = vdm_plan_to_json(rc.plan);
	assert_non_null(json_object_get(j, "remove_pvs"));
	assert_non_null(json_object_get(j, "delete_later"));
	assert_non_null(json_object_get(json_array_get(json_object_get(j, "lvs"), 0), "drop"));
	char *one = json_dumps(j, JSON_COMPACT);
	struct vdm_plan *back = NULL;
	assert_int_equal(vdm_plan_from_json(j, "plan.json", &back, &rc.err), 0);
	json_t *j2 = vdm_plan_to_json(back);
	char *two = json_dumps(j2, JSON_COMPACT);
	assert_string_equal(one, two);
	free(one);
	free(two);
	json_decref(j);
	json_decref(j2);
	vdm_plan_free(back);
	rc_free(&rc);
}

/* More copies in sync than asked (a repair never drops a copy in sync): only the lost one
 * goes, and the protection of all five kept copies is judged by the usual rule, which asks
 * five copies to survive any four failures: vios2 and vios3 failing kill them all, so none
 * (the checker agrees). */
static void test_many_copies_kept(void **state)
{
	struct rcase rc;
	rc_load(&rc, HEAD(DOWN, "") "'partitions':[{'name':'lpar1','disks':["
		"{'name':'d1','size_mib':10000,'pool':'vios1/sp','paths':['vios1'],'state':'missing'},"
		"{'name':'d2','size_mib':10000,'pool':'vios2/sp','paths':['vios2']},"
		"{'name':'d3','size_mib':10000,'pool':'vios3/sp','paths':['vios3']},"
		"{'name':'d5','size_mib':10000,'pool':'vios2/sp','paths':['vios2']},"
		"{'name':'d6','size_mib':10000,'pool':'vios3/sp','paths':['vios3']},"
		"{'name':'d7','size_mib':10000,'pool':'vios3/sp','paths':['vios3']}],"
		"'vgs':[{'name':'vg','extent_mib':32,'pvs':["
		"{'disk':'d1','total_extents':300,'free_extents':290},{'disk':'d2','total_extents':300,'free_extents':290},"
		"{'disk':'d3','total_extents':300,'free_extents':290},{'disk':'d5','total_extents':300,'free_extents':290},"
		"{'disk':'d6','total_extents':300,'free_extents':290},{'disk':'d7','total_extents':300,'free_extents':290}],"
		"'lvs':[{'name':'a','extents':10,'copies':[[{'pv':'d1','extents':10}],[{'pv':'d2','extents':10}],"
		"[{'pv':'d3','extents':10}],[{'pv':'d5','extents':10}],[{'pv':'d6','extents':10}],"
		"[{'pv':'d7','extents':10}]]}]}]}]}");
	assert_int_equal(rc_repair(&rc, NULL, 0, 0), 0);
	const struct vdm_plan_lv *a = rc_lv(&rc, "a");
	assert_int_equal(a->n_drop, 1);
	assert_int_equal(a->n_new_copies, 0);
	assert_int_equal(a->protection, VDM_LEVEL_NONE);
	rc_free(&rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_server),
		cmocka_unit_test(test_stale_resynced),
		cmocka_unit_test(test_stale_text),
		cmocka_unit_test(test_unreachable_pool),
		cmocka_unit_test(test_wait_for_return),
		cmocka_unit_test(test_no_copy_in_sync),
		cmocka_unit_test(test_repair_json),
		cmocka_unit_test(test_many_copies_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
