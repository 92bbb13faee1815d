/* test_aix_map.c: the physical-partition map files of `mklvcopy -m` (AIX mklv -m: one
 * "PVname:PPnum1[-PPnum2]" per line, used in order; PPs numbered from 1 at the outer edge),
 * checked line by line: the plan for system2's rootvg (every LV of rootvg onto the one new
 * disk, in plan order), copies split over PVs with holes in their free space, refusals that
 * change nothing, and the free ranges read from lspv -M. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>
#include "client/aix_map.h"

static char *map1(aix_pp_alloc *a, const char *pv, int64_t n)
{
	struct vdm_plan_segment s = { (char *)pv, n };
	struct vdm_plan_copy c = { &s, 1 };
	struct vdm_error err = {0};
	char *t = NULL;
	assert_int_equal(aix_map_copy(a, &c, n, NULL, NULL, &t, &err), 0);
	return t;
}

/* system2: `vdmirror plan --partition prd01 --vg rootvg` puts hd5 1, hd6 32, hd8 1, hd4 16,
 * hd2 80, hd9var 24, hd3 16 PPs on prd01-rootvg-m1 (10944 MiB = 171 PPs of 64 MiB) */
static void rootvg_in_plan_order(void **state)
{
	aix_pp_alloc a = {0};
	struct vdm_error err = {0};
	assert_int_equal(aix_pp_add_disk(&a, "hdisk2", 171, &err), 0);
	static const struct { int64_t n; const char *want; } lv[] = {
		{ 1, "hdisk2:1\n" }, { 32, "hdisk2:2-33\n" }, { 1, "hdisk2:34\n" },
		{ 16, "hdisk2:35-50\n" }, { 80, "hdisk2:51-130\n" }, { 24, "hdisk2:131-154\n" },
		{ 16, "hdisk2:155-170\n" },
	};
	for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++) {
		char *t = map1(&a, "hdisk2", lv[i].n);
		assert_string_equal(t, lv[i].want);
		free(t);
	}
	/* one PP left: a copy of two is refused and takes nothing */
	struct vdm_plan_segment s = { (char *)"hdisk2", 2 };
	struct vdm_plan_copy c = { &s, 1 };
	char *t = NULL;
	assert_int_equal(aix_map_copy(&a, &c, 2, NULL, NULL, &t, &err), -ENOSPC);
	assert_null(t);
	t = map1(&a, "hdisk2", 1);
	assert_string_equal(t, "hdisk2:171\n");
	free(t);
	aix_pp_alloc_free(&a);
}

static const char *rename_disk(const char *disk, void *ctx)
{
	(void)ctx;
	return !strcmp(disk, "prd01-datavg-m1") ? "hdisk9" : !strcmp(disk, "prd01-datavg-m2") ? "hdisk10" : NULL;
}

static void split_copies_and_holes(void **state)
{
	aix_pp_alloc a = {0};
	struct vdm_error err = {0};
	/* the allocator knows plan disks; the map names them as AIX does (hdisk9, hdisk10):
	 * m1 (hdisk9) reused with free PPs 3-5 and 10-40, m2 (hdisk10) new */
	assert_int_equal(aix_pp_add_free(&a, "prd01-datavg-m1", 10, 40, &err), 0);
	assert_int_equal(aix_pp_add_free(&a, "prd01-datavg-m1", 3, 5, &err), 0);
	assert_int_equal(aix_pp_add_free(&a, "prd01-datavg-m1", 4, 12, &err), -EINVAL);   /* overlap */
	assert_int_equal(aix_pp_add_disk(&a, "prd01-datavg-m2", 100, &err), 0);
	struct vdm_plan_segment s[] = { { (char *)"prd01-datavg-m1", 30 },
					{ (char *)"prd01-datavg-m2", 12 } };
	struct vdm_plan_copy c = { s, 2 };
	char *t = NULL;
	assert_int_equal(aix_map_copy(&a, &c, 42, rename_disk, NULL, &t, &err), 0);
	assert_string_equal(t, "hdisk9:3-5\nhdisk9:10-36\nhdisk10:1-12\n");
	free(t);
	/* segments that do not add up to the LV's LPs */
	assert_int_equal(aix_map_copy(&a, &c, 43, rename_disk, NULL, &t, &err), -EINVAL);
	/* a PV the allocator does not know */
	struct vdm_plan_segment u = { (char *)"other", 1 };
	struct vdm_plan_copy cu = { &u, 1 };
	assert_int_equal(aix_map_copy(&a, &cu, 1, rename_disk, NULL, &t, &err), -ENOSPC);
	/* hdisk9 has 4 PPs left (37-40): a copy needing 5 there fails before touching hdisk10 */
	struct vdm_plan_segment s2[] = { { (char *)"prd01-datavg-m2", 1 },
					 { (char *)"prd01-datavg-m1", 5 } };
	struct vdm_plan_copy c2 = { s2, 2 };
	assert_int_equal(aix_map_copy(&a, &c2, 6, rename_disk, NULL, &t, &err), -ENOSPC);
	s2[1].extents = 4;
	assert_int_equal(aix_map_copy(&a, &c2, 5, rename_disk, NULL, &t, &err), 0);
	assert_string_equal(t, "hdisk10:13\nhdisk9:37-40\n");
	free(t);
	aix_pp_alloc_free(&a);
}

static void lspv_M(void **state)
{
	aix_pp_alloc a = {0};
	struct vdm_error err = {0};
	assert_int_equal(aix_parse_lspv_M(
		"hdisk1:\n"
		"hdisk1:1-8\n"
		"hdisk1:9       hd5:1\n"
		"hdisk1:10      hd6:1:2       stale\n"
		"hdisk1:11-20\n"
		"hdisk1:21      hd4:1\n", &a, &err), 0);
	char *t = map1(&a, "hdisk1", 12);
	assert_string_equal(t, "hdisk1:1-8\nhdisk1:11-14\n");
	free(t);
	aix_pp_alloc_free(&a);
	assert_int_equal(aix_parse_lspv_M("hdisk1:x-2\n", &a, &err), -EPROTO);
	aix_pp_alloc_free(&a);
	assert_int_equal(aix_parse_lspv_M("nothing here\n", &a, &err), -EPROTO);
	aix_pp_alloc_free(&a);
	assert_int_equal(aix_parse_lspv_M("hdisk1:5-2\n", &a, &err), -EINVAL);
	aix_pp_alloc_free(&a);
}

/* lslv -m after mklvcopy: the new copy must hold exactly the planned PPs on the planned PVs */
static void confirm(void **state)
{
	struct vdm_error err = {0};
	const char *out = "oradata:/oradata\nLP    PP1  PV1               PP2  PV2\n"
			  "0001  0001 EMC_3451_0DEF     0001 hdisk9\n"
			  "0002  0002 EMC_3451_0DEF     0002 hdisk9\n"
			  "0003  0003 EMC_3451_0DEF     0001 hdisk10\n";
	struct vdm_plan_segment s[] = { { (char *)"m1", 2 }, { (char *)"m2", 1 } };
	struct vdm_plan_copy c = { s, 2 };
	char *hds[] = { (char *)"hdisk9", (char *)"hdisk10" };
	assert_int_equal(aix_map_confirm(out, 2, &c, hds, &err), 0);
	s[0].extents = 1, s[1].extents = 2;
	assert_int_equal(aix_map_confirm(out, 2, &c, hds, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "hdisk9"));
	s[0].extents = 2, s[1].extents = 1;
	char *other[] = { (char *)"hdisk9", (char *)"hdisk11" };
	assert_int_equal(aix_map_confirm(out, 2, &c, other, &err), -EPROTO);
	assert_int_equal(aix_map_confirm(out, 3, &c, hds, &err), -EPROTO);   /* no third copy */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rootvg_in_plan_order),
		cmocka_unit_test(split_copies_and_holes),
		cmocka_unit_test(lspv_M),
		cmocka_unit_test(confirm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
