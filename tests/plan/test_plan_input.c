/* test_plan_input.c: the planner and the plan reader against hostile sizes and documents
 * (issue 9): sums and products that do not fit in 64 bits are bad input, never wrapped
 * numbers; a plan document with a key given twice is refused. Inventories are written with
 * ' for " to keep them readable here. */
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

static char *unquote(const char *s)
{
	char *t = strdup(s);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static struct vdm_inventory *load(const char *text)
{
	char *t = unquote(text);
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	if (vdm_inventory_parse_string(t, strlen(t), "test", &inv, &err) != 0)
		fail_msg("test inventory rejected: %s", err.msg);
	free(t);
	return inv;
}

#define SERVERS "'servers':[{'name':'s1'},{'name':'s2'}],"
#define P62 "4611686018427387904"    /* 2^62 */

/* A 2^62 MiB pool with a 50 % reserve and 1 000 MiB free: nothing may go there. The old code
 * wrapped size * reserve_pct and planned a 2 000 MiB disk, free_mib_after -1000. */
static void test_reserve_of_huge_pool(void **state)
{
	struct vdm_inventory *inv = load("{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/big','server':'s2','size_mib':" P62 ",'free_mib':1000,'reserve_pct':50}],"
		"'partitions':[{'name':'p1','disks':[{'name':'d1','size_mib':3000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':300,'free_extents':100}],"
		"'lvs':[{'name':'lv1','extents':200,'copies':[[{'pv':'d1','extents':200}]]}]}]}]}");
	struct vdm_request req = { .partition = "p1", .vg = "vg", .copies = 2, .level = VDM_LEVEL_SERVER };
	struct vdm_plan *plan = NULL;
	struct vdm_noplan np;
	struct vdm_error err = { 0 };
	int rc = vdm_plan_make(inv, &req, &plan, &np, &err);
	if (rc == 0)
		fail_msg("planned %lld MiB in s2/big, free after %lld", (long long)plan->new_mib,
			 (long long)plan->pools[0].free_mib_after);
	assert_int_equal(rc, -ENOSPC);
	vdm_inventory_free(inv);
}

/* Three LVs of 2^62 MiB each: each fits, their new copies' total (required_mib) does not. */
static void test_required_total_overflows(void **state)
{
	struct vdm_inventory *inv = load("{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':9000000000000000000,'free_mib':0},"
		"{'name':'s2/b','server':'s2','size_mib':9000000000000000000,'free_mib':9000000000000000000}],"
		"'partitions':[{'name':'p1','disks':["
		"{'name':'d1','size_mib':4611686018427387912,'pool':'s1/a','paths':['s1']},"
		"{'name':'d2','size_mib':4611686018427387912,'pool':'s1/a','paths':['s1']},"
		"{'name':'d3','size_mib':4611686018427387912,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':4,'pvs':["
		"{'disk':'d1','total_extents':1152921504606846976,'free_extents':0},"
		"{'disk':'d2','total_extents':1152921504606846976,'free_extents':0},"
		"{'disk':'d3','total_extents':1152921504606846976,'free_extents':0}],"
		"'lvs':[{'name':'lv1','extents':1152921504606846976,'copies':[[{'pv':'d1','extents':1152921504606846976}]]},"
		"{'name':'lv2','extents':1152921504606846976,'copies':[[{'pv':'d2','extents':1152921504606846976}]]},"
		"{'name':'lv3','extents':1152921504606846976,'copies':[[{'pv':'d3','extents':1152921504606846976}]]}]}]}]}");
	struct vdm_request req = { .partition = "p1", .vg = "vg", .copies = 2, .level = VDM_LEVEL_SERVER };
	struct vdm_plan *plan = NULL;
	struct vdm_noplan np;
	struct vdm_error err = { 0 };
	int rc = vdm_plan_make(inv, &req, &plan, &np, &err);
	if (rc == 0)
		fail_msg("planned required_mib %lld new_mib %lld", (long long)plan->required_mib,
			 (long long)plan->new_mib);
	assert_int_equal(rc, -EOVERFLOW);
	assert_int_equal(err.exit_code, VDM_EXIT_INPUT);
	assert_non_null(strstr(err.msg, "64 bits"));
	vdm_inventory_free(inv);
}

#define PLAN_HEAD "{'version':1,'partition':'p1','vg':'vg','copies':2,'level':'server'," \
	"'required_mib':0,'reused_mib':0,"
#define FOUR_DISKS "'new_disks':[" \
	"{'name':'n1','pool':'s2/b','size_mib':" P62 ",'paths':['s2']}," \
	"{'name':'n2','pool':'s2/b','size_mib':" P62 ",'paths':['s2']}," \
	"{'name':'n3','pool':'s2/b','size_mib':" P62 ",'paths':['s2']}," \
	"{'name':'n4','pool':'s2/b','size_mib':" P62 ",'paths':['s2']}],"

/* Four 2^62 MiB disks and new_mib 0: the sum wraps to 0 in 64 bits. */
static void test_plan_reader_sums(void **state)
{
	char *t = unquote(PLAN_HEAD "'new_mib':0," FOUR_DISKS "'lvs':[],'pools':[]}");
	struct vdm_plan *plan = NULL;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_plan_parse_string(t, strlen(t), "plan.json", &plan, &err), -EINVAL);
	assert_null(plan);
	assert_non_null(strstr(err.msg, "plan.json"));
	free(t);
}

static void test_plan_reader_duplicate_keys(void **state)
{
	char *t = unquote(PLAN_HEAD "'new_mib':0,'new_mib':5,'new_disks':[],'lvs':[],'pools':[]}");
	struct vdm_plan *plan = NULL;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_plan_parse_string(t, strlen(t), "plan.json", &plan, &err), -EINVAL);
	assert_null(plan);
	assert_non_null(strstr(err.msg, "new_mib"));
	free(t);
	/* the same document without the duplicate reads */
	t = unquote(PLAN_HEAD "'new_mib':0,'new_disks':[],'lvs':[],'pools':[]}");
	assert_int_equal(vdm_plan_parse_string(t, strlen(t), "plan.json", &plan, &err), 0);
	vdm_plan_free(plan);
	free(t);
}

/* A plan file that does not exist is named with the cause, as the inventory reader words it,
 * not as jansson's "line -1 column -1: unable to open". */
static void test_plan_reader_missing_file(void **state)
{
	struct vdm_plan *plan = NULL;
	struct vdm_error err = { 0 };
	const char *path = "/nonexistent-vdmirror-dir/plan.json";
	assert_int_equal(vdm_plan_parse_file(path, &plan, &err), -ENOENT);
	assert_null(plan);
	assert_string_equal(err.msg,
			    "/nonexistent-vdmirror-dir/plan.json: cannot open: No such file or directory");
	assert_int_equal(vdm_err_exit_of(&err), VDM_EXIT_INPUT);
}

/* The stale-plan check holds a plan (here made in memory, as a journal could hold one) against
 * the live inventory: four 2^62 MiB disks in one pool do not fit a pool of 2^63 - 1. */
static void test_stale_check_sums(void **state)
{
	struct vdm_inventory *inv = load("{'version':1," SERVERS
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000},"
		"{'name':'s2/b','server':'s2','size_mib':9223372036854775807,'free_mib':9223372036854775807}],"
		"'partitions':[{'name':'p1','disks':[{'name':'d1','size_mib':3000,'pool':'s1/a','paths':['s1']}],"
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':300,'free_extents':100}],"
		"'lvs':[{'name':'lv1','extents':200,'copies':[[{'pv':'d1','extents':200}]]}]}]}]}");
	struct vdm_plan plan = { .partition = "p1", .vg = "vg", .copies = 2,
				 .level = VDM_LEVEL_SERVER };
	struct vdm_plan_disk disks[4];
	char *paths[1] = { "s2" };
	char *names[4] = { "n1", "n2", "n3", "n4" };
	for (int i = 0; i < 4; i++)
		disks[i] = (struct vdm_plan_disk){ .name = names[i], .pool = "s2/b",
						   .size_mib = 4611686018427387904ll,
						   .paths = paths, .n_paths = 1 };
	plan.new_disks = disks;
	plan.n_new_disks = 4;
	struct vdm_error err = { 0 };
	int rc = vdm_plan_check_live(inv, &plan, &err);
	assert_int_equal(rc, -EOVERFLOW);
	assert_int_equal(err.exit_code, VDM_EXIT_INPUT);
	vdm_inventory_free(inv);
}

/* ---- new-disk names (formats.md, "new_disks[].name") ---- */

static struct vdm_plan *plan_of(const struct vdm_inventory *inv, const char *part, const char *vg)
{
	struct vdm_request req = { .partition = part, .vg = vg, .copies = 2, .level = VDM_LEVEL_SERVER };
	struct vdm_plan *plan = NULL;
	struct vdm_noplan np;
	struct vdm_error err = { 0 };
	if (vdm_plan_make(inv, &req, &plan, &np, &err) != 0)
		fail_msg("plan %s/%s: %s", part, vg, err.msg);
	return plan;
}

/* One partition with one VG of one LV on s1's pool, new copies go to s2/b. */
#define ONE_PART(p, vg, disk) \
	"{'name':'" p "','disks':[{'name':'" disk "','size_mib':3000,'pool':'s1/a','paths':['s1']}]," \
	"'vgs':[{'name':'" vg "','extent_mib':10,'pvs':[{'disk':'" disk "','total_extents':300,'free_extents':0}]," \
	"'lvs':[{'name':'lv1','extents':200,'copies':[[{'pv':'" disk "','extents':200}]]}]}]}"
#define POOLS "'pools':[{'name':'s1/a','server':'s1','size_mib':100000,'free_mib':50000}," \
	"{'name':'s2/b','server':'s2','size_mib':100000,'free_mib':50000}],"

/* Partition lp with VG a-b and partition lp-a with VG b both got lp-a-b-m1. */
static void test_names_cannot_collide(void **state)
{
	struct vdm_inventory *inv = load("{'version':1," SERVERS POOLS "'partitions':["
		ONE_PART("lp", "a-b", "d1") "," ONE_PART("lp-a", "b", "d2") "]}");
	struct vdm_plan *x = plan_of(inv, "lp", "a-b"), *y = plan_of(inv, "lp-a", "b");
	assert_int_equal(x->n_new_disks, 1);
	assert_int_equal(y->n_new_disks, 1);
	assert_string_not_equal(x->new_disks[0].name, y->new_disks[0].name);
	assert_true(vdm_name_valid(x->new_disks[0].name));
	assert_true(vdm_name_valid(y->new_disks[0].name));
	/* deterministic: the same request gives the same name */
	struct vdm_plan *x2 = plan_of(inv, "lp", "a-b");
	assert_string_equal(x->new_disks[0].name, x2->new_disks[0].name);
	vdm_plan_free(x);
	vdm_plan_free(x2);
	vdm_plan_free(y);
	vdm_inventory_free(inv);
}

/* A VIOS takes 15 characters: lpar-long1-rootvg-m1 does not fit, lpar1-rootvg-m1 does. */
static void test_names_fit_max_name(void **state)
{
	struct vdm_inventory *inv = load("{'version':1,"
		"'servers':[{'name':'s1','max_name':15},{'name':'s2','max_name':15}]," POOLS
		"'partitions':[" ONE_PART("lpar-long1", "rootvg", "d1") ","
		ONE_PART("lpar1", "rootvg", "d2") "]}");
	struct vdm_plan *x = plan_of(inv, "lpar-long1", "rootvg"), *y = plan_of(inv, "lpar1", "rootvg");
	assert_true(strlen(x->new_disks[0].name) <= 15);
	assert_true(vdm_name_valid(x->new_disks[0].name));
	assert_string_equal(y->new_disks[0].name, "lpar1-rootvg-m1");
	vdm_plan_free(x);
	vdm_plan_free(y);
	/* a limit no name fits is bad input, not a truncated name */
	vdm_inventory_free(inv);
	inv = load("{'version':1,'servers':[{'name':'s1'},{'name':'s2','max_name':5}]," POOLS
		   "'partitions':[" ONE_PART("p1", "vg", "d1") "]}");
	struct vdm_request req = { .partition = "p1", .vg = "vg", .copies = 2, .level = VDM_LEVEL_SERVER };
	struct vdm_plan *plan = NULL;
	struct vdm_noplan np;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_plan_make(inv, &req, &plan, &np, &err), -EINVAL);
	assert_int_equal(err.exit_code, VDM_EXIT_INPUT);
	assert_non_null(strstr(err.msg, "max_name"));
	vdm_inventory_free(inv);
}

/* p1-vg-m1 is taken by a disk of another partition: the plan may not reuse the name. */
static void test_names_already_taken(void **state)
{
	struct vdm_inventory *inv = load("{'version':1," SERVERS POOLS "'partitions':["
		ONE_PART("p1", "vg", "d1") ","
		"{'name':'p2','disks':[{'name':'p1-vg-m1','size_mib':3000,'pool':'s2/b','paths':['s2']},"
		"{'name':'p1-vg-m2','size_mib':3000,'pool':'s2/b','paths':['s2']}],'vgs':[]}]}");
	struct vdm_plan *x = plan_of(inv, "p1", "vg");
	assert_string_equal(x->new_disks[0].name, "p1-vg-m3");
	vdm_plan_free(x);
	vdm_inventory_free(inv);
}

#define REPAIR_BASE "{'version':1,%s," \
		"'pools':[{'name':'s1/a','server':'s1','size_mib':10000,'free_mib':5000%s}]," \
		"'partitions':[{'name':'p1','disks':[{'name':'d1','size_mib':3000,'pool':'s1/a'," \
		"'paths':['s1']%s},{'name':'d2','size_mib':3000,'pool':'s1/a','paths':['s1']}]," \
		"'vgs':[{'name':'vg','extent_mib':10,'pvs':[{'disk':'d1','total_extents':300," \
		"'free_extents':100},{'disk':'d2','total_extents':300,'free_extents':100}]," \
		"'lvs':[{'name':'lv1','extents':200,'copies':[[{'pv':'d1','extents':200}]," \
		"[{'pv':'d2','extents':200}]]%s}]}]}]}"

/* The repair fields of the model: read, checked, written back. */
static void test_repair_fields_read(void **state)
{
	static const char *const cases[][5] = {
		/* servers, pool extra, disk extra, lv extra, error path (NULL: accepted) */
		{ "'servers':[{'name':'s1','state':'unreachable','max_name':15},{'name':'s2'}]",
		  ",'state':'unreachable'", ",'state':'missing','missing_since':'2026-11-30T10:00:00.5Z'",
		  ",'stale':[1]", NULL },
		{ "'servers':[{'name':'s1','state':'down'}]", "", "", "", "servers[0].state" },
		{ "'servers':[{'name':'s1','max_name':0}]", "", "", "", "servers[0].max_name" },
		{ "'servers':[{'name':'s1'}]", ",'state':'gone'", "", "", "pools[0].state" },
		{ "'servers':[{'name':'s1'}]", "", ",'state':'unreachable'", "", "disks[0].state" },
		{ "'servers':[{'name':'s1'}]", "", ",'missing_since':'yesterday'", "", "missing_since" },
		{ "'servers':[{'name':'s1'}]", "", "", ",'stale':[2]", "lvs[0].stale[0]" },
		{ "'servers':[{'name':'s1'}]", "", "", ",'stale':[1,1]", "lvs[0].stale[1]" },
		{ "'servers':[{'name':'s1'}]", "", "", ",'stale':1", "lvs[0].stale" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[4096];
		snprintf(text, sizeof text, REPAIR_BASE, cases[i][0], cases[i][1], cases[i][2], cases[i][3]);
		char *t = unquote(text);
		struct vdm_inventory *inv = NULL;
		struct vdm_error err = { 0 };
		int rc = vdm_inventory_parse_string(t, strlen(t), "inv.json", &inv, &err);
		free(t);
		if (!cases[i][4]) {
			if (rc)
				fail_msg("case %zu rejected: %s", i, err.msg);
			assert_true(inv->servers[0].unreachable);
			assert_int_equal(inv->servers[0].max_name, 15);
			assert_true(inv->pools[0].unreachable);
			assert_true(inv->partitions[0].disks[0].missing);
			assert_int_equal(inv->partitions[0].disks[0].missing_since, 1796032800);
			assert_false(inv->partitions[0].disks[1].missing);
			assert_non_null(inv->partitions[0].vgs[0].lvs[0].stale);
			assert_true(inv->partitions[0].vgs[0].lvs[0].stale[1]);
			/* written back */
			json_t *j = vdm_inventory_to_json(inv);
			char *s = json_dumps(j, JSON_COMPACT);
			assert_non_null(strstr(s, "\"missing_since\":\"2026-11-30T10:00:00Z\""));
			assert_non_null(strstr(s, "\"stale\":[1]"));
			assert_non_null(strstr(s, "\"max_name\":15"));
			free(s);
			json_decref(j);
			vdm_inventory_free(inv);
			continue;
		}
		if (rc != -EINVAL)
			fail_msg("case %zu accepted", i);
		if (!strstr(err.msg, cases[i][4]))
			fail_msg("case %zu: %s does not name %s", i, err.msg, cases[i][4]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserve_of_huge_pool),
		cmocka_unit_test(test_required_total_overflows),
		cmocka_unit_test(test_plan_reader_sums),
		cmocka_unit_test(test_plan_reader_duplicate_keys),
		cmocka_unit_test(test_plan_reader_missing_file),
		cmocka_unit_test(test_stale_check_sums),
		cmocka_unit_test(test_names_cannot_collide),
		cmocka_unit_test(test_names_fit_max_name),
		cmocka_unit_test(test_names_already_taken),
		cmocka_unit_test(test_repair_fields_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
