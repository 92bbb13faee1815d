/* agent.c: the "agent:unix:PATH" transport: JSON-lines requests to vdmirror-agent inside
 * the partition, through the UNIX socket QEMU puts in front of its virtio-serial port.
 * Every wait has a deadline, every reply line a size cap, and replies are matched by id so a
 * late answer to a request that timed out is never taken for the next one. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "transport_priv.h"

#define AGENT_REQ_MAX (64 * 1024)           /* the agent refuses longer request lines */
#define AGENT_REPLY_MAX (16u << 20)         /* a report or a command's output, escaped */
#define AGENT_CONNECT_MS 10000
#define AGENT_RUN_SLACK_MS 5000             /* transport time on top of a command's own */

struct agent_conn {
	int fd;
	char *path;
	char *label;             /* "agent lpar1 (PATH)", for messages */
	json_int_t next_id;
	struct strbuf in;        /* bytes read past the last complete line */
};

static void agent_conn_free(void *ctx)
{
	struct agent_conn *c = ctx;
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	free(c->label);
	strbuf_free(&c->in);
	free(c);
}

/* The partition's name, from the lab's socket name "<state>/<partition>.agent". */
static char *agent_label(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 6 && !strcmp(base + n - 6, ".agent"))
		n -= 6;
	return xasprintf("agent %.*s (%s)", (int)n, base, path);
}

static int agent_write(struct agent_conn *c, const char *s, size_t n, int64_t deadline,
		       int64_t timeout_ms, struct vdm_error *err)
{
	while (n > 0) {
		int64_t left = deadline - vdm_now_ms();
		if (left <= 0)
			return vdm_err(err, -ETIMEDOUT, "%s: no answer after %lld ms (request not sent)",
				       c->label, (long long)timeout_ms);
		struct pollfd p = { c->fd, POLLOUT, 0 };
		int r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR)
			return vdm_err(err, -errno, "%s: poll: %s", c->label, strerror(errno));
		if (r <= 0)
			continue;
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return vdm_err(err, -errno, "%s: send: %s", c->label, strerror(errno));
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads until one complete line is buffered; returns its length (without '\n'). */
static int agent_read_line(struct agent_conn *c, int64_t deadline, int64_t timeout_ms,
			   size_t *linelen, struct vdm_error *err)
{
	char buf[65536];
	for (;;) {
		char *nl = c->in.s ? memchr(c->in.s, '\n', c->in.len) : NULL;
		if (nl) {
			*linelen = (size_t)(nl - c->in.s);
			return 0;
		}
		if (c->in.len >= AGENT_REPLY_MAX)
			return vdm_err(err, -E2BIG, "%s: reply longer than %u bytes", c->label,
				       AGENT_REPLY_MAX);
		int64_t left = deadline - vdm_now_ms();
		if (left <= 0)
			return vdm_err(err, -ETIMEDOUT, "%s: no answer after %lld ms", c->label,
				       (long long)timeout_ms);
		struct pollfd p = { c->fd, POLLIN, 0 };
		int r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR)
			return vdm_err(err, -errno, "%s: poll: %s", c->label, strerror(errno));
		if (r <= 0)
			continue;
		ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0)
			return vdm_err(err, -ECONNRESET, "%s: connection closed (VM gone?)", c->label);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return vdm_err(err, -errno, "%s: recv: %s", c->label, strerror(errno));
		}
		if (strbuf_add(&c->in, buf, (size_t)n) < 0)
			return vdm_err(err, -E2BIG, "%s: reply longer than %u bytes", c->label,
				       AGENT_REPLY_MAX);
	}
}

/* Drops the first len+1 bytes (a line and its newline) from the input buffer. */
static void agent_consume(struct agent_conn *c, size_t len)
{
	memmove(c->in.s, c->in.s + len + 1, c->in.len - len - 1);
	c->in.len -= len + 1;
	c->in.s[c->in.len] = '\0';
}

/* The request slot: sends req (an object with "op" and its fields; "id" is ours) and waits
 * for the reply with the same id. ok:false replies become an error naming the op. */
static int agent_request(void *ctx, const json_t *req, json_t **reply, int64_t timeout_ms,
			 struct vdm_error *err)
{
	struct agent_conn *c = ctx;
	*reply = NULL;
	if (!json_is_object(req))
		return vdm_err(err, -EINVAL, "%s: request must be an object", c->label);
	const char *op = json_string_value(json_object_get(req, "op"));
	json_t *r = json_copy((json_t *)req);
	json_int_t id = ++c->next_id;
	json_object_set_new(r, "id", json_integer(id));
	char *line = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	if (!line)
		return vdm_err(err, -EINVAL, "%s: %s: request not serialisable", c->label,
			       op ? op : "?");
	size_t n = strlen(line);
	if (n > AGENT_REQ_MAX) {
		free(line);
		return vdm_err(err, -E2BIG, "%s: %s: request of %zu bytes is over the agent's %d",
			       c->label, op ? op : "?", n, AGENT_REQ_MAX);
	}
	line[n] = '\n';
	int64_t deadline = vdm_now_ms() + timeout_ms;
	int rc = agent_write(c, line, n + 1, deadline, timeout_ms, err);
	free(line);
	if (rc < 0)
		return rc;
	for (;;) {
		size_t len;
		rc = agent_read_line(c, deadline, timeout_ms, &len, err);
		if (rc < 0) {
			if (rc == -ETIMEDOUT)
				vdm_err(err, rc, "%s: no answer to %s after %lld ms", c->label,
					op ? op : "request", (long long)timeout_ms);
			return rc;
		}
		json_error_t jerr;
		json_t *j = json_loadb(c->in.s, len, 0, &jerr);
		agent_consume(c, len);
		json_t *jid = json_object_get(j, "id");
		if (!json_is_integer(jid) || json_integer_value(jid) != id) {
			/* an answer to an earlier request that timed out, or noise: skip it */
			json_decref(j);
			continue;
		}
		if (!json_is_true(json_object_get(j, "ok"))) {
			const char *e = json_string_value(json_object_get(j, "error"));
			rc = vdm_err(err, -EIO, "%s: %s: %s", c->label, op ? op : "request",
				     e ? e : "failed without a message");
			json_decref(j);
			return rc;
		}
		*reply = j;
		return 0;
	}
}

/* The run slot: the agent's "run" op. On a non-zero exit status the command's stderr is left
 * in err->msg (err->code stays 0), so drivers can quote it. */
static int agent_run(void *ctx, char *const argv[], int64_t timeout_ms, char **out,
		     struct vdm_error *err)
{
	struct agent_conn *c = ctx;
	if (out)
		*out = NULL;
	json_t *av = json_array();
	for (size_t i = 0; argv[i]; i++)
		json_array_append_new(av, json_string(argv[i]));
	if (timeout_ms <= 0)
		timeout_ms = 120000;
	json_t *req = json_pack("{s:s, s:o, s:I}", "op", "run", "argv", av, "timeout_ms",
				(json_int_t)timeout_ms);
	json_t *reply;
	int rc = agent_request(c, req, &reply, timeout_ms + AGENT_RUN_SLACK_MS, err);
	json_decref(req);
	if (rc < 0) {
		vdm_err_prefix(err, "%s", argv[0]);
		return rc;
	}
	json_t *st = json_object_get(reply, "status");
	if (!json_is_integer(st)) {
		json_decref(reply);
		return vdm_err(err, -EPROTO, "%s: run %s: reply without a status", c->label,
			       argv[0]);
	}
	rc = (int)json_integer_value(st);
	if (out)
		*out = xstrdup(json_string_value(json_object_get(reply, "stdout")) ?: "");
	if (rc != 0 && err) {
		const char *e = json_string_value(json_object_get(reply, "stderr"));
		err->code = 0;
		vdm_escape_ctl(err->msg, sizeof err->msg, e ? e : "");   /* the guest's words */
		size_t l = strlen(err->msg);
		while (l > 0 && (err->msg[l - 1] == '\n' || err->msg[l - 1] == ' '))
			err->msg[--l] = '\0';
	}
	json_decref(reply);
	return rc;
}

int vdm_transport_agent_open(const char *rest, const struct vdm_transport_opts *opts,
			     struct vdm_transport *x, struct vdm_error *err)
{
	if (strncmp(rest, "unix:", 5))
		return vdm_err(err, -EINVAL, "agent address agent:%s: want agent:unix:PATH", rest);
	const char *path = rest + 5;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!*path || strlen(path) >= sizeof sa.sun_path)
		return vdm_err(err, -EINVAL, "agent address agent:%s: bad socket path", rest);
	strcpy(sa.sun_path, path);
	struct agent_conn *c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	c->label = agent_label(path);
	c->in = (struct strbuf)STRBUF_INIT(AGENT_REPLY_MAX + 65536);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		int rc = vdm_err(err, -errno, "%s: socket: %s", c->label, strerror(errno));
		agent_conn_free(c);
		return rc;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		int rc = vdm_err(err, -errno, "%s: connect: %s (is the partition running?)",
				 c->label, strerror(errno));
		agent_conn_free(c);
		return rc;
	}
	struct pollfd p = { c->fd, POLLOUT, 0 };
	int so = 0;
	socklen_t sl = sizeof so;
	if (poll(&p, 1, AGENT_CONNECT_MS) <= 0 ||
	    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so, &sl) < 0 || so != 0) {
		int rc = vdm_err(err, so ? -so : -ETIMEDOUT, "%s: connect: %s", c->label,
				 so ? strerror(so) : "no answer");
		agent_conn_free(c);
		return rc;
	}
	/* ids start somewhere new for every connection: a reply the agent still owed an earlier
	 * connection (one that gave up) must not match this connection's first request */
	c->next_id = (json_int_t)(vdm_now_ms() % 1000000000) * 1000 + getpid() % 1000;
	x->ctx = c;
	x->run = agent_run;
	x->request = agent_request;
	x->scripting = 0;
	x->close = agent_conn_free;
	x->scheme = "agent";
	return 0;
}
