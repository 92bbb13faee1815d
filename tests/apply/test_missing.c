/* test_missing.c: disks[].missing_since kept in the state folder (vdm_missing_since): the
 * first sight sets it, later discoveries keep it, a returned disk is forgotten, other
 * partitions are left alone, an older time of the storage side wins, a broken file is said. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "vdmirror/discover.h"
#include "vdmirror/util.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/vdm-missing.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char p[128];
	snprintf(p, sizeof p, "%s/missing.json", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

/* lpar1 with disks a (state given) and b; lpar2 with c (missing) unless only1 */
static json_t *inv(const char *a_state, bool only1)
{
	json_t *i = json_pack("{s:[{s:s, s:[{s:s}, {s:s}]}]}", "partitions", "name", "lpar1",
			      "disks", "name", "a", "name", "b");
	if (a_state)
		json_object_set_new(json_array_get(json_object_get(json_array_get(
			json_object_get(i, "partitions"), 0), "disks"), 0), "state",
			json_string(a_state));
	if (!only1)
		json_array_append_new(json_object_get(i, "partitions"), json_pack(
			"{s:s, s:[{s:s, s:s}]}", "name", "lpar2", "disks", "name", "c", "state",
			"missing"));
	return i;
}

static const char *since(json_t *i, size_t p, size_t d)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(json_array_get(
		json_object_get(i, "partitions"), p), "disks"), d), "missing_since"));
}

static void test_missing_since(void **state)
{
	struct vdm_error err = { 0 };
	json_t *i = inv("missing", false);
	assert_int_equal(vdm_missing_since(i, dir, 1000, &err), 0);
	assert_string_equal(since(i, 0, 0), "1970-01-01T00:16:40Z");
	assert_null(since(i, 0, 1));           /* present: no time */
	assert_string_equal(since(i, 1, 0), "1970-01-01T00:16:40Z");
	json_decref(i);

	/* later: the same time, not now */
	i = inv("missing", false);
	assert_int_equal(vdm_missing_since(i, dir, 5000, &err), 0);
	assert_string_equal(since(i, 0, 0), "1970-01-01T00:16:40Z");
	json_decref(i);

	/* a back (lpar1 discovered alone): a forgotten, lpar2's c kept */
	i = inv("ok", true);
	assert_int_equal(vdm_missing_since(i, dir, 6000, &err), 0);
	assert_null(since(i, 0, 0));
	json_decref(i);
	i = inv("missing", false);
	assert_int_equal(vdm_missing_since(i, dir, 7000, &err), 0);
	assert_string_equal(since(i, 0, 0), "1970-01-01T01:56:40Z");   /* a new outage */
	assert_string_equal(since(i, 1, 0), "1970-01-01T00:16:40Z");   /* c untouched */
	json_decref(i);

	/* the storage side's own older time wins and is kept */
	i = inv("missing", true);
	json_object_set_new(json_array_get(json_object_get(json_array_get(json_object_get(i,
		"partitions"), 0), "disks"), 0), "missing_since", json_string("1970-01-01T00:00:10Z"));
	assert_int_equal(vdm_missing_since(i, dir, 8000, &err), 0);
	assert_string_equal(since(i, 0, 0), "1970-01-01T00:00:10Z");
	json_decref(i);
	i = inv("missing", true);
	assert_int_equal(vdm_missing_since(i, dir, 9000, &err), 0);
	assert_string_equal(since(i, 0, 0), "1970-01-01T00:00:10Z");
	json_decref(i);
}

/* A file that is not ours: an error naming it, and the fields still filled from now. */
static void test_missing_since_bad_file(void **state)
{
	char p[128];
	snprintf(p, sizeof p, "%s/missing.json", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"disks\": [1, 2]}", f);
	fclose(f);
	struct vdm_error err = { 0 };
	json_t *i = inv("missing", true);
	assert_true(vdm_missing_since(i, dir, 1000, &err) < 0);
	assert_non_null(strstr(err.msg, "missing.json"));
	assert_string_equal(since(i, 0, 0), "1970-01-01T00:16:40Z");
	json_decref(i);
	/* a time that is not RFC 3339 UTC in the file is ignored, never copied out */
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"version\": 1, \"disks\": {\"lpar1\\na\": \"yesterday\"}}", f);
	fclose(f);
	i = inv("missing", true);
	assert_int_equal(vdm_missing_since(i, dir, 2000, &err), 0);
	assert_string_equal(since(i, 0, 0), "1970-01-01T00:33:20Z");
	json_decref(i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_since, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_since_bad_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
