/* vdmirror-agent.c: the program that runs inside a Linux client partition and answers the
 * host's JSON-lines requests (docs/internals/agent.md) over its virtio-serial port, or, for
 * tests on the host, over stdin/stdout or a UNIX socket. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"

#define DEFAULT_PORT "org.vdmirror.agent"

static void agent_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (errno == EAGAIN)
					agent_sleep_ms(10);
				continue;
			}
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void send_reply(int fd, json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT);
	if (s) {
		size_t n = strlen(s);
		s[n] = '\n';   /* json_dumps leaves room for the NUL we overwrite; we write n+1 */
		write_all(fd, s, n + 1);
		free(s);
	}
	json_decref(reply);
}

static json_t *error_reply(const struct agent_req *req, const char *msg)
{
	json_t *id = req && req->has_id ? json_integer(req->id) : json_null();
	return json_pack("{s:o, s:b, s:s}", "id", id, "ok", 0, "error", msg);
}

/* One request line in, one reply line out. */
static void handle_line(int out, const char *line, size_t len)
{
	struct agent_req req;
	char errbuf[1024] = "";
	if (agent_req_parse(line, len, &req, errbuf, sizeof errbuf) < 0) {
		send_reply(out, error_reply(&req, errbuf));
		agent_req_free(&req);
		return;
	}
	json_t *r = agent_execute(&req, errbuf, sizeof errbuf);
	if (!r) {
		send_reply(out, error_reply(&req, errbuf[0] ? errbuf : "failed"));
	} else {
		json_object_set_new(r, "id", json_integer(req.id));
		json_object_set_new(r, "ok", json_true());
		send_reply(out, r);
	}
	agent_req_free(&req);
}

/* Reads lines from in until EOF (returns 0) or a read error (-1). A line longer than
 * AGENT_LINE_MAX is dropped up to its newline and answered with an error. */
static int serve(int in, int out)
{
	static char line[AGENT_LINE_MAX + 1];
	size_t len = 0;
	bool overflow = false;
	char buf[8192];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (len < AGENT_LINE_MAX)
					line[len++] = buf[i];
				else
					overflow = true;
				continue;
			}
			if (overflow) {
				char msg[128];
				snprintf(msg, sizeof msg, "request line longer than %d bytes, dropped",
					 AGENT_LINE_MAX);
				send_reply(out, error_reply(NULL, msg));
			} else if (len > 0 && !(len == 1 && line[0] == '\r')) {
				handle_line(out, line, len);
			}
			len = 0;
			overflow = false;
		}
	}
}

/* Finds /dev/<vportNpM> whose sysfs name is `port`. */
static int find_port(const char *port, char *dev, size_t size)
{
	char dir[512], name[256], path[1024];
	snprintf(dir, sizeof dir, "%s/class/virtio-ports", agent_conf.sysfs);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s/name", dir, e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, name, sizeof name - 1);
		close(fd);
		if (n <= 0)
			continue;
		name[n] = '\0';
		if (name[n - 1] == '\n')
			name[n - 1] = '\0';
		if (!strcmp(name, port)) {
			snprintf(dev, size, "%s/%s", agent_conf.devdir, e->d_name);
			rc = 0;
			break;
		}
	}
	closedir(d);
	return rc;
}

/* The host went away (or this agent restarted): a raised resync limit must not outlive the
 * vdmirror run that asked for it. */
static void restore_limits(void)
{
	char msg[512];
	int rc = agent_sync_rate_restore(msg, sizeof msg);
	if (rc < 0)
		fprintf(stderr, "vdmirror-agent: %s\n", msg);
	else if (rc > 0)
		fprintf(stderr, "vdmirror-agent: resync limits restored\n");
}

static void on_sigio(int sig)
{
	(void)sig;   /* only to end the sleep below: nanosleep returns EINTR */
}

/* Asks the kernel for SIGIO on the port (virtio_console signals a host that connects, and
 * data). Without it, a host that connected right after a disconnect waited out the whole
 * 200 ms pause below before its first request was read: measured in the lab, 0.19 s of the
 * 0.2-s wait_disk of every mirror run (discovery and apply use two connections). The pause
 * stays as the fallback when no signal comes. SA_RESTART: reads and waits restart. */
static void port_async(int fd)
{
	struct sigaction sa = { .sa_handler = on_sigio, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	int fl = fcntl(fd, F_GETFL);
	if (sigaction(SIGIO, &sa, NULL) == 0 && fl >= 0 && fcntl(fd, F_SETOWN, getpid()) == 0)
		fcntl(fd, F_SETFL, fl | O_ASYNC);
}

/* virtio-serial: the port may show up after we start (module loading), and reads return 0
 * while no host is connected: wait (until SIGIO or the pause ends) and go on, forever; this
 * is the partition's daemon. */
static _Noreturn void serve_port(const char *port)
{
	char dev[1024];
	bool said = false;
	for (;;) {
		if (find_port(port, dev, sizeof dev) < 0) {
			if (!said)
				fprintf(stderr, "vdmirror-agent: waiting for virtio port %s\n", port);
			said = true;
			agent_sleep_ms(500);
			continue;
		}
		int fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			agent_sleep_ms(500);
			continue;
		}
		fprintf(stderr, "vdmirror-agent: serving on %s\n", dev);
		port_async(fd);
		for (;;) {
			int rc = serve(fd, fd);
			restore_limits();
			agent_sleep_ms(rc == 0 ? 200 : 1000);
			if (rc < 0)
				break;
		}
		close(fd);
	}
}

static int serve_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "vdmirror-agent: socket path too long: %s\n", path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 4) < 0) {
		fprintf(stderr, "vdmirror-agent: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "vdmirror-agent: accept: %s\n", strerror(errno));
			return 1;
		}
		serve(c, c);
		close(c);
		restore_limits();
	}
}

static void usage(FILE *f)
{
	fputs("Usage: vdmirror-agent [--port NAME | --stdio | --listen PATH] [--sysfs DIR]\n"
	      "                      [--data-dir DIR]\n"
	      "Answers vdmirror's JSON-lines requests inside a Linux client partition.\n"
	      "  --port NAME      virtio-serial port name (default " DEFAULT_PORT ")\n"
	      "  --stdio          serve stdin/stdout until EOF (tests)\n"
	      "  --listen PATH    serve a UNIX socket, one client at a time (tests)\n"
	      "  --sysfs DIR      where sysfs is (default /sys)\n"
	      "  --data-dir DIR   test mode: fill/verify may also use regular files in DIR\n"
	      "  --raid-dir DIR   where speed_limit_min/_max are (default /proc/sys/dev/raid)\n"
	      "  --run-dir DIR    where the admin's limits are kept while raised\n"
	      "                   (default /run/vdmirror-agent)\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "stdio", no_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "sysfs", required_argument, NULL, 'y' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "raid-dir", required_argument, NULL, 'r' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *port = DEFAULT_PORT, *listen_path = NULL;
	bool stdio = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = optarg; break;
		case 's': stdio = true; break;
		case 'l': listen_path = optarg; break;
		case 'y': agent_conf.sysfs = optarg; break;
		case 'd': agent_conf.data_dir = optarg; break;
		case 'r': agent_conf.raid_dir = optarg; break;
		case 'R': agent_conf.run_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': puts("vdmirror-agent " AGENT_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!stdio)
		restore_limits();
	if (stdio)
		return serve(0, 1) < 0 ? 1 : 0;
	if (listen_path)
		return serve_socket(listen_path);
	serve_port(port);
}
