/* test_plan.c: unit tests of the planner: reuse, rounding, reserve, balance, tiers, three
 * copies, sites, shared LUNs, copy metadata, no-plan messages, determinism, plan JSON. Every
 * plan is also judged by the independent checker (checker.c). Inventories are written with
 * ' for " to keep them readable here. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vdmirror/model.h"
#include "vdmirror/plan.h"
#include "checker.h"

struct tcase {
	json_t *root;
	struct vdm_inventory *inv;
	struct vdm_plan *plan;
	json_t *pj;                 /* the plan as JSON */
	struct vdm_noplan np;
	struct vdm_error err;
	int rc;
};

static char *unquote(const char *s)
{
	char *t = strdup(s);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

/* Servers s1 s2 (s3) on one frame, with pools named by the caller. */
static void tc_load(struct tcase *tc, const char *inv_text)
{
	memset(tc, 0, sizeof *tc);
	char *t = unquote(inv_text);
	json_error_t je;
	tc->root = json_loads(t, 0, &je);
	if (!tc->root)
		fail_msg("test inventory: %s at %d: %s", je.text, je.position, t);
	free(t);
	if (vdm_inventory_parse_json(tc->root, "test", &tc->inv, &tc->err) != 0)
		fail_msg("test inventory rejected: %s", tc->err.msg);
}

static int tc_plan(struct tcase *tc, const char *const *lvs, size_t n_lvs, int copies,
		   enum vdm_level level, bool no_reuse)
{
	struct vdm_request req = { .partition = "p1", .vg = "vg", .lvs = lvs, .n_lvs = n_lvs,
				   .copies = copies, .level = level, .no_reuse = no_reuse };
	vdm_plan_free(tc->plan);
	tc->plan = NULL;
	json_decref(tc->pj);
	tc->pj = NULL;
	tc->rc = vdm_plan_make(tc->inv, &req, &tc->plan, &tc->np, &tc->err);
	if (tc->rc == 0) {
		tc->pj = vdm_plan_to_json(tc->plan);
		struct chk_request creq = { .partition = "p1", .vg = "vg", .lvs = lvs, .n_lvs = n_lvs,
					    .copies = copies, .level = level, .no_reuse = no_reuse };
		char *why = chk_plan(tc->root, tc->pj, &creq);
		if (why) {
			char *s = json_dumps(tc->pj, JSON_COMPACT);
			fail_msg("checker: %s\nplan: %s", why, s);
		}
	}
	return tc->rc;
}

static void tc_free(struct tcase *tc)
{
	vdm_plan_free(tc->plan);
	json_decref(tc->pj);
	vdm_inventory_free(tc->inv);
	json_decref(tc->root);
}

static const struct vdm_plan_lv *tc_lv(const struct tcase *tc, const char *name)
{
	for (size_t i = 0; i < tc->plan->n_lvs; i++)
		if (!strcmp(tc->plan->lvs[i].name, name))
			return &tc->plan->lvs[i];
	fail_msg("lv %s not in the plan", name);
	return NULL;
}

/* The pool that holds the new disk named pv, or the existing PV's name. */
static const char *tc_where(const struct tcase *tc, const char *pv)
{
	for (size_t i = 0; i < tc->plan->n_new_disks; i++)
		if (!strcmp(tc->plan->new_disks[i].name, pv))
			return tc->plan->new_disks[i].pool;
	return pv;
}

#define SERVERS "'servers':[{'name':'s1','frame':'f1'},{'name':'s2','frame':'f1'},{'name':'s3','frame':'f1'}]," \
	"'frames':[{'name':'f1'}],"

/* s1/a holds d1 (the LV); s2 offers pools and maybe an existing PV d2. */
static void test_reuse_valid_free_extents(void **state)
{
	struct tcase tc;
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':5000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']},"
		"{'name':'d2','size_mib':1000,'pool':'s2/b','paths':['s2']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':10},"
		"{'disk':'d2','total_extents':100,'free_extents':60}],"
		"'lvs':[{'name':'lv1','extents':50,'copies':[[{'pv':'d1','extents':50}]]},"
		"{'name':'lv2','extents':40,'copies':[[{'pv':'d1','extents':40}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	/* d2 is half full and on the other server: its 60 free extents are reused */
	assert_int_equal(tc.plan->reused_mib, 600);
	assert_int_equal(tc.plan->required_mib, 900);
	assert_int_equal(tc.plan->n_new_disks, 1);
	assert_string_equal(tc.plan->new_disks[0].pool, "s2/b");
	assert_int_equal(tc.plan->new_disks[0].size_mib, 300);
	/* one of the LVs lives whole on d2 */
	const struct vdm_plan_lv *a = tc_lv(&tc, "lv1"), *b = tc_lv(&tc, "lv2");
	assert_true((a->new_copies[0].n_segs == 1 && !strcmp(a->new_copies[0].segs[0].pv, "d2")) ||
		    (b->new_copies[0].n_segs == 1 && !strcmp(b->new_copies[0].segs[0].pv, "d2")));
	assert_int_equal(a->protection, VDM_LEVEL_SERVER);
	/* --no-reuse: everything on a new disk */
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, true), 0);
	assert_int_equal(tc.plan->reused_mib, 0);
	assert_int_equal(tc.plan->new_mib, 900);
	tc_free(&tc);
}

static void test_no_reuse_on_same_server(void **state)
{
	struct tcase tc;
	/* d2 has room but comes from s1 too (another pool): not valid at level server */
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s1/c','server':'s1','size_mib':10000,'free_mib':9000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':5000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']},"
		"{'name':'d2','size_mib':1000,'pool':'s1/c','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0},"
		"{'disk':'d2','total_extents':100,'free_extents':100}],"
		"'lvs':[{'name':'lv1','extents':50,'copies':[[{'pv':'d1','extents':50}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	assert_int_equal(tc.plan->reused_mib, 0);
	assert_string_equal(tc_where(&tc, tc_lv(&tc, "lv1")->new_copies[0].segs[0].pv), "s2/b");
	/* at level pool the other pool's disk is fine */
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_POOL, false), 0);
	assert_int_equal(tc.plan->reused_mib, 500);
	assert_string_equal(tc_lv(&tc, "lv1")->new_copies[0].segs[0].pv, "d2");
	assert_int_equal(tc_lv(&tc, "lv1")->protection, VDM_LEVEL_POOL);
	tc_free(&tc);
}

static void test_rounding_alloc_and_overhead(void **state)
{
	struct tcase tc;
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':100000,'free_mib':50000},"
		"{'name':'s2/b','server':'s2','size_mib':100000,'free_mib':50000,'alloc_mib':64}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':2000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':32,'pv_overhead_mib':4,"
		"'pvs':[{'disk':'d1','total_extents':62,'free_extents':0}],"
		"'lvs':[{'name':'hd4','extents':40,'copies':[[{'pv':'d1','extents':40}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	/* 4 + 40*32 = 1284 MiB, rounded up to 64: 1344; it holds floor(1340/32) = 41 >= 40 */
	assert_int_equal(tc.plan->n_new_disks, 1);
	assert_int_equal(tc.plan->new_disks[0].size_mib, 1344);
	assert_int_equal(tc.plan->new_mib, 1344);
	assert_int_equal(tc.plan->required_mib, 1280);
	assert_string_equal(tc.plan->new_disks[0].name, "p1-vg-m1");
	assert_int_equal(tc.plan->pools[0].free_mib_after, 50000 - 1344);
	tc_free(&tc);
}

static void test_reserve_respected(void **state)
{
	struct tcase tc;
	/* s2/b: 10% of 10000 must stay free: 1500 free leaves 500 usable; s2/c is fuller in
	 * percent after but the only one with room once the reserve counts */
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':1500,'reserve_pct':10},"
		"{'name':'s2/c','server':'s2','size_mib':1000,'free_mib':700}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':60,'copies':[[{'pv':'d1','extents':60}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	assert_int_equal(tc.plan->n_new_disks, 1);
	assert_string_equal(tc.plan->new_disks[0].pool, "s2/c");
	tc_free(&tc);
	/* and with no pool able to keep its reserve: no plan */
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':1500,'reserve_pct':10}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':60,'copies':[[{'pv':'d1','extents':60}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), -ENOSPC);
	assert_non_null(strstr(tc.np.message, "lv lv1"));
	assert_non_null(strstr(tc.np.message, "500 MiB usable"));
	assert_non_null(strstr(tc.np.message, "600 MiB needed"));
	/* s1/a holds the LV itself: no level at all */
	assert_int_equal(tc.np.best_level, VDM_LEVEL_NONE);
	tc_free(&tc);
}

static void test_fullest_pool_balance(void **state)
{
	struct tcase tc;
	/* two LVs; either pool alone holds both: the one left emptier wins (s2/x is bigger in
	 * free space but fuller in percent after) */
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/x','server':'s2','size_mib':100000,'free_mib':20000},"
		"{'name':'s3/y','server':'s3','size_mib':10000,'free_mib':8000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':60,'copies':[[{'pv':'d1','extents':60}]]},"
		"{'name':'lv2','extents':40,'copies':[[{'pv':'d1','extents':40}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	assert_int_equal(tc.plan->n_new_disks, 1);   /* LVs share one new disk */
	assert_string_equal(tc.plan->new_disks[0].pool, "s3/y");
	assert_int_equal(tc.plan->new_disks[0].size_mib, 1000);
	tc_free(&tc);
}

static void test_tier_tie_break(void **state)
{
	struct tcase tc;
	/* identical pools but tier; the nvme one sorts last by name */
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/a-hdd','server':'s2','size_mib':10000,'free_mib':5000,'tier':'hdd'},"
		"{'name':'s2/b-ssd','server':'s2','size_mib':10000,'free_mib':5000,'tier':'ssd'},"
		"{'name':'s2/c-nvme','server':'s2','size_mib':10000,'free_mib':5000,'tier':'nvme'}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':60,'copies':[[{'pv':'d1','extents':60}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	assert_string_equal(tc.plan->new_disks[0].pool, "s2/c-nvme");
	tc_free(&tc);
}

static void test_three_copies(void **state)
{
	struct tcase tc;
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':5000},"
		"{'name':'s3/c','server':'s3','size_mib':10000,'free_mib':5000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':60,'copies':[[{'pv':'d1','extents':60}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 3, VDM_LEVEL_SERVER, false), 0);
	const struct vdm_plan_lv *l = tc_lv(&tc, "lv1");
	assert_int_equal(l->n_new_copies, 2);
	const char *a = tc_where(&tc, l->new_copies[0].segs[0].pv);
	const char *b = tc_where(&tc, l->new_copies[1].segs[0].pv);
	assert_true((!strcmp(a, "s2/b") && !strcmp(b, "s3/c")) || (!strcmp(a, "s3/c") && !strcmp(b, "s2/b")));
	assert_int_equal(l->protection, VDM_LEVEL_SERVER);
	/* two servers only: three copies at server level are impossible, pool level is not */
	tc_free(&tc);
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/c','server':'s2','size_mib':10000,'free_mib':5000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':60,'copies':[[{'pv':'d1','extents':60}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 3, VDM_LEVEL_SERVER, false), -ENOSPC);
	assert_int_equal(tc.np.best_level, VDM_LEVEL_POOL);
	assert_int_equal(tc_plan(&tc, NULL, 0, 3, VDM_LEVEL_POOL, false), 0);
	tc_free(&tc);
}

static void test_sites(void **state)
{
	struct tcase tc;
	tc_load(&tc, "{'version':1,'sites':[{'name':'dc1'},{'name':'dc2'}],"
		"'frames':[{'name':'f1','site':'dc1'},{'name':'f2','site':'dc1'},{'name':'f3','site':'dc2'}],"
		"'servers':[{'name':'s1','frame':'f1'},{'name':'s2','frame':'f2'},{'name':'s3','frame':'f3'}],"
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':9000,'tier':'nvme'},"
		"{'name':'s3/c','server':'s3','size_mib':10000,'free_mib':2000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':60,'copies':[[{'pv':'d1','extents':60}]]}]}]}]}");
	/* frame level: s2 (other frame, emptier) wins; site level: only s3 is in another site */
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_FRAME, false), 0);
	assert_string_equal(tc.plan->new_disks[0].pool, "s2/b");
	assert_int_equal(tc_lv(&tc, "lv1")->protection, VDM_LEVEL_FRAME);
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SITE, false), 0);
	assert_string_equal(tc.plan->new_disks[0].pool, "s3/c");
	assert_int_equal(tc_lv(&tc, "lv1")->protection, VDM_LEVEL_SITE);
	tc_free(&tc);
}

static void test_shared_lun_refused(void **state)
{
	struct tcase tc;
	/* s2/b looks independent (other server, other name) but lives on the same LUN */
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000,'devices':['lun-7']},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':9000,'devices':['lun-8','lun-7']}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'hd2','extents':60,'copies':[[{'pv':'d1','extents':60}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), -ENOSPC);
	assert_int_equal(tc.np.best_level, VDM_LEVEL_NONE);
	assert_non_null(strstr(tc.np.message, "lv hd2"));
	assert_non_null(strstr(tc.np.message, "server s1"));
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_DEVICE, false), -ENOSPC);
	tc_free(&tc);
	/* a third pool on its own LUN is chosen even though fuller */
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000,'devices':['lun-7']},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':9000,'devices':['lun-8','lun-7']},"
		"{'name':'s2/c','server':'s2','size_mib':10000,'free_mib':1000,'devices':['lun-9']}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'hd2','extents':60,'copies':[[{'pv':'d1','extents':60}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	assert_string_equal(tc.plan->new_disks[0].pool, "s2/c");
	tc_free(&tc);
}

static void test_copy_meta_extents(void **state)
{
	struct tcase tc;
	/* raid1 keeps 1 extent of metadata per copy: the new copy needs 51, and d1 must keep 1
	 * free for the original copy's rmeta; d1 is full: no plan */
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':5000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'copy_meta_extents':1,"
		"'pvs':[{'disk':'d1','total_extents':50,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':50,'copies':[[{'pv':'d1','extents':50}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), -ENOSPC);
	assert_non_null(strstr(tc.np.message, "lv lv1"));
	assert_non_null(strstr(tc.np.message, "metadata"));
	tc_free(&tc);
	/* d1 has 1 free extent: kept for lv1's rmeta, not handed to lv2 (on d2, another server),
	 * whose copy could otherwise have reused it */
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':5000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']},"
		"{'name':'d2','size_mib':1000,'pool':'s2/b','paths':['s2']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'copy_meta_extents':1,"
		"'pvs':[{'disk':'d1','total_extents':50,'free_extents':1},{'disk':'d2','total_extents':50,'free_extents':20}],"
		"'lvs':[{'name':'lv1','extents':49,'copies':[[{'pv':'d1','extents':49}]]},"
		"{'name':'lv2','extents':10,'copies':[[{'pv':'d2','extents':10}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	assert_int_equal(tc.plan->required_mib, (50 + 11) * 10);
	const struct vdm_plan_lv *l2 = tc_lv(&tc, "lv2");
	for (size_t s = 0; s < l2->new_copies[0].n_segs; s++)
		assert_string_not_equal(l2->new_copies[0].segs[s].pv, "d1");
	/* lv1's copy: 50 extents, of which d2 gives what it has beyond lv2's rmeta (20 - 1) */
	assert_int_equal(tc.plan->reused_mib, 190);
	tc_free(&tc);
}

static void test_noplan_message_and_best_level(void **state)
{
	struct tcase tc;
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'vios1/sp','server':'s1','size_mib':100000,'free_mib':50000},"
		"{'name':'vios2/sp','server':'s2','size_mib':100000,'free_mib':3000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':20000,'pool':'vios1/sp','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':32,'pv_overhead_mib':64,"
		"'pvs':[{'disk':'d1','total_extents':600,'free_extents':225}],"
		"'lvs':[{'name':'hd2','extents':375,'copies':[[{'pv':'d1','extents':375}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), -ENOSPC);
	assert_non_null(strstr(tc.np.message, "lv hd2 (12000 MiB) cannot reach level server"));
	assert_non_null(strstr(tc.np.message, "outside server s1"));
	assert_non_null(strstr(tc.np.message, "2912 MiB usable"));
	assert_non_null(strstr(tc.np.message, "12064 MiB needed"));
	assert_int_equal(tc.np.best_level, VDM_LEVEL_NONE);  /* d1 and vios1/sp share a device */
	assert_non_null(strstr(tc.err.msg, "strongest level reachable: none"));
	tc_free(&tc);
}

static void test_determinism_and_json(void **state)
{
	struct tcase tc;
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':10000,'free_mib':5000,'alloc_mib':8},"
		"{'name':'s3/c','server':'s3','size_mib':10000,'free_mib':5000,'alloc_mib':8}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']},"
		"{'name':'p1-vg-m1','size_mib':1000,'pool':'s2/b','paths':['s2']}],"
		"'vgs':[{'name':'vg','extent_mib':4,'pvs':[{'disk':'d1','total_extents':250,'free_extents':10},"
		"{'disk':'p1-vg-m1','total_extents':250,'free_extents':5}],"
		"'lvs':[{'name':'a','extents':50,'copies':[[{'pv':'d1','extents':50}]]},"
		"{'name':'b','extents':60,'copies':[[{'pv':'d1','extents':60}]]},"
		"{'name':'c','extents':70,'copies':[[{'pv':'d1','extents':70}],[{'pv':'p1-vg-m1','extents':70}]]},"
		"{'name':'d','extents':5,'copies':[[{'pv':'p1-vg-m1','extents':5}]]}]}]}]}");
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	char *one = json_dumps(tc.pj, JSON_COMPACT);
	assert_int_equal(tc_plan(&tc, NULL, 0, 2, VDM_LEVEL_SERVER, false), 0);
	char *two = json_dumps(tc.pj, JSON_COMPACT);
	assert_string_equal(one, two);
	/* the new disk is not named like the existing p1-vg-m1 */
	for (size_t i = 0; i < tc.plan->n_new_disks; i++)
		assert_string_not_equal(tc.plan->new_disks[i].name, "p1-vg-m1");
	/* c already has two copies: kept, with today's protection */
	const struct vdm_plan_lv *c = tc_lv(&tc, "c");
	assert_int_equal(c->n_new_copies, 0);
	assert_int_equal(c->protection, VDM_LEVEL_SERVER);
	/* the streamed document is the same JSON */
	char *buf = NULL;
	size_t blen = 0;
	FILE *mf = open_memstream(&buf, &blen);
	assert_int_equal(vdm_plan_write(tc.plan, mf), 0);
	fclose(mf);
	json_t *streamed = json_loads(buf, 0, NULL);
	assert_non_null(streamed);
	assert_true(json_equal(streamed, tc.pj));
	json_decref(streamed);
	free(buf);
	/* from_json reads it back to the same bytes; a broken one is named by path */
	struct vdm_plan *back = NULL;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_plan_from_json(tc.pj, "plan.json", &back, &err), 0);
	json_t *bj = vdm_plan_to_json(back);
	char *three = json_dumps(bj, JSON_COMPACT);
	assert_string_equal(one, three);
	vdm_plan_free(back);
	back = NULL;
	json_t *bad = json_deep_copy(tc.pj);
	json_object_set_new(json_array_get(json_object_get(bad, "lvs"), 1), "protection", json_string("rack"));
	assert_int_equal(vdm_plan_from_json(bad, "plan.json", &back, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "plan.json: lvs[1].protection"));
	json_decref(bad);
	json_decref(bj);
	vdm_plan_free(back);
	free(one);
	free(two);
	free(three);
	/* only the LVs asked for appear */
	const char *only[] = { "b" };
	assert_int_equal(tc_plan(&tc, only, 1, 2, VDM_LEVEL_SERVER, false), 0);
	assert_int_equal(tc.plan->n_lvs, 1);
	assert_string_equal(tc.plan->lvs[0].name, "b");
	tc_free(&tc);
}

static void test_bad_requests(void **state)
{
	struct tcase tc;
	tc_load(&tc, "{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000}],"
		"'partitions':[{'name':'p1','disks':[{'name':'d1','size_mib':1000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':100,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':60,'copies':[[{'pv':'d1','extents':60}]]}]}]}]}");
	const char *nolv[] = { "nope" };
	assert_int_equal(tc_plan(&tc, nolv, 1, 2, VDM_LEVEL_SERVER, false), -ENOENT);
	assert_non_null(strstr(tc.err.msg, "nope"));
	assert_int_equal(tc_plan(&tc, NULL, 0, 4, VDM_LEVEL_SERVER, false), -EINVAL);
	struct vdm_request req = { .partition = "p9", .vg = "vg", .copies = 2, .level = VDM_LEVEL_SERVER };
	struct vdm_plan *plan = NULL;
	assert_int_equal(vdm_plan_make(tc.inv, &req, &plan, &tc.np, &tc.err), -ENOENT);
	assert_non_null(strstr(tc.err.msg, "p9"));
	req.partition = "p1";
	req.vg = "vg9";
	assert_int_equal(vdm_plan_make(tc.inv, &req, &plan, &tc.np, &tc.err), -ENOENT);
	assert_null(plan);
	tc_free(&tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse_valid_free_extents),
		cmocka_unit_test(test_no_reuse_on_same_server),
		cmocka_unit_test(test_rounding_alloc_and_overhead),
		cmocka_unit_test(test_reserve_respected),
		cmocka_unit_test(test_fullest_pool_balance),
		cmocka_unit_test(test_tier_tie_break),
		cmocka_unit_test(test_three_copies),
		cmocka_unit_test(test_sites),
		cmocka_unit_test(test_shared_lun_refused),
		cmocka_unit_test(test_copy_meta_extents),
		cmocka_unit_test(test_noplan_message_and_best_level),
		cmocka_unit_test(test_determinism_and_json),
		cmocka_unit_test(test_bad_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
