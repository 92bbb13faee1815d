/* test_agent.c: the agent protocol against the REAL vdmirror-agent binary on the host (read-only
 * ops on the host's /sys, refusals, an oversized line, fill/verify on a temporary file in test
 * mode), the agent:unix transport's timeout and id matching against a silent or noisy peer, and
 * the linux-lvm driver's reading of a report recorded from a real lab guest.
 *   test-agent AGENT_BINARY SOURCE_DIR */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "vdmirror/client.h"
#include "vdmirror/proc.h"
#include "vdmirror/util.h"

int vdm_lvm_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err);
int vdm_md_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err);
int vdm_md_vgs_read(const json_t *report, json_t *partition, json_t **vgs_out,
		    struct vdm_error *err);
int vdm_lvm_vgs_read(const json_t *report, json_t *partition, json_t **vgs_out,
		     struct vdm_error *err);

static const char *agent_bin, *source_dir;
static char tmpdir[] = "/tmp/vdm-test-agent.XXXXXX";
static char sock[256], datadir[300];
static pid_t agent_pid;
static struct vdm_transport x;

static char raiddir[300], rundir[300];

static void write_limit(const char *which, long v)
{
	char p[400];
	snprintf(p, sizeof p, "%s/speed_limit_%s", raiddir, which);
	FILE *f = fopen(p, "w");
	fprintf(f, "%ld\n", v);
	fclose(f);
}

static long read_limit(const char *which)
{
	char p[400];
	long v = -1;
	snprintf(p, sizeof p, "%s/speed_limit_%s", raiddir, which);
	FILE *f = fopen(p, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int setup(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(sock, sizeof sock, "%s/lpar9.agent", tmpdir);
	snprintf(datadir, sizeof datadir, "%s/data", tmpdir);
	mkdir(datadir, 0700);
	/* md's resync limits, as the agent finds them in /proc/sys/dev/raid */
	snprintf(raiddir, sizeof raiddir, "%s/raid", tmpdir);
	snprintf(rundir, sizeof rundir, "%s/run", tmpdir);
	mkdir(raiddir, 0700);
	write_limit("min", 1000);
	write_limit("max", 200000);
	agent_pid = fork();
	if (agent_pid == 0) {
		/* the agent must not outlive a test that crashes */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(agent_bin, agent_bin, "--listen", sock, "--data-dir", datadir, "--raid-dir",
		      raiddir, "--run-dir", rundir, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && access(sock, F_OK) < 0; i++)
		usleep(20000);
	struct vdm_error err = { 0 };
	char *addr = xasprintf("agent:unix:%s", sock);
	int rc = vdm_transport_open(addr, &x, &err);
	free(addr);
	if (rc < 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		vdm_kill_wait(agent_pid, 2000);
	}
	return rc;
}

static int teardown(void **state)
{
	vdm_transport_close(&x);
	vdm_kill_wait(agent_pid, 2000);   /* our agent, by its pid */
	char *cmd[] = { "rm", "-rf", tmpdir, NULL };
	vdm_run(cmd, 10000, NULL, NULL, NULL);
	return 0;
}

/* One request; returns the reply or NULL with *err. */
static json_t *ask(json_t *req, struct vdm_error *err)
{
	json_t *reply = NULL;
	int rc = vdm_transport_request(&x, req, &reply, 10000, err);
	json_decref(req);
	return rc < 0 ? NULL : reply;
}

static void test_hello(void **state)
{
	struct vdm_error err = { 0 };
	json_t *r = ask(json_pack("{s:s}", "op", "hello"), &err);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "agent")), "vdmirror-agent");
	assert_int_equal(json_integer_value(json_object_get(r, "protocol")), 1);
	assert_true(json_array_size(json_object_get(r, "ops")) >= 9);
	json_decref(r);
}

/* Every disk the agent lists exists in the host's /sys/block with that size. */
static void test_disks(void **state)
{
	struct vdm_error err = { 0 };
	json_t *r = ask(json_pack("{s:s}", "op", "disks"), &err);
	assert_non_null(r);
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(r, "disks"), i, d) {
		char path[512], buf[64] = "";
		const char *name = json_string_value(json_object_get(d, "name"));
		snprintf(path, sizeof path, "/sys/block/%s/size", name);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof buf, f));
		fclose(f);
		assert_int_equal(json_integer_value(json_object_get(d, "size_bytes")),
				 strtoll(buf, NULL, 10) * 512);
		assert_true(json_is_string(json_object_get(d, "serial")));
		assert_true(strncmp(name, "loop", 4) != 0);
	}
	json_decref(r);
}

static void expect_refusal(json_t *req, const char *needle)
{
	struct vdm_error err = { 0 };
	json_t *r = ask(req, &err);
	assert_null(r);
	if (!strstr(err.msg, needle))
		fail_msg("wanted \"%s\" in: %s", needle, err.msg);
	assert_non_null(strstr(err.msg, "agent lpar9 ("));
}

static void test_refusals(void **state)
{
	expect_refusal(json_pack("{s:s, s:[s,s,s]}", "op", "run", "argv", "sh", "-c", "id"),
		       "program \"sh\" is not allowed");
	expect_refusal(json_pack("{s:s, s:[s,s]}", "op", "run", "argv", "lvm", "lvremove"),
		       "lvm command \"lvremove\" is not allowed");
	expect_refusal(json_pack("{s:s, s:[s,s]}", "op", "run", "argv", "lvs", "$(reboot)"),
		       "bad character");
	expect_refusal(json_pack("{s:s, s:[s,s]}", "op", "run", "argv", "pvcreate", "/etc/passwd"),
		       "paths must be /dev/<name>");
	expect_refusal(json_pack("{s:s, s:[s,s]}", "op", "run", "argv", "pvcreate",
				 "/dev/../etc/x"), "paths must be /dev/<name>");
	expect_refusal(json_pack("{s:s, s:[s,s,s]}", "op", "run", "argv", "lvs", "--config", "x"),
		       "option not allowed");
	expect_refusal(json_pack("{s:s, s:s}", "op", "wait_disk", "serial", "../x"),
		       "invalid name");
	expect_refusal(json_pack("{s:s, s:s, s:i}", "op", "wait_disk", "serial", "no-such-disk",
				 "timeout_ms", 200), "no disk with serial no-such-disk appeared within 200 ms");
	expect_refusal(json_pack("{s:s}", "op", "format_everything"), "unknown op");
	expect_refusal(json_pack("{s:s, s:s, s:i, s:i}", "op", "fill", "path", "/etc/passwd",
				 "seed", 1, "mib", 1), "not a /dev/<name> path");
}

/* A raw connection: an oversized line is answered with an error, and the agent goes on. */
static void test_oversized_line(void **state)
{
	/* the agent serves one client at a time: let the transport's connection go first */
	vdm_transport_close(&x);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, sock);
	assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
	size_t n = 70000;
	char *big = xmalloc(n + 64);
	memset(big, 'a', n);
	strcpy(big + n, "\n{\"id\":5,\"op\":\"hello\"}\n");
	assert_int_equal(write(s, big, strlen(big)), (ssize_t)strlen(big));
	free(big);
	char buf[4096];
	size_t got = 0;
	while (got < sizeof buf - 1) {
		ssize_t r = read(s, buf + got, sizeof buf - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		if (strstr(buf, "\"id\":5"))
			break;
	}
	close(s);
	buf[got] = '\0';
	assert_non_null(strstr(buf, "{\"id\":null,\"ok\":false,\"error\":\"request line longer than"));
	assert_non_null(strstr(buf, "\"id\":5,\"ok\":true"));
	char *addr = xasprintf("agent:unix:%s", sock);
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_transport_open(addr, &x, &err), 0);
	free(addr);
}

static json_t *data_op(const char *op, const char *path, int seed, int off, int mib,
		       struct vdm_error *err)
{
	return ask(json_pack("{s:s, s:s, s:i, s:i, s:i}", "op", op, "path", path, "seed", seed,
			     "offset_mib", off, "mib", mib), err);
}

static void test_fill_verify(void **state)
{
	struct vdm_error err = { 0 };
	char path[400];
	snprintf(path, sizeof path, "%s/disk.img", datadir);
	json_t *r = data_op("fill", path, 5, 1, 3, &err);
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "bytes")), 3 << 20);
	json_decref(r);
	r = data_op("verify", path, 5, 1, 3, &err);
	assert_non_null(r);
	assert_true(json_is_true(json_object_get(r, "match")));
	json_decref(r);

	/* one byte changed at 2 MiB + 123: verify names exactly that offset */
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	unsigned char b;
	int rfd = open(path, O_RDONLY);
	assert_int_equal(pread(rfd, &b, 1, (2 << 20) + 123), 1);
	close(rfd);
	b ^= 0xff;
	assert_int_equal(pwrite(fd, &b, 1, (2 << 20) + 123), 1);
	close(fd);
	r = data_op("verify", path, 5, 1, 3, &err);
	assert_non_null(r);
	assert_false(json_is_true(json_object_get(r, "match")));
	assert_int_equal(json_integer_value(json_object_get(r, "first_mismatch")), (2 << 20) + 123);
	assert_int_equal(json_integer_value(json_object_get(r, "bad_bytes")), 1);
	json_decref(r);

	/* another seed is another pattern; reading past the end is an error */
	r = data_op("verify", path, 6, 1, 1, &err);
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "first_mismatch")), 1 << 20);
	json_decref(r);
	assert_null(data_op("verify", path, 5, 3, 2, &err));
	assert_non_null(strstr(err.msg, "passes the end"));
}

/* A peer that accepts and never answers, or answers a stale id first. */
struct fake { int lfd; int mode; };

static void *fake_peer(void *arg)
{
	struct fake *f = arg;
	int c = accept(f->lfd, NULL, NULL);
	char buf[4096];
	ssize_t n = read(c, buf, sizeof buf - 1);
	if (n > 0 && f->mode == 1) {
		/* answer the request's own id, after a stale reply with another one */
		buf[n] = '\0';
		json_t *req = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
		long long id = (long long)json_integer_value(json_object_get(req, "id"));
		json_decref(req);
		char r[256];
		snprintf(r, sizeof r, "{\"id\":%lld,\"ok\":true,\"stale\":1}\n"
			 "{\"id\":%lld,\"ok\":true,\"x\":42}\n", id - 1, id);
		if (write(c, r, strlen(r)) < 0)
			perror("fake write");
	} else if (n > 0 && f->mode >= 2) {
		/* a hostile guest: terminal escapes (OSC title, C1 CSI) in an error, or in the
		 * stderr of a failed command */
		buf[n] = '\0';
		json_t *req = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
		json_int_t id = json_integer_value(json_object_get(req, "id"));
		json_decref(req);
		const char *evil = "\033]0;pwned\007 \302\2332J done";
		json_t *rep = f->mode == 2
			? json_pack("{s:I, s:b, s:s}", "id", id, "ok", 0, "error", evil)
			: json_pack("{s:I, s:b, s:i, s:s, s:s}", "id", id, "ok", 1, "status", 1,
				    "stdout", "", "stderr", evil);
		char *line = json_dumps(rep, JSON_COMPACT);
		json_decref(rep);
		if (write(c, line, strlen(line)) < 0 || write(c, "\n", 1) < 0)
			perror("fake write");
		free(line);
	}
	usleep(600000);
	close(c);
	return NULL;
}

static void with_fake_peer(int mode, json_t **reply, struct vdm_error *err, int *rc)
{
	char path[300];
	snprintf(path, sizeof path, "%s/lpar7.agent", tmpdir);
	unlink(path);
	struct fake f = { socket(AF_UNIX, SOCK_STREAM, 0), mode };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(f.lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(f.lfd, 1), 0);
	pthread_t t;
	pthread_create(&t, NULL, fake_peer, &f);
	struct vdm_transport y;
	char *addr = xasprintf("agent:unix:%s", path);
	assert_int_equal(vdm_transport_open(addr, &y, err), 0);
	free(addr);
	if (mode == 3) {
		char *argv[] = { (char *)"lvs", NULL };
		char *out = NULL;
		*rc = vdm_transport_run(&y, argv, 300, &out, err);
		free(out);
	} else {
		json_t *req = json_pack("{s:s}", "op", "hello");
		*rc = vdm_transport_request(&y, req, reply, 300, err);
		json_decref(req);
	}
	vdm_transport_close(&y);
	pthread_join(t, NULL);
	close(f.lfd);
}

static void test_transport_timeout(void **state)
{
	json_t *reply = NULL;
	struct vdm_error err = { 0 };
	int rc;
	with_fake_peer(0, &reply, &err, &rc);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_null(reply);
	assert_non_null(strstr(err.msg, "agent lpar7 ("));
	assert_non_null(strstr(err.msg, "no answer to hello after 300 ms"));
}

static void test_transport_id_matching(void **state)
{
	json_t *reply = NULL;
	struct vdm_error err = { 0 };
	int rc;
	with_fake_peer(1, &reply, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(json_integer_value(json_object_get(reply, "x")), 42);
	assert_null(json_object_get(reply, "stale"));
	json_decref(reply);
}

/* Issue 9, finding 7: what a guest writes reaches the admin's terminal through error
 * messages; no control character may survive into one. */
static void assert_no_ctl(const char *msg)
{
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fail_msg("control character 0x%02x in \"%s\"", *p, msg);
}

static void test_escapes_in_agent_errors(void **state)
{
	json_t *reply = NULL;
	struct vdm_error err = { 0 };
	int rc;
	with_fake_peer(2, &reply, &err, &rc);
	assert_int_equal(rc, -EIO);
	assert_no_ctl(err.msg);
	assert_non_null(strstr(err.msg, "\\x1b]0;pwned\\x07 \\u009b2J done"));
	/* a failed command's stderr, and the message the driver builds around it */
	memset(&err, 0, sizeof err);
	with_fake_peer(3, &reply, &err, &rc);
	assert_int_equal(rc, 1);
	assert_no_ctl(err.msg);
	assert_non_null(strstr(err.msg, "\\x1b]0;pwned"));
	vdm_err_prefix(&err, "partition lpar7: %s", "lvs");
	assert_no_ctl(err.msg);
	/* the one function behind it: cut before a whole escape, idempotent */
	char small[5], twice[64], once[64];
	assert_int_equal(vdm_escape_ctl(small, sizeof small, "ab\033cd"), 2);
	assert_string_equal(small, "ab");
	vdm_escape_ctl(once, sizeof once, "x\ty\177z\\");
	assert_string_equal(once, "x\\x09y\\x7fz\\");
	vdm_escape_ctl(twice, sizeof twice, once);
	assert_string_equal(twice, once);
	vdm_err(&err, -EINVAL, "file %s: bad", "\033[2Jx");
	assert_string_equal(err.msg, "file \\x1b[2Jx: bad");
}

static void test_connect_refused(void **state)
{
	struct vdm_transport y;
	struct vdm_error err = { 0 };
	assert_true(vdm_transport_open("agent:unix:/nonexistent/lpar3.agent", &y, &err) < 0);
	assert_non_null(strstr(err.msg, "agent lpar3 (/nonexistent/lpar3.agent): connect"));
	assert_true(vdm_transport_open("agent:tcp:1.2.3.4", &y, &err) < 0);
	assert_non_null(strstr(err.msg, "want agent:unix:PATH"));
}

/* The driver on a report recorded from the lab guest after
 * `lvconvert --type raid1 -m 1 rootvg/hd2 /dev/vdf` (report-lvm-raid1.json). */
static void test_lvm_report(void **state)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/client/report-lvm-raid1.json", source_dir);
	json_t *report = json_load_file(path, 0, NULL), *vgs = NULL;
	assert_non_null(report);
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_lvm_vgs_from_report(report, &vgs, &err), 0);
	json_t *vg = json_array_get(vgs, 0);
	assert_string_equal(json_string_value(json_object_get(vg, "name")), "rootvg");
	assert_int_equal(json_integer_value(json_object_get(vg, "extent_mib")), 4);
	assert_int_equal(json_integer_value(json_object_get(vg, "pv_overhead_mib")), 1);
	assert_int_equal(json_integer_value(json_object_get(vg, "copy_meta_extents")), 1);
	json_t *pvs = json_object_get(vg, "pvs");
	assert_int_equal(json_array_size(pvs), 4);
	json_t *pv6 = json_array_get(pvs, 3);
	assert_string_equal(json_string_value(json_object_get(pv6, "disk")), "lpar1-06");
	assert_int_equal(json_integer_value(json_object_get(pv6, "total_extents")), 39);
	assert_int_equal(json_integer_value(json_object_get(pv6, "free_extents")), 32);
	char *got = json_dumps(json_object_get(vg, "lvs"), JSON_COMPACT);
	/* data: two linear segments merged per PV; hd2: one copy per rimage, rmeta not counted */
	assert_string_equal(got,
		"[{\"name\":\"data\",\"extents\":10,\"copies\":[[{\"pv\":\"lpar1-03\",\"extents\":7},"
		"{\"pv\":\"lpar1-01\",\"extents\":3}]]},"
		"{\"name\":\"hd2\",\"extents\":6,\"copies\":[[{\"pv\":\"lpar1-02\",\"extents\":6}],"
		"[{\"pv\":\"lpar1-06\",\"extents\":6}]]},"
		"{\"name\":\"hd4\",\"extents\":4,\"copies\":[[{\"pv\":\"lpar1-01\",\"extents\":4}]]}]");
	free(got);
	json_decref(vgs);

	/* a PV the disks list does not know (missing disk) is a clear error */
	json_array_remove(json_object_get(report, "disks"), 5);
	assert_true(vdm_lvm_vgs_from_report(report, &vgs, &err) < 0);
	assert_non_null(strstr(err.msg, "/dev/vdf"));
	json_decref(report);
}

/* After the server of hd2's second copy died (recorded: vios2 killed, then a write to hd2):
 * the missing PV is left out, and hd2 shows the one copy that survives. */
static void test_lvm_missing_pv(void **state)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/client/report-lvm-missing.json", source_dir);
	json_t *report = json_load_file(path, 0, NULL), *vgs = NULL;
	assert_non_null(report);
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_lvm_vgs_from_report(report, &vgs, &err), 0);
	json_t *vg = json_array_get(vgs, 0);
	assert_int_equal(json_array_size(json_object_get(vg, "pvs")), 2);
	char *got = json_dumps(json_object_get(vg, "lvs"), JSON_COMPACT);
	assert_non_null(strstr(got, "{\"name\":\"hd2\",\"extents\":6,\"copies\":"
				    "[[{\"pv\":\"lpar1-02\",\"extents\":6}]]}"));
	free(got);
	json_decref(vgs);

	/* a linear LV on the missing PV has lost data: a clear error, not a guess */
	json_t *segs = json_object_get(json_object_get(report, "lvm"), "segs");
	json_object_set_new(json_array_get(segs, 0), "seg_pe_ranges", json_string("[unknown]:4-6"));
	assert_true(vdm_lvm_vgs_from_report(report, &vgs, &err) < 0);
	assert_non_null(strstr(err.msg, "LV data"));
	assert_non_null(strstr(err.msg, "missing PV"));
	json_decref(report);
}

static json_t *load_report(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/client/%s", source_dir, name);
	json_t *r = json_load_file(path, 0, NULL);
	assert_non_null(r);
	return r;
}

static char *lv_json(json_t *vgs, size_t lv)
{
	return json_dumps(json_array_get(json_object_get(json_array_get(vgs, 0), "lvs"), lv),
			  JSON_COMPACT);
}

/* three-servers lab, hd2 mirrored onto lpar1-rootvg-m1 (vios2), `lab fail vios2`, a write to
 * hd2 (recorded: report-lvm-lost.json): LVM reports the PV "[unknown]"; the driver names its
 * disk (from the kernel's dm mapping, or the storage side's one missing disk) and keeps hd2's
 * copy on it, so check can call it lost and the planner can drop it (formats.md, repair). */
static void test_lvm_lost_copy(void **state)
{
	json_t *report = load_report("report-lvm-lost.json"), *vgs = NULL;
	struct vdm_error err = { 0 };
	static const char hd2_lost[] = "{\"name\":\"hd2\",\"extents\":6,\"copies\":["
		"[{\"pv\":\"lpar1-02\",\"extents\":6}],[{\"pv\":\"lpar1-rootvg-m1\",\"extents\":6}]]}";
	/* the storage side: both disks of the dead server missing, the spare lpar1-03 too */
	json_t *part = json_loads("{\"name\":\"lpar1\",\"disks\":["
		"{\"name\":\"lpar1-01\",\"size_mib\":48},{\"name\":\"lpar1-02\",\"size_mib\":48},"
		"{\"name\":\"lpar1-03\",\"size_mib\":32,\"state\":\"missing\"},"
		"{\"name\":\"lpar1-04\",\"size_mib\":32},"
		"{\"name\":\"lpar1-rootvg-m1\",\"size_mib\":29,\"state\":\"missing\"}]}", 0, NULL);
	assert_non_null(part);

	/* 1. dm says: hd2_rimage_1 and hd2_rmeta_1 sit on vde = lpar1-rootvg-m1 */
	assert_int_equal(vdm_lvm_vgs_read(report, part, &vgs, &err), 0);
	json_t *pvs = json_object_get(json_array_get(vgs, 0), "pvs");
	assert_int_equal(json_array_size(pvs), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(pvs, 2), "disk")),
			    "lpar1-rootvg-m1");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pvs, 2),
							    "total_extents")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pvs, 2),
							    "free_extents")), 0);
	char *got = lv_json(vgs, 1);
	assert_string_equal(got, hd2_lost);   /* lost, not also stale */
	free(got);
	json_decref(vgs);

	/* 2. no dm in the report, two missing disks that could be it: no guess, the copy is
	 * left out as before */
	json_t *dm = json_incref(json_object_get(report, "dm"));
	json_object_del(report, "dm");
	assert_int_equal(vdm_lvm_vgs_read(report, part, &vgs, &err), 0);
	assert_int_equal(json_array_size(json_object_get(json_array_get(vgs, 0), "pvs")), 2);
	got = lv_json(vgs, 1);
	assert_string_equal(got, "{\"name\":\"hd2\",\"extents\":6,\"copies\":"
			    "[[{\"pv\":\"lpar1-02\",\"extents\":6}]]}");
	free(got);
	json_decref(vgs);

	/* 3. no dm, only the right disk missing and big enough: named by elimination */
	json_t *d3 = json_array_get(json_object_get(part, "disks"), 2);
	json_object_del(d3, "state");
	assert_int_equal(vdm_lvm_vgs_read(report, part, &vgs, &err), 0);
	got = lv_json(vgs, 1);
	assert_string_equal(got, hd2_lost);
	free(got);
	json_decref(vgs);
	/* ... but not a disk too small for the PV's 7 extents */
	json_t *m1 = json_array_get(json_object_get(part, "disks"), 4);
	json_object_set_new(m1, "size_mib", json_integer(20));
	assert_int_equal(vdm_lvm_vgs_read(report, part, &vgs, &err), 0);
	assert_int_equal(json_array_size(json_object_get(json_array_get(vgs, 0), "pvs")), 2);
	json_decref(vgs);

	/* 4. dm names a disk the storage side thinks present (the device failed in the guest):
	 * the driver marks it missing on the partition */
	json_object_set_new(report, "dm", dm);
	json_object_set_new(m1, "size_mib", json_integer(29));
	json_object_del(m1, "state");
	assert_int_equal(vdm_lvm_vgs_read(report, part, &vgs, &err), 0);
	assert_string_equal(json_string_value(json_object_get(m1, "state")), "missing");
	got = lv_json(vgs, 1);
	assert_string_equal(got, hd2_lost);
	free(got);
	json_decref(vgs);
	json_decref(part);
	json_decref(report);
}

/* Several PVs of one VG missing (the server of both original disks died): each LV's extents
 * on "[unknown]" are named by the kernel's mapping, each missing PV row by what those LVs put
 * on its disk; without the mapping nothing is guessed. Made from report-lvm-lost.json with
 * lpar1-02 (vdb) missing too. */
static void test_lvm_two_missing(void **state)
{
	json_t *report = load_report("report-lvm-lost.json"), *vgs = NULL;
	struct vdm_error err = { 0 };
	json_t *lvm = json_object_get(report, "lvm"), *r;
	size_t i;
	json_array_foreach(json_object_get(lvm, "pvs"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "pv_name")), "/dev/vdb"))
			json_object_set_new(r, "pv_name", json_string("[unknown]"));
	json_array_foreach(json_object_get(lvm, "segs"), i, r) {
		const char *rg = json_string_value(json_object_get(r, "seg_pe_ranges"));
		if (!strncmp(rg, "/dev/vdb:", 9)) {
			char *nr = xasprintf("[unknown]:%s", rg + 9);
			json_object_set_new(r, "seg_pe_ranges", json_string(nr));
			free(nr);
		}
	}
	json_t *part = json_loads("{\"name\":\"lpar1\",\"disks\":["
		"{\"name\":\"lpar1-01\",\"size_mib\":48},{\"name\":\"lpar1-02\",\"size_mib\":48},"
		"{\"name\":\"lpar1-03\",\"size_mib\":32,\"state\":\"missing\"},"
		"{\"name\":\"lpar1-04\",\"size_mib\":32},"
		"{\"name\":\"lpar1-rootvg-m1\",\"size_mib\":29,\"state\":\"missing\"}]}", 0, NULL);
	assert_int_equal(vdm_lvm_vgs_read(report, part, &vgs, &err), 0);
	char *got = json_dumps(json_object_get(json_array_get(vgs, 0), "pvs"), JSON_COMPACT);
	assert_string_equal(got, "[{\"disk\":\"lpar1-01\",\"total_extents\":11,\"free_extents\":1},"
		"{\"disk\":\"lpar1-02\",\"total_extents\":11,\"free_extents\":4},"
		"{\"disk\":\"lpar1-rootvg-m1\",\"total_extents\":7,\"free_extents\":0}]");
	free(got);
	got = lv_json(vgs, 1);
	assert_string_equal(got, "{\"name\":\"hd2\",\"extents\":6,\"copies\":["
		"[{\"pv\":\"lpar1-02\",\"extents\":6}],[{\"pv\":\"lpar1-rootvg-m1\",\"extents\":6}]]}");
	free(got);
	/* the guest lost lpar1-02 although its server answers: marked on the partition */
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(part, "disks"), 1), "state")), "missing");
	json_decref(vgs);

	/* no dm mapping: nothing is guessed; hd2 then has no copy anyone can name: an error
	 * that says so, as before */
	json_object_del(report, "dm");
	assert_true(vdm_lvm_vgs_read(report, part, &vgs, &err) < 0);
	assert_non_null(strstr(err.msg, "LV hd2: every copy has extents on a missing PV"));
	json_decref(part);
	json_decref(report);
}

/* Recorded (report-lvm-two-lost.json): after the above, vios1 failed too, a write to hd2:
 * lpar1-01 and lpar1-02 are both "[unknown]" (11 extents each, 10 and 7 allocated). */
static void test_lvm_two_missing_recorded(void **state)
{
	json_t *report = load_report("report-lvm-two-lost.json"), *vgs = NULL;
	struct vdm_error err = { 0 };
	json_t *part = json_loads("{\"name\":\"lpar1\",\"disks\":["
		"{\"name\":\"lpar1-01\",\"size_mib\":48,\"state\":\"missing\"},"
		"{\"name\":\"lpar1-02\",\"size_mib\":48,\"state\":\"missing\"},"
		"{\"name\":\"lpar1-03\",\"size_mib\":32},{\"name\":\"lpar1-04\",\"size_mib\":32},"
		"{\"name\":\"lpar1-rootvg-m1\",\"size_mib\":29}]}", 0, NULL);
	assert_int_equal(vdm_lvm_vgs_read(report, part, &vgs, &err), 0);
	json_t *vg = json_array_get(vgs, 0);
	char *got = json_dumps(json_object_get(vg, "pvs"), JSON_COMPACT);
	assert_string_equal(got, "[{\"disk\":\"lpar1-rootvg-m1\",\"total_extents\":7,\"free_extents\":0},"
		"{\"disk\":\"lpar1-01\",\"total_extents\":11,\"free_extents\":1},"
		"{\"disk\":\"lpar1-02\",\"total_extents\":11,\"free_extents\":4}]");
	free(got);
	got = json_dumps(json_object_get(vg, "lvs"), JSON_COMPACT);
	assert_string_equal(got, "[{\"name\":\"data\",\"extents\":6,\"copies\":[[{\"pv\":\"lpar1-01\",\"extents\":6}]]},"
		"{\"name\":\"hd2\",\"extents\":6,\"copies\":[[{\"pv\":\"lpar1-02\",\"extents\":6}],"
		"[{\"pv\":\"lpar1-rootvg-m1\",\"extents\":6}]]},"
		"{\"name\":\"hd4\",\"extents\":4,\"copies\":[[{\"pv\":\"lpar1-01\",\"extents\":4}]]}]");
	free(got);
	json_decref(vgs);
	json_decref(part);
	json_decref(report);
}

/* The same lab after `lab restore vios2` (recorded: report-lvm-returned.json, the agent
 * reporting without LVM hints): the PV is
 * back, hd2's leg on it is "refresh needed" (Iwi-aor-r-): a stale copy, not a lost one. */
static void test_lvm_returned_stale(void **state)
{
	json_t *report = load_report("report-lvm-returned.json"), *vgs = NULL;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_lvm_vgs_read(report, NULL, &vgs, &err), 0);
	assert_int_equal(json_array_size(json_object_get(json_array_get(vgs, 0), "pvs")), 3);
	char *got = lv_json(vgs, 1);
	assert_string_equal(got, "{\"name\":\"hd2\",\"extents\":6,\"copies\":["
		"[{\"pv\":\"lpar1-02\",\"extents\":6}],[{\"pv\":\"lpar1-rootvg-m1\",\"extents\":6}]],"
		"\"stale\":[1]}");
	free(got);
	json_decref(vgs);
	/* after `lvchange --refresh` and the resync: both images 'i', nothing stale */
	json_t *segs = json_object_get(json_object_get(report, "lvm"), "segs"), *r;
	size_t i;
	json_array_foreach(segs, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "lv_name")), "[hd2_rimage_1]"))
			json_object_set_new(r, "lv_attr", json_string("iwi-aor---"));
	assert_int_equal(vdm_lvm_vgs_read(report, NULL, &vgs, &err), 0);
	got = lv_json(vgs, 1);
	assert_null(strstr(got, "stale"));
	free(got);
	json_decref(vgs);
	/* resyncing: out of sync image 'I', health fine */
	json_array_foreach(segs, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "lv_name")), "[hd2_rimage_1]"))
			json_object_set_new(r, "lv_attr", json_string("Iwi-aor---"));
	assert_int_equal(vdm_lvm_vgs_read(report, NULL, &vgs, &err), 0);
	got = lv_json(vgs, 1);
	assert_non_null(strstr(got, "\"stale\":[1]"));
	free(got);
	json_decref(vgs);
	json_decref(report);
}

/* The same lab after `lvchange --refresh rootvg/hd2`, its resync slowed down (recorded by
 * lab-discover-failed.sh: report-lvm-resyncing.json): hd2's image on lpar1-rootvg-m1 is out of
 * sync ('I', health fine), the LV's sync_percent "45.57": a stale copy 45 % in sync
 * (lvs[].resync_percent). The guest's number is checked: anything that is no percent is left
 * out with a warning; an image waiting for a refresh ('r') or LVM saying 100 gets none. */
static void test_lvm_resyncing_recorded(void **state)
{
	json_t *report = load_report("report-lvm-resyncing.json"), *vgs = NULL;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_lvm_vgs_read(report, NULL, &vgs, &err), 0);
	char *got = lv_json(vgs, 1);
	assert_string_equal(got, "{\"name\":\"hd2\",\"extents\":6,\"copies\":["
		"[{\"pv\":\"lpar1-02\",\"extents\":6}],[{\"pv\":\"lpar1-rootvg-m1\",\"extents\":6}]],"
		"\"stale\":[1],\"resync_percent\":[45]}");
	free(got);
	json_decref(vgs);
	json_t *segs = json_object_get(json_object_get(report, "lvm"), "segs"), *r, *top = NULL,
	       *img = NULL;
	size_t i;
	json_array_foreach(segs, i, r) {
		const char *n = json_string_value(json_object_get(r, "lv_name"));
		if (!strcmp(n, "hd2"))
			top = r;
		if (!strcmp(n, "[hd2_rimage_1]"))
			img = r;
	}
	assert_non_null(top);
	assert_non_null(img);
	const char *ok[][2] = { { "0.00", "0" }, { "99.99", "99" }, { "7", "7" } };
	for (i = 0; i < 3; i++) {
		json_object_set_new(top, "sync_percent", json_string(ok[i][0]));
		assert_int_equal(vdm_lvm_vgs_read(report, NULL, &vgs, &err), 0);
		got = lv_json(vgs, 1);
		char want[64];
		snprintf(want, sizeof want, "\"resync_percent\":[%s]}", ok[i][1]);
		if (!strstr(got, want))
			fail_msg("sync_percent %s: %s", ok[i][0], got);
		free(got);
		json_decref(vgs);
	}
	const char *bad[] = { "250.00", "100.01", "-3", "45.5.5", "45.", "abc", "1e2", "0045.00",
			      "45.57 " };
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *part = json_pack("{s:s, s:[]}", "name", "lpar1", "disks");
		json_object_set_new(top, "sync_percent", json_string(bad[i]));
		assert_int_equal(vdm_lvm_vgs_read(report, part, &vgs, &err), 0);
		got = lv_json(vgs, 1);
		assert_non_null(strstr(got, "\"stale\":[1]"));
		if (strstr(got, "resync_percent"))
			fail_msg("sync_percent \"%s\" taken: %s", bad[i], got);
		free(got);
		const char *w = json_string_value(json_array_get(json_object_get(part, "warnings"), 0));
		if (!w || !strstr(w, "LV hd2: sync_percent") || !strstr(w, "not shown"))
			fail_msg("sync_percent \"%s\": no warning (%s)", bad[i], w ? w : "none");
		json_decref(part);
		json_decref(vgs);
	}
	/* 100 with the image still 'I'; or the image waiting for a refresh: stale, no number */
	json_object_set_new(top, "sync_percent", json_string("100.00"));
	assert_int_equal(vdm_lvm_vgs_read(report, NULL, &vgs, &err), 0);
	got = lv_json(vgs, 1);
	assert_non_null(strstr(got, "\"stale\":[1]}"));
	free(got);
	json_decref(vgs);
	json_object_set_new(top, "sync_percent", json_string("45.57"));
	json_object_set_new(img, "lv_attr", json_string("Iwi-aor-r-"));
	assert_int_equal(vdm_lvm_vgs_read(report, NULL, &vgs, &err), 0);
	got = lv_json(vgs, 1);
	assert_non_null(strstr(got, "\"stale\":[1]}"));
	free(got);
	json_decref(vgs);
	json_decref(report);
}

/* md1 = RAID1 of lpar1-03 (vios2) and lpar1-04 (vios3), `lab fail vios2`, a write (recorded:
 * report-md-faulty.json): vdc faulty, slot none. The member is a copy marked stale; the
 * storage side's missing disk makes it lost (model rule). */
static void test_md_faulty_member(void **state)
{
	json_t *report = load_report("report-md-faulty.json"), *vgs = NULL;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_md_vgs_from_report(report, &vgs, &err), 0);
	char *got = lv_json(vgs, 0);
	assert_string_equal(got, "{\"name\":\"md1\",\"extents\":31,\"copies\":["
		"[{\"pv\":\"lpar1-03\",\"extents\":31}],[{\"pv\":\"lpar1-04\",\"extents\":31}]],"
		"\"stale\":[0]}");
	free(got);
	assert_int_equal(json_array_size(json_object_get(json_array_get(vgs, 0), "pvs")), 2);
	json_decref(vgs);
	json_decref(report);
}

/* The md driver on a report recorded from the lab guest after `mdadm --grow /dev/md0
 * --raid-devices=2 --add /dev/vdb` and `mdadm --wait` (report-md-raid1.json). */
static void test_md_report(void **state)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/client/report-md-raid1.json", source_dir);
	json_t *report = json_load_file(path, 0, NULL), *vgs = NULL;
	assert_non_null(report);
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_md_vgs_from_report(report, &vgs, &err), 0);
	char *got = json_dumps(vgs, JSON_COMPACT);
	/* 48 MiB disks, data offset 2048 sectors: 47 MiB components, one copy per member */
	assert_string_equal(got,
		"[{\"name\":\"md0\",\"extent_mib\":1,\"pv_overhead_mib\":1,\"copy_meta_extents\":0,"
		"\"pvs\":[{\"disk\":\"lpar1-01\",\"total_extents\":47,\"free_extents\":0},"
		"{\"disk\":\"lpar1-02\",\"total_extents\":47,\"free_extents\":0}],"
		"\"lvs\":[{\"name\":\"md0\",\"extents\":47,\"copies\":[[{\"pv\":\"lpar1-01\",\"extents\":47}],"
		"[{\"pv\":\"lpar1-02\",\"extents\":47}]]}]}]");
	free(got);
	json_decref(vgs);

	/* a member being rebuilt (in a slot, not in sync) or marked faulty holds a stale copy
	 * (formats.md, repair); a spare without a slot holds none; a faulty member whose device
	 * the guest lost is left out */
	json_t *m1 = json_array_get(json_object_get(json_array_get(json_object_get(report, "md"), 0),
						    "members"), 1);
	const char *stale_lv = "\"copies\":[[{\"pv\":\"lpar1-01\",\"extents\":47}],"
		"[{\"pv\":\"lpar1-02\",\"extents\":47}]],\"stale\":[1]}";
	const char *states[] = { "spare", "faulty", "in_sync,faulty" };
	for (size_t i = 0; i < 3; i++) {
		json_object_set_new(m1, "state", json_string(states[i]));
		assert_int_equal(vdm_md_vgs_from_report(report, &vgs, &err), 0);
		got = json_dumps(vgs, JSON_COMPACT);
		assert_non_null(strstr(got, stale_lv));
		free(got);
		json_decref(vgs);
	}
	json_object_set_new(m1, "state", json_string("spare"));
	json_object_set_new(m1, "slot", json_string("none"));
	assert_int_equal(vdm_md_vgs_from_report(report, &vgs, &err), 0);
	json_t *vg = json_array_get(vgs, 0);
	assert_int_equal(json_array_size(json_object_get(vg, "pvs")), 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(vg, "lvs"), 0),
							 "copies")), 1);
	assert_null(json_object_get(json_array_get(json_object_get(vg, "lvs"), 0), "stale"));
	json_decref(vgs);
	json_object_set_new(m1, "state", json_string("faulty"));
	json_object_set_new(m1, "name", json_string("vdz"));    /* a device the guest lost */
	assert_int_equal(vdm_md_vgs_from_report(report, &vgs, &err), 0);
	assert_int_equal(json_array_size(json_object_get(json_array_get(vgs, 0), "pvs")), 1);
	json_decref(vgs);
	json_decref(report);
}

/* Recorded in the lab (report-md-recovering.json): md1 = RAID1 of lpar1-03 and lpar1-04 without
 * a bitmap, lpar1-03 failed, removed, zeroed and added back: md recovers it in full, "recover",
 * "32768 / 63488" sectors: a stale copy 51 % in sync. */
static void test_md_recovering_recorded(void **state)
{
	json_t *report = load_report("report-md-recovering.json"), *vgs = NULL;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_md_vgs_from_report(report, &vgs, &err), 0);
	char *got = lv_json(vgs, 0);
	assert_string_equal(got, "{\"name\":\"md1\",\"extents\":31,\"copies\":["
		"[{\"pv\":\"lpar1-03\",\"extents\":31}],[{\"pv\":\"lpar1-04\",\"extents\":31}]],"
		"\"stale\":[0],\"resync_percent\":[51]}");
	free(got);
	json_decref(vgs);
	json_decref(report);
}

/* md recovering a member (report-md-raid1.json with md's sysfs words during a recovery:
 * member vdb in slot 1 not in_sync, sync_action "recover", sync_completed "DONE / TOTAL"
 * sectors): the stale copy's progress is lvs[].resync_percent, floored. A faulty member is
 * not being recovered: no number. Numbers that make no sense (done beyond the total, not
 * numbers) are left out with a warning, never shown. */
static void test_md_recovery_progress(void **state)
{
	json_t *report = load_report("report-md-raid1.json"), *vgs = NULL;
	struct vdm_error err = { 0 };
	json_t *md = json_array_get(json_object_get(report, "md"), 0);
	json_t *m1 = json_array_get(json_object_get(md, "members"), 1);
	json_object_set_new(m1, "state", json_string("spare"));
	json_object_set_new(md, "sync_action", json_string("recover"));
	json_object_set_new(md, "degraded", json_string("1"));
	json_object_set_new(md, "sync_completed", json_string("40960 / 96256"));
	assert_int_equal(vdm_md_vgs_from_report(report, &vgs, &err), 0);
	char *got = lv_json(vgs, 0);
	assert_non_null(strstr(got, "\"stale\":[1],\"resync_percent\":[42]}"));
	free(got);
	json_decref(vgs);
	/* about to start: 0 % */
	json_object_set_new(md, "sync_completed", json_string("delayed"));
	assert_int_equal(vdm_md_vgs_from_report(report, &vgs, &err), 0);
	got = lv_json(vgs, 0);
	assert_non_null(strstr(got, "\"resync_percent\":[0]"));
	free(got);
	json_decref(vgs);
	/* no recovery running (a faulty member waits for --re-add): stale, no number */
	json_object_set_new(md, "sync_completed", json_string("40960 / 96256"));
	json_object_set_new(m1, "state", json_string("faulty"));
	assert_int_equal(vdm_md_vgs_from_report(report, &vgs, &err), 0);
	got = lv_json(vgs, 0);
	assert_non_null(strstr(got, "\"stale\":[1]"));
	assert_null(strstr(got, "resync_percent"));
	free(got);
	json_decref(vgs);
	json_object_set_new(m1, "state", json_string("spare"));
	const char *bad[] = { "96256 / 40960", "250", "40960 / 0", "-1 / 96256", "4e4 / 96256",
			      "40960 / 96256 / 7", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *part = json_pack("{s:s}", "name", "lpar1");
		json_object_set_new(md, "sync_completed", json_string(bad[i]));
		assert_int_equal(vdm_md_vgs_read(report, part, &vgs, &err), 0);
		got = lv_json(vgs, 0);
		assert_non_null(strstr(got, "\"stale\":[1]"));
		if (strstr(got, "resync_percent"))
			fail_msg("sync_completed \"%s\" taken: %s", bad[i], got);
		free(got);
		const char *w = json_string_value(json_array_get(json_object_get(part, "warnings"), 0));
		if (!w || !strstr(w, "linux-md: md md0: sync_completed") || !strstr(w, "not shown"))
			fail_msg("sync_completed \"%s\": no warning (%s)", bad[i], w ? w : "none");
		json_decref(part);
		json_decref(vgs);
	}
	json_decref(report);
}

/* Script mode: the drivers write the exact commands, with udev's by-id names for the disks. */
static void test_script_mode(void **state)
{
	char path[400];
	snprintf(path, sizeof path, "%s/lpar1.sh", tmpdir);
	char *addr = xasprintf("script:%s", path);
	struct vdm_transport y;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_transport_open(addr, &y, &err), 0);
	free(addr);
	const struct vdm_client_ops *lvm = vdm_client_find("linux-lvm"), *md = vdm_client_find("linux-md");
	assert_non_null(lvm);
	assert_non_null(md);
	struct vdm_plan_segment segs[2] = { { "lpar1-02", 1 }, { "lpar1-rootvg-m1", 6 } };
	struct vdm_plan_copy copy = { segs, 2 }, one = { segs, 1 };
	struct vdm_client lc, mc;
	assert_int_equal(vdm_client_open(lvm->name, &y, &lc, &err), 0);
	assert_int_equal(vdm_client_open(md->name, &y, &mc, &err), 0);
	assert_int_equal(vdm_client_wait_disk(&lc, "lpar1-rootvg-m1", 1000, NULL, &err), 0);
	assert_int_equal(vdm_client_add_pv(&lc, "rootvg", "lpar1-rootvg-m1", &err), 0);
	assert_int_equal(vdm_client_add_copy(&lc, "rootvg", "hd2", 2, &copy, &err), 0);
	assert_int_equal(vdm_client_add_copy(&mc, "md0", "md0", 2, &one, &err), 0);
	assert_true(vdm_client_add_pv(&lc, "rootvg", "bad name;reboot", &err) < 0);
	vdm_client_close(&lc);
	vdm_client_close(&mc);
	vdm_transport_close(&y);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char text[8192];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *want[] = {
		"# wait until /dev/disk/by-id/virtio-lpar1-rootvg-m1 exists",
		"vgextend rootvg /dev/disk/by-id/virtio-lpar1-rootvg-m1\n",
		"lvconvert -y --type raid1 -m 1 rootvg/hd2 /dev/disk/by-id/virtio-lpar1-02 "
		"/dev/disk/by-id/virtio-lpar1-rootvg-m1\n",
		"mdadm --grow /dev/md0 --raid-devices=2 --add /dev/disk/by-id/virtio-lpar1-02\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(text, want[i]))
			fail_msg("script lacks \"%s\":\n%s", want[i], text);
	assert_null(strstr(text, "reboot"));
	assert_null(strstr(text, "pvcreate"));   /* one lvm start: vgextend initializes the PV */
}

/* batch: in order, one round trip, stops at the first failure and says which; a command
 * the allowlist refuses refuses the whole batch before anything runs. */
static void test_batch(void **state)
{
	const char *ok[] = { "mdadm", "--version", NULL };
	const char *bad[] = { "mdadm", "--detail", "/dev/vdm-no-such-md", NULL };
	const char *const *cmds[] = { ok, bad, ok };
	struct vdm_batch_result res[3];
	size_t done = 9;
	struct vdm_error err = { 0 };
	int rc = vdm_transport_batch(&x, cmds, 3, 10000, res, &done, &err);
	assert_int_equal(rc, -EIO);
	assert_int_equal(done, 2);
	assert_int_equal(res[0].status, 0);
	assert_non_null(strstr(res[0].err_text, "mdadm - v"));   /* mdadm --version: stderr */
	assert_int_not_equal(res[1].status, 0);
	assert_true(res[0].started_at > 0 && res[0].started_at <= res[0].finished_at);
	assert_true(res[0].finished_at <= res[1].started_at);
	if (!strstr(err.msg, "`mdadm --detail /dev/vdm-no-such-md`: exit"))
		fail_msg("the failing command is not named: %s", err.msg);
	vdm_batch_results_free(res, done);

	const char *const *all_ok[] = { ok, ok };
	assert_int_equal(vdm_transport_batch(&x, all_ok, 2, 10000, res, &done, &err), 0);
	assert_int_equal(done, 2);
	vdm_batch_results_free(res, done);

	expect_refusal(json_pack("{s:s, s:[{s:[s,s]}, {s:[s,s,s]}]}", "op", "batch", "commands",
				 "argv", "mdadm", "--version", "argv", "sh", "-c", "reboot"),
		       "\"commands\"[1]: run: program \"sh\" is not allowed");
	expect_refusal(json_pack("{s:s, s:[]}", "op", "batch", "commands"), "1 to 64");
	expect_refusal(json_pack("{s:s, s:[{s:[s,s], s:i}, {s:[s,s], s:i}]}", "op", "batch",
				 "commands", "argv", "mdadm", "--version", "timeout_ms", 3000000,
				 "argv", "mdadm", "--version", "timeout_ms", 3000000), "add up to");
}

/* sync_lvs: names checked like every other; the host has no device-mapper, so a good
 * request gets the agent's plain reason (the lab runs it for real). */
static void test_sync_lvs(void **state)
{
	expect_refusal(json_pack("{s:s, s:s, s:[s]}", "op", "sync_lvs", "vg", "../etc", "lvs",
				 "data"), "invalid name");
	expect_refusal(json_pack("{s:s, s:s, s:[s]}", "op", "sync_lvs", "vg", "rootvg", "lvs",
				 "a/b"), "invalid LV name");
	expect_refusal(json_pack("{s:s, s:s, s:[]}", "op", "sync_lvs", "vg", "rootvg", "lvs"),
		       "1 to 64");
	/* the wait for the sync's end is a poll's length, not a way to park the agent */
	expect_refusal(json_pack("{s:s, s:s, s:[s], s:I}", "op", "sync_lvs", "vg", "rootvg",
				 "lvs", "data", "wait_ms", (json_int_t)3600001), "wait_ms");
	expect_refusal(json_pack("{s:s, s:s, s:[s], s:i}", "op", "sync_lvs", "vg", "rootvg",
				 "lvs", "data", "wait_ms", -1), "wait_ms");
	expect_refusal(json_pack("{s:s, s:s, s:[s], s:s}", "op", "sync_lvs", "vg", "rootvg",
				 "lvs", "data", "wait_ms", "500"), "wait_ms");
	struct vdm_error err = { 0 };
	/* a wait over the agent's limit is shortened, not refused (a host of another build) */
	json_t *r2 = ask(json_pack("{s:s, s:s, s:[s], s:i}", "op", "sync_lvs", "vg", "vdm-none",
				   "lvs", "data", "wait_ms", 60001), &err);
	assert_null(r2);   /* no such LV here: the read fails, at once */
	assert_null(strstr(err.msg, "wait_ms"));
	assert_non_null(strstr(err.msg, "sync_lvs"));
	err = (struct vdm_error){ 0 };
	if (access("/dev/mapper/control", F_OK) < 0) {
		json_t *r = ask(json_pack("{s:s, s:s, s:[s]}", "op", "sync_lvs", "vg", "rootvg",
					  "lvs", "data"), &err);
		assert_null(r);
		assert_non_null(strstr(err.msg, "sync_lvs: /dev/mapper/control"));
	}
}

/* sync_rate: raised, the admin's values kept once (a second raise does not overwrite them),
 * put back on request, and put back by the agent itself when the host goes away. */
static void test_sync_rate(void **state)
{
	struct vdm_error err = { 0 };
	json_t *r = ask(json_pack("{s:s, s:i}", "op", "sync_rate", "rate_kib", 0), &err);
	assert_non_null(r);
	json_decref(r);
	assert_true(read_limit("max") >= 100000000);
	assert_int_equal(read_limit("min"), read_limit("max"));
	r = ask(json_pack("{s:s, s:i}", "op", "sync_rate", "rate_kib", 5000), &err);
	assert_non_null(r);
	json_decref(r);
	assert_int_equal(read_limit("max"), 5000);
	r = ask(json_pack("{s:s, s:b}", "op", "sync_rate", "restore", 1), &err);
	assert_non_null(r);
	assert_true(json_is_true(json_object_get(r, "restored")));
	json_decref(r);
	assert_int_equal(read_limit("min"), 1000);
	assert_int_equal(read_limit("max"), 200000);

	/* vdmirror dies with the limits raised: the connection closes, the agent restores */
	r = ask(json_pack("{s:s, s:i}", "op", "sync_rate", "rate_kib", 0), &err);
	assert_non_null(r);
	json_decref(r);
	assert_true(read_limit("max") >= 100000000);
	vdm_transport_close(&x);
	for (int i = 0; i < 100 && read_limit("max") != 200000; i++)
		usleep(20000);
	assert_int_equal(read_limit("min"), 1000);
	assert_int_equal(read_limit("max"), 200000);
	char *addr = xasprintf("agent:unix:%s", sock);
	assert_int_equal(vdm_transport_open(addr, &x, &err), 0);
	free(addr);
	expect_refusal(json_pack("{s:s, s:i}", "op", "sync_rate", "rate_kib", -1), "rate_kib");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test-agent AGENT_BINARY SOURCE_DIR\n");
		return 2;
	}
	agent_bin = argv[1];
	source_dir = argv[2];
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_disks),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_oversized_line),
		cmocka_unit_test(test_fill_verify),
		cmocka_unit_test(test_transport_timeout),
		cmocka_unit_test(test_transport_id_matching),
		cmocka_unit_test(test_escapes_in_agent_errors),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_lvm_report),
		cmocka_unit_test(test_lvm_missing_pv),
		cmocka_unit_test(test_lvm_lost_copy),
		cmocka_unit_test(test_lvm_two_missing),
		cmocka_unit_test(test_lvm_two_missing_recorded),
		cmocka_unit_test(test_lvm_returned_stale),
		cmocka_unit_test(test_lvm_resyncing_recorded),
		cmocka_unit_test(test_md_faulty_member),
		cmocka_unit_test(test_md_recovering_recorded),
		cmocka_unit_test(test_md_recovery_progress),
		cmocka_unit_test(test_md_report),
		cmocka_unit_test(test_script_mode),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_sync_rate),
		cmocka_unit_test(test_sync_lvs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
