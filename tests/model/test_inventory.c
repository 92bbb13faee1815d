/* test_inventory.c: unit tests of the inventory reader, writer, names, levels and lookups.
 * Every rejection path of the reader is driven by patching one field of a valid inventory
 * (data/rich.json) and checking the whole "<source>: <path>: <problem>" prefix. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "vdmirror/model.h"
#include "vdmirror/util.h"

static char *data_path(const char *name)
{
	const char *root = getenv("VDM_SOURCE_ROOT");
	return xasprintf("%s/tests/model/data/%s", root ? root : ".", name);
}

static json_t *load_rich(void)
{
	char *p = data_path("rich.json");
	json_error_t je;
	json_t *j = json_load_file(p, 0, &je);
	if (!j)
		fail_msg("cannot load %s: %s", p, je.text);
	free(p);
	return j;
}

/* Sets (or with value NULL deletes) the element at a dotted path ("pools.0.server"). */
static void patch(json_t *root, const char *path, const char *value)
{
	char *copy = xstrdup(path), *save = NULL;
	json_t *cur = root, *parent = NULL;
	char *tok, *last = NULL;

	for (tok = strtok_r(copy, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		if (last) {
			parent = cur;
			cur = json_is_array(parent) ? json_array_get(parent, strtoul(last, NULL, 10))
						    : json_object_get(parent, last);
			assert_non_null(cur);
		}
		last = tok;
	}
	parent = cur;
	json_t *v = NULL;
	if (value) {
		json_error_t je;
		v = json_loads(value, JSON_DECODE_ANY, &je);
		if (!v)
			fail_msg("bad patch value %s: %s", value, je.text);
	}
	if (json_is_array(parent)) {
		size_t i = strtoul(last, NULL, 10);
		if (v)
			assert_int_equal(json_array_set_new(parent, i, v), 0);
		else
			assert_int_equal(json_array_remove(parent, i), 0);
	} else {
		if (v)
			assert_int_equal(json_object_set_new(parent, last, v), 0);
		else
			assert_int_equal(json_object_del(parent, last), 0);
	}
	free(copy);
}

struct reject {
	const char *path;       /* field to patch */
	const char *value;      /* JSON text, or NULL: delete the field */
	const char *expect;     /* message prefix after "inv.json: " */
};

#define LONG129 "a1234567890123456789012345678901234567890123456789012345678901234567890" \
	"12345678901234567890123456789012345678901234567890123456789"

static const struct reject rejects[] = {
	{ "version", NULL, "version: required field is missing" },
	{ "version", "\"1\"", "version: must be an integer" },
	{ "version", "2", "version: unsupported version 2" },
	/* sites */
	{ "sites", "{}", "sites: must be an array" },
	{ "sites.0", "\"dc1\"", "sites[0]: must be an object" },
	{ "sites.1.name", NULL, "sites[1].name: required field is missing" },
	{ "sites.1.name", "7", "sites[1].name: must be a string" },
	{ "sites.1.name", "\"-dc\"", "sites[1].name: invalid name \"-dc\"" },
	{ "sites.1.name", "\"\"", "sites[1].name: invalid name \"\"" },
	{ "sites.1.name", "\"dc 2\"", "sites[1].name: invalid name \"dc 2\"" },
	{ "sites.1.name", "\"" LONG129 "\"", "sites[1].name: invalid name \"a12345" },
	{ "sites.1.name", "\"dc1\"", "sites[1].name: duplicate site name \"dc1\" (also sites[0])" },
	/* frames */
	{ "frames", "3", "frames: must be an array" },
	{ "frames.1.name", "\"f1\"", "frames[1].name: duplicate frame name \"f1\"" },
	{ "frames.1.site", "\"dc9\"", "frames[1].site: unknown site \"dc9\"" },
	{ "frames.1.site", "[]", "frames[1].site: must be a string" },
	/* servers */
	{ "servers", NULL, "servers: required field is missing" },
	{ "servers", "null", "servers: must be an array" },
	{ "servers.2", "[]", "servers[2]: must be an object" },
	{ "servers.2.name", "\"vios1\"", "servers[2].name: duplicate server name \"vios1\"" },
	{ "servers.1.frame", "\"f9\"", "servers[1].frame: unknown frame \"f9\"" },
	{ "servers.1.frame", "1", "servers[1].frame: must be a string" },
	/* pools */
	{ "pools", NULL, "pools: required field is missing" },
	{ "pools", "\"x\"", "pools: must be an array" },
	{ "pools.1.name", "\"vios1/sp\"", "pools[1].name: duplicate pool name \"vios1/sp\"" },
	{ "pools.1.name", "\"vios2 sp\"", "pools[1].name: invalid name" },
	{ "pools.1.server", NULL, "pools[1].server: required field is missing" },
	{ "pools.1.server", "\"vios9\"", "pools[1].server: unknown server \"vios9\"" },
	{ "pools.1.server", "false", "pools[1].server: must be a string" },
	{ "pools.0.devices", "\"lun-1\"", "pools[0].devices: must be an array" },
	{ "pools.0.devices.1", "5", "pools[0].devices[1]: must be a string" },
	{ "pools.0.devices.1", "\"lun-1\"", "pools[0].devices[1]: duplicate device \"lun-1\"" },
	{ "pools.0.devices.1", "\"lun?2\"", "pools[0].devices[1]: invalid name \"lun?2\"" },
	{ "pools.0.size_mib", NULL, "pools[0].size_mib: required field is missing" },
	{ "pools.0.size_mib", "-1", "pools[0].size_mib: must be an integer >= 0" },
	{ "pools.0.size_mib", "\"100\"", "pools[0].size_mib: must be an integer >= 0" },
	{ "pools.0.size_mib", "1.5", "pools[0].size_mib: must be an integer >= 0" },
	{ "pools.0.free_mib", NULL, "pools[0].free_mib: required field is missing" },
	{ "pools.0.free_mib", "-5", "pools[0].free_mib: must be an integer >= 0" },
	{ "pools.0.free_mib", "100001",
	  "pools[0].free_mib: 100001 is more than size_mib 100000" },
	{ "pools.0.reserve_pct", "101", "pools[0].reserve_pct: must be an integer from 0 to 100" },
	{ "pools.0.reserve_pct", "-1", "pools[0].reserve_pct: must be an integer from 0 to 100" },
	{ "pools.0.alloc_mib", "0", "pools[0].alloc_mib: must be an integer >= 1" },
	{ "pools.0.tier", "3", "pools[0].tier: must be a string" },
	/* partitions */
	{ "partitions", NULL, "partitions: required field is missing" },
	{ "partitions", "{}", "partitions: must be an array" },
	{ "partitions.1", "1", "partitions[1]: must be an object" },
	{ "partitions.1.name", "\"lpar1\"",
	  "partitions[1].name: duplicate partition name \"lpar1\" (also partitions[0])" },
	{ "partitions.0.os", "{}", "partitions[0].os: must be a string" },
	{ "partitions.0.frame", "\"f7\"", "partitions[0].frame: unknown frame \"f7\"" },
	/* disks */
	{ "partitions.0.disks", NULL, "partitions[0].disks: required field is missing" },
	{ "partitions.0.disks", "{}", "partitions[0].disks: must be an array" },
	{ "partitions.0.disks.1", "\"hdisk1\"", "partitions[0].disks[1]: must be an object" },
	{ "partitions.0.disks.1.name", "\"hdisk0\"",
	  "partitions[0].disks[1].name: duplicate disk name \"hdisk0\" (also partitions[0].disks[0])" },
	{ "partitions.0.disks.1.size_mib", NULL,
	  "partitions[0].disks[1].size_mib: required field is missing" },
	{ "partitions.0.disks.1.size_mib", "-1",
	  "partitions[0].disks[1].size_mib: must be an integer >= 0" },
	{ "partitions.0.disks.1.pool", "\"vios2/xx\"",
	  "partitions[0].disks[1].pool: unknown pool \"vios2/xx\"" },
	{ "partitions.0.disks.1.pool", "[]", "partitions[0].disks[1].pool: must be a string" },
	{ "partitions.0.disks.3.devices", "[\"lun-9\", \"lun-9\"]",
	  "partitions[0].disks[3].devices[1]: duplicate device \"lun-9\"" },
	{ "partitions.0.disks.3.devices", "{}", "partitions[0].disks[3].devices: must be an array" },
	{ "partitions.0.disks.1.paths", NULL,
	  "partitions[0].disks[1].paths: required field is missing" },
	{ "partitions.0.disks.1.paths", "\"vios2\"",
	  "partitions[0].disks[1].paths: must be an array" },
	{ "partitions.0.disks.1.paths", "[]",
	  "partitions[0].disks[1].paths: must list at least one server" },
	{ "partitions.0.disks.2.paths.1", "2", "partitions[0].disks[2].paths[1]: must be a string" },
	{ "partitions.0.disks.2.paths.1", "\"vios7\"",
	  "partitions[0].disks[2].paths[1]: unknown server \"vios7\"" },
	{ "partitions.0.disks.2.paths.1", "\"vios1\"",
	  "partitions[0].disks[2].paths[1]: duplicate server \"vios1\"" },
	/* vgs */
	{ "partitions.0.vgs", NULL, "partitions[0].vgs: required field is missing" },
	{ "partitions.0.vgs", "7", "partitions[0].vgs: must be an array" },
	{ "partitions.0.vgs.1.name", "\"rootvg\"",
	  "partitions[0].vgs[1].name: duplicate vg name \"rootvg\"" },
	{ "partitions.0.vgs.0.extent_mib", NULL,
	  "partitions[0].vgs[0].extent_mib: required field is missing" },
	{ "partitions.0.vgs.0.extent_mib", "0",
	  "partitions[0].vgs[0].extent_mib: must be an integer >= 1" },
	{ "partitions.0.vgs.0.pv_overhead_mib", "-4",
	  "partitions[0].vgs[0].pv_overhead_mib: must be an integer >= 0" },
	{ "partitions.0.vgs.0.copy_meta_extents", "\"1\"",
	  "partitions[0].vgs[0].copy_meta_extents: must be an integer >= 0" },
	/* pvs */
	{ "partitions.0.vgs.0.pvs", NULL, "partitions[0].vgs[0].pvs: required field is missing" },
	{ "partitions.0.vgs.0.pvs", "{}", "partitions[0].vgs[0].pvs: must be an array" },
	{ "partitions.0.vgs.0.pvs.1", "\"hdisk1\"", "partitions[0].vgs[0].pvs[1]: must be an object" },
	{ "partitions.0.vgs.0.pvs.1.disk", NULL,
	  "partitions[0].vgs[0].pvs[1].disk: required field is missing" },
	{ "partitions.0.vgs.0.pvs.1.disk", "\"hdisk9\"",
	  "partitions[0].vgs[0].pvs[1].disk: unknown disk \"hdisk9\" (not a disk of partition lpar1)" },
	{ "partitions.0.vgs.0.pvs.1.disk", "\"hdisk0\"",
	  "partitions[0].vgs[0].pvs[1].disk: disk \"hdisk0\" is already a PV of this vg" },
	{ "partitions.0.vgs.1.pvs.0.disk", "\"hdisk1\"",
	  "partitions[0].vgs[1].pvs[0].disk: disk \"hdisk1\" is already a PV of vg rootvg" },
	{ "partitions.0.vgs.0.pvs.0.total_extents", NULL,
	  "partitions[0].vgs[0].pvs[0].total_extents: required field is missing" },
	{ "partitions.0.vgs.0.pvs.0.total_extents", "-639",
	  "partitions[0].vgs[0].pvs[0].total_extents: must be an integer >= 0" },
	{ "partitions.0.vgs.0.pvs.0.free_extents", "-1",
	  "partitions[0].vgs[0].pvs[0].free_extents: must be an integer >= 0" },
	{ "partitions.0.vgs.0.pvs.0.free_extents", "640",
	  "partitions[0].vgs[0].pvs[0].free_extents: 640 is more than total_extents 639" },
	/* lvs */
	{ "partitions.0.vgs.0.lvs", NULL, "partitions[0].vgs[0].lvs: required field is missing" },
	{ "partitions.0.vgs.0.lvs", "\"hd4\"", "partitions[0].vgs[0].lvs: must be an array" },
	{ "partitions.0.vgs.0.lvs.1", "[]", "partitions[0].vgs[0].lvs[1]: must be an object" },
	{ "partitions.0.vgs.0.lvs.1.name", "\"hd4\"",
	  "partitions[0].vgs[0].lvs[1].name: duplicate LV name \"hd4\"" },
	{ "partitions.0.vgs.0.lvs.1.name", "\"hd/../4 x\"",
	  "partitions[0].vgs[0].lvs[1].name: invalid name" },
	{ "partitions.0.vgs.0.lvs.1.extents", "-3",
	  "partitions[0].vgs[0].lvs[1].extents: must be an integer >= 0" },
	{ "partitions.0.vgs.0.lvs.1.extents", NULL,
	  "partitions[0].vgs[0].lvs[1].extents: required field is missing" },
	{ "partitions.0.vgs.0.lvs.1.copies", NULL,
	  "partitions[0].vgs[0].lvs[1].copies: required field is missing" },
	{ "partitions.0.vgs.0.lvs.1.copies", "{}",
	  "partitions[0].vgs[0].lvs[1].copies: must be an array" },
	{ "partitions.0.vgs.0.lvs.1.copies", "[]",
	  "partitions[0].vgs[0].lvs[1].copies: must list at least one copy" },
	{ "partitions.0.vgs.0.lvs.0.copies.1", "{}",
	  "partitions[0].vgs[0].lvs[0].copies[1]: must be an array" },
	{ "partitions.0.vgs.0.lvs.0.copies.1", "[]",
	  "partitions[0].vgs[0].lvs[0].copies[1]: must list at least one segment" },
	{ "partitions.0.vgs.0.lvs.0.copies.1.0", "\"hdisk1\"",
	  "partitions[0].vgs[0].lvs[0].copies[1][0]: must be an object" },
	{ "partitions.0.vgs.0.lvs.0.copies.1.0.pv", NULL,
	  "partitions[0].vgs[0].lvs[0].copies[1][0].pv: required field is missing" },
	{ "partitions.0.vgs.0.lvs.0.copies.1.0.pv", "1",
	  "partitions[0].vgs[0].lvs[0].copies[1][0].pv: must be a string" },
	{ "partitions.0.vgs.0.lvs.0.copies.1.0.pv", "\"hdisk2\"",
	  "partitions[0].vgs[0].lvs[0].copies[1][0].pv: unknown PV \"hdisk2\" (not a PV of vg rootvg)" },
	{ "partitions.0.vgs.0.lvs.0.copies.1.0.pv", "\"nope\"",
	  "partitions[0].vgs[0].lvs[0].copies[1][0].pv: unknown PV \"nope\"" },
	{ "partitions.0.vgs.0.lvs.0.copies.1.1.extents", "0",
	  "partitions[0].vgs[0].lvs[0].copies[1][1].extents: must be an integer >= 1" },
	{ "partitions.0.vgs.0.lvs.0.copies.1.1.extents", NULL,
	  "partitions[0].vgs[0].lvs[0].copies[1][1].extents: required field is missing" },
	{ "partitions.0.vgs.0.lvs.0.copies.1.1.extents", "11",
	  "partitions[0].vgs[0].lvs[0].copies[1]: segments add up to 41 extents,"
	  " but the LV has 40 extents" },
	{ "partitions.0.vgs.0.lvs.0.copies.1.1.extents", "9223372036854775807",
	  "partitions[0].vgs[0].lvs[0].copies[1]: segments add up to 9223372036854775807" },
	/* one LV's copies on one PV beyond its size */
	{ "partitions.0.vgs.0.lvs.1",
	  "{\"name\": \"big\", \"extents\": 400, \"copies\": [[{\"pv\": \"hdisk0\", \"extents\": 400}],"
	  " [{\"pv\": \"hdisk0\", \"extents\": 400}]]}",
	  "partitions[0].vgs[0].lvs[1].copies: the copies put 800 extents on PV hdisk0, which has"
	  " only 639 total_extents" },
	/* issue 9, finding 3: a guest that lies about its PVs. The storage server says hdisk0 has
	 * 20480 MiB: 10 000 000 extents of 32 MiB, or 641 (20512 MiB), are more than that */
	{ "partitions.0.vgs.0.pvs.0.total_extents", "10000000",
	  "partitions[0].vgs[0].pvs[0].total_extents: partition lpar1, disk hdisk0: the PV claims"
	  " 10000000 extents of 32 MiB (320000000 MiB), but the storage server reports the disk as"
	  " 20480 MiB" },
	{ "partitions.0.vgs.0.pvs.0.total_extents", "641",
	  "partitions[0].vgs[0].pvs[0].total_extents: partition lpar1, disk hdisk0: the PV claims"
	  " 641 extents of 32 MiB (20512 MiB)" },
	/* finding 4: extents x extent size wraps */
	{ "partitions.0.vgs.0.pvs.0.total_extents", "288230376151711744",
	  "partitions[0].vgs[0].pvs[0].total_extents: partition lpar1, disk hdisk0: the PV claims"
	  " 288230376151711744 extents of 32 MiB (more than 9223372036854775807 MiB)" },
	/* lvs[].resync_percent (vdmirror's addition): parallel to stale, 0..100 or null; a
	 * guest reporting 250 % or garbage is refused, not shown */
#define RP_LV(stale, rp) "{\"name\": \"hd2\", \"extents\": 10, \"copies\": [[{\"pv\": \"hdisk0\"," \
	" \"extents\": 10}], [{\"pv\": \"hdisk1\", \"extents\": 10}], [{\"pv\": \"hdisk1\"," \
	" \"extents\": 10}]]" stale ", \"resync_percent\": " rp "}"
	{ "partitions.0.vgs.0.lvs.1", RP_LV("", "[42]"),
	  "partitions[0].vgs[0].lvs[1].resync_percent: must be an array as long as stale (0)" },
	{ "partitions.0.vgs.0.lvs.1", RP_LV(", \"stale\": [1, 2]", "[42]"),
	  "partitions[0].vgs[0].lvs[1].resync_percent: must be an array as long as stale (2)" },
	{ "partitions.0.vgs.0.lvs.1", RP_LV(", \"stale\": [1]", "42"),
	  "partitions[0].vgs[0].lvs[1].resync_percent: must be an array as long as stale (1)" },
	{ "partitions.0.vgs.0.lvs.1", RP_LV(", \"stale\": [1, 2]", "[null, 250]"),
	  "partitions[0].vgs[0].lvs[1].resync_percent[1]: must be an integer percent, 0 to 100, or null" },
	{ "partitions.0.vgs.0.lvs.1", RP_LV(", \"stale\": [1]", "[-1]"),
	  "partitions[0].vgs[0].lvs[1].resync_percent[0]: must be an integer percent" },
	{ "partitions.0.vgs.0.lvs.1", RP_LV(", \"stale\": [1]", "[42.5]"),
	  "partitions[0].vgs[0].lvs[1].resync_percent[0]: must be an integer percent" },
	{ "partitions.0.vgs.0.lvs.1", RP_LV(", \"stale\": [1]", "[\"42 %\"]"),
	  "partitions[0].vgs[0].lvs[1].resync_percent[0]: must be an integer percent" },
#undef RP_LV
	/* all LVs together on one PV beyond its size */
	{ "partitions.0.vgs.0.lvs.1",
	  "{\"name\": \"hd2\", \"extents\": 600, \"copies\": [[{\"pv\": \"hdisk0\", \"extents\": 600}]]}",
	  "partitions[0].vgs[0].lvs: the LVs put 640 extents on PV hdisk0, which has only 639" },
};

static void test_rejects(void **state)
{
	for (size_t i = 0; i < sizeof rejects / sizeof rejects[0]; i++) {
		const struct reject *t = &rejects[i];
		json_t *j = load_rich();
		struct vdm_inventory *inv = (void *)1;
		struct vdm_error err = { 0 };
		char want[2048];

		patch(j, t->path, t->value);
		int r = vdm_inventory_parse_json(j, "inv.json", &inv, &err);
		snprintf(want, sizeof want, "inv.json: %s", t->expect);
		if (r != -EINVAL || strncmp(err.msg, want, strlen(want)) != 0)
			fail_msg("case %zu (%s = %s): got %d \"%s\", want \"%s\"", i, t->path,
				 t->value ? t->value : "(deleted)", r, err.msg, want);
		assert_null(inv);
		json_decref(j);
	}
}

static void expect_string_error(const char *text, const char *want)
{
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	int r = vdm_inventory_parse_string(text, strlen(text), "inv.json", &inv, &err);
	assert_int_equal(r, -EINVAL);
	assert_null(inv);
	if (strncmp(err.msg, want, strlen(want)))
		fail_msg("got \"%s\", want \"%s\"", err.msg, want);
}

static void test_syntax(void **state)
{
	expect_string_error("{\"version\": 1,\n  \"servers\": [}\n", "inv.json: line 2 column 15: unexpected token");
	expect_string_error("", "inv.json: line 1 column 0: ");
	expect_string_error("{\"version\": 1, \"version\": 1}",
			    "inv.json: line 1 column 24: duplicate object key");
	expect_string_error("[]", "inv.json: top level: must be a JSON object");
	expect_string_error("{\"version\": 1} trailing", "inv.json: line 1 column 23: end of file expected");
}

static void test_rich_ok(void **state)
{
	json_t *j = load_rich();
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };

	if (vdm_inventory_parse_json(j, "rich.json", &inv, &err))
		fail_msg("%s", err.msg);
	json_decref(j);
	assert_int_equal(inv->version, 1);
	assert_int_equal(inv->n_sites, 2);
	assert_int_equal(inv->n_frames, 2);
	assert_int_equal(inv->frames[1].site, 1);
	assert_int_equal(inv->n_servers, 3);
	assert_int_equal(inv->servers[1].frame, 1);
	assert_int_equal(inv->servers[2].frame, -1);
	assert_int_equal(inv->n_pools, 2);
	const struct vdm_pool *p0 = &inv->pools[0], *p1 = &inv->pools[1];
	assert_int_equal(p0->server, 0);
	assert_int_equal(p0->n_devices, 2);
	assert_string_equal(p0->devices[1], "lun-2");
	assert_int_equal(p0->size_mib, 100000);
	assert_int_equal(p0->free_mib, 50000);
	assert_int_equal(p0->reserve_pct, 10);
	assert_int_equal(p0->alloc_mib, 32);
	assert_string_equal(p0->tier, "ssd");
	/* defaults */
	assert_int_equal(p1->server, 1);
	assert_int_equal(p1->n_devices, 0);
	assert_int_equal(p1->reserve_pct, 0);
	assert_int_equal(p1->alloc_mib, 1);
	assert_null(p1->tier);

	assert_int_equal(inv->n_partitions, 2);
	const struct vdm_partition *l1 = &inv->partitions[0], *l2 = &inv->partitions[1];
	assert_string_equal(l1->os, "aix");
	assert_int_equal(l1->frame, 0);
	assert_null(l2->os);
	assert_int_equal(l2->frame, -1);
	assert_int_equal(l1->n_disks, 4);
	assert_int_equal(l1->disks[0].pool, 0);
	assert_int_equal(l1->disks[2].pool, -1);
	assert_int_equal(l1->disks[2].n_devices, 1);
	assert_string_equal(l1->disks[2].devices[0], "lun-3");
	assert_int_equal(l1->disks[2].n_paths, 2);
	assert_int_equal(l1->disks[2].paths[0], 0);
	assert_int_equal(l1->disks[2].paths[1], 1);
	assert_int_equal(l1->disks[3].paths[0], 2);
	assert_int_equal(l1->n_vgs, 2);
	const struct vdm_vg *rv = &l1->vgs[0], *dv = &l1->vgs[1];
	assert_int_equal(rv->extent_mib, 32);
	assert_int_equal(rv->pv_overhead_mib, 4);
	assert_int_equal(rv->copy_meta_extents, 1);
	assert_int_equal(dv->pv_overhead_mib, 0);
	assert_int_equal(dv->copy_meta_extents, 0);
	assert_int_equal(dv->n_lvs, 0);
	assert_int_equal(dv->pvs[0].disk, 2);
	assert_int_equal(rv->n_pvs, 2);
	assert_int_equal(rv->pvs[1].disk, 1);
	assert_int_equal(rv->pvs[1].total_extents, 639);
	assert_int_equal(rv->pvs[1].free_extents, 600);
	assert_int_equal(rv->n_lvs, 2);
	const struct vdm_lv *hd4 = &rv->lvs[0];
	assert_string_equal(hd4->name, "hd4");
	assert_int_equal(hd4->extents, 40);
	assert_int_equal(hd4->n_copies, 2);
	assert_int_equal(hd4->copies[0].n_segs, 1);
	assert_int_equal(hd4->copies[0].segs[0].pv, 0);
	assert_int_equal(hd4->copies[1].n_segs, 2);
	assert_int_equal(hd4->copies[1].segs[0].pv, 1);
	assert_int_equal(hd4->copies[1].segs[1].extents, 10);
	/* disks are named per partition: lpar2 has its own hdisk0 */
	assert_int_equal(l2->disks[0].pool, 1);
	vdm_inventory_free(inv);
}

static void test_null_optional_and_empty(void **state)
{
	const char *text =
		"{\"version\": 1, \"sites\": null, \"servers\": [{\"name\": \"s\", \"frame\": null}],"
		" \"pools\": [{\"name\": \"p\", \"server\": \"s\", \"size_mib\": 0, \"free_mib\": 0,"
		" \"tier\": null, \"reserve_pct\": null}], \"partitions\": []}";
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	if (vdm_inventory_parse_string(text, strlen(text), "t", &inv, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(inv->n_sites, 0);
	assert_int_equal(inv->n_frames, 0);
	assert_int_equal(inv->servers[0].frame, -1);
	assert_null(inv->pools[0].tier);
	assert_int_equal(inv->pools[0].reserve_pct, 0);
	assert_int_equal(inv->n_partitions, 0);
	vdm_inventory_free(inv);
}

static void test_formats_example(void **state)
{
	char *p = data_path("formats-example.json");
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	if (vdm_inventory_parse_file(p, &inv, &err))
		fail_msg("%s", err.msg);
	free(p);
	assert_int_equal(inv->n_servers, 2);
	assert_int_equal(inv->pools[0].n_devices, 2);
	assert_int_equal(inv->pools[0].alloc_mib, 32);
	const struct vdm_partition *l = &inv->partitions[0];
	assert_string_equal(l->name, "lpar1");
	assert_int_equal(l->disks[1].pool, -1);
	assert_int_equal(l->disks[1].n_paths, 2);
	assert_int_equal(l->vgs[0].pv_overhead_mib, 4);
	assert_int_equal(l->vgs[0].lvs[0].copies[0].segs[0].extents, 40);
	vdm_inventory_free(inv);
}

static char *dump(const struct vdm_inventory *inv)
{
	json_t *j = vdm_inventory_to_json(inv);
	char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	return s;
}

static void test_round_trip(void **state)
{
	json_t *j = load_rich();
	struct vdm_inventory *a = NULL, *b = NULL;
	struct vdm_error err = { 0 };

	assert_int_equal(vdm_inventory_parse_json(j, "rich.json", &a, &err), 0);
	json_decref(j);
	char *s1 = dump(a);
	if (vdm_inventory_parse_string(s1, strlen(s1), "written", &b, &err))
		fail_msg("written inventory does not parse: %s", err.msg);
	char *s2 = dump(b);
	assert_string_equal(s1, s2);
	/* only formats.md fields, defaults written out */
	assert_null(strstr(s1, "x-producer"));
	json_t *w = json_loads(s1, 0, NULL);
	json_t *p1 = json_array_get(json_object_get(w, "pools"), 1);
	assert_int_equal(json_integer_value(json_object_get(p1, "alloc_mib")), 1);
	assert_int_equal(json_integer_value(json_object_get(p1, "reserve_pct")), 0);
	assert_null(json_object_get(p1, "tier"));
	assert_null(json_object_get(p1, "devices"));
	json_t *seg = json_array_get(json_array_get(json_object_get(json_array_get(
		json_object_get(json_array_get(json_object_get(json_array_get(
		json_object_get(w, "partitions"), 0), "vgs"), 0), "lvs"), 0), "copies"), 1), 1);
	assert_string_equal(json_string_value(json_object_get(seg, "pv")), "hdisk1");
	assert_int_equal(json_integer_value(json_object_get(seg, "extents")), 10);
	assert_int_equal(b->partitions[0].vgs[0].lvs[0].copies[1].segs[1].pv, 1);
	assert_int_equal(b->partitions[0].disks[2].paths[1], 1);
	json_decref(w);
	free(s1);
	free(s2);
	vdm_inventory_free(a);
	vdm_inventory_free(b);
}

/* lvs[].resync_percent: each entry belongs to the stale copy at the same place in stale
 * (which need not be sorted), null is "not known", and the writer keeps both parallel. */
static void test_resync_percent(void **state)
{
	json_t *j = load_rich();
	patch(j, "partitions.0.vgs.0.lvs.1",
	      "{\"name\": \"hd2\", \"extents\": 10, \"copies\": [[{\"pv\": \"hdisk0\", \"extents\": 10}],"
	      " [{\"pv\": \"hdisk1\", \"extents\": 10}], [{\"pv\": \"hdisk1\", \"extents\": 10}]],"
	      " \"stale\": [2, 1], \"resync_percent\": [null, 42]}");
	struct vdm_inventory *a = NULL, *b = NULL;
	struct vdm_error err = { 0 };
	if (vdm_inventory_parse_json(j, "inv.json", &a, &err))
		fail_msg("resync_percent refused: %s", err.msg);
	json_decref(j);
	const struct vdm_lv *lv = &a->partitions[0].vgs[0].lvs[1];
	assert_non_null(lv->resync_percent);
	assert_int_equal(lv->resync_percent[0], -1);
	assert_int_equal(lv->resync_percent[1], 42);
	assert_int_equal(lv->resync_percent[2], -1);
	/* written in copy order, parallel to stale */
	char *s = dump(a);
	assert_non_null(strstr(s, "\"resync_percent\":[42,null],\"stale\":[1,2]"));
	if (vdm_inventory_parse_string(s, strlen(s), "written", &b, &err))
		fail_msg("written inventory does not parse: %s", err.msg);
	assert_int_equal(b->partitions[0].vgs[0].lvs[1].resync_percent[1], 42);
	assert_int_equal(b->partitions[0].vgs[0].lvs[1].resync_percent[2], -1);
	/* no progress known: no field, no array */
	assert_null(a->partitions[0].vgs[0].lvs[0].resync_percent);
	free(s);
	vdm_inventory_free(a);
	vdm_inventory_free(b);
}

static void test_stdin(void **state)
{
	char tmpl[] = "/tmp/vdm-test-inv-XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	const char *doc = "{\"version\": 1, \"servers\": [{\"name\": \"s1\"}], \"pools\": [],"
			  " \"partitions\": [{\"name\": \"lp\", \"disks\": [], \"vgs\": []}]}";
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);

	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	assert_non_null(freopen(tmpl, "r", stdin));
	if (vdm_inventory_parse_file("-", &inv, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(inv->partitions[0].name, "lp");
	vdm_inventory_free(inv);

	/* errors from stdin name "stdin" */
	FILE *f = fopen(tmpl, "w");
	fputs("{\"version\": 1, \"servers\": [{\"name\": \"s1\"}], \"pools\": [],"
	      " \"partitions\": [{\"name\": \"lp\", \"frame\": \"x\"}]}", f);
	fclose(f);
	assert_non_null(freopen(tmpl, "r", stdin));
	assert_int_equal(vdm_inventory_parse_file("-", &inv, &err), -EINVAL);
	assert_string_equal(err.msg, "stdin: partitions[0].frame: unknown frame \"x\"");
	unlink(tmpl);
}

static void test_file_errors(void **state)
{
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_inventory_parse_file("/nonexistent/inv.json", &inv, &err), -ENOENT);
	assert_int_equal(err.exit_code, VDM_EXIT_INPUT);
	assert_non_null(strstr(err.msg, "/nonexistent/inv.json: cannot open: "));

	char tmpl[] = "/tmp/vdm-test-inv-XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\n\"version\": 1,\n x", 18), 18);
	close(fd);
	assert_int_equal(vdm_inventory_parse_file(tmpl, &inv, &err), -EINVAL);
	char *want = xasprintf("%s: line 3 column ", tmpl);
	if (strncmp(err.msg, want, strlen(want)))
		fail_msg("got %s", err.msg);
	free(want);
	unlink(tmpl);
}

static void test_names(void **state)
{
	char name[200];
	assert_true(vdm_name_valid("a"));
	assert_true(vdm_name_valid("vios1/rootvg_sp"));
	assert_true(vdm_name_valid("0x.A-b_c:d/e"));
	assert_false(vdm_name_valid(NULL));
	assert_false(vdm_name_valid(""));
	assert_false(vdm_name_valid(".a"));
	assert_false(vdm_name_valid("_a"));
	assert_false(vdm_name_valid("/a"));
	assert_false(vdm_name_valid("a b"));
	assert_false(vdm_name_valid("a\n"));
	assert_false(vdm_name_valid("a\xc3\xa9"));
	assert_false(vdm_name_valid("a$"));
	memset(name, 'x', sizeof name);
	name[128] = '\0';
	assert_true(vdm_name_valid(name));
	name[128] = 'x';
	name[129] = '\0';
	assert_false(vdm_name_valid(name));
}

static void test_levels(void **state)
{
	enum vdm_level l;
	static const char *names[] = { "device", "pool", "server", "frame", "site" };
	for (int i = 0; i < VDM_LEVEL_COUNT; i++) {
		assert_string_equal(vdm_level_name((enum vdm_level)i), names[i]);
		assert_int_equal(vdm_level_parse(names[i], &l), 0);
		assert_int_equal(l, i);
	}
	assert_null(vdm_level_name(VDM_LEVEL_NONE));
	assert_null(vdm_level_name((enum vdm_level)VDM_LEVEL_COUNT));
	assert_int_equal(vdm_level_parse("Server", &l), -EINVAL);
	assert_int_equal(vdm_level_parse("", &l), -EINVAL);
	assert_int_equal(vdm_level_parse(NULL, &l), -EINVAL);
	assert_true(VDM_LEVEL_DEVICE < VDM_LEVEL_POOL && VDM_LEVEL_POOL < VDM_LEVEL_SERVER &&
		    VDM_LEVEL_SERVER < VDM_LEVEL_FRAME && VDM_LEVEL_FRAME < VDM_LEVEL_SITE);
}

static void test_lookups(void **state)
{
	json_t *j = load_rich();
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_inventory_parse_json(j, "rich.json", &inv, &err), 0);
	json_decref(j);
	assert_int_equal(vdm_find_server(inv, "vios3"), 2);
	assert_int_equal(vdm_find_server(inv, "vios4"), -1);
	assert_int_equal(vdm_find_server(inv, NULL), -1);
	assert_int_equal(vdm_find_pool(inv, "vios2/sp"), 1);
	assert_int_equal(vdm_find_pool(inv, "vios2"), -1);
	assert_int_equal(vdm_find_partition(inv, "lpar2"), 1);
	assert_int_equal(vdm_find_partition(inv, "lpar3"), -1);
	const struct vdm_partition *p = &inv->partitions[0];
	assert_int_equal(vdm_find_disk(p, "hdisk3"), 3);
	assert_int_equal(vdm_find_disk(p, "hdisk4"), -1);
	assert_int_equal(vdm_find_vg(p, "datavg"), 1);
	assert_int_equal(vdm_find_vg(p, "rootVG"), -1);
	assert_int_equal(vdm_find_lv(&p->vgs[0], "hd2"), 1);
	assert_int_equal(vdm_find_lv(&p->vgs[0], "hd3"), -1);
	assert_int_equal(vdm_find_lv(&p->vgs[1], "hd2"), -1);
	vdm_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_rich_ok),
		cmocka_unit_test(test_null_optional_and_empty),
		cmocka_unit_test(test_formats_example),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_resync_percent),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_lookups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
