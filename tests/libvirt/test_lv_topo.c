/* test_lv_topo.c: failure components of libvirt pools (src/backend/libvirt/lv_topo.c).
 * Network pools from pool XML written after the examples of libvirt's storage page,
 * https://libvirt.org/storage.html (netfs, iscsi, iscsi-direct, gluster, rbd): these pools
 * need servers this machine does not run, and their components come from the XML alone.
 * Local pools from this machine's real mount table and sysfs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <cmocka.h>
#include "vdmirror/model.h"
#include "vdmirror/util.h"
#include "backend/libvirt/lv.h"

static void components(const char *xml, const char *want_server, const char *want_devices)
{
	struct vdm_error err = { 0 };
	char *server = NULL;
	json_t *devs = NULL;
	int rc = lv_pool_components(xml, "kvm1", true, NULL, &server, &devs, &err);
	if (rc < 0)
		fail_msg("lv_pool_components: %s", err.msg);
	assert_string_equal(server, want_server);
	char *got = json_dumps(devs, JSON_COMPACT);
	assert_string_equal(got, want_devices);
	size_t i;
	json_t *d;
	json_array_foreach(devs, i, d)
		assert_true(vdm_name_valid(json_string_value(d)));
	free(got);
	free(server);
	json_decref(devs);
}

static void netfs(void **unused)
{
	components("<pool type=\"netfs\"><name>virtimages</name><source>"
		   "<host name=\"nfs.example.com\"/><dir path=\"/var/lib/virt/images\"/>"
		   "<format type='nfs'/></source><target><path>/var/lib/virt/images</path>"
		   "</target></pool>",
		   "nfs.example.com", "[\"nfs:nfs.example.com:/var/lib/virt/images\"]");
}

static void iscsi(void **unused)
{
	components("<pool type=\"iscsi\"><name>virtimages</name><source>"
		   "<host name=\"iscsi.example.com\"/>"
		   "<device path=\"iqn.2013-06.com.example:iscsi-pool\"/></source>"
		   "<target><path>/dev/disk/by-path</path></target></pool>",
		   "iscsi.example.com", "[\"iscsi:iqn.2013-06.com.example:iscsi-pool\"]");
	components("<pool type=\"iscsi-direct\"><name>virtimages</name><source>"
		   "<host name=\"iscsi.example.com\"/>"
		   "<device path=\"iqn.2013-06.com.example:iscsi-pool\"/>"
		   "<initiator><iqn name=\"iqn.2013-06.com.example:iscsi-initiator\"/></initiator>"
		   "</source></pool>",
		   "iscsi.example.com", "[\"iscsi:iqn.2013-06.com.example:iscsi-pool\"]");
}

static void rbd(void **unused)
{
	/* the cluster is the device whatever the order of its monitors; two rbd pools of one
	 * cluster share it */
	const char *want = "[\"ceph:1.2.3.4_my.ceph.monitor_third.ceph.monitor\"]";
	components("<pool type=\"rbd\"><name>myrbdpool</name><source><name>rbdpool</name>"
		   "<host name='1.2.3.4' port='6789'/><host name='my.ceph.monitor' port='6789'/>"
		   "<host name='third.ceph.monitor' port='6789'/>"
		   "<auth username='admin' type='ceph'><secret "
		   "uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/></auth></source></pool>",
		   "1.2.3.4", want);
	components("<pool type=\"rbd\"><name>other</name><source><name>otherpool</name>"
		   "<host name='third.ceph.monitor'/><host name='1.2.3.4'/>"
		   "<host name='my.ceph.monitor'/></source></pool>", "1.2.3.4", want);
}

static void gluster(void **unused)
{
	components("<pool type=\"gluster\"><name>myglusterpool</name><source><name>volname</name>"
		   "<host name='localhost'/><dir path='/'/></source></pool>",
		   "localhost", "[\"gluster:localhost:volname\"]");
}

static void bad_xml(void **unused)
{
	struct vdm_error err = { 0 };
	char *server = NULL;
	json_t *devs = NULL;
	assert_int_equal(lv_pool_components("<pool type='netfs'><name>x</name><source>"
		"<dir path='/e'/></source></pool>", "kvm1", true, NULL, &server, &devs, &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "no <source><host"));
	assert_int_equal(lv_pool_components("<pool", "kvm1", true, NULL, &server, &devs, &err),
			 -EINVAL);
	/* an iscsi pool without a target cannot be told apart from another one: refused */
	assert_int_equal(lv_pool_components("<pool type='iscsi'><name>x</name><source>"
		"<host name='h'/></source></pool>", "kvm1", true, NULL, &server, &devs, &err),
		-EINVAL);
}

/* A dir pool on a remote host's file system: nothing here says what is under it. */
static void remote_dir(void **unused)
{
	struct vdm_error err = { 0 };
	char *server = NULL;
	json_t *devs = NULL;
	assert_int_equal(lv_pool_components("<pool type='dir'><name>d</name><target><path>/x"
		"</path></target></pool>", "kvm2", false, NULL, &server, &devs, &err), 0);
	assert_string_equal(server, "kvm2");
	assert_int_equal(json_array_size(devs), 0);
	free(server);
	json_decref(devs);
}

static char *dir_devices(const char *path)
{
	struct vdm_error err = { 0 };
	char *server = NULL;
	json_t *devs = NULL;
	CLEANUP_FREE char *xml = xasprintf("<pool type='dir'><name>d</name><target><path>%s"
					   "</path></target></pool>", path);
	if (lv_pool_components(xml, "kvm1", true, NULL, &server, &devs, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	assert_string_equal(server, "kvm1");
	char *s = json_dumps(devs, JSON_COMPACT);
	free(server);
	json_decref(devs);
	return s;
}

/* Two folders of one file system share its device; a tmpfs is a device of its own. */
static void local_dirs(void **unused)
{
	struct statfs a, b;
	if (statfs("/dev/shm", &a) < 0 || a.f_type != 0x01021994 /* TMPFS_MAGIC */ ||
	    statfs("/etc", &b) < 0) {
		skip();
	}
	char *etc = dir_devices("/etc"), *usr = dir_devices("/usr"), *shm = dir_devices("/dev/shm");
	struct stat se, su;
	assert_int_equal(stat("/etc", &se), 0);
	assert_int_equal(stat("/usr", &su), 0);
	if (se.st_dev == su.st_dev)
		assert_string_equal(etc, usr);
	assert_string_not_equal(etc, shm);
	assert_non_null(strstr(shm, "kvm1:tmpfs:"));
	free(etc);
	free(usr);
	free(shm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(netfs),
		cmocka_unit_test(iscsi),
		cmocka_unit_test(rbd),
		cmocka_unit_test(gluster),
		cmocka_unit_test(bad_xml),
		cmocka_unit_test(remote_dir),
		cmocka_unit_test(local_dirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
