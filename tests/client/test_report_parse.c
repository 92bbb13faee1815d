/* test_report_parse.c: the host-side parsers of agent reports (linux-lvm, linux-md) against
 * what a hostile guest can send (issue 9): their work grows linearly with the report (counted
 * as calls into jansson's lookups through the linker's --wrap, never as wall time), and
 * numbers that are negative, signed or beyond int64_t are refused instead of wrapping. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "vdmirror/error.h"
#include "vdmirror/util.h"

int vdm_lvm_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err);
int vdm_md_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err);

/* ---- the work counter: every json_array_get / json_object_get the parsers make ---- */

static uint64_t work;
json_t *__real_json_array_get(const json_t *array, size_t index);
json_t *__real_json_object_get(const json_t *object, const char *key);
json_t *__wrap_json_array_get(const json_t *array, size_t index);
json_t *__wrap_json_object_get(const json_t *object, const char *key);
json_t *__wrap_json_array_get(const json_t *array, size_t index)
{
	work++;
	return __real_json_array_get(array, index);
}
json_t *__wrap_json_object_get(const json_t *object, const char *key)
{
	work++;
	return __real_json_object_get(object, key);
}

/* One VG on one disk, n LVs of one linear segment each: the shape that was quadratic. */
static json_t *lvm_report(int n)
{
	json_t *segs = json_array();
	for (int i = 0; i < n; i++) {
		char lv[32], range[64];
		snprintf(lv, sizeof lv, "lv%d", i);
		snprintf(range, sizeof range, "/dev/vdb:%d-%d", i, i);
		json_array_append_new(segs, json_pack("{s:s, s:s, s:s, s:s, s:s}", "vg_name", "vg0",
			"lv_name", lv, "segtype", "linear", "seg_size_pe", "1", "seg_pe_ranges", range));
	}
	char count[32];
	snprintf(count, sizeof count, "%d", n + 10);
	return json_pack("{s:[{s:s, s:s, s:I}], s:{s:[{s:s, s:s}], s:[{s:s, s:s, s:s, s:s, s:s}],"
			 " s:o}}",
		"disks", "name", "vdb", "serial", "lpar1-01", "size_bytes", (json_int_t)1 << 40,
		"lvm", "vgs", "vg_name", "vg0", "vg_extent_size", "4194304",
		"pvs", "vg_name", "vg0", "pv_name", "/dev/vdb", "pv_pe_count", count,
		"pv_pe_alloc_count", "0", "pe_start", "1048576", "segs", segs);
}

/* One raid1 array with n members on n disks. */
static json_t *md_report(int n)
{
	json_t *disks = json_array(), *members = json_array();
	for (int i = 0; i < n; i++) {
		char name[32], serial[32];
		snprintf(name, sizeof name, "vd%d", i);
		snprintf(serial, sizeof serial, "disk-%d", i);
		json_array_append_new(disks, json_pack("{s:s, s:s, s:I}", "name", name, "serial", serial,
						       "size_bytes", (json_int_t)1 << 30));
		json_array_append_new(members, json_pack("{s:s, s:s, s:s}", "name", name, "state",
							 "in_sync", "offset", "2048"));
	}
	return json_pack("{s:o, s:[{s:s, s:s, s:s, s:o}]}", "disks", disks, "md", "name", "md0",
			 "level", "raid1", "component_size", "1000000", "members", members);
}

static uint64_t lvm_work(int n)
{
	json_t *r = lvm_report(n), *vgs = NULL;
	struct vdm_error err = { 0 };
	work = 0;
	assert_int_equal(vdm_lvm_vgs_from_report(r, &vgs, &err), 0);
	uint64_t w = work;
	assert_int_equal(json_array_size(json_object_get(json_array_get(vgs, 0), "lvs")), (size_t)n);
	json_decref(vgs);
	json_decref(r);
	return w;
}

static uint64_t md_work(int n)
{
	json_t *r = md_report(n), *vgs = NULL;
	struct vdm_error err = { 0 };
	work = 0;
	assert_int_equal(vdm_md_vgs_from_report(r, &vgs, &err), 0);
	uint64_t w = work;
	assert_int_equal(json_array_size(json_object_get(json_array_get(vgs, 0), "pvs")), (size_t)n);
	json_decref(vgs);
	json_decref(r);
	return w;
}

/* 8 times the input: linear work grows about 8 times, quadratic 64 times. The bound 12 leaves
 * room for constant costs and hash collisions, none for n^2. */
static void test_lvm_linear(void **unused)
{
	uint64_t small = lvm_work(1000), big = lvm_work(8000);
	print_message("lvm: %llu lookups for 1000 LVs, %llu for 8000\n", (unsigned long long)small,
		      (unsigned long long)big);
	assert_true(big < 12 * small);
}

static void test_md_linear(void **unused)
{
	uint64_t small = md_work(500), big = md_work(4000);
	print_message("md: %llu lookups for 500 members, %llu for 4000\n",
		      (unsigned long long)small, (unsigned long long)big);
	assert_true(big < 12 * small);
}

/* Numbers the guest writes: each of these used to be taken (strtoll/sscanf) and wrap later. */
static void expect_lvm_refused(const char *obj, const char *key, const char *value)
{
	json_t *r = lvm_report(3), *vgs = NULL;
	json_t *lvm = json_object_get(r, "lvm");
	json_t *o = !strcmp(obj, "pv") ? json_array_get(json_object_get(lvm, "pvs"), 0)
		  : !strcmp(obj, "seg") ? json_array_get(json_object_get(lvm, "segs"), 1)
		  : json_array_get(json_object_get(lvm, "vgs"), 0);
	json_object_set_new(o, key, json_string(value));
	struct vdm_error err = { 0 };
	if (vdm_lvm_vgs_from_report(r, &vgs, &err) == 0)
		fail_msg("%s.%s = %s was accepted", obj, key, value);
	assert_null(vgs);
	json_decref(r);
}

static void test_lvm_numbers(void **unused)
{
	expect_lvm_refused("pv", "pv_pe_count", "-9223372036854775807");
	expect_lvm_refused("pv", "pv_pe_count", "9223372036854775808");
	expect_lvm_refused("pv", "pv_pe_alloc_count", "-1");
	expect_lvm_refused("pv", "pv_pe_alloc_count", "99");          /* more than the PV has */
	expect_lvm_refused("pv", "pe_start", "9223372036854775807");
	expect_lvm_refused("seg", "seg_size_pe", "-5");
	expect_lvm_refused("seg", "seg_size_pe", "+5");
	expect_lvm_refused("seg", "seg_pe_ranges", "/dev/vdb:-9223372036854775807-5");
	expect_lvm_refused("seg", "seg_pe_ranges", "/dev/vdb:0-9223372036854775807");
	expect_lvm_refused("vg", "vg_extent_size", "-4194304");
	/* two segments whose sizes add up beyond int64_t */
	json_t *r = lvm_report(1), *vgs = NULL;
	json_t *segs = json_object_get(json_object_get(r, "lvm"), "segs");
	json_object_set_new(json_array_get(segs, 0), "seg_size_pe", json_string("9223372036854775807"));
	json_array_append_new(segs, json_pack("{s:s, s:s, s:s, s:s, s:s}", "vg_name", "vg0",
		"lv_name", "lv0", "segtype", "linear", "seg_size_pe", "1", "seg_pe_ranges",
		"/dev/vdb:5-5"));
	struct vdm_error err = { 0 };
	assert_true(vdm_lvm_vgs_from_report(r, &vgs, &err) < 0);
	json_decref(r);
}

static void test_md_numbers(void **unused)
{
	const char *bad[][2] = { { "offset", "-9223372036854775807" },
				 { "offset", "36028797018963968" },   /* x 512 wraps */
				 { "offset", "99999999" } };          /* beyond the disk */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *r = md_report(2), *vgs = NULL;
		json_t *m = json_array_get(json_object_get(json_array_get(json_object_get(r, "md"), 0),
							   "members"), 1);
		json_object_set_new(m, bad[i][0], json_string(bad[i][1]));
		struct vdm_error err = { 0 };
		if (vdm_md_vgs_from_report(r, &vgs, &err) == 0)
			fail_msg("md member %s = %s was accepted", bad[i][0], bad[i][1]);
		json_decref(r);
	}
	json_t *r = md_report(2), *vgs = NULL;
	json_object_set_new(json_array_get(json_object_get(r, "md"), 0), "component_size",
			    json_string("-9223372036854775807"));
	struct vdm_error err = { 0 };
	assert_true(vdm_md_vgs_from_report(r, &vgs, &err) < 0);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lvm_linear),
		cmocka_unit_test(test_md_linear),
		cmocka_unit_test(test_lvm_numbers),
		cmocka_unit_test(test_md_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
