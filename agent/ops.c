/* ops.c: the agent's operations, run on a request already parsed and validated by proto.c:
 * disk listing by virtio serial, the LVM/md report, waiting for a hot-plugged disk, running an
 * allowlisted command by argv, sync status, and the data pattern fill/verify used to prove
 * that no byte was lost. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"

struct agent_conf agent_conf = { "/sys", "/dev", NULL, "/proc/sys/dev/raid",
				  "/run/vdmirror-agent" };

#define RUN_STDOUT_MAX (4u << 20)
#define RUN_STDERR_MAX (64u << 10)
#define SERIAL_MAX 128

#define FAIL(...) do { snprintf(errbuf, errlen, __VA_ARGS__); return NULL; } while (0)

static int64_t ops_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ops_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Reads a small sysfs file into buf without its trailing newline; -1 when unreadable. */
static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int read_sysfs(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int read_sysfs(char *buf, size_t size, const char *fmt, ...)
{
	char rel[512], path[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof rel, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof path, "%s/%s", agent_conf.sysfs, rel);
	return read_small(path, buf, size);
}

/* JSON strings must be UTF-8: anything a device or a command prints that is not printable
 * ASCII (bar newline and tab) becomes '?'. */
static json_t *json_clean_string(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		c[i] = (ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f)) ? (char)ch : '?';
	}
	c[n] = '\0';
	json_t *j = json_stringn(c, n);
	free(c);
	return j;
}

/* One disk: the kernel name, its serial (virtio-blk: block/X/serial; SCSI: device/serial),
 * its size in bytes. Returns NULL for what is not a real disk (loop, dm, md, ram). */
static json_t *disk_entry(const char *name)
{
	char buf[SERIAL_MAX + 1], size[64], p[1024];
	/* "device" is a link only for disks on a bus; loop, dm, md and ram have none */
	snprintf(p, sizeof p, "%s/block/%s/device", agent_conf.sysfs, name);
	if (access(p, F_OK) < 0)
		return NULL;
	if (read_sysfs(size, sizeof size, "block/%s/size", name) < 0)
		return NULL;
	if (read_sysfs(buf, sizeof buf, "block/%s/serial", name) < 0 &&
	    read_sysfs(buf, sizeof buf, "block/%s/device/serial", name) < 0)
		buf[0] = '\0';
	return json_pack("{s:o, s:s, s:I}", "serial", json_clean_string(buf, strlen(buf)),
			 "name", name, "size_bytes", (json_int_t)(strtoll(size, NULL, 10) * 512));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *list_disks(char *errbuf, size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/block", agent_conf.sysfs);
	DIR *d = opendir(path);
	if (!d)
		FAIL("disks: %s: %s", path, strerror(errno));
	char *names[1024];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 1024)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], name_cmp);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *disk = names[i] ? disk_entry(names[i]) : NULL;
		if (disk)
			json_array_append_new(arr, disk);
		free(names[i]);
	}
	return arr;
}

/* Does a disk's serial name `want`? virtio-blk keeps only the first 20 bytes of a serial. */
static bool serial_matches(const char *serial, const char *want)
{
	if (!strcmp(serial, want))
		return true;
	return strlen(want) > 20 && strlen(serial) == 20 && !strncmp(serial, want, 20);
}

static json_t *find_disk(json_t *disks, const char *serial)
{
	size_t i;
	json_t *d;
	json_array_foreach(disks, i, d)
		if (serial_matches(json_string_value(json_object_get(d, "serial")), serial))
			return d;
	return NULL;
}

/* The kernel's uevents (no udev needed): a socket that becomes readable when a device is
 * added, so wait_disk looks again at once instead of at its next 100 ms poll (the hot-plug
 * of a new disk is ~0.2 s under TCG: the poll's granularity was a quarter of it). -1 when
 * it cannot be had (then polling alone, as before). */
static int uevent_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sleeps up to ms, less when a uevent comes (fd >= 0); what came is read and dropped: the
 * caller looks at sysfs again either way. */
static void uevent_wait(int fd, int ms)
{
	if (fd < 0) {
		ops_sleep_ms(ms);
		return;
	}
	struct pollfd p = { fd, POLLIN, 0 };
	if (poll(&p, 1, ms) > 0) {
		char buf[8192];
		while (recv(fd, buf, sizeof buf, 0) > 0)
			;
	}
}

static json_t *op_wait_disk(const struct agent_req *req, char *errbuf, size_t errlen)
{
	int64_t deadline = ops_now_ms() + req->timeout_ms;
	int ev = uevent_socket();          /* before the first look: no event is lost */
	for (;;) {
		json_t *disks = list_disks(errbuf, errlen);
		if (!disks)
			break;
		json_t *d = find_disk(disks, req->serial);
		if (d) {
			json_t *r = json_deep_copy(d);
			json_decref(disks);
			if (ev >= 0)
				close(ev);
			return r;
		}
		json_decref(disks);
		if (ops_now_ms() >= deadline) {
			snprintf(errbuf, errlen, "wait_disk: no disk with serial %s appeared within "
				 "%lld ms", req->serial, (long long)req->timeout_ms);
			break;
		}
		uevent_wait(ev, 100);
	}
	if (ev >= 0)
		close(ev);
	return NULL;
}

static const char *find_program(const char *name, char *buf, size_t size)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin", NULL };
	for (size_t i = 0; dirs[i]; i++) {
		snprintf(buf, size, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

struct run_result {
	int status;
	char *out, *err;
	size_t outlen, errlen;
	bool truncated;
};

static void run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
}

static void buf_add(char **b, size_t *len, size_t max, const char *data, size_t n, bool *trunc)
{
	if (*len + n > max) {
		n = max - *len;
		*trunc = true;
	}
	char *nb = realloc(*b, *len + n + 1);
	if (!nb) {
		*trunc = true;
		return;
	}
	*b = nb;
	memcpy(*b + *len, data, n);
	*len += n;
	(*b)[*len] = '\0';
}

/* Runs a validated argv with a clean environment and a deadline. Returns 0 with *r filled, or
 * -1 with a message (not started, killed, timed out). */
static int run_argv_capped(const char *const argv[], int64_t timeout_ms, size_t out_max,
			   size_t err_max, struct run_result *r, char *errbuf, size_t errlen)
{
	const char *vec[AGENT_ARGV_MAX + 2];
	size_t k = 0;
	char prog[256];
	/* lvm's commands go through `lvm <command>`: the initramfs has no alias links */
	if (agent_is_lvm_command(argv[0]))
		vec[k++] = "lvm";
	for (size_t i = 0; argv[i]; i++)
		vec[k++] = argv[i];
	vec[k] = NULL;
	if (!find_program(vec[0], prog, sizeof prog)) {
		snprintf(errbuf, errlen, "run %s: program not found", vec[0]);
		return -1;
	}
	memset(r, 0, sizeof *r);
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		snprintf(errbuf, errlen, "run %s: pipe: %s", vec[0], strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(errbuf, errlen, "run %s: fork: %s", vec[0], strerror(errno));
		close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
		return -1;
	}
	if (pid == 0) {
		static char *const env[] = { "PATH=/usr/sbin:/sbin:/usr/bin:/bin", "LANG=C",
					     "LC_ALL=C", "LVM_SUPPRESS_FD_WARNINGS=1", NULL };
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execve(prog, (char *const *)vec, env);
		dprintf(2, "%s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	int64_t deadline = ops_now_ms() + timeout_ms;
	int open_fds = 2;
	bool timed_out = false;
	char buf[65536];
	while (open_fds > 0) {
		int64_t left = deadline - ops_now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		int pr = poll(fds, 2, left > 1000 ? 1000 : (int)left);
		if (pr < 0 && errno == EINTR)
			continue;          /* revents are not set: a signal (SIGIO), not data */
		if (pr < 0)
			break;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(fds[i].fd, buf, sizeof buf);
			if (n > 0) {
				if (i == 0)
					buf_add(&r->out, &r->outlen, out_max, buf, (size_t)n,
						&r->truncated);
				else
					buf_add(&r->err, &r->errlen, err_max, buf, (size_t)n,
						&r->truncated);
			} else if (n == 0 || errno != EINTR) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	int status = 0;
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		run_result_free(r);
		snprintf(errbuf, errlen, "run %s: no end after %lld ms, killed", argv[0],
			 (long long)timeout_ms);
		return -1;
	}
	if (!WIFEXITED(status)) {
		run_result_free(r);
		snprintf(errbuf, errlen, "run %s: killed by signal %d", argv[0], WTERMSIG(status));
		return -1;
	}
	r->status = WEXITSTATUS(status);
	return 0;
}

static int run_argv(const char *const argv[], int64_t timeout_ms, struct run_result *r,
		    char *errbuf, size_t errlen)
{
	return run_argv_capped(argv, timeout_ms, RUN_STDOUT_MAX, RUN_STDERR_MAX, r, errbuf,
			       errlen);
}

static json_t *op_run(const struct agent_req *req, char *errbuf, size_t errlen)
{
	struct run_result r;
	if (run_argv(req->argv, req->timeout_ms, &r, errbuf, errlen) < 0)
		return NULL;
	json_t *o = json_pack("{s:i, s:o, s:o, s:b}", "status", r.status,
			      "stdout", json_clean_string(r.out ? r.out : "", r.outlen),
			      "stderr", json_clean_string(r.err ? r.err : "", r.errlen),
			      "truncated", r.truncated);
	run_result_free(&r);
	return o;
}

/* batch: the commands in order, stopping at the first that cannot run or exits non-zero.
 * Each result says when it started and ended, in ms after the request arrived (the host puts
 * them on its own clock for the journal), so the host can record every command as its own
 * step. "failed" is the index of the command that stopped the batch, absent when all ran.
 * Outputs are capped smaller than run's so that AGENT_BATCH_MAX results stay well inside the
 * host's reply cap (64 x (64 + 16) KiB, escaped). */
static json_t *op_batch(const struct agent_req *req, char *errbuf, size_t errlen)
{
	(void)errbuf, (void)errlen;
	int64_t t0 = ops_now_ms();
	json_t *results = json_array();
	json_t *reply = json_pack("{s:o}", "results", results);
	for (size_t i = 0; i < req->n_cmds; i++) {
		struct run_result r;
		char why[1024] = "";
		int64_t start = ops_now_ms() - t0;
		int rc = run_argv_capped(req->cmds[i].argv, req->cmds[i].timeout_ms, 64u << 10,
					 16u << 10, &r, why, sizeof why);
		int64_t end = ops_now_ms() - t0;
		if (rc < 0) {
			json_array_append_new(results, json_pack("{s:I, s:I, s:s}", "start_ms",
				(json_int_t)start, "end_ms", (json_int_t)end, "error", why));
			json_object_set_new(reply, "failed", json_integer((json_int_t)i));
			break;
		}
		json_array_append_new(results, json_pack("{s:i, s:o, s:o, s:b, s:I, s:I}",
			"status", r.status,
			"stdout", json_clean_string(r.out ? r.out : "", r.outlen),
			"stderr", json_clean_string(r.err ? r.err : "", r.errlen),
			"truncated", r.truncated, "start_ms", (json_int_t)start, "end_ms",
			(json_int_t)end));
		run_result_free(&r);
		if (r.status != 0) {
			json_object_set_new(reply, "failed", json_integer((json_int_t)i));
			break;
		}
	}
	return reply;
}

/* Runs an lvm report and returns its rows ("pv", "vg", "seg" ...) as JSON. */
static json_t *lvm_rows(const char *const argv[], const char *key, char *errbuf, size_t errlen)
{
	struct run_result r;
	if (run_argv(argv, 60000, &r, errbuf, errlen) < 0)
		return NULL;
	if (r.status != 0) {
		snprintf(errbuf, errlen, "%s: exit %d: %.300s", argv[0], r.status,
			 r.err ? r.err : "");
		run_result_free(&r);
		return NULL;
	}
	json_error_t jerr;
	json_t *root = json_loadb(r.out ? r.out : "", r.outlen, 0, &jerr);
	run_result_free(&r);
	json_t *rep = json_array_get(json_object_get(root, "report"), 0);
	json_t *rows = json_incref(json_object_get(rep, key));
	if (!json_is_array(rows)) {
		json_decref(rows);
		rows = NULL;
		snprintf(errbuf, errlen, "%s: unexpected report (no report[0].%s)", argv[0], key);
	}
	json_decref(root);
	return rows;
}

/* No hints in any report: LVM's hint file drops a PV whose disk failed and nothing (no uevent)
 * puts it back when the disk returns, so with hints a returned disk stayed "[unknown]"
 * (measured in the lab, LVM 2.03.16) until `pvscan --cache`. */
#define LVM_NO_HINTS "--config", "devices { hints = \"none\" }"

/* The same three reports from ONE lvm process: `lvm fullreport -a` prints one section per VG
 * (vg, pv, lv, pvseg, seg rows), concatenated here into the three arrays the driver reads.
 * Every lvm start scans the disks (~0.3 s under TCG), so this saves two of three. NULL when
 * this lvm cannot (then the three commands run). */
static json_t *report_lvm_full(void)
{
	static const char *const argv[] = { "lvm", "fullreport", LVM_NO_HINTS, "-a",
		"--reportformat", "json",
		"--units", "b", "--nosuffix",
		"--configreport", "vg", "-o", "vg_name,vg_extent_size,vg_extent_count,vg_free_count",
		"--configreport", "pv", "-o",
		"pv_name,vg_name,pv_pe_count,pv_pe_alloc_count,pe_start,pv_mda_size,dev_size",
		"--configreport", "lv", "-o", "lv_name",
		"--configreport", "pvseg", "-o", "pvseg_start",
		"--configreport", "seg", "-o",
		"vg_name,lv_name,lv_attr,segtype,seg_size_pe,seg_pe_ranges,sync_percent", NULL };
	struct run_result r;
	char why[256];
	if (run_argv(argv, 60000, &r, why, sizeof why) < 0)
		return NULL;
	json_t *root = r.status == 0 ? json_loadb(r.out ? r.out : "", r.outlen, 0, NULL) : NULL;
	run_result_free(&r);
	json_t *sections = json_object_get(root, "report");
	if (!json_is_array(sections)) {
		json_decref(root);
		return NULL;
	}
	json_t *o = json_pack("{s:[], s:[], s:[]}", "vgs", "pvs", "segs");
	static const char *const keys[][2] = { { "vg", "vgs" }, { "pv", "pvs" }, { "seg", "segs" } };
	size_t i;
	json_t *sec;
	json_array_foreach(sections, i, sec)
		for (size_t k = 0; k < 3; k++) {
			json_t *rows = json_object_get(sec, keys[k][0]);
			if (json_is_array(rows))
				json_array_extend(json_object_get(o, keys[k][1]), rows);
		}
	json_decref(root);
	return o;
}

/* The LVM part of the report. Command lines and fields are the contract with the
 * linux-lvm driver (docs/internals/agent.md); no hints (LVM_NO_HINTS above). */
static json_t *report_lvm(char *errbuf, size_t errlen)
{
	static const char *const vgs[] = { "vgs", LVM_NO_HINTS, "--reportformat", "json",
		"--units", "b", "--nosuffix", "-o",
		"vg_name,vg_extent_size,vg_extent_count,vg_free_count", NULL };
	static const char *const pvs[] = { "pvs", LVM_NO_HINTS, "--reportformat", "json",
		"--units", "b", "--nosuffix", "-o",
		"pv_name,vg_name,pv_pe_count,pv_pe_alloc_count,pe_start,pv_mda_size,dev_size",
		NULL };
	static const char *const segs[] = { "lvs", LVM_NO_HINTS, "-a", "--segments",
		"--reportformat", "json", "--units", "b", "--nosuffix", "-o",
		"vg_name,lv_name,lv_attr,segtype,seg_size_pe,seg_pe_ranges,sync_percent", NULL };
	json_t *o = report_lvm_full();
	if (o)
		return o;
	o = json_object();
	json_t *v = lvm_rows(vgs, "vg", errbuf, errlen);
	json_t *p = v ? lvm_rows(pvs, "pv", errbuf, errlen) : NULL;
	json_t *s = p ? lvm_rows(segs, "seg", errbuf, errlen) : NULL;
	if (!s) {
		json_decref(o), json_decref(v), json_decref(p);
		return NULL;
	}
	json_object_set_new(o, "vgs", v);
	json_object_set_new(o, "pvs", p);
	json_object_set_new(o, "segs", s);
	return o;
}

static json_t *md_entry(const char *md)
{
	char level[64], buf[256], path[1024];
	if (read_sysfs(level, sizeof level, "block/%s/md/level", md) < 0)
		return NULL;
	json_t *o = json_pack("{s:s, s:s}", "name", md, "level", level);
	static const char *const fields[] = { "raid_disks", "degraded", "sync_action",
		"sync_completed", "component_size", "array_state", "metadata_version", NULL };
	for (size_t i = 0; fields[i]; i++)
		if (read_sysfs(buf, sizeof buf, "block/%s/md/%s", md, fields[i]) == 0)
			json_object_set_new(o, fields[i], json_clean_string(buf, strlen(buf)));
	if (read_sysfs(buf, sizeof buf, "block/%s/size", md) == 0)
		json_object_set_new(o, "size_bytes", json_integer(strtoll(buf, NULL, 10) * 512));
	json_t *members = json_array();
	snprintf(path, sizeof path, "%s/block/%s/md", agent_conf.sysfs, md);
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "dev-", 4))
			continue;
		json_t *m = json_pack("{s:s}", "name", e->d_name + 4);
		static const char *const mf[] = { "slot", "state", "offset", "size", NULL };
		for (size_t i = 0; mf[i]; i++)
			if (read_sysfs(buf, sizeof buf, "block/%s/md/%s/%s", md, e->d_name, mf[i]) == 0)
				json_object_set_new(m, mf[i], json_clean_string(buf, strlen(buf)));
		json_array_append_new(members, m);
	}
	if (d)
		closedir(d);
	json_object_set_new(o, "members", members);
	return o;
}

static json_t *report_md(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/block", agent_conf.sysfs);
	json_t *arr = json_array();
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "md", 2))
			continue;
		json_t *m = md_entry(e->d_name);
		if (m)
			json_array_append_new(arr, m);
	}
	if (d)
		closedir(d);
	return arr;
}

/* Device-mapper devices and the disks under each (block/dm-N/dm/name, block/dm-N/slaves):
 * the kernel's own word on which disk an active LV uses, also when LVM can no longer read
 * that disk's label and reports its PV "[unknown]" (a dead storage server). */
static json_t *report_dm(void)
{
	char path[1024], name[256];
	json_t *arr = json_array();
	snprintf(path, sizeof path, "%s/block", agent_conf.sysfs);
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "dm-", 3) ||
		    read_sysfs(name, sizeof name, "block/%s/dm/name", e->d_name) < 0)
			continue;
		json_t *slaves = json_array();
		snprintf(path, sizeof path, "%s/block/%s/slaves", agent_conf.sysfs, e->d_name);
		DIR *sd = opendir(path);
		struct dirent *se;
		while (sd && (se = readdir(sd)))
			if (se->d_name[0] != '.')
				json_array_append_new(slaves, json_clean_string(se->d_name,
									strlen(se->d_name)));
		if (sd)
			closedir(sd);
		json_array_append_new(arr, json_pack("{s:o, s:o}", "name",
			json_clean_string(name, strlen(name)), "slaves", slaves));
	}
	if (d)
		closedir(d);
	return arr;
}

static json_t *op_report(char *errbuf, size_t errlen)
{
	json_t *disks = list_disks(errbuf, errlen);
	if (!disks)
		return NULL;
	json_t *o = json_pack("{s:o, s:o, s:o}", "disks", disks, "md", report_md(), "dm",
			      report_dm());
	char lerr[512];
	json_t *lvm = report_lvm(lerr, sizeof lerr);
	/* a partition without lvm (md only) still reports: the driver decides what it needs */
	if (lvm)
		json_object_set_new(o, "lvm", lvm);
	else
		json_object_set_new(o, "lvm_error", json_string(lerr));
	return o;
}

static json_t *op_sync(const struct agent_req *req, char *errbuf, size_t errlen)
{
	if (req->md) {
		char action[64], done[128], degraded[32];
		if (read_sysfs(action, sizeof action, "block/%s/md/sync_action", req->md) < 0)
			FAIL("sync: no md array %s", req->md);
		if (read_sysfs(done, sizeof done, "block/%s/md/sync_completed", req->md) < 0)
			strcpy(done, "none");
		if (read_sysfs(degraded, sizeof degraded, "block/%s/md/degraded", req->md) < 0)
			strcpy(degraded, "0");
		/* "none" means done only when nothing runs: while a recovery starts, md says
		 * "recover" with "none" or "delayed" for a moment, and that is 0 %, not 100 % */
		double pct = strcmp(action, "idle") ? 0.0 : 100.0;
		unsigned long long a, b;
		if (sscanf(done, "%llu / %llu", &a, &b) == 2 && b > 0)
			pct = 100.0 * (double)a / (double)b;
		return json_pack("{s:f, s:s, s:i}", "percent", pct, "action", action, "degraded",
				 atoi(degraded));
	}
	const char *argv[] = { "lvs", "--reportformat", "json", "-o",
			       "lv_name,sync_percent,raid_sync_action", req->lv, NULL };
	json_t *rows = lvm_rows(argv, "lv", errbuf, errlen);
	if (!rows)
		return NULL;
	json_t *row = json_array_get(rows, 0);
	const char *p = json_string_value(json_object_get(row, "sync_percent"));
	const char *a = json_string_value(json_object_get(row, "raid_sync_action"));
	json_t *o = NULL;
	if (!p || !*p)
		snprintf(errbuf, errlen, "sync: %s is not a mirrored LV", req->lv);
	else
		o = json_pack("{s:f, s:s}", "percent", strtod(p, NULL), "action", a ? a : "");
	json_decref(rows);
	return o;
}

/* ---- sync_lvs: raid1 LVs' sync read from device-mapper itself, no lvm process ----
 *
 * A wait for the sync polls every half second; one `lvs` a poll is an lvm start (~0.3 s of
 * the TCG guest's only CPU, taken from the resync it measures). The dm-raid target's status
 * line is what lvs reads anyway: "raid1 2 AA 8192/8192 idle 0 0 -" (type, devices, one health
 * character per device, synced/total sectors, sync action, ...). */

/* device-mapper's name of VG/LV: each '-' doubled, the two joined by '-'. */
static void dm_name(const char *vg, const char *lv, char *out, size_t size)
{
	size_t k = 0;
	for (int part = 0; part < 2; part++) {
		for (const char *p = part ? lv : vg; *p && k + 3 < size; p++) {
			out[k++] = *p;
			if (*p == '-')
				out[k++] = '-';
		}
		if (!part && k + 2 < size)
			out[k++] = '-';
	}
	out[k] = '\0';
}

/* percent and action of a raid LV (all its raid targets); -1 with a message otherwise. */
static int dm_raid_sync(int ctl, const char *name, double *pct, char *action, size_t asize,
			int *copies, char *errbuf, size_t errlen)
{
	static union { struct dm_ioctl io; char buf[16384]; } u;
	memset(&u, 0, sizeof u);
	u.io.version[0] = DM_VERSION_MAJOR;
	u.io.data_size = sizeof u;
	u.io.data_start = sizeof u.io;
	snprintf(u.io.name, sizeof u.io.name, "%s", name);
	const char *op = copies ? "lv_copies" : "sync_lvs";
	if (ioctl(ctl, DM_TABLE_STATUS, &u.io) < 0) {
		snprintf(errbuf, errlen, "%s: %s: %s", op, name, strerror(errno));
		return -1;
	}
	if ((u.io.flags & DM_BUFFER_FULL_FLAG) || u.io.target_count == 0 ||
	    u.io.data_start >= sizeof u || u.io.data_size > sizeof u) {
		snprintf(errbuf, errlen, "%s: %s: no usable status", op, name);
		return -1;
	}
	unsigned long long done = 0, total = 0;
	bool all_alive = true;   /* no leg still catching up */
	action[0] = '\0';
	int ncopies = 0;
	size_t off = u.io.data_start;
	for (uint32_t t = 0; t < u.io.target_count; t++) {
		if (off + sizeof(struct dm_target_spec) >= u.io.data_size)
			break;
		struct dm_target_spec *sp = (struct dm_target_spec *)(u.buf + off);
		const char *params = (const char *)(sp + 1);
		size_t room = u.io.data_size - off - sizeof *sp;
		if (strnlen(params, room) == room)
			break;
		/* plain LVs, for lv_copies: one copy */
		if (copies && (!strcmp(sp->target_type, "linear") ||
			       !strcmp(sp->target_type, "striped")) && ncopies <= 1) {
			ncopies = 1;
			if (!sp->next || u.io.data_start + (size_t)sp->next <= off)
				break;
			off = u.io.data_start + sp->next;
			continue;
		}
		if (strncmp(sp->target_type, "raid", 4) || ncopies == 1) {
			snprintf(errbuf, errlen, "sync_lvs: %s: not a raid LV (%.16s)", name,
				 sp->target_type);
			return -1;
		}
		char type[32], health[80], act[32];
		unsigned long long a, b;
		int ndev;
		if (sscanf(params, "%31s %d %79s %llu/%llu %31s", type, &ndev, health, &a, &b, act)
		    != 6) {
			snprintf(errbuf, errlen, "sync_lvs: %s: cannot read \"%.80s\"", name, params);
			return -1;
		}
		done += a, total += b;
		if (strcmp(type, "raid1") || ndev < 1 || (ncopies && ncopies != ndev)) {
			snprintf(errbuf, errlen, "%s: %s: not a raid1 LV of one layout", copies ?
				 "lv_copies" : "sync_lvs", name);
			return -1;
		}
		ncopies = ndev;
		/* 'a': a leg alive but not in sync yet; 'D' (dead) is for the verify to judge */
		all_alive &= strchr(health, 'a') == NULL;
		snprintf(action, asize, "%s", act);
		/* in a status reply, next counts from the first spec, not from this one */
		if (!sp->next || u.io.data_start + (size_t)sp->next <= off)
			break;
		off = u.io.data_start + sp->next;
	}
	/* a new leg not yet in sync shows 'a' even before the resync starts moving */
	if (ncopies == 0) {
		snprintf(errbuf, errlen, "%s: %s: no target read", copies ? "lv_copies" : "sync_lvs",
			 name);
		return -1;
	}
	if (copies)
		*copies = ncopies;
	*pct = total ? 100.0 * (double)done / (double)total : 0;
	if (!all_alive && *pct >= 100.0)
		*pct = 99.99;
	return 0;
}

/* The rows of sync_lvs / lv_copies, read once; *all_synced tells whether every LV is at 100. */
static json_t *sync_rows(int ctl, const struct agent_req *req, bool *all_synced, char *errbuf,
			 size_t errlen)
{
	char name[600], action[32];
	json_t *rows = json_array();
	*all_synced = true;
	for (size_t i = 0; i < req->n_lvs; i++) {
		double pct;
		dm_name(req->vg, req->lvs[i], name, sizeof name);
		int copies = 0;
		bool want_copies = req->op == AGENT_OP_LV_COPIES;
		if (dm_raid_sync(ctl, name, &pct, action, sizeof action,
				 want_copies ? &copies : NULL, errbuf, errlen) < 0) {
			json_decref(rows);
			return NULL;
		}
		*all_synced &= pct >= 100.0;
		json_array_append_new(rows, want_copies
			? json_pack("{s:s, s:i}", "name", req->lvs[i], "copies", copies)
			: json_pack("{s:s, s:f, s:s}", "name", req->lvs[i], "percent", pct,
				    "action", action));
	}
	return rows;
}

/* sync_lvs with wait_ms holds its answer while the sync runs, re-reading the status every
 * 50 ms (three ioctls, no process), and answers as soon as every LV is in sync or the wait is
 * over: the host learns of the end within 50 ms instead of within its poll interval (half a
 * second, a fifth of the whole run in the default lab), with no more round trips. */
#define SYNC_RECHECK_MS 50

static json_t *op_sync_lvs(const struct agent_req *req, char *errbuf, size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/mapper/control", agent_conf.devdir);
	int ctl = open(path, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		FAIL("sync_lvs: %s: %s", path, strerror(errno));
	int64_t deadline = ops_now_ms() + (req->op == AGENT_OP_SYNC_LVS ? req->timeout_ms : 0);
	bool synced;
	json_t *rows;
	while ((rows = sync_rows(ctl, req, &synced, errbuf, errlen)) && !synced) {
		int64_t left = deadline - ops_now_ms();
		if (left <= 0)
			break;
		json_decref(rows);
		struct timespec ts = { 0, (left < SYNC_RECHECK_MS ? left : SYNC_RECHECK_MS) * 1000000L };
		nanosleep(&ts, NULL);
	}
	close(ctl);
	return rows ? json_pack("{s:o}", "lvs", rows) : NULL;
}

/* The data pattern: every aligned 8-byte word holds a mix of the seed and its own byte offset
 * on the device, so a block written at the wrong place, or an old one, never passes. */
static uint64_t pattern_word(uint64_t seed, uint64_t offset)
{
	uint64_t z = seed + offset * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void pattern_fill(uint64_t *buf, size_t words, uint64_t seed, uint64_t offset)
{
	for (size_t i = 0; i < words; i++)
		buf[i] = pattern_word(seed, offset + i * 8);
}

/* Opens a data target: a block device under /dev, or (test mode) a regular file in the data
 * folder. Block devices go O_DIRECT so verify reads the disks, not the page cache. */
static int open_data(const char *path, bool writing, bool *direct, char *errbuf, size_t errlen)
{
	bool in_data_dir = agent_conf.data_dir && strlen(path) > strlen(agent_conf.data_dir) + 1 &&
			   !strncmp(path, agent_conf.data_dir, strlen(agent_conf.data_dir)) &&
			   path[strlen(agent_conf.data_dir)] == '/' &&
			   agent_name_valid(path + strlen(agent_conf.data_dir) + 1);
	if (!agent_dev_path_valid(path) && !in_data_dir) {
		snprintf(errbuf, errlen, "%s: not a /dev/<name> path", path);
		return -1;
	}
	int flags = (writing ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	if (in_data_dir && writing)
		flags |= O_CREAT;
	int fd = open(path, flags | (in_data_dir ? 0 : O_DIRECT), 0600);
	if (fd < 0) {
		snprintf(errbuf, errlen, "%s: open: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !(S_ISBLK(st.st_mode) || (in_data_dir && S_ISREG(st.st_mode)))) {
		close(fd);
		snprintf(errbuf, errlen, "%s: not a block device", path);
		return -1;
	}
	*direct = !in_data_dir;
	return fd;
}

static int check_range(int fd, const char *path, const struct agent_req *req, bool writing,
		       char *errbuf, size_t errlen)
{
	struct stat st;
	uint64_t size = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (writing)
			return 0;
		size = (uint64_t)st.st_size;
	} else if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
		snprintf(errbuf, errlen, "%s: size: %s", path, strerror(errno));
		return -1;
	}
	uint64_t end = (uint64_t)(req->offset_mib + req->mib) << 20;
	if (end > size) {
		snprintf(errbuf, errlen, "%s: %lld MiB at %lld MiB passes the end (%llu bytes)",
			 path, (long long)req->mib, (long long)req->offset_mib,
			 (unsigned long long)size);
		return -1;
	}
	return 0;
}

#define CHUNK (1u << 20)

static json_t *op_fill(const struct agent_req *req, char *errbuf, size_t errlen)
{
	bool direct;
	int fd = open_data(req->path, true, &direct, errbuf, errlen);
	if (fd < 0)
		return NULL;
	void *buf = NULL;
	if (check_range(fd, req->path, req, true, errbuf, errlen) < 0 ||
	    posix_memalign(&buf, 4096, CHUNK) != 0) {
		close(fd);
		return NULL;
	}
	int64_t t0 = ops_now_ms();
	for (int64_t m = 0; m < req->mib; m++) {
		uint64_t off = (uint64_t)(req->offset_mib + m) << 20;
		pattern_fill(buf, CHUNK / 8, req->seed, off);
		ssize_t n = pwrite(fd, buf, CHUNK, (off_t)off);
		if (n != (ssize_t)CHUNK) {
			snprintf(errbuf, errlen, "%s: write at byte %llu: %s", req->path,
				 (unsigned long long)off, n < 0 ? strerror(errno) : "short write");
			free(buf), close(fd);
			return NULL;
		}
	}
	free(buf);
	if (fsync(fd) < 0) {
		snprintf(errbuf, errlen, "%s: fsync: %s", req->path, strerror(errno));
		close(fd);
		return NULL;
	}
	close(fd);
	return json_pack("{s:I, s:I}", "bytes", (json_int_t)req->mib << 20, "ms",
			 (json_int_t)(ops_now_ms() - t0));
}

static json_t *op_verify(const struct agent_req *req, char *errbuf, size_t errlen)
{
	bool direct;
	int fd = open_data(req->path, false, &direct, errbuf, errlen);
	if (fd < 0)
		return NULL;
	void *buf = NULL, *want = NULL;
	if (check_range(fd, req->path, req, false, errbuf, errlen) < 0 ||
	    posix_memalign(&buf, 4096, CHUNK) != 0 || posix_memalign(&want, 4096, CHUNK) != 0) {
		free(buf);
		close(fd);
		return NULL;
	}
	/* regular files (test mode) cannot always do O_DIRECT: drop their cached pages instead */
	if (!direct)
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	int64_t t0 = ops_now_ms(), first = -1, bad = 0;
	for (int64_t m = 0; m < req->mib; m++) {
		uint64_t off = (uint64_t)(req->offset_mib + m) << 20;
		ssize_t n = pread(fd, buf, CHUNK, (off_t)off);
		if (n != (ssize_t)CHUNK) {
			snprintf(errbuf, errlen, "%s: read at byte %llu: %s", req->path,
				 (unsigned long long)off, n < 0 ? strerror(errno) : "short read");
			free(buf), free(want), close(fd);
			return NULL;
		}
		pattern_fill(want, CHUNK / 8, req->seed, off);
		if (!memcmp(buf, want, CHUNK))
			continue;
		const unsigned char *a = buf, *b = want;
		for (size_t i = 0; i < CHUNK; i++)
			if (a[i] != b[i]) {
				if (first < 0)
					first = (int64_t)(off + i);
				bad++;
			}
	}
	free(buf), free(want), close(fd);
	json_t *o = json_pack("{s:b, s:I, s:I, s:I}", "match", first < 0, "bytes",
			      (json_int_t)req->mib << 20, "bad_bytes", (json_int_t)bad, "ms",
			      (json_int_t)(ops_now_ms() - t0));
	if (first >= 0)
		json_object_set_new(o, "first_mismatch", json_integer(first));
	return o;
}

/* ---- sync_rate: md's resync limits, raised for vdmirror's sync, the admin's put back ----
 *
 * /proc/sys/dev/raid/speed_limit_{min,max} (KiB/s) cap md and dm-raid (LVM raid1) resyncs
 * for the whole partition. Before the first change the admin's values go to a file in
 * run_dir (tmpfs: a reboot resets the limits anyway, and the file with them); later raises
 * keep that first file. They come back on request, when the host goes away (vdmirror ended
 * or crashed: the port reads EOF), and at the agent's start (the agent itself crashed). */
#define RATE_UNLIMITED_KIB 1000000000LL   /* ~1 TB/s: no disk reaches it; md keeps an int */

static int rate_read(const char *which, long long *v)
{
	char path[1024], buf[64];
	snprintf(path, sizeof path, "%s/speed_limit_%s", agent_conf.raid_dir, which);
	if (read_small(path, buf, sizeof buf) < 0)
		return -1;
	char *end;
	*v = strtoll(buf, &end, 10);
	return end != buf && *v >= 0 ? 0 : -1;
}

static int rate_write(const char *which, long long v, char *errbuf, size_t errlen)
{
	char path[1024], buf[64];
	snprintf(path, sizeof path, "%s/speed_limit_%s", agent_conf.raid_dir, which);
	int n = snprintf(buf, sizeof buf, "%lld\n", v);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		snprintf(errbuf, errlen, "sync_rate: write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void rate_saved_path(char *path, size_t size)
{
	snprintf(path, size, "%s/speed-limits", agent_conf.run_dir);
}

/* Puts the saved limits back and forgets them. 1 = restored, 0 = nothing saved, -1 = error. */
int agent_sync_rate_restore(char *errbuf, size_t errlen)
{
	char path[1024], buf[128];
	rate_saved_path(path, sizeof path);
	if (read_small(path, buf, sizeof buf) < 0)
		return 0;
	long long min, max;
	if (sscanf(buf, "%lld %lld", &min, &max) != 2 || min < 0 || max < 0) {
		snprintf(errbuf, errlen, "sync_rate: %s: unreadable, left in place", path);
		return -1;
	}
	if (rate_write("min", min, errbuf, errlen) < 0 || rate_write("max", max, errbuf, errlen) < 0)
		return -1;
	unlink(path);
	return 1;
}

static int rate_save(char *errbuf, size_t errlen)
{
	char path[1024], tmp[1100], buf[128];
	rate_saved_path(path, sizeof path);
	if (access(path, F_OK) == 0)
		return 0;               /* raised before and not restored: keep the admin's values */
	long long min, max;
	if (rate_read("min", &min) < 0 || rate_read("max", &max) < 0) {
		snprintf(errbuf, errlen, "sync_rate: cannot read %s/speed_limit_min and _max",
			 agent_conf.raid_dir);
		return -1;
	}
	mkdir(agent_conf.run_dir, 0700);
	snprintf(tmp, sizeof tmp, "%s.new", path);
	int n = snprintf(buf, sizeof buf, "%lld %lld\n", min, max);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		snprintf(errbuf, errlen, "sync_rate: save the current limits in %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static json_t *op_sync_rate(const struct agent_req *req, char *errbuf, size_t errlen)
{
	int restored = 0;
	if (req->restore) {
		restored = agent_sync_rate_restore(errbuf, errlen);
		if (restored < 0)
			return NULL;
	} else {
		long long v = req->rate_kib > 0 ? req->rate_kib : RATE_UNLIMITED_KIB;
		/* min too: md slows a resync down to min whenever other I/O is seen on the disks;
		 * the admin asked for this rate, not for a background trickle */
		if (rate_save(errbuf, errlen) < 0 || rate_write("max", v, errbuf, errlen) < 0 ||
		    rate_write("min", v, errbuf, errlen) < 0)
			return NULL;
	}
	long long min = -1, max = -1;
	rate_read("min", &min);
	rate_read("max", &max);
	return json_pack("{s:b, s:I, s:I}", "restored", restored > 0, "speed_limit_min",
			 (json_int_t)min, "speed_limit_max", (json_int_t)max);
}

static json_t *op_drop_caches(char *errbuf, size_t errlen)
{
	sync();
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "3\n", 2) != 2) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		FAIL("drop_caches: %s", strerror(e));
	}
	close(fd);
	return json_object();
}

json_t *agent_execute(const struct agent_req *req, char *errbuf, size_t errlen)
{
	switch (req->op) {
	case AGENT_OP_HELLO: {
		json_t *ops = json_array();
		for (int i = AGENT_OP_HELLO; i <= AGENT_OP_LV_COPIES; i++)
			json_array_append_new(ops, json_string(agent_op_name((enum agent_op)i)));
		return json_pack("{s:s, s:s, s:i, s:o}", "agent", "vdmirror-agent", "version",
				 AGENT_VERSION, "protocol", AGENT_PROTOCOL, "ops", ops);
	}
	case AGENT_OP_DISKS: {
		json_t *d = list_disks(errbuf, errlen);
		return d ? json_pack("{s:o}", "disks", d) : NULL;
	}
	case AGENT_OP_REPORT:
		return op_report(errbuf, errlen);
	case AGENT_OP_WAIT_DISK:
		return op_wait_disk(req, errbuf, errlen);
	case AGENT_OP_RUN:
		return op_run(req, errbuf, errlen);
	case AGENT_OP_SYNC:
		return op_sync(req, errbuf, errlen);
	case AGENT_OP_FILL:
		return op_fill(req, errbuf, errlen);
	case AGENT_OP_VERIFY:
		return op_verify(req, errbuf, errlen);
	case AGENT_OP_DROP_CACHES:
		return op_drop_caches(errbuf, errlen);
	case AGENT_OP_BATCH:
		return op_batch(req, errbuf, errlen);
	case AGENT_OP_SYNC_RATE:
		return op_sync_rate(req, errbuf, errlen);
	case AGENT_OP_SYNC_LVS:
	case AGENT_OP_LV_COPIES:
		return op_sync_lvs(req, errbuf, errlen);
	}
	FAIL("unknown op");
}
