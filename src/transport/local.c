/* local.c: the "local:" transport: runs commands on this machine with fork/exec (no shell, so
 * no quoting question), stdout and stderr each capped, and a deadline after which the command
 * and everything it started (its own process group) is killed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "transport_priv.h"

struct local_ctx {
	size_t max_output;
	char *last_err;
};

/* Reads what fd has into b; returns 1 at EOF, 0 when more may come, -E2BIG past the cap. */
static int local_drain(int fd, struct strbuf *b)
{
	char buf[16384];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n == 0)
			return 1;
		if (n < 0)
			return errno == EINTR ? 0 : errno == EAGAIN ? 0 : 1;
		if (strbuf_add(b, buf, (size_t)n) < 0)
			return -E2BIG;
	}
}

static void local_kill_wait(pid_t pid, int *status)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

static int local_run(void *vctx, char *const argv[], int64_t timeout_ms, char **out,
		     struct vdm_error *err)
{
	struct local_ctx *c = vctx;
	if (out)
		*out = NULL;
	free(c->last_err);
	c->last_err = NULL;
	if (!argv || !argv[0] || vdm_script_only(argv))
		return vdm_err(err, -EINVAL, "local: not a command");
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return vdm_err(err, -errno, "local %s: pipe: %s", argv[0], strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		int e = errno;
		close(po[0]), close(po[1]);
		return vdm_err(err, -e, "local %s: pipe: %s", argv[0], strerror(e));
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
		return vdm_err(err, -e, "local %s: fork: %s", argv[0], strerror(e));
	}
	if (pid == 0) {
		/* own process group, so a deadline kills what the command started too */
		setpgid(0, 0);
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(po[1]);
	close(pe[1]);
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	struct strbuf bo = STRBUF_INIT(c->max_output), be = STRBUF_INIT(c->max_output);
	strbuf_adds(&bo, "");
	strbuf_adds(&be, "");
	int64_t deadline = timeout_ms > 0 ? vdm_now_ms() + timeout_ms : -1;
	int open_o = 1, open_e = 1, too_big = 0, timed_out = 0, status = 0;
	while ((open_o || open_e) && !too_big) {
		int64_t left = deadline < 0 ? 1000 : deadline - vdm_now_ms();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		struct pollfd p[2] = { { open_o ? po[0] : -1, POLLIN, 0 },
				       { open_e ? pe[0] : -1, POLLIN, 0 } };
		int r = poll(p, 2, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		int d;
		if (open_o && p[0].revents && (d = local_drain(po[0], &bo)) != 0)
			d < 0 ? (void)(too_big = 1) : (void)(open_o = 0);
		if (open_e && p[1].revents && (d = local_drain(pe[0], &be)) != 0)
			d < 0 ? (void)(too_big = 1) : (void)(open_e = 0);
	}
	close(po[0]);
	close(pe[0]);
	int rc;
	if (timed_out || too_big) {
		local_kill_wait(pid, &status);
		rc = timed_out
			? vdm_err(err, -ETIMEDOUT, "local %s: no answer after %lld ms, killed",
				  argv[0], (long long)timeout_ms)
			: vdm_err(err, -E2BIG, "local %s: output larger than %zu bytes, killed",
				  argv[0], c->max_output);
	} else {
		/* the pipes closed; the process may still run (it closed them itself) */
		for (;;) {
			pid_t w = waitpid(pid, &status, WNOHANG);
			if (w == pid || (w < 0 && errno != EINTR))
				break;
			if (deadline >= 0 && vdm_now_ms() >= deadline) {
				local_kill_wait(pid, &status);
				break;
			}
			struct timespec ts = { 0, 10 * 1000000L };
			nanosleep(&ts, NULL);
		}
		if (WIFEXITED(status))
			rc = WEXITSTATUS(status);
		else
			rc = vdm_err(err, -EINTR, "local %s: killed by signal %d", argv[0],
				     WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	c->last_err = strbuf_detach(&be);
	if (rc >= 0 && out)
		*out = strbuf_detach(&bo);
	strbuf_free(&bo);
	strbuf_free(&be);
	return rc;
}

static const char *local_last_stderr(void *vctx)
{
	return ((struct local_ctx *)vctx)->last_err;
}

static void local_close(void *vctx)
{
	struct local_ctx *c = vctx;
	free(c->last_err);
	free(c);
}

int vdm_transport_local_open(const char *rest, const struct vdm_transport_opts *opts,
			     struct vdm_transport *x, struct vdm_error *err)
{
	if (*rest)
		return vdm_err(err, -EINVAL, "local transport: no argument expected (local:)");
	struct local_ctx *c = xcalloc(1, sizeof *c);
	c->max_output = opts->max_output ? opts->max_output : VDM_TRANSPORT_MAX_OUTPUT;
	x->ctx = c;
	x->run = local_run;
	x->close = local_close;
	x->last_stderr = local_last_stderr;
	x->scheme = "local";
	return 0;
}
