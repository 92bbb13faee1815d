/* qmp-test.c: the QMP client against a real qemu-storage-daemon (started by qmp-client.sh).
 *   qmp-test basic SOCKET DIR   commands, a QMP error's class, a job that succeeds and one
 *                               that fails (dismissed both times), an event kept aside
 *   qmp-test busy SOCKET        a second client while one holds the monitor: timeout, no hang
 *   qmp-test dead SOCKET        wait for an event while the script kills the server: the
 *                               wait ends with "connection closed", long before its timeout */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vdmirror/util.h"
#include "backend/qemu/qmp.h"

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", \
	__FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static int test_basic(const char *sock, const char *dir)
{
	struct vdm_error err = {0};
	struct qmp *q;
	int rc = qmp_connect("qsd", sock, 5000, &q, &err);
	CHECK(rc == 0, "connect: %s", err.msg);
	if (rc)
		return 1;
	json_t *ret = NULL;
	rc = qmp_cmd(q, "query-version", NULL, &ret, 5000, &err);
	CHECK(rc == 0 && json_is_object(json_object_get(ret, "qemu")), "query-version: %s", err.msg);
	json_decref(ret);

	rc = qmp_cmd(q, "no-such-command", NULL, NULL, 5000, &err);
	CHECK(rc == -EIO && !strcmp(qmp_last_class(q), "CommandNotFound"), "class %s rc %d",
	      qmp_last_class(q), rc);
	CHECK(strstr(err.msg, "qmp qsd: no-such-command: CommandNotFound") != NULL, "msg: %s", err.msg);

	/* a job that works: blockdev-create on a file this test made with O_EXCL just now */
	char *file = xasprintf("%s/job.img", dir);
	int fd = open(file, O_CREAT | O_EXCL | O_WRONLY, 0600);
	CHECK(fd >= 0, "create %s", file);
	close(fd);
	rc = qmp_cmd(q, "blockdev-create", json_pack("{s:s, s:{s:s, s:s, s:I}}", "job-id", "j1",
		     "options", "driver", "file", "filename", file, "size", (json_int_t)(4 << 20)),
		     NULL, 5000, &err);
	CHECK(rc == 0, "blockdev-create: %s", err.msg);
	rc = qmp_job_wait(q, "j1", 10000, &err);
	CHECK(rc == 0, "job j1: %s", err.msg);
	FILE *f = fopen(file, "r");
	fseek(f, 0, SEEK_END);
	CHECK(ftell(f) == 4 << 20, "job j1 made %ld bytes", ftell(f));
	fclose(f);
	/* dismissed: the same id can be used again; this one fails (no such folder) */
	char *bad = xasprintf("%s/no/such/dir/x.img", dir);
	rc = qmp_cmd(q, "blockdev-create", json_pack("{s:s, s:{s:s, s:s, s:I}}", "job-id", "j1",
		     "options", "driver", "file", "filename", bad, "size", (json_int_t)(1 << 20)),
		     NULL, 5000, &err);
	CHECK(rc == 0, "blockdev-create (reused id, so j1 was dismissed): %s", err.msg);
	rc = qmp_job_wait(q, "j1", 10000, &err);
	CHECK(rc == -EIO && strstr(err.msg, "job j1"), "failing job: rc %d %s", rc, err.msg);
	json_t *jobs = NULL;
	qmp_cmd(q, "query-jobs", NULL, &jobs, 5000, &err);
	CHECK(json_array_size(jobs) == 0, "jobs left after dismiss: %zu", json_array_size(jobs));
	json_decref(jobs);

	/* an event: an export deleted */
	rc = qmp_cmd(q, "blockdev-add", json_pack("{s:s, s:s, s:{s:s, s:s}}", "driver", "raw",
		     "node-name", "n1", "file", "driver", "file", "filename", file), NULL, 5000, &err);
	CHECK(rc == 0, "blockdev-add: %s", err.msg);
	rc = qmp_cmd(q, "blockdev-add", json_pack("{s:s, s:s, s:{s:s, s:s}}", "driver", "raw",
		     "node-name", "n1", "file", "driver", "file", "filename", file), NULL, 5000, &err);
	CHECK(rc == -EIO && strstr(qmp_last_desc(q), "Duplicate"), "duplicate node: %s", err.msg);
	rc = qmp_cmd(q, "block-export-add", json_pack("{s:s, s:s, s:s}", "type", "nbd", "id", "e1",
		     "node-name", "n1"), NULL, 5000, &err);
	CHECK(rc == 0, "block-export-add: %s", err.msg);
	rc = qmp_cmd(q, "block-export-del", json_pack("{s:s}", "id", "e1"), NULL, 5000, &err);
	CHECK(rc == 0, "block-export-del: %s", err.msg);
	json_t *data = NULL;
	rc = qmp_wait_event(q, "BLOCK_EXPORT_DELETED", "id", "e1", 5000, &data, &err);
	CHECK(rc == 0 && data, "BLOCK_EXPORT_DELETED: %s", err.msg);
	json_decref(data);
	rc = qmp_wait_event(q, "BLOCK_EXPORT_DELETED", "id", "e1", 300, NULL, &err);
	CHECK(rc == -ETIMEDOUT, "a second wait for the same event must time out, rc %d", rc);
	rc = qmp_cmd(q, "blockdev-del", json_pack("{s:s}", "node-name", "n1"), NULL, 5000, &err);
	CHECK(rc == 0, "blockdev-del: %s", err.msg);
	qmp_close(q);
	unlink(file);
	free(file);
	free(bad);
	return failures ? 1 : 0;
}

static int test_busy(const char *sock)
{
	struct vdm_error err = {0};
	struct qmp *q1, *q2;
	int rc = qmp_connect("qsd", sock, 5000, &q1, &err);
	CHECK(rc == 0, "first client: %s", err.msg);
	int64_t t0 = vdm_now_ms();
	rc = qmp_connect("qsd", sock, 500, &q2, &err);
	CHECK(rc == -ETIMEDOUT && strstr(err.msg, "no greeting"), "second client: rc %d %s", rc, err.msg);
	CHECK(vdm_now_ms() - t0 < 5000, "second client took %lld ms", (long long)(vdm_now_ms() - t0));
	if (rc == 0)
		qmp_close(q2);
	qmp_close(q1);
	return failures ? 1 : 0;
}

static int test_dead(const char *sock)
{
	struct vdm_error err = {0};
	struct qmp *q;
	int rc = qmp_connect("qsd", sock, 5000, &q, &err);
	CHECK(rc == 0, "connect: %s", err.msg);
	if (rc)
		return 1;
	printf("ready\n");
	fflush(stdout);
	int64_t t0 = vdm_now_ms();
	rc = qmp_wait_event(q, "NEVER", NULL, NULL, 60000, NULL, &err);
	CHECK(rc == -ECONNRESET && strstr(err.msg, "connection closed"), "rc %d %s", rc, err.msg);
	CHECK(vdm_now_ms() - t0 < 30000, "noticed the dead server after %lld ms",
	      (long long)(vdm_now_ms() - t0));
	rc = qmp_cmd(q, "query-version", NULL, NULL, 2000, &err);
	CHECK(rc < 0, "a command to a dead server must fail");
	qmp_close(q);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "basic"))
		return test_basic(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "busy"))
		return test_busy(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "dead"))
		return test_dead(argv[2]);
	fprintf(stderr, "usage: qmp-test basic SOCK DIR | busy SOCK | dead SOCK\n");
	return 1;
}
