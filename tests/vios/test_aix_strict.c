/* test_aix_strict.c: the parsers of the AIX allocation rules: lsvg's MIRROR POOL STRICT,
 * lslv's strictness, upper bound and copy mirror pools, lspv PV's mirror pool (texts written
 * from IBM's documentation, see tests/vios/fixtures/strict/README.md). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <stdlib.h>
#include <cmocka.h>
#include <unistd.h>
#include <jansson.h>
#include "client/aix.h"
#include "vdmirror/client.h"
#include "vdmirror/plan.h"

static void mp_strict(void **state)
{
	struct vdm_error err = {0};
	enum aix_mp_strict m;
	assert_int_equal(aix_parse_mp_strict("MIRROR POOL STRICT: off\n", &m, &err), 0);
	assert_int_equal(m, AIX_MP_OFF);
	assert_int_equal(aix_parse_mp_strict("HOT SPARE:          no\nMIRROR POOL STRICT: on\n", &m, &err), 0);
	assert_int_equal(m, AIX_MP_ON);
	assert_int_equal(aix_parse_mp_strict("MIRROR POOL STRICT: super\nPV RESTRICTION: none\n", &m, &err), 0);
	assert_int_equal(m, AIX_MP_SUPER);
	/* AIX before 6.1.1 prints no such line: no mirror pools */
	assert_int_equal(aix_parse_mp_strict("PP SIZE: 64 megabyte(s)\n", &m, &err), 0);
	assert_int_equal(m, AIX_MP_OFF);
	assert_int_equal(aix_parse_mp_strict("MIRROR POOL STRICT: maybe\n", &m, &err), -EPROTO);
}

static const char lslv_text[] =
	"INTER-POLICY:       minimum                RELOCATABLE:    yes\n"
	"INTRA-POLICY:       middle                 UPPER BOUND:    32\n"
	"EACH LP COPY ON A SEPARATE PV ?: yes (superstrict)\n"
	"Serialize IO ?:     NO\n"
	"COPY 1 MIRROR POOL: DC1\n"
	"COPY 2 MIRROR POOL: DC2\n"
	"COPY 3 MIRROR POOL: None\n";

static void lslv_alloc(void **state)
{
	struct vdm_error err = {0};
	struct aix_lvalloc a;
	assert_int_equal(aix_parse_lslv_alloc(lslv_text, &a, &err), 0);
	assert_int_equal(a.strict, 2);
	assert_int_equal(a.upper, 32);
	assert_string_equal(a.pool[0], "DC1");
	assert_string_equal(a.pool[1], "DC2");
	assert_null(a.pool[2]);
	aix_lvalloc_free(&a);
	assert_int_equal(aix_parse_lslv_alloc("EACH LP COPY ON A SEPARATE PV ?: yes\n", &a, &err), 0);
	assert_int_equal(a.strict, 1);
	assert_int_equal(a.upper, -1);     /* not printed */
	assert_null(a.pool[0]);
	aix_lvalloc_free(&a);
	assert_int_equal(aix_parse_lslv_alloc("EACH LP COPY ON A SEPARATE PV ?: no\n", &a, &err), 0);
	assert_int_equal(a.strict, 0);
	aix_lvalloc_free(&a);
	/* truncated, a strange value, a pool name AIX never gives, an upper bound beyond 1024 */
	assert_int_equal(aix_parse_lslv_alloc("COPIES: 1\n", &a, &err), -EPROTO);
	assert_int_equal(aix_parse_lslv_alloc("EACH LP COPY ON A SEPARATE PV ?: perhaps\n", &a, &err), -EPROTO);
	assert_int_equal(aix_parse_lslv_alloc("EACH LP COPY ON A SEPARATE PV ?: yes\nCOPY 1 MIRROR POOL: a;rm\n",
					      &a, &err), -EPROTO);
	assert_int_equal(aix_parse_lslv_alloc("EACH LP COPY ON A SEPARATE PV ?: yes\nCOPY 1 MIRROR POOL: "
					      "abcdefghijklmnop\n", &a, &err), -EPROTO);
	assert_int_equal(aix_parse_lslv_alloc("UPPER BOUND: 5000\nEACH LP COPY ON A SEPARATE PV ?: yes\n",
					      &a, &err), -EPROTO);
}

static void lspv_pool(void **state)
{
	struct vdm_error err = {0};
	char *p = NULL;
	assert_int_equal(aix_parse_lspv_pool("FREE DISTRIBUTION:  59..59..59..59..63\n"
					     "MIRROR POOL:        vios1\n", &p, &err), 0);
	assert_string_equal(p, "vios1");
	free(p);
	assert_int_equal(aix_parse_lspv_pool("MIRROR POOL:        None\n", &p, &err), 0);
	assert_null(p);
	/* "COPY 1 MIRROR POOL:" (lslv) is not lspv's "MIRROR POOL:" field */
	assert_int_equal(aix_parse_lspv_pool("COPY 1 MIRROR POOL: DC1\n", &p, &err), 0);
	assert_null(p);
	assert_true(aix_pool_name_ok("site_a-1.x"));
	assert_false(aix_pool_name_ok(""));
	assert_false(aix_pool_name_ok("a b"));
}

/* ---- the driver's prepare: the rules of a VG against a plan (script mode: nothing runs) ---- */

/* datavg: hdisk6 (copy 1 of datalv) in pool `pool6` (NULL: none), strictness `mps`, datalv
 * `strict` with copy 1 in `cp1`; plus two spare PVs hdisk3/hdisk4 in pools `p3`/`p4`. */
static json_t *partition(const char *mps, const char *pool6, const char *strict, const char *cp1,
			 const char *p3, const char *p4)
{
	json_t *pv6 = json_pack("{s:s,s:i,s:i}", "disk", "hdisk6", "total_extents", 799,
				"free_extents", 299);
	json_t *pv3 = json_pack("{s:s,s:i,s:i}", "disk", "hdisk3", "total_extents", 100,
				"free_extents", 100);
	json_t *pv4 = json_pack("{s:s,s:i,s:i}", "disk", "hdisk4", "total_extents", 100,
				"free_extents", 100);
	if (pool6)
		json_object_set_new(pv6, "aix_mirror_pool", json_string(pool6));
	if (p3)
		json_object_set_new(pv3, "aix_mirror_pool", json_string(p3));
	if (p4)
		json_object_set_new(pv4, "aix_mirror_pool", json_string(p4));
	json_t *lv = json_pack("{s:s,s:i,s:[[{s:s,s:i}]],s:s,s:i}", "name", "datalv", "extents", 500,
			       "copies", "pv", "hdisk6", "extents", 500, "aix_strict", strict,
			       "aix_upper_bound", 1);
	if (cp1)
		json_object_set_new(lv, "aix_copy_pools", json_pack("[s,n,n]", cp1));
	return json_pack("{s:s,s:[{s:s,s:s,s:[o,o,o],s:[o]}]}", "name", "lpar1", "vgs", "name",
			 "datavg", "aix_mirror_pool_strict", mps, "pvs", pv6, pv3, pv4, "lvs", lv);
}

/* The plan: datalv's copy 2 on `pv` (the new disk lpar1-datavg-m1 of vios2, or a PV of the VG) */
static int prepare(json_t *part, const char *pv, struct vdm_error *err)
{
	char path[] = "/tmp/test_aix_strict.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	CLEANUP_FREE char *addr = xasprintf("script:%s", path);
	struct vdm_transport t;
	struct vdm_client c;
	assert_int_equal(vdm_transport_open(addr, &t, err), 0);
	assert_int_equal(vdm_client_open("aix", &t, &c, err), 0);
	char *paths[] = { (char *)"vios2" };
	struct vdm_plan_disk d = { (char *)"lpar1-datavg-m1", (char *)"rootvg_sp", 32064, paths, 1 };
	struct vdm_plan_segment seg = { (char *)pv, 500 };
	struct vdm_plan_copy copy = { &seg, 1 };
	struct vdm_plan_lv lv = { .name = (char *)"datalv", .new_copies = &copy, .n_new_copies = 1 };
	struct vdm_plan plan = { .partition = (char *)"lpar1", .vg = (char *)"datavg", .copies = 2,
				 .new_disks = &d, .n_new_disks = 1, .lvs = &lv, .n_lvs = 1 };
	int rc = vdm_client_prepare(&c, part, &plan, err);
	vdm_client_close(&c);
	vdm_transport_close(&t);
	unlink(path);
	json_decref(part);
	return rc;
}

static void prepare_rules(void **state)
{
	struct vdm_error err = {0};
	/* accepted: super, copy 1 in vios1, the new disk in its own pool vios2 */
	assert_int_equal(prepare(partition("super", "vios1", "superstrict", "vios1", NULL, NULL),
				 "lpar1-datavg-m1", &err), 0);
	/* no pools at all: nothing to say */
	assert_int_equal(prepare(partition("off", NULL, "yes", NULL, NULL, NULL),
				 "lpar1-datavg-m1", &err), 0);
	/* super: copy 1 already in a pool named vios2 */
	assert_int_equal(prepare(partition("super", "vios2", "yes", "vios2", NULL, NULL),
				 "lpar1-datavg-m1", &err), -EPERM);
	assert_non_null(strstr(err.msg, "like copy 1"));
	assert_non_null(strstr(err.msg, "nothing was created"));
	/* super: three pools already, the new disk's would be the fourth */
	assert_int_equal(prepare(partition("super", "vios1", "yes", "vios1", "pb", "pc"),
				 "lpar1-datavg-m1", &err), -EPERM);
	assert_non_null(strstr(err.msg, "at most 3 mirror pools"));
	/* on: copy 2 on a spare PV of the VG that is in no pool */
	assert_int_equal(prepare(partition("on", "vios1", "yes", "vios1", NULL, "pc"),
				 "hdisk3", &err), -EPERM);
	assert_non_null(strstr(err.msg, "in no mirror pool"));
	/* ... on one in a pool of its own: accepted */
	assert_int_equal(prepare(partition("on", "vios1", "yes", "vios1", "pb", NULL),
				 "hdisk3", &err), 0);
	/* superstrict: copy 2 on the PV of copy 1 */
	assert_int_equal(prepare(partition("off", NULL, "superstrict", NULL, NULL, NULL),
				 "hdisk6", &err), -EPERM);
	assert_non_null(strstr(err.msg, "superstrict"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mp_strict),
		cmocka_unit_test(lslv_alloc),
		cmocka_unit_test(lspv_pool),
		cmocka_unit_test(prepare_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
