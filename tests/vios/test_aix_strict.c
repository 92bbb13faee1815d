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
#include "client/aix.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mp_strict),
		cmocka_unit_test(lslv_alloc),
		cmocka_unit_test(lspv_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
