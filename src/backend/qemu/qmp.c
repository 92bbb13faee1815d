/* qmp.c: the QMP client of qmp.h. One blocking UNIX socket per peer, poll() for deadlines,
 * replies matched by "id", events that arrive meanwhile kept in a bounded list. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "vdmirror/util.h"
#include "qmp.h"

struct qmp {
	int fd;
	char *name;
	struct strbuf in;         /* bytes read, not yet a full line */
	json_t *events;           /* array of event objects, oldest first */
	unsigned long next_id;
	char last_class[64];
	char last_desc[512];
};

int qmp_parse_message(const char *buf, size_t len, json_t **msg, enum qmp_kind *kind,
		      struct vdm_error *err)
{
	json_error_t je;
	*msg = NULL;
	if (len > QMP_MSG_MAX)
		return vdm_err(err, -EPROTO, "message of %zu bytes is over the %u byte cap", len,
			       QMP_MSG_MAX);
	json_t *m = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!m)
		return vdm_err(err, -EPROTO, "reply is not JSON: %s", je.text);
	if (!json_is_object(m)) {
		json_decref(m);
		return vdm_err(err, -EPROTO, "reply is not a JSON object");
	}
	json_t *e;
	if (json_object_get(m, "QMP")) {
		*kind = QMP_GREETING;
	} else if (json_object_get(m, "return")) {
		*kind = QMP_RETURN;
	} else if ((e = json_object_get(m, "error"))) {
		if (!json_is_object(e) || !json_is_string(json_object_get(e, "class")) ||
		    !json_is_string(json_object_get(e, "desc"))) {
			json_decref(m);
			return vdm_err(err, -EPROTO, "error reply without class and desc strings");
		}
		*kind = QMP_ERROR;
	} else if ((e = json_object_get(m, "event"))) {
		json_t *d = json_object_get(m, "data");
		if (!json_is_string(e) || (d && !json_is_object(d))) {
			json_decref(m);
			return vdm_err(err, -EPROTO, "event without a name string or with non-object data");
		}
		*kind = QMP_EVENT;
	} else {
		json_decref(m);
		return vdm_err(err, -EPROTO, "reply is neither greeting, return, error nor event");
	}
	*msg = m;
	return 0;
}

static int64_t qmp_left(int64_t deadline)
{
	int64_t left = deadline - vdm_now_ms();
	return left > 0 ? left : 0;
}

/* Reads one whole message before the deadline. */
static int qmp_read_msg(struct qmp *q, int64_t deadline, const char *what, json_t **msg,
			enum qmp_kind *kind, struct vdm_error *err)
{
	for (;;) {
		char *nl = q->in.s ? memchr(q->in.s, '\n', q->in.len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - q->in.s);
			struct vdm_error perr = {0};
			int rc = qmp_parse_message(q->in.s, n, msg, kind, &perr);
			memmove(q->in.s, nl + 1, q->in.len - n - 1);
			q->in.len -= n + 1;
			q->in.s[q->in.len] = '\0';
			if (rc < 0)
				return vdm_err(err, rc, "qmp %s: %s: %s", q->name, what, perr.msg);
			return 0;
		}
		int64_t left = qmp_left(deadline);
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int r = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vdm_err(err, -errno, "qmp %s: %s: poll: %s", q->name, what, strerror(errno));
		if (r == 0)
			return vdm_err(err, -ETIMEDOUT, "qmp %s: %s: no reply within the timeout", q->name,
				       what);
		char buf[65536];
		ssize_t got = read(q->fd, buf, sizeof buf);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0)
			return vdm_err(err, -errno, "qmp %s: %s: read: %s", q->name, what, strerror(errno));
		if (got == 0)
			return vdm_err(err, -ECONNRESET,
				       "qmp %s: %s: connection closed by the server (it died or was killed)",
				       q->name, what);
		if (strbuf_add(&q->in, buf, (size_t)got) < 0)
			return vdm_err(err, -EPROTO, "qmp %s: %s: message over the %u byte cap", q->name,
				       what, QMP_MSG_MAX);
	}
}

static void qmp_keep_event(struct qmp *q, json_t *ev)
{
	if (json_array_size(q->events) >= QMP_EVENTS_MAX)
		json_array_remove(q->events, 0);
	json_array_append_new(q->events, ev);
}

static int qmp_send(struct qmp *q, json_t *msg, const char *what, struct vdm_error *err)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	if (!s)
		return vdm_err(err, -ENOMEM, "qmp %s: %s: cannot encode", q->name, what);
	size_t len = strlen(s), off = 0;
	s[len] = '\0';
	int rc = 0;
	while (off < len) {
		ssize_t w = send(q->fd, s + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = vdm_err(err, errno == EPIPE ? -ECONNRESET : -errno,
				     "qmp %s: %s: send: %s (server died?)", q->name, what, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	free(s);
	if (rc == 0 && send(q->fd, "\n", 1, MSG_NOSIGNAL) != 1)
		rc = vdm_err(err, -ECONNRESET, "qmp %s: %s: send: %s (server died?)", q->name, what,
			     strerror(errno));
	return rc;
}

int qmp_cmd(struct qmp *q, const char *cmd, json_t *args, json_t **ret, int64_t timeout_ms,
	    struct vdm_error *err)
{
	int64_t deadline = vdm_now_ms() + timeout_ms;
	unsigned long id = ++q->next_id;
	json_t *msg = json_pack("{s:s, s:I}", "execute", cmd, "id", (json_int_t)id);
	if (args)
		json_object_set_new(msg, "arguments", args);
	if (ret)
		*ret = NULL;
	q->last_class[0] = q->last_desc[0] = '\0';
	int rc = qmp_send(q, msg, cmd, err);
	json_decref(msg);
	if (rc < 0)
		return rc;
	for (;;) {
		json_t *m;
		enum qmp_kind kind;
		rc = qmp_read_msg(q, deadline, cmd, &m, &kind, err);
		if (rc < 0)
			return rc;
		if (kind == QMP_EVENT) {
			qmp_keep_event(q, m);
			continue;
		}
		json_t *jid = json_object_get(m, "id");
		if (!json_is_integer(jid) || (unsigned long)json_integer_value(jid) != id) {
			json_decref(m);     /* a reply to a command we gave up on */
			continue;
		}
		if (kind == QMP_ERROR) {
			json_t *e = json_object_get(m, "error");
			snprintf(q->last_class, sizeof q->last_class, "%s",
				 json_string_value(json_object_get(e, "class")));
			snprintf(q->last_desc, sizeof q->last_desc, "%s",
				 json_string_value(json_object_get(e, "desc")));
			json_decref(m);
			return vdm_err(err, -EIO, "qmp %s: %s: %s: %s", q->name, cmd, q->last_class,
				       q->last_desc);
		}
		if (kind != QMP_RETURN) {
			json_decref(m);
			return vdm_err(err, -EPROTO, "qmp %s: %s: unexpected greeting", q->name, cmd);
		}
		if (ret)
			*ret = json_incref(json_object_get(m, "return"));
		json_decref(m);
		return 0;
	}
}

const char *qmp_last_class(const struct qmp *q) { return q->last_class; }
const char *qmp_last_desc(const struct qmp *q) { return q->last_desc; }
size_t qmp_n_events(const struct qmp *q) { return json_array_size(q->events); }

int qmp_connect(const char *name, const char *path, int64_t timeout_ms, struct qmp **out,
		struct vdm_error *err)
{
	*out = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return vdm_err(err, -ENAMETOOLONG, "qmp %s: socket path %s is too long", name, path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vdm_err(err, -errno, "qmp %s: socket: %s", name, strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		return vdm_err(err, -e, "qmp %s: connect %s: %s (server not running?)", name, path,
			       strerror(e));
	}
	struct qmp *q = xcalloc(1, sizeof *q);
	q->fd = fd;
	q->name = xstrdup(name);
	q->in = (struct strbuf)STRBUF_INIT(QMP_MSG_MAX);
	q->events = json_array();
	int64_t deadline = vdm_now_ms() + timeout_ms;
	json_t *m;
	enum qmp_kind kind;
	int rc = qmp_read_msg(q, deadline, "greeting", &m, &kind, err);
	if (rc == -ETIMEDOUT)
		vdm_err(err, rc, "qmp %s: no greeting on %s within %lld ms (another client holds the "
			"monitor, or the server hangs)", name, path, (long long)timeout_ms);
	if (rc == 0) {
		json_decref(m);
		if (kind != QMP_GREETING)
			rc = vdm_err(err, -EPROTO, "qmp %s: %s: first message is not a greeting", name,
				     path);
	}
	if (rc == 0)
		rc = qmp_cmd(q, "qmp_capabilities", NULL, NULL, qmp_left(deadline) + 1, err);
	if (rc < 0) {
		qmp_close(q);
		return rc;
	}
	*out = q;
	return 0;
}

void qmp_close(struct qmp *q)
{
	if (!q)
		return;
	close(q->fd);
	strbuf_free(&q->in);
	json_decref(q->events);
	free(q->name);
	free(q);
}

static int qmp_event_matches(json_t *ev, const char *event, const char *key, const char *value)
{
	if (strcmp(json_string_value(json_object_get(ev, "event")), event) != 0)
		return 0;
	if (!key)
		return 1;
	const char *v = json_string_value(json_object_get(json_object_get(ev, "data"), key));
	return v && !strcmp(v, value);
}

int qmp_wait_event(struct qmp *q, const char *event, const char *key, const char *value,
		   int64_t timeout_ms, json_t **data, struct vdm_error *err)
{
	int64_t deadline = vdm_now_ms() + timeout_ms;
	char what[256];
	snprintf(what, sizeof what, "waiting for %s%s%s%s", event, key ? " of " : "",
		 key ? key : "", key ? "" : "");
	if (key)
		snprintf(what, sizeof what, "waiting for %s with %s=%s", event, key, value);
	for (;;) {
		size_t i;
		json_t *ev;
		json_array_foreach(q->events, i, ev) {
			if (qmp_event_matches(ev, event, key, value)) {
				if (data)
					*data = json_incref(json_object_get(ev, "data"));
				json_array_remove(q->events, i);
				return 0;
			}
		}
		json_t *m;
		enum qmp_kind kind;
		int rc = qmp_read_msg(q, deadline, what, &m, &kind, err);
		if (rc < 0)
			return rc;
		if (kind == QMP_EVENT)
			qmp_keep_event(q, m);
		else
			json_decref(m);
	}
}

void qmp_drop_events(struct qmp *q, const char *event)
{
	for (size_t i = json_array_size(q->events); i-- > 0;) {
		json_t *ev = json_array_get(q->events, i);
		if (!event || !strcmp(json_string_value(json_object_get(ev, "event")), event))
			json_array_remove(q->events, i);
	}
}

int qmp_job_wait(struct qmp *q, const char *id, int64_t timeout_ms, struct vdm_error *err)
{
	int64_t deadline = vdm_now_ms() + timeout_ms;
	int rc;
	char *job_error = NULL;
	for (;;) {
		json_t *jobs;
		rc = qmp_cmd(q, "query-jobs", NULL, &jobs, qmp_left(deadline) + 1, err);
		if (rc < 0)
			return rc;
		size_t i;
		json_t *j;
		const char *status = NULL;
		json_array_foreach(jobs, i, j) {
			const char *jid = json_string_value(json_object_get(j, "id"));
			if (jid && !strcmp(jid, id)) {
				status = json_string_value(json_object_get(j, "status"));
				const char *e = json_string_value(json_object_get(j, "error"));
				if (e && !job_error)
					job_error = xstrdup(e);
				break;
			}
		}
		if (!status) {
			json_decref(jobs);
			free(job_error);
			return vdm_err(err, -ENOENT, "qmp %s: job %s: not in query-jobs", q->name, id);
		}
		int concluded = !strcmp(status, "concluded");
		json_decref(jobs);
		if (concluded)
			break;
		if (qmp_left(deadline) == 0) {
			free(job_error);
			return vdm_err(err, -ETIMEDOUT, "qmp %s: job %s: not concluded within %lld ms",
				       q->name, id, (long long)timeout_ms);
		}
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	/* job-dismiss always: a concluded job left behind blocks its id for ever */
	struct vdm_error derr = {0};
	rc = qmp_cmd(q, "job-dismiss", json_pack("{s:s}", "id", id), NULL, 10000, &derr);
	if (job_error) {
		rc = vdm_err(err, -EIO, "qmp %s: job %s: %s", q->name, id, job_error);
		free(job_error);
		return rc;
	}
	if (rc < 0)
		return vdm_err(err, rc, "%s", derr.msg);
	return 0;
}
