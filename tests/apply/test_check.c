/* test_check.c: unit tests of check.c: a saved plan re-checked against a changed inventory
 * (each change that makes it stale is refused with a message naming it), and the verify rule
 * on an inventory before and after the mirror. Real planner, real parser, real protect.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "vdmirror/apply.h"
#include "vdmirror/plan.h"
#include "vdmirror/util.h"

static const char base_inv[] =
	"{\"version\": 1,"
	" \"servers\": [{\"name\": \"vios1\"}, {\"name\": \"vios2\"}],"
	" \"pools\": ["
	"  {\"name\": \"vios1/sp1\", \"server\": \"vios1\", \"size_mib\": 1024, \"free_mib\": 512},"
	"  {\"name\": \"vios2/sp1\", \"server\": \"vios2\", \"size_mib\": 1024, \"free_mib\": 900}],"
	" \"partitions\": [{\"name\": \"lpar1\", \"os\": \"linux\","
	"  \"disks\": [{\"name\": \"lpar1-01\", \"size_mib\": 128, \"pool\": \"vios1/sp1\","
	"              \"paths\": [\"vios1\"]}],"
	"  \"vgs\": [{\"name\": \"rootvg\", \"extent_mib\": 4, \"pv_overhead_mib\": 1,"
	"            \"copy_meta_extents\": 1,"
	"   \"pvs\": [{\"disk\": \"lpar1-01\", \"total_extents\": 31, \"free_extents\": 9}],"
	"   \"lvs\": [{\"name\": \"hd4\", \"extents\": 8, \"copies\": [[{\"pv\": \"lpar1-01\", \"extents\": 8}]]},"
	"            {\"name\": \"data\", \"extents\": 14, \"copies\": [[{\"pv\": \"lpar1-01\", \"extents\": 14}]]}]"
	"  }]}]}";

static json_t *inv_json(void)
{
	json_error_t je;
	json_t *j = json_loads(base_inv, 0, &je);
	assert_non_null(j);
	return j;
}

static struct vdm_inventory *parse(json_t *j)
{
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	if (vdm_inventory_parse_json(j, "test", &inv, &err) < 0)
		fail_msg("inventory: %s", err.msg);
	return inv;
}

static struct vdm_plan *make_plan(void)
{
	json_t *j = inv_json();
	struct vdm_inventory *inv = parse(j);
	struct vdm_request req = { .partition = "lpar1", .vg = "rootvg", .copies = 2,
				   .level = VDM_LEVEL_SERVER };
	struct vdm_plan *plan = NULL;
	struct vdm_noplan np;
	struct vdm_error err = { 0 };
	if (vdm_plan_make(inv, &req, &plan, &np, &err) < 0)
		fail_msg("plan: %s", err.msg);
	vdm_inventory_free(inv);
	json_decref(j);
	assert_true(plan->n_new_disks >= 1);
	assert_string_equal(plan->new_disks[0].pool, "vios2/sp1");
	return plan;
}

/* Checks plan against inventory j (consumed); returns rc, message in err. */
static int check(json_t *j, const struct vdm_plan *plan, struct vdm_error *err)
{
	struct vdm_inventory *inv = parse(j);
	vdm_err_clear(err);
	int rc = vdm_plan_check_live(inv, plan, err);
	vdm_inventory_free(inv);
	json_decref(j);
	return rc;
}

static json_t *vg_of(json_t *j)
{
	return json_array_get(json_object_get(json_array_get(json_object_get(j, "partitions"), 0),
					      "vgs"), 0);
}

static void test_fresh_plan_is_valid(void **unused)
{
	struct vdm_plan *plan = make_plan();
	struct vdm_error err = { 0 };
	assert_int_equal(check(inv_json(), plan, &err), 0);
	vdm_plan_free(plan);
}

static void test_pool_too_full(void **unused)
{
	struct vdm_plan *plan = make_plan();
	struct vdm_error err = { 0 };
	json_t *j = inv_json();
	json_object_set_new(json_array_get(json_object_get(j, "pools"), 1), "free_mib",
			    json_integer(10));
	assert_int_equal(check(j, plan, &err), -ESTALE);
	assert_int_equal(err.exit_code, VDM_EXIT_NOPLAN);
	assert_non_null(strstr(err.msg, "pool vios2/sp1 has 10 MiB free now"));
	vdm_plan_free(plan);
}

static void test_pool_gone(void **unused)
{
	struct vdm_plan *plan = make_plan();
	struct vdm_error err = { 0 };
	json_t *j = inv_json();
	json_array_remove(json_object_get(j, "pools"), 1);
	assert_int_equal(check(j, plan, &err), -ESTALE);
	assert_non_null(strstr(err.msg, "pool vios2/sp1 is gone"));
	vdm_plan_free(plan);
}

static void test_lv_changed(void **unused)
{
	struct vdm_plan *plan = make_plan();
	struct vdm_error err = { 0 };
	json_t *j = inv_json();
	json_t *hd4 = json_array_get(json_object_get(vg_of(j), "lvs"), 0);
	json_object_set_new(hd4, "extents", json_integer(6));
	json_t *seg = json_array_get(json_array_get(json_object_get(hd4, "copies"), 0), 0);
	json_object_set_new(seg, "extents", json_integer(6));
	json_t *pv = json_array_get(json_object_get(vg_of(j), "pvs"), 0);
	json_object_set_new(pv, "free_extents", json_integer(11));
	assert_int_equal(check(j, plan, &err), -ESTALE);
	assert_non_null(strstr(err.msg, "LV rootvg/hd4 has 6 extents now"));
	vdm_plan_free(plan);
}

static void test_lv_gone(void **unused)
{
	struct vdm_plan *plan = make_plan();
	struct vdm_error err = { 0 };
	json_t *j = inv_json();
	json_array_remove(json_object_get(vg_of(j), "lvs"), 1);
	json_object_set_new(json_array_get(json_object_get(vg_of(j), "pvs"), 0), "free_extents",
			    json_integer(23));
	assert_int_equal(check(j, plan, &err), -ESTALE);
	assert_non_null(strstr(err.msg, "LV rootvg/data is gone"));
	vdm_plan_free(plan);
}

static void test_disk_name_taken(void **unused)
{
	struct vdm_plan *plan = make_plan();
	struct vdm_error err = { 0 };
	json_t *j = inv_json();
	json_t *disks = json_object_get(json_array_get(json_object_get(j, "partitions"), 0), "disks");
	json_array_append_new(disks, json_pack("{s:s, s:i, s:s, s:[s]}", "name",
					       plan->new_disks[0].name, "size_mib", 64,
					       "pool", "vios2/sp1", "paths", "vios2"));
	assert_int_equal(check(j, plan, &err), -ESTALE);
	assert_non_null(strstr(err.msg, "already exists"));
	vdm_plan_free(plan);
}

static void test_partition_and_vg_gone(void **unused)
{
	struct vdm_plan *plan = make_plan();
	struct vdm_error err = { 0 };
	json_t *j = inv_json();
	json_array_remove(json_object_get(json_array_get(json_object_get(j, "partitions"), 0),
					  "vgs"), 0);
	assert_int_equal(check(j, plan, &err), -ESTALE);
	assert_non_null(strstr(err.msg, "VG rootvg is gone"));
	j = inv_json();
	json_object_set_new(json_array_get(json_object_get(j, "partitions"), 0), "name",
			    json_string("lpar9"));
	assert_int_equal(check(j, plan, &err), -ESTALE);
	assert_non_null(strstr(err.msg, "partition lpar1 is gone"));
	vdm_plan_free(plan);
}

/* The inventory as it is once plan is applied: the new disks, PVs and second copies. */
static json_t *inv_after(const struct vdm_plan *plan, const char *new_pool, const char *path)
{
	json_t *j = inv_json();
	json_t *part = json_array_get(json_object_get(j, "partitions"), 0);
	json_t *vg = vg_of(j);
	for (size_t i = 0; i < plan->n_new_disks; i++) {
		const struct vdm_plan_disk *d = &plan->new_disks[i];
		json_array_append_new(json_object_get(part, "disks"),
				      json_pack("{s:s, s:I, s:s, s:[s]}", "name", d->name,
						"size_mib", (json_int_t)d->size_mib, "pool", new_pool,
						"paths", path));
		json_array_append_new(json_object_get(vg, "pvs"),
				      json_pack("{s:s, s:I, s:i}", "disk", d->name, "total_extents",
						(json_int_t)((d->size_mib - 1) / 4), "free_extents", 0));
	}
	json_t *lvs = json_object_get(vg, "lvs");
	for (size_t l = 0; l < plan->n_lvs; l++) {
		json_t *lv = json_array_get(lvs, l);
		for (size_t c = 0; c < plan->lvs[l].n_new_copies; c++) {
			json_t *copy = json_array();
			int64_t left = json_integer_value(json_object_get(lv, "extents"));
			for (size_t s = 0; s < plan->lvs[l].new_copies[c].n_segs && left > 0; s++) {
				int64_t e = plan->lvs[l].new_copies[c].segs[s].extents;
				if (e > left)
					e = left;   /* the metadata extent is not part of the copy */
				left -= e;
				json_array_append_new(copy, json_pack("{s:s, s:I}", "pv",
					plan->lvs[l].new_copies[c].segs[s].pv, "extents", (json_int_t)e));
			}
			json_array_append_new(json_object_get(lv, "copies"), copy);
		}
	}
	return j;
}

static int verify(json_t *j, const struct vdm_plan *plan, struct vdm_error *err)
{
	struct vdm_inventory *inv = parse(j);
	vdm_err_clear(err);
	int rc = vdm_plan_verify_inventory(inv, plan, err);
	vdm_inventory_free(inv);
	json_decref(j);
	return rc;
}

static void test_verify(void **unused)
{
	struct vdm_plan *plan = make_plan();
	struct vdm_error err = { 0 };
	/* before the mirror: every LV unprotected, exit 3 */
	assert_int_equal(verify(inv_json(), plan, &err), -EDOM);
	assert_int_equal(err.exit_code, VDM_EXIT_UNPROTECTED);
	assert_non_null(strstr(err.msg, "LV rootvg/hd4: 1 of 2 copies"));
	assert_non_null(strstr(err.msg, "LV rootvg/data"));
	/* after it, as planned: ok */
	assert_int_equal(verify(inv_after(plan, "vios2/sp1", "vios2"), plan, &err), 0);
	/* copies landed on the same server as the originals: level not reached */
	assert_int_equal(verify(inv_after(plan, "vios1/sp1", "vios1"), plan, &err), -EDOM);
	assert_non_null(strstr(err.msg, "below level server"));
	assert_non_null(strstr(err.msg, "vios1"));
	/* the new copies' server died before the verify: each lost copy says why */
	json_t *j = inv_after(plan, "vios2/sp1", "vios2"), *d;
	size_t i;
	json_array_foreach(json_object_get(json_array_get(json_object_get(j, "partitions"), 0),
					   "disks"), i, d)
		if (!strcmp(json_string_value(json_array_get(json_object_get(d, "paths"), 0)), "vios2"))
			json_object_set_new(d, "state", json_string("missing"));
	json_array_foreach(json_object_get(j, "servers"), i, d)
		if (!strcmp(json_string_value(json_object_get(d, "name")), "vios2"))
			json_object_set_new(d, "state", json_string("unreachable"));
	assert_int_equal(verify(j, plan, &err), -EDOM);
	assert_non_null(strstr(err.msg, ", copy 2 lost: disk "));
	assert_non_null(strstr(err.msg, "is missing (server vios2 unreachable)"));
	vdm_plan_free(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_plan_is_valid),
		cmocka_unit_test(test_pool_too_full),
		cmocka_unit_test(test_pool_gone),
		cmocka_unit_test(test_lv_changed),
		cmocka_unit_test(test_lv_gone),
		cmocka_unit_test(test_disk_name_taken),
		cmocka_unit_test(test_partition_and_vg_gone),
		cmocka_unit_test(test_verify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
