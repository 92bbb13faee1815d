/* test_lab_drivers.c: the linux-lvm and linux-md drivers' steps on a real lab partition (a TCG
 * VM running vdmirror-agent), through the agent:unix transport. lab-drivers.sh starts the lab
 * and passes the agent socket; this program checks each step against what the guest then
 * reports, and that the data written before the mirror reads back the same afterwards.
 *   test-lab-drivers lvm|md AGENT_SOCKET */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vdmirror/client.h"
#include "vdmirror/util.h"

static int failures;

/* cond is evaluated once: several are steps with side effects */
#define CHECK(cond, ...) check_((cond), #cond, __FILE__, __LINE__, __VA_ARGS__)
#define REQUIRE(cond, ...) do { \
		if (!CHECK(cond, __VA_ARGS__)) { \
			fprintf(stderr, "stopping: the next steps depend on this one\n"); \
			exit(1); \
		} \
	} while (0)

static bool check_(bool ok, const char *what, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static bool check_(bool ok, const char *what, const char *file, int line, const char *fmt, ...)
{
	if (ok) {
		printf("ok: %s\n", what);
		return true;
	}
	failures++;
	fprintf(stderr, "FAIL %s:%d: %s: ", file, line, what);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

static json_t *agent(struct vdm_transport *x, json_t *req, struct vdm_error *err)
{
	json_t *reply = NULL;
	int rc = vdm_transport_request(x, req, &reply, 120000, err);
	json_decref(req);
	return rc < 0 ? NULL : reply;
}

static json_t *discover(struct vdm_client *ops, struct vdm_transport *x)
{
	struct vdm_error err = { 0 };
	json_t *part = json_object();
	int rc = vdm_client_discover(ops, part, &err);
	REQUIRE(rc == 0, "discover: %s", err.msg);
	return part;
}

static json_t *find_named(json_t *arr, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "name")) ?: "", name))
			return o;
	return NULL;
}

/* The copies of vg/lv as the driver's discovery sees them (a new reference). */
static json_t *lv_copies(struct vdm_client *ops, struct vdm_transport *x, const char *vg,
			 const char *lv)
{
	json_t *part = discover(ops, x);
	json_t *l = find_named(json_object_get(find_named(json_object_get(part, "vgs"), vg), "lvs"),
			       lv);
	json_t *c = json_incref(json_object_get(l, "copies"));
	json_decref(part);
	return c;
}

static int wait_sync(struct vdm_client *ops, struct vdm_transport *x, const char *vg,
		     const char *lv)
{
	double pct = -1;
	struct vdm_error err = { 0 };
	int64_t deadline = vdm_now_ms() + 300000;
	while (vdm_now_ms() < deadline) {
		if (vdm_client_sync_status(ops, vg, lv, &pct, &err) < 0) {
			fprintf(stderr, "sync_status: %s\n", err.msg);
			return -1;
		}
		printf("sync %s/%s: %.1f%%\n", vg, lv, pct);
		if (pct >= 100.0)
			return 0;
		struct timespec ts = { 0, 300 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return -1;
}

static bool verify(struct vdm_transport *x, const char *path, int seed, int mib)
{
	struct vdm_error err = { 0 };
	json_t *r = agent(x, json_pack("{s:s, s:s, s:i, s:i}", "op", "verify", "path", path,
				       "seed", seed, "mib", mib), &err);
	CHECK(r != NULL, "verify %s: %s", path, err.msg);
	bool ok = r && json_is_true(json_object_get(r, "match"));
	if (r && !ok)
		fprintf(stderr, "verify %s: first mismatch at byte %lld\n", path,
			(long long)json_integer_value(json_object_get(r, "first_mismatch")));
	json_decref(r);
	return ok;
}

static void fill(struct vdm_transport *x, const char *path, int seed, int mib)
{
	struct vdm_error err = { 0 };
	json_t *r = agent(x, json_pack("{s:s, s:s, s:i, s:i}", "op", "fill", "path", path,
				       "seed", seed, "mib", mib), &err);
	REQUIRE(r != NULL, "fill %s: %s", path, err.msg);
	json_decref(r);
}

static void test_lvm(struct vdm_transport *x)
{
	struct vdm_client drv, *ops = &drv;
	struct vdm_error oerr = { 0 };
	REQUIRE(vdm_client_open("linux-lvm", x, &drv, &oerr) == 0, "open: %s", oerr.msg);
	struct vdm_error err = { 0 };
	REQUIRE(ops != NULL, "no linux-lvm driver");

	/* lab-lvm.json: rootvg on lpar1-01 (hd4, data: full) and lpar1-02 (hd2), 4 MiB extents */
	json_t *part = discover(ops, x);
	json_t *vg = find_named(json_object_get(part, "vgs"), "rootvg");
	REQUIRE(vg != NULL, "rootvg not discovered");
	CHECK(json_integer_value(json_object_get(vg, "extent_mib")) == 4, "extent_mib");
	CHECK(json_integer_value(json_object_get(vg, "pv_overhead_mib")) == 1, "pv_overhead_mib");
	CHECK(json_integer_value(json_object_get(vg, "copy_meta_extents")) == 1, "meta");
	CHECK(json_array_size(json_object_get(vg, "pvs")) == 2, "2 PVs");
	json_t *pv0 = json_array_get(json_object_get(vg, "pvs"), 0);
	CHECK(!strcmp(json_string_value(json_object_get(pv0, "disk")), "lpar1-01"),
	      "PV named by serial, got %s", json_string_value(json_object_get(pv0, "disk")));
	CHECK(json_integer_value(json_object_get(pv0, "total_extents")) == 7, "32 MiB disk: 7 x 4");
	json_t *hd2 = find_named(json_object_get(vg, "lvs"), "hd2");
	CHECK(hd2 && json_integer_value(json_object_get(hd2, "extents")) == 6, "hd2 6 extents");
	CHECK(hd2 && json_array_size(json_object_get(hd2, "copies")) == 1, "hd2 one copy");
	json_decref(part);

	fill(x, "/dev/rootvg/hd2", 42, 24);

	/* the new disk, as the plan would name it */
	CHECK(vdm_client_wait_disk(ops, "lpar1-06", 5000, NULL, &err) == 0, "wait_disk: %s", err.msg);
	int rc = vdm_client_wait_disk(ops, "no-such-disk", 300, NULL, &err);
	CHECK(rc < 0 && strstr(err.msg, "no-such-disk") && strstr(err.msg, "300 ms"),
	      "wait_disk of a missing disk: bounded, clear error: %s", err.msg);
	REQUIRE(vdm_client_add_pv(ops, "rootvg", "lpar1-06", &err) == 0, "add_pv: %s", err.msg);
	CHECK(vdm_client_add_pv(ops, "rootvg", "lpar1-06", &err) == 0, "add_pv again: %s", err.msg);
	part = discover(ops, x);
	vg = find_named(json_object_get(part, "vgs"), "rootvg");
	CHECK(json_array_size(json_object_get(vg, "pvs")) == 3, "3 PVs after add_pv");
	json_decref(part);

	/* the copy goes exactly where the plan says: lpar1-06 */
	struct vdm_plan_segment seg = { "lpar1-06", 7 };
	struct vdm_plan_copy copy = { &seg, 1 };
	int64_t t0 = vdm_now_ms();
	REQUIRE(vdm_client_add_copy(ops, "rootvg", "hd2", 2, &copy, &err) == 0, "add_copy: %s", err.msg);
	CHECK(wait_sync(ops, x, "rootvg", "hd2") == 0, "hd2 reaches 100%%");
	printf("hd2 (24 MiB): add_copy + sync took %lld ms\n", (long long)(vdm_now_ms() - t0));
	CHECK(vdm_client_add_copy(ops, "rootvg", "hd2", 2, &copy, &err) == 0, "add_copy again: %s",
	      err.msg);
	json_t *copies = lv_copies(ops, x, "rootvg", "hd2");
	CHECK(json_array_size(copies) == 2, "hd2 has 2 copies");
	json_t *c1 = json_array_get(json_array_get(copies, 1), 0);
	CHECK(c1 && !strcmp(json_string_value(json_object_get(c1, "pv")), "lpar1-06") &&
	      json_integer_value(json_object_get(c1, "extents")) == 6,
	      "second copy: 6 extents on lpar1-06");
	json_decref(copies);
	CHECK(verify(x, "/dev/rootvg/hd2", 42, 24), "hd2 data intact after the mirror");

	/* hd4 sits on a full PV: raid1's rmeta has no room; the error must say why */
	seg.extents = 5;
	rc = vdm_client_add_copy(ops, "rootvg", "hd4", 2, &copy, &err);
	CHECK(rc < 0 && strstr(err.msg, "rootvg/hd4") && strstr(err.msg, "free space"),
	      "add_copy on a full PV fails clearly: %s", err.msg);
	copies = lv_copies(ops, x, "rootvg", "hd4");
	CHECK(json_array_size(copies) == 1, "hd4 left as it was");
	json_decref(copies);

	/* undo: copy and PV away, twice */
	CHECK(vdm_client_remove_copy(ops, "rootvg", "hd2", &copy, &err) == 0, "remove_copy: %s", err.msg);
	CHECK(vdm_client_remove_copy(ops, "rootvg", "hd2", &copy, &err) == 0, "remove_copy again: %s",
	      err.msg);
	copies = lv_copies(ops, x, "rootvg", "hd2");
	CHECK(json_array_size(copies) == 1, "hd2 back to one copy");
	json_decref(copies);
	CHECK(vdm_client_remove_pv(ops, "rootvg", "lpar1-06", &err) == 0, "remove_pv: %s", err.msg);
	CHECK(vdm_client_remove_pv(ops, "rootvg", "lpar1-06", &err) == 0, "remove_pv again: %s",
	      err.msg);
	part = discover(ops, x);
	vg = find_named(json_object_get(part, "vgs"), "rootvg");
	CHECK(json_array_size(json_object_get(vg, "pvs")) == 2, "2 PVs after remove_pv");
	json_decref(part);
	CHECK(verify(x, "/dev/rootvg/hd2", 42, 24), "hd2 data intact after the undo");
	vdm_client_close(&drv);
}

static void test_md(struct vdm_transport *x)
{
	struct vdm_client drv, *ops = &drv;
	struct vdm_error oerr = { 0 };
	REQUIRE(vdm_client_open("linux-md", x, &drv, &oerr) == 0, "open: %s", oerr.msg);
	struct vdm_error err = { 0 };
	REQUIRE(ops != NULL, "no linux-md driver");
	json_t *part = discover(ops, x);
	json_t *vg = find_named(json_object_get(part, "vgs"), "md0");
	REQUIRE(vg != NULL, "md0 not discovered");
	json_t *lv = json_array_get(json_object_get(vg, "lvs"), 0);
	int64_t extents = json_integer_value(json_object_get(lv, "extents"));
	CHECK(extents > 0 && extents < 48, "md0 extents %lld", (long long)extents);
	CHECK(json_array_size(json_object_get(lv, "copies")) == 1, "md0 one copy");
	CHECK(json_integer_value(json_object_get(vg, "pv_overhead_mib")) >= 1, "md overhead");
	json_decref(part);

	fill(x, "/dev/md0", 7, 16);
	struct vdm_plan_segment seg = { "lpar1-02", extents };
	struct vdm_plan_copy copy = { &seg, 1 };
	REQUIRE(vdm_client_add_pv(ops, "md0", "lpar1-02", &err) == 0, "add_pv: %s", err.msg);
	REQUIRE(vdm_client_add_copy(ops, "md0", "md0", 2, &copy, &err) == 0, "add_copy: %s", err.msg);
	CHECK(wait_sync(ops, x, "md0", "md0") == 0, "md0 in sync");
	CHECK(vdm_client_add_copy(ops, "md0", "md0", 2, &copy, &err) == 0, "add_copy again: %s", err.msg);
	json_t *copies = lv_copies(ops, x, "md0", "md0");
	CHECK(json_array_size(copies) == 2, "md0 has 2 copies");
	json_decref(copies);
	CHECK(verify(x, "/dev/md0", 7, 16), "md0 data intact after the mirror");
	CHECK(vdm_client_remove_copy(ops, "md0", "md0", &copy, &err) == 0, "remove_copy: %s", err.msg);
	CHECK(vdm_client_remove_copy(ops, "md0", "md0", &copy, &err) == 0, "remove_copy again: %s",
	      err.msg);
	copies = lv_copies(ops, x, "md0", "md0");
	CHECK(json_array_size(copies) == 1, "md0 back to one copy");
	json_decref(copies);
	CHECK(verify(x, "/dev/md0", 7, 16), "md0 data intact after the undo");
	vdm_client_close(&drv);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: test-lab-drivers lvm|md AGENT_SOCKET\n");
		return 2;
	}
	char *addr = xasprintf("agent:unix:%s", argv[2]);
	struct vdm_transport x;
	struct vdm_error err = { 0 };
	REQUIRE(vdm_transport_open(addr, &x, &err) == 0, "open %s: %s", addr, err.msg);
	free(addr);
	/* the agent starts late in the guest's init: allow it some time to answer */
	json_t *hello = NULL;
	for (int i = 0; i < 30 && !hello; i++)
		hello = agent(&x, json_pack("{s:s}", "op", "hello"), &err);
	REQUIRE(hello != NULL, "hello: %s", err.msg);
	json_decref(hello);
	if (!strcmp(argv[1], "lvm"))
		test_lvm(&x);
	else
		test_md(&x);
	vdm_transport_close(&x);
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
