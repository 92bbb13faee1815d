/* test_lv_backend.c: the libvirt backend through libvirt's own test driver
 * (test:///PATH/test-node.xml: a node with a running domain, a dir pool and an rbd pool, held
 * in memory by libvirt, no daemon). Checks how disks of every source type are resolved to
 * pools, the agent channel, the configuration string, and the ownership rules of create and
 * delete. The test driver cannot attach devices: map/unmap are covered by tests/libvirt/lab-*.sh. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "vdmirror/backend.h"
#include "vdmirror/discover.h"
#include "vdmirror/util.h"

static char state_dir[] = "/tmp/vdm-lv-unit.XXXXXX";
static char host[256];

static char *config(const char *extra)
{
	const char *src = getenv("VDM_SOURCE_ROOT");
	return xasprintf("uri=test://%s/tests/libvirt/test-node.xml;state=%s%s", src ? src : ".",
			 state_dir, extra ? extra : "");
}

static void open_lv(struct vdm_backend *b, const char *extra)
{
	struct vdm_error err = { 0 };
	CLEANUP_FREE char *c = config(extra);
	if (vdm_backend_open("libvirt", c, b, &err) < 0)
		fail_msg("open %s: %s", c, err.msg);
}

static json_t *find(json_t *arr, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "name")), name))
			return o;
	return NULL;
}

/* Whether libvirt's library is mapped into this process. */
static bool libvirt_mapped(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	char line[1024];
	bool found = false;
	while (fgets(line, sizeof line, f))
		if (strstr(line, "/libvirt.so"))
			found = true;
	fclose(f);
	return found;
}

/* Issue 13: the backend is a module, loaded when first asked for (runs first): a program
 * that never uses it (`vdmirror plan`) does not carry libvirt and its ~40 libraries. */
static void module_loaded_on_use(void **unused)
{
	assert_false(libvirt_mapped());
	assert_non_null(vdm_backend_find("qemu"));
	assert_false(libvirt_mapped());
	const struct vdm_backend_ops *ops = vdm_backend_find("libvirt");
	assert_non_null(ops);
	assert_string_equal(ops->name, "libvirt");
	assert_true(libvirt_mapped());
	assert_ptr_equal(vdm_backend_find("libvirt"), ops);
}

static void discover(void **unused)
{
	struct vdm_backend b;
	struct vdm_error err = { 0 };
	json_t *inv = NULL;
	open_lv(&b, NULL);
	if (vdm_backend_discover(&b, &inv, &err) < 0)
		fail_msg("discover: %s", err.msg);
	CLEANUP_FREE char *pa = xasprintf("%s/pool-a", host), *pc = xasprintf("%s/ceph1", host);
	json_t *a = find(json_object_get(inv, "pools"), pa), *c = find(json_object_get(inv, "pools"), pc);
	assert_non_null(a);
	assert_non_null(c);
	/* free space: capacity minus what the volumes promise (64 + 32 MiB) */
	assert_int_equal(json_integer_value(json_object_get(a, "free_mib")),
			 json_integer_value(json_object_get(a, "size_mib")) - 96);
	assert_string_equal(json_string_value(json_object_get(a, "server")), host);
	/* rbd: the cluster is the device, its first monitor (sorted) the server */
	assert_string_equal(json_string_value(json_object_get(c, "server")), "mon0.example.com");
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "devices"), 0)),
			    "ceph:mon0.example.com_mon1.example.com");
	assert_non_null(find(json_object_get(inv, "servers"), "mon0.example.com"));

	json_t *g = find(json_object_get(inv, "partitions"), "guest1");
	assert_non_null(g);
	json_t *disks = json_object_get(g, "disks");
	assert_int_equal(json_array_size(disks), 4);   /* the cdrom is not a disk */
	json_t *d1 = find(disks, "g1-01"), *d2 = find(disks, "v2"), *d3 = find(disks, "g1-rbd");
	/* a second unnamed volume v2 (pool-b): its target tells it apart */
	json_t *d4 = find(disks, "vdd");
	assert_non_null(d4);
	CLEANUP_FREE char *pb = xasprintf("%s/pool-b", host);
	assert_string_equal(json_string_value(json_object_get(d4, "pool")), pb);
	/* a domain whose name vdmirror cannot use is left out, the others stay */
	assert_int_equal(json_array_size(json_object_get(inv, "partitions")), 1);
	assert_non_null(d1);   /* type volume, named by its serial */
	assert_non_null(d2);   /* type file, no serial: its volume's name, found by path */
	assert_non_null(d3);   /* type network rbd: the rbd pool of the same cluster */
	assert_string_equal(json_string_value(json_object_get(d1, "pool")), pa);
	assert_int_equal(json_integer_value(json_object_get(d1, "size_mib")), 64);
	assert_string_equal(json_string_value(json_object_get(d2, "pool")), pa);
	assert_int_equal(json_integer_value(json_object_get(d2, "size_mib")), 32);
	assert_string_equal(json_string_value(json_object_get(d3, "pool")), pc);
	assert_string_equal(json_string_value(json_array_get(json_object_get(d3, "paths"), 0)),
			    "mon0.example.com");

	char *addr = NULL;
	assert_int_equal(vdm_backend_client_address(&b, "guest1", &addr, &err), 0);
	assert_string_equal(addr, "agent:unix:/run/vdm-test/guest1.agent");
	free(addr);
	assert_int_equal(vdm_backend_client_address(&b, "nobody", &addr, &err), -ENOENT);
	json_decref(inv);
	vdm_backend_close(&b);
}

/* Issue 10: guest1's agent socket does not exist (the agent is not running). A discovery of
 * every domain reports guest1 with its disks and a warning naming it and the cause; a
 * discovery of guest1 alone fails. */
static void agent_unreached(void **unused)
{
	struct vdm_backend b;
	struct vdm_error err = { 0 };
	json_t *inv = NULL;
	open_lv(&b, NULL);
	if (vdm_discover(&b, NULL, &inv, &err) < 0)
		fail_msg("discover: %s", err.msg);
	json_t *g = find(json_object_get(inv, "partitions"), "guest1");
	assert_non_null(g);
	assert_int_equal(json_array_size(json_object_get(g, "disks")), 4);
	assert_int_equal(json_array_size(json_object_get(g, "vgs")), 0);
	json_t *w = json_object_get(inv, "warnings");
	assert_int_equal(json_array_size(w), 1);
	const char *text = json_string_value(json_array_get(w, 0));
	assert_non_null(strstr(text, "partition guest1:"));
	assert_non_null(strstr(text, "/run/vdm-test/guest1.agent"));
	json_decref(inv);
	inv = NULL;
	assert_true(vdm_discover(&b, "guest1", &inv, &err) < 0);
	assert_null(inv);
	assert_non_null(strstr(err.msg, "guest1"));
	vdm_backend_close(&b);
}

static void bad_config(void **unused)
{
	struct vdm_backend b;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_backend_open("libvirt", "", &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no connection"));
	assert_int_equal(vdm_backend_open("libvirt", "uri=nonsense", &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a libvirt URI"));
	CLEANUP_FREE char *c = config(";sparse=maybe");
	assert_int_equal(vdm_backend_open("libvirt", c, &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "sparse=maybe"));
	assert_int_equal(vdm_backend_open("libvirt", "uri=test:///default;colour=red", &b, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "colour"));
	assert_non_null(strstr(err.msg, "unknown key"));
	/* the client keepalive: seconds (0 = off) and a count of at least one ping */
	const char *bad[] = { ";keepalive_interval=-1", ";keepalive_interval=3601",
			      ";keepalive_interval=5s", ";keepalive_count=0", ";keepalive_count=101" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CLEANUP_FREE char *k = config(bad[i]);
		assert_int_equal(vdm_backend_open("libvirt", k, &b, &err), -EINVAL);
		assert_non_null(strstr(err.msg, bad[i] + 1));
	}
	/* the test driver has no daemon and no keepalive: the keys are taken all the same */
	CLEANUP_FREE char *ka = config(";keepalive_interval=1;keepalive_count=2");
	assert_int_equal(vdm_backend_open("libvirt", ka, &b, &err), 0);
	vdm_backend_close(&b);
	CLEANUP_FREE char *off = config(";keepalive_interval=0");
	assert_int_equal(vdm_backend_open("libvirt", off, &b, &err), 0);
	vdm_backend_close(&b);
	/* a bare URI is a uri= pair */
	assert_int_equal(vdm_backend_open("libvirt", "test:///default", &b, &err), 0);
	vdm_backend_close(&b);
}

static void create_and_delete(void **unused)
{
	struct vdm_backend b;
	struct vdm_error err = { 0 };
	open_lv(&b, NULL);
	CLEANUP_FREE char *pa = xasprintf("%s/pool-a", host);
	assert_int_equal(vdm_backend_create_disk(&b, pa, "n1", 16, &err), 0);
	/* ours and the same size: a resumed run */
	assert_int_equal(vdm_backend_create_disk(&b, pa, "n1", 16, &err), 0);
	assert_int_equal(vdm_backend_create_disk(&b, pa, "n1", 17, &err), -EEXIST);
	/* never adopt, resize or delete what vdmirror did not create */
	assert_int_equal(vdm_backend_create_disk(&b, pa, "v1", 64, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "refusing to adopt"));
	assert_int_equal(vdm_backend_delete_disk(&b, pa, "v1", &err), -EPERM);
	assert_int_equal(vdm_backend_delete_disk(&b, pa, "n1", &err), 0);
	assert_int_equal(vdm_backend_delete_disk(&b, pa, "n1", &err), 0);   /* gone: done */
	/* more than the pool has; a name the partition could not read back as a serial */
	assert_int_equal(vdm_backend_create_disk(&b, pa, "huge", 1 << 30, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "MiB free"));
	assert_int_equal(vdm_backend_create_disk(&b, pa, "a-name-longer-than-20", 8, &err),
			 -EINVAL);
	assert_int_equal(vdm_backend_create_disk(&b, "nohost/pool-a", "n2", 8, &err), -ENOENT);
	vdm_backend_close(&b);
}

/* libvirt deletes a volume in use without a word: the backend must not. v1 is recorded as
 * ours here so that only the reference stops the deletion. */
static void delete_in_use(void **unused)
{
	struct vdm_backend b;
	struct vdm_error err = { 0 };
	open_lv(&b, NULL);
	CLEANUP_FREE char *rec = xasprintf("%s/libvirt-owned/%s_pool-a_v1", state_dir, host);
	FILE *f = fopen(rec, "w");
	assert_non_null(f);
	fclose(f);
	CLEANUP_FREE char *pa = xasprintf("%s/pool-a", host);
	assert_int_equal(vdm_backend_delete_disk(&b, pa, "v1", &err), -EBUSY);
	assert_non_null(strstr(err.msg, "guest1"));
	unlink(rec);
	vdm_backend_close(&b);
}

/* An empty record: a create cut short (a crash, a lost connection) before libvirt gave the
 * key. The resumed create adopts a volume of that name only when no domain uses it (its own
 * was never mapped), and then records its key. */
static void unconfirmed_create(void **unused)
{
	struct vdm_backend b;
	struct vdm_error err = { 0 };
	open_lv(&b, NULL);
	CLEANUP_FREE char *pa = xasprintf("%s/pool-a", host);
	CLEANUP_FREE char *rec1 = xasprintf("%s/libvirt-owned/%s_pool-a_v1", state_dir, host);
	CLEANUP_FREE char *rec3 = xasprintf("%s/libvirt-owned/%s_pool-a_n3", state_dir, host);
	/* v1 (64 MiB) is guest1's disk */
	FILE *f = fopen(rec1, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(vdm_backend_create_disk(&b, pa, "v1", 64, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "domain guest1"));
	assert_non_null(strstr(err.msg, "refusing to adopt"));
	unlink(rec1);
	/* n3: made by libvirt, its record emptied as if the key had never come */
	assert_int_equal(vdm_backend_create_disk(&b, pa, "n3", 8, &err), 0);
	f = fopen(rec3, "w");
	assert_non_null(f);
	fclose(f);
	err = (struct vdm_error){ 0 };
	assert_int_equal(vdm_backend_create_disk(&b, pa, "n3", 8, &err), 0);
	char key[256] = "";
	f = fopen(rec3, "r");
	assert_non_null(f);
	assert_non_null(fgets(key, sizeof key, f));
	fclose(f);
	assert_string_equal(key, "/pool-a/n3\n");
	assert_int_equal(vdm_backend_delete_disk(&b, pa, "n3", &err), 0);
	vdm_backend_close(&b);
}

/* Threads of this process named vdm-lv-events (the backend's event loop), once the count
 * settles: a joined thread may linger in /proc for a moment. */
static int loop_threads(int want)
{
	int n = -1;
	for (int tries = 0; tries < 100 && n != want; tries++) {
		if (tries)
			usleep(10000);
		n = 0;
		DIR *d = opendir("/proc/self/task");
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			CLEANUP_FREE char *p = xasprintf("/proc/self/task/%s/comm", e->d_name);
			char comm[32] = "";
			FILE *f = e->d_name[0] != '.' ? fopen(p, "r") : NULL;
			if (f && fgets(comm, sizeof comm, f) && !strcmp(comm, "vdm-lv-events\n"))
				n++;
			if (f)
				fclose(f);
		}
		closedir(d);
	}
	return n;
}

/* libvirtd drops a client that does not answer its keepalive pings, and libvirt answers them
 * only from a running event loop: the backend runs it on a thread from the first open to the
 * last close, one for the process however many handles (libvirt's loop is the process's),
 * joined at the end; a handle still works after another one closed. (The daemon's side is
 * lab-libvirt-keepalive's: the test driver has no daemon.) */
static void event_loop_thread(void **unused)
{
	struct vdm_backend a, b;
	struct vdm_error err = { 0 };
	json_t *inv = NULL;
	assert_int_equal(loop_threads(0), 0);
	open_lv(&a, NULL);
	assert_int_equal(loop_threads(1), 1);
	open_lv(&b, NULL);
	assert_int_equal(loop_threads(1), 1);
	vdm_backend_close(&a);
	assert_int_equal(loop_threads(1), 1);
	assert_int_equal(vdm_backend_discover(&b, &inv, &err), 0);
	json_decref(inv);
	vdm_backend_close(&b);
	assert_int_equal(loop_threads(0), 0);
	open_lv(&a, NULL);   /* and again: a stopped loop starts anew */
	assert_int_equal(loop_threads(1), 1);
	vdm_backend_close(&a);
	assert_int_equal(loop_threads(0), 0);
}

static int setup(void **unused)
{
	if (!mkdtemp(state_dir))
		return -1;
	CLEANUP_FREE char *d = xasprintf("%s/libvirt-owned", state_dir);
	if (mkdir(d, 0700) < 0)
		return -1;
	/* the test driver's host name is this machine's */
	if (gethostname(host, sizeof host) < 0)
		return -1;
	return 0;
}

/* A daemon that takes connections and never answers: a listening socket nobody accepts on
 * (the kernel completes the connections in its backlog). The open gives up after
 * keepalive_interval x (keepalive_count + 1) s; while that abandoned open still waits, a new
 * one of the same URI fails at once instead of leaving another thread behind (a long `watch`
 * against a hung daemon added one per round); once the daemon is gone for good the abandoned
 * open ends, and the next open is a fresh attempt again (here: refused, no socket). */
static void hung_daemon(void **unused)
{
#if defined(__SANITIZE_ADDRESS__)
	/* A remote connection cannot run under ASan here: its xdrmem_create interceptor calls
	 * glibc's SunRPC, which Debian's glibc no longer has (libvirt uses libtirpc's), and
	 * jumps to NULL in virNetMessageEncodeHeader. The plain build's unit suite runs this. */
	skip();
#endif
	CLEANUP_FREE char *sock = xasprintf("%s/hung.sock", state_dir);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(l >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(l, 16), 0);
	CLEANUP_FREE char *c = xasprintf("uri=qemu+unix:///system?socket=%s;state=%s;"
					 "keepalive_interval=1;keepalive_count=1", sock, state_dir);
	struct vdm_backend b;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_backend_open("libvirt", c, &b, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "did not answer in 2 s"));
	for (int i = 0; i < 3; i++) {
		err = (struct vdm_error){ 0 };
		assert_int_equal(vdm_backend_open("libvirt", c, &b, &err), -ETIMEDOUT);
		assert_non_null(strstr(err.msg, "earlier connection attempt"));
	}
	/* the daemon goes away: its pending connection is reset, the abandoned open fails */
	close(l);
	unlink(sock);
	int rc = 0;
	for (int i = 0; i < 100; i++) {
		err = (struct vdm_error){ 0 };
		rc = vdm_backend_open("libvirt", c, &b, &err);
		if (!strstr(err.msg, "earlier connection attempt"))
			break;
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	}
	assert_int_equal(rc, -ECONNREFUSED);
	assert_non_null(strstr(err.msg, "connect"));
}

static int teardown(void **unused)
{
	CLEANUP_FREE char *cmd = xasprintf("rm -rf '%s'", state_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(module_loaded_on_use),
		cmocka_unit_test(discover),
		cmocka_unit_test(agent_unreached),
		cmocka_unit_test(bad_config),
		cmocka_unit_test(create_and_delete),
		cmocka_unit_test(delete_in_use),
		cmocka_unit_test(unconfirmed_create),
		cmocka_unit_test(event_loop_thread),
		cmocka_unit_test(hung_daemon),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
