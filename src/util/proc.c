/* proc.c: run a program by argv with a timeout and captured output; end a process by pid. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "vdmirror/proc.h"

#define PROC_OUTPUT_MAX (16u << 20)

static void proc_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int vdm_run(char *const argv[], int64_t timeout_ms, char **out, char **errout,
	    struct vdm_error *err)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return vdm_err(err, -errno, "%s: pipe: %s", argv[0], strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		int e = errno;
		close(po[0]), close(po[1]);
		return vdm_err(err, -e, "%s: pipe: %s", argv[0], strerror(e));
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
		return vdm_err(err, -e, "%s: fork: %s", argv[0], strerror(e));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);

	struct strbuf bo = STRBUF_INIT(PROC_OUTPUT_MAX), be = STRBUF_INIT(PROC_OUTPUT_MAX);
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	int64_t deadline = timeout_ms < 0 ? -1 : vdm_now_ms() + timeout_ms;
	int open_fds = 2, timed_out = 0;
	char buf[65536];

	while (open_fds > 0) {
		int wait_ms = -1;
		if (deadline >= 0) {
			int64_t left = deadline - vdm_now_ms();
			if (left <= 0) {
				timed_out = 1;
				break;
			}
			wait_ms = left > 1000 ? 1000 : (int)left;
		}
		int n = poll(fds, 2, wait_ms);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(fds[i].fd, buf, sizeof buf);
			if (r > 0) {
				strbuf_add(i == 0 ? &bo : &be, buf, (size_t)r);
			} else if (r == 0 || errno != EINTR) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);

	int status = 0, rc;
	if (timed_out) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		rc = vdm_err(err, -ETIMEDOUT, "%s: no answer after %lld ms, killed", argv[0],
			     (long long)timeout_ms);
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status))
			rc = WEXITSTATUS(status);
		else
			rc = vdm_err(err, -EINTR, "%s: killed by signal %d", argv[0],
				     WTERMSIG(status));
	}
	if (out)
		*out = strbuf_detach(&bo);
	if (errout)
		*errout = strbuf_detach(&be);
	strbuf_free(&bo);
	strbuf_free(&be);
	return rc;
}

int vdm_kill_wait(pid_t pid, int64_t grace_ms)
{
	if (pid <= 0)
		return 0;
	if (kill(pid, SIGTERM) < 0 && errno == ESRCH)
		return 0;
	int64_t deadline = vdm_now_ms() + grace_ms;
	for (;;) {
		/* reap it if it is our child, so kill(pid, 0) stops seeing a zombie */
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 0;
		if (vdm_now_ms() >= deadline)
			break;
		proc_sleep_ms(20);
	}
	kill(pid, SIGKILL);
	for (int i = 0; i < 250; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 0;
		proc_sleep_ms(20);
	}
	return -ETIMEDOUT;
}
