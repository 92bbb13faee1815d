/* test_protect.c: the protection rules of formats.md, on small inventories: shared LUN across
 * two servers' pools, dual-pathed disks, three copies, frames and sites, unnamed defaults. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include "vdmirror/protect.h"
#include "vdmirror/util.h"

/* Builds an inventory from JSON parts: sites/frames/servers/pools, then the disks of lpar1 and
 * its LVs' copies ("copies" of one LV "lv" of extents 10, one segment per disk). */
static struct vdm_inventory *inv_from(const char *infra, const char *disks, const char *copies)
{
	/* every disk named in copies is a PV of vg with enough extents */
	char *text = xasprintf(
		"{\"version\":1,%s,\"partitions\":[{\"name\":\"lpar1\",\"disks\":[%s],"
		"\"vgs\":[{\"name\":\"vg\",\"extent_mib\":4,\"pvs\":[%s],"
		"\"lvs\":[{\"name\":\"lv\",\"extents\":10,\"copies\":%s}]}]}]}",
		infra, disks, "PVS", copies);
	/* PVS: one PV per disk name d1..d6 that occurs in disks */
	char pvs[512] = "";
	for (int i = 1; i <= 6; i++) {
		char name[16];
		snprintf(name, sizeof name, "\"d%d\"", i);
		if (strstr(disks, name)) {
			char one[96];
			snprintf(one, sizeof one, "%s{\"disk\":%s,\"total_extents\":100,\"free_extents\":50}",
				 pvs[0] ? "," : "", name);
			strcat(pvs, one);
		}
	}
	char *pos = strstr(text, "PVS");
	char *full = xasprintf("%.*s%s%s", (int)(pos - text), text, pvs, pos + 3);
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	int rc = vdm_inventory_parse_string(full, strlen(full), "test", &inv, &err);
	if (rc < 0)
		fail_msg("inventory does not parse: %s\n%s", err.msg, full);
	free(text);
	free(full);
	return inv;
}

static enum vdm_level level_of(struct vdm_inventory *inv, struct vdm_failset *why)
{
	struct vdm_faults *f = vdm_faults_new(inv);
	enum vdm_level l = vdm_lv_protection(f, 0, 0, 0, why);
	vdm_faults_free(f);
	return l;
}

#define TWO_SERVERS \
	"\"servers\":[{\"name\":\"vios1\"},{\"name\":\"vios2\"}]," \
	"\"pools\":[{\"name\":\"p1\",\"server\":\"vios1\",\"size_mib\":1000,\"free_mib\":500}," \
	"{\"name\":\"p2\",\"server\":\"vios2\",\"size_mib\":1000,\"free_mib\":500}]"

#define SEG(d) "[{\"pv\":\"" d "\",\"extents\":10}]"

static void test_two_servers_is_server_level(void **state)
{
	struct vdm_inventory *inv = inv_from(TWO_SERVERS,
		"{\"name\":\"d1\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"vios1\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"pool\":\"p2\",\"paths\":[\"vios2\"]}",
		"[" SEG("d1") "," SEG("d2") "]");
	struct vdm_failset why;
	/* both servers stand in the one unnamed frame: not independent at frame level */
	assert_int_equal(level_of(inv, &why), VDM_LEVEL_SERVER);
	assert_int_equal(why.n, 1);
	vdm_inventory_free(inv);
}

static void test_single_copy_is_none(void **state)
{
	struct vdm_inventory *inv = inv_from(TWO_SERVERS,
		"{\"name\":\"d1\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"vios1\"]}",
		"[" SEG("d1") "]");
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_NONE);
	vdm_inventory_free(inv);
}

static void test_same_pool_is_invalid(void **state)
{
	/* two disks of one pool without devices share the pool's own device */
	struct vdm_inventory *inv = inv_from(TWO_SERVERS,
		"{\"name\":\"d1\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"vios1\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"vios1\"]}",
		"[" SEG("d1") "," SEG("d2") "]");
	struct vdm_failset why;
	assert_int_equal(level_of(inv, &why), VDM_LEVEL_NONE);
	assert_int_equal(why.n, 1);
	vdm_inventory_free(inv);
}

static void test_shared_lun_across_servers_is_invalid(void **state)
{
	/* the trap: two pools on two servers whose names differ but that sit on one LUN */
	struct vdm_inventory *inv = inv_from(
		"\"servers\":[{\"name\":\"vios1\"},{\"name\":\"vios2\"}],"
		"\"pools\":[{\"name\":\"p1\",\"server\":\"vios1\",\"devices\":[\"lun-7\",\"lun-8\"],"
		"\"size_mib\":1000,\"free_mib\":500},"
		"{\"name\":\"p2\",\"server\":\"vios2\",\"devices\":[\"lun-9\",\"lun-7\"],"
		"\"size_mib\":1000,\"free_mib\":500}]",
		"{\"name\":\"d1\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"vios1\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"pool\":\"p2\",\"paths\":[\"vios2\"]}",
		"[" SEG("d1") "," SEG("d2") "]");
	struct vdm_faults *f = vdm_faults_new(inv);
	struct vdm_failset why;
	char name[128];
	assert_int_equal(vdm_lv_protection(f, 0, 0, 0, &why), VDM_LEVEL_NONE);
	assert_int_equal(why.n, 1);
	assert_string_equal(vdm_component_name(f, why.ids[0], name, sizeof name), "device lun-7");
	vdm_faults_free(f);
	vdm_inventory_free(inv);
}

static void test_disk_device_adds_to_pool(void **state)
{
	/* disks in different pools, but both name lun-300 of their own: they share it */
	struct vdm_inventory *inv = inv_from(TWO_SERVERS,
		"{\"name\":\"d1\",\"size_mib\":400,\"pool\":\"p1\",\"devices\":[\"lun-300\"],\"paths\":[\"vios1\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"pool\":\"p2\",\"devices\":[\"lun-300\"],\"paths\":[\"vios2\"]}",
		"[" SEG("d1") "," SEG("d2") "]");
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_NONE);
	vdm_inventory_free(inv);
}

static void test_dual_pathed_disk(void **state)
{
	/* d1: a LUN seen through both servers (multipath); d2 on vios2's pool. Losing vios2 keeps
	 * d1 alive through vios1, losing vios1 keeps both: server level holds. */
	struct vdm_inventory *inv = inv_from(TWO_SERVERS,
		"{\"name\":\"d1\",\"size_mib\":400,\"devices\":[\"lun-1\"],\"paths\":[\"vios1\",\"vios2\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"pool\":\"p2\",\"paths\":[\"vios2\"]}",
		"[" SEG("d1") "," SEG("d2") "]");
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_SERVER);
	vdm_inventory_free(inv);

	/* both copies on dual-pathed LUNs through the same two servers: each server alone may
	 * go, so server level holds, but the unnamed frame holds both servers */
	inv = inv_from(TWO_SERVERS,
		"{\"name\":\"d1\",\"size_mib\":400,\"devices\":[\"lun-1\"],\"paths\":[\"vios1\",\"vios2\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"devices\":[\"lun-2\"],\"paths\":[\"vios1\",\"vios2\"]}",
		"[" SEG("d1") "," SEG("d2") "]");
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_SERVER);
	vdm_inventory_free(inv);

	/* a disk with neither pool nor devices is a device of its own */
	inv = inv_from(TWO_SERVERS,
		"{\"name\":\"d1\",\"size_mib\":400,\"paths\":[\"vios1\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"paths\":[\"vios1\"]}",
		"[" SEG("d1") "," SEG("d2") "]");
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_POOL);
	vdm_inventory_free(inv);
}

static void test_copy_spanning_two_disks(void **state)
{
	/* copy 1 spans d1 (vios1) and d3 (vios2): losing vios2 kills copy 1 and copy 2 (d2). */
	struct vdm_inventory *inv = inv_from(TWO_SERVERS,
		"{\"name\":\"d1\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"vios1\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"pool\":\"p2\",\"paths\":[\"vios2\"]},"
		"{\"name\":\"d3\",\"size_mib\":400,\"devices\":[\"lun-3\"],\"paths\":[\"vios2\"]}",
		"[[{\"pv\":\"d1\",\"extents\":5},{\"pv\":\"d3\",\"extents\":5}]," SEG("d2") "]");
	struct vdm_faults *f = vdm_faults_new(inv);
	struct vdm_failset why;
	char name[128];
	assert_int_equal(vdm_lv_protection(f, 0, 0, 0, &why), VDM_LEVEL_POOL);
	assert_int_equal(why.n, 1);
	assert_string_equal(vdm_component_name(f, why.ids[0], name, sizeof name), "server vios2");
	vdm_faults_free(f);
	vdm_inventory_free(inv);
}

#define FOUR_SERVERS_TWO_SITES \
	"\"sites\":[{\"name\":\"dc1\"},{\"name\":\"dc2\"}]," \
	"\"frames\":[{\"name\":\"fa\",\"site\":\"dc1\"},{\"name\":\"fb\",\"site\":\"dc1\"},{\"name\":\"fc\",\"site\":\"dc2\"}]," \
	"\"servers\":[{\"name\":\"s1\",\"frame\":\"fa\"},{\"name\":\"s2\",\"frame\":\"fb\"},{\"name\":\"s3\",\"frame\":\"fc\"},{\"name\":\"s4\",\"frame\":\"fc\"}]," \
	"\"pools\":[{\"name\":\"p1\",\"server\":\"s1\",\"size_mib\":1000,\"free_mib\":500}," \
	"{\"name\":\"p2\",\"server\":\"s2\",\"size_mib\":1000,\"free_mib\":500}," \
	"{\"name\":\"p3\",\"server\":\"s3\",\"size_mib\":1000,\"free_mib\":500}," \
	"{\"name\":\"p4\",\"server\":\"s4\",\"size_mib\":1000,\"free_mib\":500}]"

#define DISKS_1234 \
	"{\"name\":\"d1\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"s1\"]}," \
	"{\"name\":\"d2\",\"size_mib\":400,\"pool\":\"p2\",\"paths\":[\"s2\"]}," \
	"{\"name\":\"d3\",\"size_mib\":400,\"pool\":\"p3\",\"paths\":[\"s3\"]}," \
	"{\"name\":\"d4\",\"size_mib\":400,\"pool\":\"p4\",\"paths\":[\"s4\"]}"

static void test_frames_and_sites(void **state)
{
	struct vdm_inventory *inv;
	inv = inv_from(FOUR_SERVERS_TWO_SITES, DISKS_1234, "[" SEG("d1") "," SEG("d3") "]");
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_SITE);
	vdm_inventory_free(inv);
	inv = inv_from(FOUR_SERVERS_TWO_SITES, DISKS_1234, "[" SEG("d1") "," SEG("d2") "]");
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_FRAME);    /* frames fa, fb share dc1 */
	vdm_inventory_free(inv);
	inv = inv_from(FOUR_SERVERS_TWO_SITES, DISKS_1234, "[" SEG("d3") "," SEG("d4") "]");
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_SERVER);   /* s3, s4 share frame fc */
	vdm_inventory_free(inv);
}

static void test_three_copies(void **state)
{
	struct vdm_inventory *inv;
	/* three copies on three sites' worth of separation: d1 (dc1/fa), d2 (dc1/fb), d3 (dc2) */
	inv = inv_from(FOUR_SERVERS_TWO_SITES, DISKS_1234,
		       "[" SEG("d1") "," SEG("d2") "," SEG("d3") "]");
	/* any two frames may fail (fa+fc kills d1 and d3, d2 lives; ...): frame holds;
	 * two sites: dc1 + dc2 kill everything */
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_FRAME);
	vdm_inventory_free(inv);

	/* two of three copies share a pool: two failures (that pool + the third) kill all */
	inv = inv_from(FOUR_SERVERS_TWO_SITES,
		"{\"name\":\"d1\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"s1\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"s1\"]},"
		"{\"name\":\"d3\",\"size_mib\":400,\"pool\":\"p3\",\"paths\":[\"s3\"]}",
		"[" SEG("d1") "," SEG("d2") "," SEG("d3") "]");
	assert_int_equal(level_of(inv, NULL), VDM_LEVEL_NONE);
	vdm_inventory_free(inv);

	/* the multipath trap for three copies: d1 through s1 and s2, d2 on s1, d3 on s2: no
	 * single failure kills two copies, but s1 + s2 together kill all three */
	inv = inv_from(FOUR_SERVERS_TWO_SITES,
		"{\"name\":\"d1\",\"size_mib\":400,\"devices\":[\"lun-1\"],\"paths\":[\"s1\",\"s2\"]},"
		"{\"name\":\"d2\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"s1\"]},"
		"{\"name\":\"d3\",\"size_mib\":400,\"pool\":\"p2\",\"paths\":[\"s2\"]}",
		"[" SEG("d1") "," SEG("d2") "," SEG("d3") "]");
	struct vdm_faults *f = vdm_faults_new(inv);
	struct vdm_failset why;
	char a[64], b[64];
	assert_int_equal(vdm_lv_protection(f, 0, 0, 0, &why), VDM_LEVEL_POOL);
	assert_int_equal(why.n, 2);
	vdm_component_name(f, why.ids[0], a, sizeof a);
	vdm_component_name(f, why.ids[1], b, sizeof b);
	assert_string_equal(a, "server s1");
	assert_string_equal(b, "server s2");
	vdm_faults_free(f);
	vdm_inventory_free(inv);
}

static void test_hypothetical_disk(void **state)
{
	struct vdm_inventory *inv = inv_from(TWO_SERVERS,
		"{\"name\":\"d1\",\"size_mib\":400,\"pool\":\"p1\",\"paths\":[\"vios1\"]}",
		"[" SEG("d1") "]");
	struct vdm_faults *f = vdm_faults_new(inv);
	struct vdm_profile in_p2, in_p1;
	int vios2 = vdm_find_server(inv, "vios2"), vios1 = vdm_find_server(inv, "vios1");
	vdm_faults_profile(f, vdm_find_pool(inv, "p2"), NULL, 0, &vios2, 1, &in_p2);
	vdm_faults_profile(f, vdm_find_pool(inv, "p1"), NULL, 0, &vios1, 1, &in_p1);
	const struct vdm_profile *d1 = vdm_faults_disk(f, 0, 0);
	const struct vdm_profile *c1[] = { d1 }, *c2[] = { &in_p2 }, *c3[] = { &in_p1 };
	struct vdm_copy_disks good[] = { { c1, 1 }, { c2, 1 } }, bad[] = { { c1, 1 }, { c3, 1 } };
	assert_int_equal(vdm_protection(f, good, 2, NULL), VDM_LEVEL_SERVER);
	assert_int_equal(vdm_protection(f, bad, 2, NULL), VDM_LEVEL_NONE);

	/* the one rule itself */
	struct vdm_failset none = { 0 }, server2 = { 1, { 0 } };
	server2.ids[0] = in_p2.servers[0];
	assert_true(vdm_disk_survives(f, &in_p2, &none));
	assert_false(vdm_disk_survives(f, &in_p2, &server2));
	assert_true(vdm_disk_survives(f, d1, &server2));
	vdm_profile_release(&in_p2);
	vdm_profile_release(&in_p1);
	vdm_faults_free(f);
	vdm_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_servers_is_server_level),
		cmocka_unit_test(test_single_copy_is_none),
		cmocka_unit_test(test_same_pool_is_invalid),
		cmocka_unit_test(test_shared_lun_across_servers_is_invalid),
		cmocka_unit_test(test_disk_device_adds_to_pool),
		cmocka_unit_test(test_dual_pathed_disk),
		cmocka_unit_test(test_copy_spanning_two_disks),
		cmocka_unit_test(test_frames_and_sites),
		cmocka_unit_test(test_three_copies),
		cmocka_unit_test(test_hypothetical_disk),
	};
	return cmocka_run_group_tests_name("protect", tests, NULL, NULL);
}
