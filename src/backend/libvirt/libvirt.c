/* libvirt.c: the "libvirt" storage backend: storage pools and domains of one or more libvirt
 * connections (qemu:///system, qemu+ssh://host/system) through libvirt's C API.
 * Pools are "<host>/<pool>", partitions are domain names, disk names are <serial>s. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include "vdmirror/backend.h"
#include "vdmirror/model.h"
#include "vdmirror/util.h"
#include "lv.h"

#define LV_AGENT_PORT "org.vdmirror.agent"   /* the virtio channel name vdmirror-agent opens */
#define LV_SERIAL_MAX 20                     /* bytes of a virtio-blk serial */
#define LV_UNPLUG_TIMEOUT_MS 30000
#define LV_KEEPALIVE_INTERVAL 5              /* virsh's defaults: a silent daemon is given up */
#define LV_KEEPALIVE_COUNT 6                 /* after ~interval x (count + 1) = 35 s */

struct lv_conn {
	char *uri;
	virConnectPtr c;
	char *host;       /* virConnectGetHostname: the server of its local pools */
	bool local;       /* the host is this machine (no host in the URI): sockets are here */
	bool topology;    /* and so are its pools' file systems (not the test driver's fictions) */
	atomic_int *closed;   /* why libvirt closed it (VIR_CONNECT_CLOSE_REASON_*), -1 while open:
			       * written by lv_on_close (ours: libvirt forgets the callback, and
			       * would free its opaque, right after calling it once) */
	bool lost_before;     /* lost already when the current operation began (lv_op_begin) */
};

struct lv_state {
	VEC(char *) uris;
	VEC(struct lv_conn) conns;
	char *owned_dir;  /* records of the volumes vdmirror created (never adopt another one) */
	bool full;        /* allocate volumes fully (sparse=no) */
	bool looping;     /* this handle counts in lv_loop_users */
	int64_t unplug_timeout_ms;   /* how long the guest may take to release a detached disk */
	int ka_interval;             /* client keepalive: seconds between pings, 0 = off */
	int ka_count;                /* unanswered pings before the connection is given up */
};

/* libvirt prints every error on stderr by default: ours carry them in messages instead */
static void lv_quiet(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

static const char *lv_last(void)
{
	virErrorPtr e = virGetLastError();
	return e && e->message ? e->message : "unknown libvirt error";
}

/* A condition variable on CLOCK_MONOTONIC (waits immune to clock changes), and the deadline
 * ms from now on that clock for pthread_cond_timedwait. */
static void lv_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
}

static struct timespec lv_deadline(int64_t ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* ---- libvirt's event loop: one thread runs it while any handle is open
 *
 * A client that registers an event loop (we must: the DEVICE_REMOVED event of an unplug needs
 * one, registered before the first connection) tells libvirtd it speaks the keepalive protocol,
 * and from then on libvirt answers the daemon's pings only from inside virEventRunDefaultImpl.
 * libvirtd drops a client that leaves keepalive_count pings of keepalive_interval unanswered
 * (5 and 5: ~30 s), so a session that spends minutes between two libvirt calls (a mirror's
 * sync talks to the guest only) found its connection closed at the next call. libvirt's docs
 * say it: once registered, the loop must run. So a thread runs it for as long as a handle is
 * open, as virsh does; the calls of the main thread and the loop share libvirt's connection
 * safely (libvirt's client is thread-safe, one thread owns the socket at a time).
 * Why not reconnect instead when a call finds the connection closed (virConnectIsAlive)? That
 * treats the symptom: every long wait would still cost a dropped connection and a new one
 * (its authentication, over ssh a new session), the unplug wait would still need the loop
 * for its event, and a drop the daemon did on purpose would look like a transient fault. With
 * the loop running a connection closes only when libvirtd itself goes away (a restart):
 * then the call fails with libvirt's message and the journal lets the run resume.
 * The loop is the process's (libvirt has one default loop), so the thread is too: the first
 * open starts it, the last close stops it (a flag, then a timeout that fires at once to wake
 * virEventRunDefaultImpl, then pthread_join). */
static pthread_mutex_t lv_loop_lock = PTHREAD_MUTEX_INITIALIZER;
static bool lv_loop_registered;   /* virEventRegisterDefaultImpl done (once per process) */
static unsigned lv_loop_users;    /* open handles */
static pthread_t lv_loop_thread;
static int lv_loop_wake = -1;     /* the timeout that wakes the loop to stop it */
static atomic_bool lv_loop_quit;

static void lv_loop_woken(int timer, void *opaque)
{
	(void)timer;
	(void)opaque;
}

static void *lv_loop_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&lv_loop_quit))
		if (virEventRunDefaultImpl() < 0) {
			/* not seen; a broken loop must not spin a core */
			struct timespec ts = { 0, 100000000 };
			nanosleep(&ts, NULL);
		}
	return NULL;
}

/* Starts the loop thread for one more handle (registering the loop the first time). The
 * module (vdm-libvirt.so) is pinned first: a thread running its code must never see it
 * unloaded, whatever the loader does later. Returns 0 or -EIO/-errno with a message. */
static int lv_loop_start(struct vdm_error *err)
{
	int rc = 0;
	pthread_mutex_lock(&lv_loop_lock);
	if (!lv_loop_registered) {
		/* libvirt writes to the daemon's socket without MSG_NOSIGNAL: a daemon that went
		 * away must make the next call fail, not kill vdmirror with SIGPIPE */
		signal(SIGPIPE, SIG_IGN);
		if (virEventRegisterDefaultImpl() < 0) {
			rc = vdm_err(err, -EIO, "libvirt: event loop: %s", lv_last());
			goto out;
		}
		lv_loop_registered = true;
	}
	if (lv_loop_users > 0) {
		lv_loop_users++;
		goto out;
	}
	Dl_info di;
	if (dladdr((void *)lv_loop_main, &di) && di.dli_fname)
		(void)dlopen(di.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
	lv_loop_wake = virEventAddTimeout(-1, lv_loop_woken, NULL, NULL);
	if (lv_loop_wake < 0) {
		rc = vdm_err(err, -EIO, "libvirt: event loop: timeout: %s", lv_last());
		goto out;
	}
	atomic_store(&lv_loop_quit, false);
	int e = pthread_create(&lv_loop_thread, NULL, lv_loop_main, NULL);
	if (e) {
		virEventRemoveTimeout(lv_loop_wake);
		lv_loop_wake = -1;
		rc = vdm_err(err, -e, "libvirt: event loop thread: %s", strerror(e));
		goto out;
	}
	pthread_setname_np(lv_loop_thread, "vdm-lv-events");   /* for ps, gdb and the tests */
	lv_loop_users = 1;
out:
	pthread_mutex_unlock(&lv_loop_lock);
	return rc;
}

/* One handle less; the last one stops and joins the thread. Call after closing the handle's
 * connections (closing them may leave work for the loop). */
static void lv_loop_stop(void)
{
	pthread_mutex_lock(&lv_loop_lock);
	if (lv_loop_users > 0 && --lv_loop_users == 0) {
		atomic_store(&lv_loop_quit, true);
		virEventUpdateTimeout(lv_loop_wake, 0);
		pthread_join(lv_loop_thread, NULL);
		virEventRemoveTimeout(lv_loop_wake);
		lv_loop_wake = -1;
	}
	pthread_mutex_unlock(&lv_loop_lock);
}

/* ---- configuration */

/* The configuration keys (backend.h's key=value mechanism checks them before open). */
static const struct vdm_config_key lv_config_keys[] = {
	{ "uri", "URI", "a libvirt connection URI (qemu:///system, qemu+ssh://host/system), one"
	  " per connection (the bare entry)", VDM_CONFIG_MULTI },
	{ "state", "DIR", "folder of the records of created volumes (default /var/lib/vdmirror;"
	  " the CLI passes $VDMIRROR_STATE)", 0 },
	{ "sparse", "yes|no", "yes (default): new volumes sparse; no: fully allocated", 0 },
	{ "unplug_timeout_ms", "MS", "deadline of the guest's release of a detached disk", 0 },
	{ "keepalive_interval", "S", "seconds between keepalive pings to a silent libvirtd (default"
	  " 5; 0: none, a hung daemon then hangs vdmirror)", 0 },
	{ "keepalive_count", "N", "unanswered pings before the connection is given up (default 6)",
	  0 },
	{ NULL, NULL, NULL, 0 },
};

/* One configuration pair, already matched to a key of lv_config_keys. Returns 0, or -EINVAL
 * naming the pair. */
static int lv_config_set(struct lv_state *st, const struct vdm_config_pair *p,
			 struct vdm_error *err)
{
	if (!strcmp(p->key, "uri")) {
		if (!strstr(p->value, "://"))
			return vdm_config_bad(err, "libvirt", p, "not a libvirt URI (qemu:///system,"
					      " qemu+ssh://host/system)");
		VEC_PUSH(&st->uris, xstrdup(p->value));
	} else if (!strcmp(p->key, "state")) {
		free(st->owned_dir);
		st->owned_dir = xasprintf("%s/libvirt-owned", p->value);
	} else if (!strcmp(p->key, "sparse")) {
		if (strcmp(p->value, "yes") && strcmp(p->value, "no"))
			return vdm_config_bad(err, "libvirt", p, "yes or no");
		st->full = !strcmp(p->value, "no");
	} else if (!strcmp(p->key, "unplug_timeout_ms")) {
		int64_t v;
		if (vdm_parse_uint(p->value, 10, &v) < 0 || v <= 0 || v > 86400000)
			return vdm_config_bad(err, "libvirt", p, "not a number of milliseconds");
		st->unplug_timeout_ms = v;
	} else if (!strcmp(p->key, "keepalive_interval")) {
		int64_t v;
		if (vdm_parse_uint(p->value, 10, &v) < 0 || v > 3600)
			return vdm_config_bad(err, "libvirt", p, "not a number of seconds (0 to 3600)");
		st->ka_interval = (int)v;
	} else if (!strcmp(p->key, "keepalive_count")) {
		int64_t v;
		if (vdm_parse_uint(p->value, 10, &v) < 0 || v < 1 || v > 100)
			return vdm_config_bad(err, "libvirt", p, "not a count of 1 to 100");
		st->ka_count = (int)v;
	}
	return 0;
}

static void lv_close(void *state);

/* ---- a daemon that stops answering
 *
 * Without a keepalive of its own, a client waits for libvirtd's reply forever: a daemon that
 * hangs (SIGSTOP, a deadlock) or a qemu+ssh:// link that dies silently left a mirror half
 * done with no error. So every connection pings the daemon (virConnectSetKeepAlive, as
 * virsh does by default), which needs the event loop that runs anyway: after count
 * unanswered pings interval seconds apart, libvirt closes the connection, the pending call
 * (whichever thread waits in it) and every later one fail. libvirt's own message then says
 * little ("client socket is closed"), and a failed lookup reads as "no such pool", so each
 * operation ends in lv_checked, which turns any failure on a closed connection into one
 * message naming the URI, the host and why (the close callback's reason), of kind backend. */

static void lv_on_close(virConnectPtr conn, int reason, void *opaque)
{
	(void)conn;
	atomic_store((atomic_int *)opaque, reason);
}

/* Turns the keepalive on for a fresh connection and watches for its closing. An in-process
 * driver (test:///) has no daemon to lose and no keepalive: fine. Returns 0 or -EIO. */
static int lv_watch(struct lv_state *st, struct lv_conn *c, struct vdm_error *err)
{
	atomic_int *closed = xmalloc(sizeof *closed);
	atomic_init(closed, -1);
	if (virConnectRegisterCloseCallback(c->c, lv_on_close, closed, NULL) < 0) {
		free(closed);
		virErrorPtr e = virGetLastError();
		if (!e || e->code != VIR_ERR_NO_SUPPORT)
			return vdm_err(err, -EIO, "libvirt %s: close callback: %s", c->uri, lv_last());
	} else {
		c->closed = closed;
	}
	if (st->ka_interval > 0 &&
	    virConnectSetKeepAlive(c->c, st->ka_interval, (unsigned)st->ka_count) < 0) {
		virErrorPtr e = virGetLastError();
		if (!e || e->code != VIR_ERR_NO_SUPPORT)
			return vdm_err(err, -EIO, "libvirt %s: keepalive: %s", c->uri, lv_last());
	}
	return 0;
}

/* virConnectOpen has no deadline, and libvirt starts the keepalive only on an open
 * connection: against a hung daemon (its socket still takes the connection) or a silent ssh
 * link the open waited for ever. So it runs on a thread of its own, given the time the
 * keepalive would give a call, interval x (count + 1); past that the caller fails and
 * abandons the thread, which closes what it gets if the open ever ends and frees the shared
 * struct (the module is pinned, lv_loop_start: its code outlives any close). */
struct lv_opening {
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* on CLOCK_MONOTONIC */
	bool done, abandoned;
	virConnectPtr c;
	char msg[512];         /* libvirt's error (a thread's own) */
	char uri[];
};

/* The URIs of abandoned opens still under way. One is enough to learn that the daemon
 * hangs: a new open of the same URI fails at once instead of leaving one more thread (and
 * socket) behind, which a long `watch` against a daemon hung for hours did every round. */
#define LV_PENDING_MAX 32
static pthread_mutex_t lv_pending_lock = PTHREAD_MUTEX_INITIALIZER;
static char *lv_pending[LV_PENDING_MAX];

/* Marks uri as having an abandoned open under way. A full table marks nothing: the open is
 * then abandoned unrecorded. */
static void lv_pending_add(const char *uri)
{
	pthread_mutex_lock(&lv_pending_lock);
	for (size_t i = 0; i < LV_PENDING_MAX; i++)
		if (!lv_pending[i]) {
			lv_pending[i] = xstrdup(uri);
			break;
		}
	pthread_mutex_unlock(&lv_pending_lock);
}

/* Removes one mark of uri (its abandoned open ended), if there is one. */
static void lv_pending_remove(const char *uri)
{
	pthread_mutex_lock(&lv_pending_lock);
	for (size_t i = 0; i < LV_PENDING_MAX; i++)
		if (lv_pending[i] && !strcmp(lv_pending[i], uri)) {
			free(lv_pending[i]);
			lv_pending[i] = NULL;
			break;
		}
	pthread_mutex_unlock(&lv_pending_lock);
}

static bool lv_pending_has(const char *uri)
{
	bool has = false;
	pthread_mutex_lock(&lv_pending_lock);
	for (size_t i = 0; i < LV_PENDING_MAX && !has; i++)
		has = lv_pending[i] && !strcmp(lv_pending[i], uri);
	pthread_mutex_unlock(&lv_pending_lock);
	return has;
}

static void lv_opening_free(struct lv_opening *o)
{
	pthread_cond_destroy(&o->cond);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

static void *lv_opening_main(void *arg)
{
	struct lv_opening *o = arg;
	virConnectPtr c = virConnectOpen(o->uri);
	pthread_mutex_lock(&o->lock);
	if (!c)
		snprintf(o->msg, sizeof o->msg, "%s", lv_last());
	o->c = c;
	o->done = true;
	bool abandoned = o->abandoned;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	if (abandoned) {
		if (c)
			virConnectClose(c);
		lv_pending_remove(o->uri);
		lv_opening_free(o);
	}
	return NULL;
}

/* Opens uri within the keepalive's time (no limit with keepalive_interval=0). Returns 0 or
 * -ECONNREFUSED (libvirt's error) / -ETIMEDOUT (no answer, now or at an earlier open still
 * under way) / -errno, naming the URI. */
static int lv_connect(struct lv_state *st, const char *uri, virConnectPtr *conn,
		      struct vdm_error *err)
{
	if (st->ka_interval == 0) {
		*conn = virConnectOpen(uri);
		return *conn ? 0 : vdm_err(err, -ECONNREFUSED, "libvirt %s: connect: %s (is "
					   "libvirtd running?)", uri, lv_last());
	}
	if (lv_pending_has(uri))
		return vdm_err_kind(err, -ETIMEDOUT, VDM_ERR_BACKEND, "libvirt %s: connect: an "
				    "earlier connection attempt, given up for want of an answer, still "
				    "waits for libvirtd: hung, or the link to it is down", uri);
	size_t n = strlen(uri) + 1;
	struct lv_opening *o = xcalloc(1, sizeof *o + n);
	memcpy(o->uri, uri, n);
	pthread_mutex_init(&o->lock, NULL);
	lv_cond_init(&o->cond);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	int e = pthread_create(&t, &a, lv_opening_main, o);
	pthread_attr_destroy(&a);
	if (e) {
		lv_opening_free(o);
		return vdm_err(err, -e, "libvirt %s: connect: thread: %s", uri, strerror(e));
	}
	int64_t limit_s = (int64_t)st->ka_interval * (st->ka_count + 1);
	struct timespec dl = lv_deadline(limit_s * 1000);
	pthread_mutex_lock(&o->lock);
	e = 0;
	while (!o->done && e == 0)
		e = pthread_cond_timedwait(&o->cond, &o->lock, &dl);
	if (!o->done) {
		o->abandoned = true;   /* the thread frees o, and unmarks the URI */
		lv_pending_add(uri);   /* under o->lock: before the thread can unmark it */
		pthread_mutex_unlock(&o->lock);
		return vdm_err_kind(err, -ETIMEDOUT, VDM_ERR_BACKEND, "libvirt %s: connect: libvirtd "
				    "did not answer in %lld s (keepalive_interval x (keepalive_count"
				    " + 1)): hung, or the link to it is down", uri,
				    (long long)limit_s);
	}
	pthread_mutex_unlock(&o->lock);
	*conn = o->c;
	int rc = o->c ? 0 : vdm_err(err, -ECONNREFUSED, "libvirt %s: connect: %s (is libvirtd "
				    "running?)", uri, o->msg);
	lv_opening_free(o);
	return rc;
}

static void lv_conn_free(struct lv_conn *c)
{
	/* no call after this (fails harmlessly when the callback already ran) */
	if (c->closed)
		virConnectUnregisterCloseCallback(c->c, lv_on_close);
	if (c->c)
		virConnectClose(c->c);
	free(c->closed);
	free(c->uri);
	free(c->host);
}

static bool lv_conn_lost(const struct lv_conn *c)
{
	return c->closed && atomic_load(c->closed) >= 0;
}

/* Notes which connections are lost already, before an operation: lv_checked then blames an
 * operation that got by only for a loss during it, so that with two URIs a daemon lost on
 * one does not fail every later operation on the other. */
static void lv_op_begin(struct lv_state *st)
{
	for (size_t i = 0; i < st->conns.n; i++)
		st->conns.v[i].lost_before = lv_conn_lost(&st->conns.v[i]);
}

/* rc of an operation, or the failure that names the lost connection: when the operation
 * failed and a connection is lost (one lost during it first: its calls failed there), or
 * when it got by but a connection was closed during it (some of its calls may have failed
 * quietly), with the operation's own message after it. */
static int lv_checked(struct lv_state *st, int rc, struct vdm_error *err)
{
	const struct lv_conn *lost = NULL;
	for (size_t i = 0; i < st->conns.n; i++) {
		const struct lv_conn *c = &st->conns.v[i];
		if (lv_conn_lost(c) && !c->lost_before)
			lost = c;   /* during the operation */
		else if (lv_conn_lost(c) && rc < 0 && !lost)
			lost = c;   /* before it: the operation's failure may be there */
	}
	if (!lost)
		return rc;
	char was[sizeof err->msg];
	snprintf(was, sizeof was, "%s", rc < 0 && err && err->msg[0] ? err->msg
		 : "the results are incomplete");
	if (atomic_load(lost->closed) == VIR_CONNECT_CLOSE_REASON_KEEPALIVE)
		return vdm_err_kind(err, -ETIMEDOUT, VDM_ERR_BACKEND, "libvirt %s: libvirtd on %s "
				    "stopped answering: no reply to %d keepalive pings %d s apart, "
				    "connection closed (%s)", lost->uri, lost->host, st->ka_count,
				    st->ka_interval, was);
	return vdm_err_kind(err, -ECONNRESET, VDM_ERR_BACKEND, "libvirt %s: libvirtd on %s closed "
			    "the connection (stopped or restarted?) (%s)", lost->uri, lost->host,
			    was);
}

static int lv_open(const struct vdm_config *cfg, void **statep, struct vdm_error *err)
{
	struct lv_state *st = xcalloc(1, sizeof *st);
	st->ka_interval = LV_KEEPALIVE_INTERVAL;
	st->ka_count = LV_KEEPALIVE_COUNT;
	int rc = 0;
	for (size_t i = 0; i < cfg->n && rc == 0; i++)
		rc = lv_config_set(st, &cfg->v[i], err);
	if (rc < 0)
		goto fail;
	if (st->uris.n == 0) {
		rc = vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "libvirt: no connection: give "
				  "uri=qemu:///system (or several uri= pairs)");
		goto fail;
	}
	if (!st->owned_dir)
		st->owned_dir = xstrdup("/var/lib/vdmirror/libvirt-owned");
	virSetErrorFunc(NULL, lv_quiet);
	/* the loop runs before any connection: libvirt wants it registered first, and a
	 * connection that advertised keepalive must be answered from its very start */
	if ((rc = lv_loop_start(err)) < 0)
		goto fail;
	st->looping = true;
	for (size_t i = 0; i < st->uris.n; i++) {
		struct lv_conn c = { .uri = xstrdup(st->uris.v[i]) };
		if ((rc = lv_connect(st, c.uri, &c.c, err)) < 0) {
			free(c.uri);
			goto fail;
		}
		if ((rc = lv_watch(st, &c, err)) < 0) {
			lv_conn_free(&c);
			goto fail;
		}
		char *h = virConnectGetHostname(c.c);
		c.host = lv_name_clean(h ? h : "localhost");
		free(h);
		const char *auth = strstr(c.uri, "://") + 3;
		c.local = *auth == '/' || !strncmp(auth, "localhost/", 10);
		c.topology = c.local && strncmp(c.uri, "test:", 5) != 0;
		VEC_PUSH(&st->conns, c);
	}
	*statep = st;
	return 0;
fail:
	lv_close(st);
	return rc;
}

static void lv_close(void *state)
{
	struct lv_state *st = state;
	if (!st)
		return;
	for (size_t i = 0; i < st->conns.n; i++)
		lv_conn_free(&st->conns.v[i]);
	for (size_t i = 0; i < st->uris.n; i++)
		free(st->uris.v[i]);
	free(st->uris.v);
	free(st->conns.v);
	free(st->owned_dir);
	if (st->looping)
		lv_loop_stop();
	free(st);
}

/* ---- lookups */

/* "host/pool" -> its connection and the active pool. */
static int lv_pool_find(struct lv_state *st, const char *full, struct lv_conn **conn,
			virStoragePoolPtr *pool, struct vdm_error *err)
{
	const char *slash = full ? strchr(full, '/') : NULL;
	if (!slash)
		return vdm_err(err, -EINVAL, "libvirt: pool '%s': not HOST/POOL", full ? full : "");
	for (size_t i = 0; i < st->conns.n; i++) {
		struct lv_conn *c = &st->conns.v[i];
		if (strlen(c->host) != (size_t)(slash - full) || strncmp(c->host, full, slash - full))
			continue;
		*pool = virStoragePoolLookupByName(c->c, slash + 1);
		if (!*pool)
			return vdm_err(err, -ENOENT, "libvirt %s: no pool %s: %s", c->uri, slash + 1,
				       lv_last());
		if (virStoragePoolIsActive(*pool) != 1) {
			virStoragePoolFree(*pool);
			return vdm_err(err, -ENXIO, "libvirt %s: pool %s is not active", c->uri,
				       slash + 1);
		}
		*conn = c;
		return 0;
	}
	return vdm_err(err, -ENOENT, "libvirt: pool %s: no connection to host %.*s", full,
		       (int)(slash - full), full);
}

static int lv_domain_find(struct lv_state *st, const char *name, struct lv_conn **conn,
			  virDomainPtr *dom, struct vdm_error *err)
{
	for (size_t i = 0; i < st->conns.n; i++) {
		virDomainPtr d = virDomainLookupByName(st->conns.v[i].c, name);
		if (d) {
			*conn = &st->conns.v[i];
			*dom = d;
			return 0;
		}
	}
	return vdm_err(err, -ENOENT, "libvirt: no domain %s on %zu connection(s)", name,
		       st->conns.n);
}

static xmlDocPtr lv_parse(const char *xml)
{
	return xml ? xmlReadMemory(xml, (int)strlen(xml), "libvirt.xml", NULL,
				   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING) : NULL;
}

static xmlDocPtr lv_domain_doc(virDomainPtr d, unsigned flags)
{
	char *xml = virDomainGetXMLDesc(d, flags);
	xmlDocPtr doc = lv_parse(xml);
	free(xml);
	return doc;
}

/* Nodes of an XPath expression; caller frees with xmlXPathFreeObject. */
static xmlXPathObjectPtr lv_nodes(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr r = ctx ? xmlXPathEvalExpression((const xmlChar *)expr, ctx) : NULL;
	xmlXPathFreeContext(ctx);
	return r;
}
#define LV_NODES(r) ((r) && (r)->nodesetval ? (r)->nodesetval->nodeNr : 0)

/* The <disk> of doc whose serial is `serial`, or NULL. */
static xmlNodePtr lv_disk_by_serial(xmlDocPtr doc, const char *serial)
{
	xmlXPathObjectPtr r = lv_nodes(doc, "/domain/devices/disk");
	xmlNodePtr found = NULL;
	for (int i = 0; i < LV_NODES(r) && !found; i++) {
		CLEANUP_FREE char *s = lv_xpath(doc, r->nodesetval->nodeTab[i], "serial");
		if (!strcmp(s, serial))
			found = r->nodesetval->nodeTab[i];
	}
	xmlXPathFreeObject(r);
	return found;
}

/* Does the disk node use volume vol of pool pool (by pool/volume or by the volume's path)? */
static bool lv_disk_uses(xmlDocPtr doc, xmlNodePtr disk, const char *pool, const char *vol,
			 const char *path)
{
	CLEANUP_FREE char *p = lv_xpath(doc, disk, "source/@pool");
	CLEANUP_FREE char *v = lv_xpath(doc, disk, "source/@volume");
	CLEANUP_FREE char *f = lv_xpath(doc, disk, "source/@file");
	CLEANUP_FREE char *b = lv_xpath(doc, disk, "source/@dev");
	if (*p && !strcmp(p, pool) && !strcmp(v, vol))
		return true;
	return path && ((*f && !strcmp(f, path)) || (*b && !strcmp(b, path)));
}

/* ---- ownership: a record per created volume, so that a volume of the same name that
 * vdmirror did not create is never adopted, resized or deleted */

static char *lv_owned_path(struct lv_state *st, struct lv_conn *c, const char *pool,
			   const char *vol)
{
	char *p = xasprintf("%s/%s_%s_%s", st->owned_dir, c->host, pool, vol);
	for (char *q = p + strlen(st->owned_dir) + 1; *q; q++)
		if (*q == '/')
			*q = '_';
	return p;
}

/* Whose the volume of record rec (lv_owned_path) and key is: not vdmirror's (no record, or a
 * record of another key), ours
 * (a record of its key), or ours unconfirmed (an empty record: the create was cut short, by a
 * crash or a lost connection, before libvirt gave the key). */
enum lv_own { LV_NOT_OURS, LV_OURS, LV_OURS_UNCONFIRMED };

static enum lv_own lv_owned(const char *rec, const char *key)
{
	FILE *f = fopen(rec, "re");
	if (!f)
		return LV_NOT_OURS;
	char buf[4096] = "";
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (!buf[0])
		return LV_OURS_UNCONFIRMED;
	return !key || !strcmp(buf, key) ? LV_OURS : LV_NOT_OURS;
}

/* Writes key into the open record fd. A failed write leaves the record empty: still ours,
 * unconfirmed. */
static void lv_owned_write(int fd, const char *key)
{
	if (key && (write(fd, key, strlen(key)) < 0 || write(fd, "\n", 1) < 0)) {
		/* an empty record still marks it ours */
	}
}

static int lv_mkdir_p(const char *dir)
{
	CLEANUP_FREE char *d = xstrdup(dir);
	for (char *p = d + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(d, 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(d, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

/* ---- discover */

struct lv_pool_info {
	char *full;        /* host/pool */
	char *libvirt;     /* pool name in libvirt */
	struct lv_conn *conn;
	char *type, *host0, *srcname;   /* for matching network disks */
};
struct lv_infos { struct lv_pool_info *v; size_t n, cap; };

/* Space a pool has promised: capacity minus every volume's capacity (a sparse volume takes
 * its blocks later), and no more than the free space libvirt reports. */
static int lv_pool_space(virStoragePoolPtr p, int64_t *size_mib, int64_t *free_mib)
{
	virStoragePoolInfo info;
	if (virStoragePoolGetInfo(p, &info) < 0)
		return -EIO;
	virStorageVolPtr *vols = NULL;
	int n = virStoragePoolListAllVolumes(p, &vols, 0);
	unsigned long long promised = 0;
	for (int i = 0; i < n; i++) {
		virStorageVolInfo vi;
		if (virStorageVolGetInfo(vols[i], &vi) == 0)
			promised += vi.capacity;
		virStorageVolFree(vols[i]);
	}
	free(vols);
	int64_t cap = (int64_t)(info.capacity >> 20);
	int64_t avail = (int64_t)(info.available >> 20);
	int64_t f = cap - (int64_t)((promised + (1 << 20) - 1) >> 20);
	*size_mib = cap;
	*free_mib = f < avail ? (f < 0 ? 0 : f) : avail;
	return 0;
}

static void lv_add_server(json_t *servers, const char *name)
{
	size_t i;
	json_t *s;
	json_array_foreach(servers, i, s)
		if (!strcmp(json_string_value(json_object_get(s, "name")), name))
			return;
	json_array_append_new(servers, json_pack("{s:s}", "name", name));
}

static int lv_discover_pool(struct lv_conn *c, virStoragePoolPtr p, json_t *servers,
			    json_t *pools, struct lv_infos *infos, struct vdm_error *err)
{
	const char *name = virStoragePoolGetName(p);
	/* a dir pool does not see a volume made behind its back until refreshed */
	virStoragePoolRefresh(p, 0);
	CLEANUP_FREE char *xml = virStoragePoolGetXMLDesc(p, 0);
	CLEANUP_FREE char *full = xasprintf("%s/%s", c->host, name);
	CLEANUP_FREE char *server = NULL;
	if (!xml)
		return vdm_err(err, -EIO, "libvirt %s: pool %s: %s", c->uri, name, lv_last());
	/* a pool vdmirror cannot name is no place for a new disk: left out, and its disks
	 * count as devices of their own */
	if (!vdm_name_valid(full))
		return 0;
	json_t *devs = NULL;
	int rc = lv_pool_components(xml, c->host, c->topology, NULL, &server, &devs, err);
	if (rc < 0)
		return rc;
	int64_t size, free_mib;
	if (lv_pool_space(p, &size, &free_mib) < 0) {
		json_decref(devs);
		return vdm_err(err, -EIO, "libvirt %s: pool %s: info: %s", c->uri, name, lv_last());
	}
	lv_add_server(servers, server);
	xmlDocPtr doc = lv_parse(xml);
	struct lv_pool_info pi = { xstrdup(full), xstrdup(name), c,
		lv_xpath(doc, NULL, "/pool/@type"), lv_xpath(doc, NULL, "/pool/source/host[1]/@name"),
		lv_xpath(doc, NULL, "/pool/source/name") };
	xmlFreeDoc(doc);
	/* LVM hands out extents (4 MiB by default); files and images any MiB */
	int64_t unit = !strcmp(pi.type, "logical") ? 4 : 1;
	VEC_PUSH(infos, pi);
	json_t *po = json_pack("{s:s, s:s, s:I, s:I, s:I}", "name", full, "server", server,
			       "size_mib", (json_int_t)size, "free_mib", (json_int_t)free_mib,
			       "alloc_mib", (json_int_t)unit);
	if (json_array_size(devs))
		json_object_set(po, "devices", devs);
	json_decref(devs);
	json_array_append_new(pools, po);
	return 0;
}

static int lv_discover_pools(struct lv_state *st, struct lv_conn *c, json_t *servers,
			     json_t *pools, struct lv_infos *infos, struct vdm_error *err)
{
	virStoragePoolPtr *list = NULL;
	int n = virConnectListAllStoragePools(c->c, &list, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
	if (n < 0)
		return vdm_err(err, -EIO, "libvirt %s: list pools: %s", c->uri, lv_last());
	int rc = 0;
	lv_add_server(servers, c->host);
	for (int i = 0; i < n; i++) {
		if (rc == 0)
			rc = lv_discover_pool(c, list[i], servers, pools, infos, err);
		virStoragePoolFree(list[i]);
	}
	free(list);
	return rc;
}

/* One <disk> of a domain as a formats-v1 disk, its source resolved to a pool and volume. */
static int lv_discover_disk(struct lv_state *st, struct lv_conn *c, virDomainPtr d,
			    xmlDocPtr doc, xmlNodePtr node, struct lv_infos *infos,
			    json_t *servers, json_t *disks, struct vdm_error *err)
{
	CLEANUP_FREE char *type = lv_xpath(doc, node, "@type");
	CLEANUP_FREE char *serial = lv_xpath(doc, node, "serial");
	CLEANUP_FREE char *target = lv_xpath(doc, node, "target/@dev");
	CLEANUP_FREE char *spool = lv_xpath(doc, node, "source/@pool");
	CLEANUP_FREE char *svol = lv_xpath(doc, node, "source/@volume");
	CLEANUP_FREE char *sfile = lv_xpath(doc, node, "source/@file");
	CLEANUP_FREE char *sdev = lv_xpath(doc, node, "source/@dev");
	CLEANUP_FREE char *proto = lv_xpath(doc, node, "source/@protocol");
	CLEANUP_FREE char *sname = lv_xpath(doc, node, "source/@name");
	CLEANUP_FREE char *shost = lv_xpath(doc, node, "source/host[1]/@name");
	const char *path = *sfile ? sfile : sdev;
	const struct lv_pool_info *pool = NULL;
	CLEANUP_FREE char *volname = NULL;
	int64_t bytes = -1;
	(void)st;

	if (*spool) {
		for (size_t i = 0; i < infos->n; i++)
			if (infos->v[i].conn == c && !strcmp(infos->v[i].libvirt, spool))
				pool = &infos->v[i];
		volname = xstrdup(svol);
		virStoragePoolPtr p = virStoragePoolLookupByName(c->c, spool);
		virStorageVolPtr v = p ? virStorageVolLookupByName(p, svol) : NULL;
		virStorageVolInfo vi;
		if (v && virStorageVolGetInfo(v, &vi) == 0)
			bytes = (int64_t)vi.capacity;
		if (v)
			virStorageVolFree(v);
		if (p)
			virStoragePoolFree(p);
	} else if (*path) {
		virStorageVolPtr v = virStorageVolLookupByPath(c->c, path);
		if (v) {
			virStoragePoolPtr p = virStoragePoolLookupByVolume(v);
			const char *pn = p ? virStoragePoolGetName(p) : "";
			for (size_t i = 0; i < infos->n; i++)
				if (infos->v[i].conn == c && !strcmp(infos->v[i].libvirt, pn))
					pool = &infos->v[i];
			volname = xstrdup(virStorageVolGetName(v));
			virStorageVolInfo vi;
			if (virStorageVolGetInfo(v, &vi) == 0)
				bytes = (int64_t)vi.capacity;
			if (p)
				virStoragePoolFree(p);
			virStorageVolFree(v);
		}
	} else if (!strcmp(type, "network")) {
		/* rbd "pool/image", gluster "volume/path", iscsi "iqn/lun": the pool of the same
		 * kind on the same host whose source name starts the disk's name */
		for (size_t i = 0; i < infos->n && !pool; i++) {
			const struct lv_pool_info *pi = &infos->v[i];
			size_t l = strlen(pi->srcname);
			if (pi->conn == c && !strcmp(pi->type, proto) && l && !strcmp(pi->host0, shost) &&
			    !strncmp(sname, pi->srcname, l) && sname[l] == '/')
				pool = pi;
		}
		const char *slash = strrchr(sname, '/');
		volname = xstrdup(slash ? slash + 1 : sname);
	}
	if (bytes < 0) {
		virDomainBlockInfo bi;
		if (virDomainGetBlockInfo(d, target, &bi, 0) == 0)
			bytes = (int64_t)bi.capacity;
	}
	const char *raw = *serial ? serial : volname && *volname ? volname : target;
	CLEANUP_FREE char *name = lv_name_clean(raw);
	/* two unnamed volumes of one name in two pools: the target tells them apart */
	size_t k;
	json_t *other;
	json_array_foreach(disks, k, other)
		if (!strcmp(json_string_value(json_object_get(other, "name")), name)) {
			free(name);
			name = lv_name_clean(target);
			break;
		}
	json_t *disk = json_pack("{s:s, s:I}", "name", name,
				 "size_mib", (json_int_t)(bytes > 0 ? bytes >> 20 : 0));
	if (pool) {
		json_object_set_new(disk, "pool", json_string(pool->full));
		/* the pool's server: find it in the pools array by name later; here from infos */
		json_object_set_new(disk, "paths", json_array());
	} else {
		json_t *devs = json_array();
		const char *server = c->host;
		CLEANUP_FREE char *remote = NULL;
		if (!strcmp(type, "network") && *shost) {
			remote = lv_name_clean(shost);
			server = remote;
			CLEANUP_FREE char *dv = xasprintf("%s:%s:%s", proto, shost, sname);
			CLEANUP_FREE char *clean = lv_name_clean(dv);
			json_array_append_new(devs, json_string(clean));
		} else if (*path && c->topology) {
			struct vdm_error e2 = { 0 };
			if (lv_path_components(path, c->host, NULL, devs, &e2) < 0) {
				json_decref(devs);
				json_decref(disk);
				return vdm_err(err, -EIO, "domain %s: disk %s: %s", virDomainGetName(d),
					       target, e2.msg);
			}
		}
		lv_add_server(servers, server);
		json_object_set_new(disk, "paths", json_pack("[s]", server));
		if (json_array_size(devs))
			json_object_set(disk, "devices", devs);
		json_decref(devs);
	}
	json_array_append_new(disks, disk);
	return 0;
}

static int lv_discover_domains(struct lv_state *st, struct lv_conn *c, json_t *pools,
			       struct lv_infos *infos, json_t *servers, json_t *parts,
			       struct vdm_error *err)
{
	virDomainPtr *list = NULL;
	/* only running partitions: a stopped one has no agent to report its volume groups */
	int n = virConnectListAllDomains(c->c, &list, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0)
		return vdm_err(err, -EIO, "libvirt %s: list domains: %s", c->uri, lv_last());
	int rc = 0;
	for (int i = 0; i < n; i++) {
		virDomainPtr d = list[i];
		const char *name = virDomainGetName(d);
		xmlDocPtr doc = rc < 0 ? NULL : lv_domain_doc(d, 0);
		if (rc < 0 || !doc) {
			if (rc == 0)
				rc = vdm_err(err, -EIO, "libvirt %s: domain %s: XML: %s", c->uri, name,
					     lv_last());
			virDomainFree(d);
			continue;
		}
		/* a domain vdmirror cannot name cannot be asked for: left out, not an error that
		 * would hide every other domain */
		if (vdm_name_valid(name)) {
			json_t *po = json_pack("{s:s, s:s, s:[], s:[]}", "name", name, "os", "linux",
					       "disks", "vgs");
			xmlXPathObjectPtr r = lv_nodes(doc, "/domain/devices/disk[@device='disk' or "
						       "@device='lun']");
			for (int k = 0; k < LV_NODES(r) && rc == 0; k++)
				rc = lv_discover_disk(st, c, d, doc, r->nodesetval->nodeTab[k], infos,
						      servers, json_object_get(po, "disks"), err);
			xmlXPathFreeObject(r);
			/* a pooled disk is reached through its pool's server */
			size_t k, m;
			json_t *dk, *pl;
			json_array_foreach(json_object_get(po, "disks"), k, dk) {
				const char *pn = json_string_value(json_object_get(dk, "pool"));
				if (!pn)
					continue;
				json_array_foreach(pools, m, pl)
					if (!strcmp(json_string_value(json_object_get(pl, "name")), pn))
						json_array_append(json_object_get(dk, "paths"),
								  json_object_get(pl, "server"));
			}
			json_array_append_new(parts, po);
		}
		xmlFreeDoc(doc);
		virDomainFree(d);
	}
	free(list);
	return rc;
}

static int lv_discover(void *state, json_t **inventory, struct vdm_error *err)
{
	struct lv_state *st = state;
	json_t *servers = json_array(), *pools = json_array(), *parts = json_array();
	struct lv_infos infos = { 0 };
	int rc = 0;
	for (size_t i = 0; i < st->conns.n && rc == 0; i++)
		rc = lv_discover_pools(st, &st->conns.v[i], servers, pools, &infos, err);
	for (size_t i = 0; i < st->conns.n && rc == 0; i++)
		rc = lv_discover_domains(st, &st->conns.v[i], pools, &infos, servers, parts,
					 err);
	for (size_t i = 0; i < infos.n; i++) {
		free(infos.v[i].full);
		free(infos.v[i].libvirt);
		free(infos.v[i].type);
		free(infos.v[i].host0);
		free(infos.v[i].srcname);
	}
	free(infos.v);
	if (rc < 0) {
		json_decref(servers);
		json_decref(pools);
		json_decref(parts);
		return rc;
	}
	*inventory = json_pack("{s:i, s:o, s:o, s:o}", "version", 1, "servers", servers,
			       "pools", pools, "partitions", parts);
	return 0;
}

/* ---- create / delete */

static char *lv_volume_user(struct lv_conn *c, const char *pool, const char *vol,
			    const char *path);

static int lv_create_disk(void *state, const char *pool, const char *disk, int64_t size_mib,
			  struct vdm_error *err)
{
	struct lv_state *st = state;
	struct lv_conn *c;
	virStoragePoolPtr p;
	int rc;
	if (!vdm_name_valid(disk) || strchr(disk, '/'))
		return vdm_err(err, -EINVAL, "libvirt: create: disk name '%s' is not valid", disk);
	if (strlen(disk) > LV_SERIAL_MAX)
		return vdm_err(err, -EINVAL, "libvirt: create %s: a virtio-blk serial holds %d bytes;"
			       " the partition could not tell this disk by name", disk, LV_SERIAL_MAX);
	if (size_mib <= 0)
		return vdm_err(err, -EINVAL, "libvirt: create %s: size %lld MiB", disk,
			       (long long)size_mib);
	if ((rc = lv_pool_find(st, pool, &c, &p, err)) < 0)
		return (vdm_err_prefix(err, "create %s", disk), rc);
	const char *pname = virStoragePoolGetName(p);   /* lives as long as p */
	CLEANUP_FREE char *rec = lv_owned_path(st, c, pname, disk);
	virStoragePoolRefresh(p, 0);
	virStorageVolPtr v = virStorageVolLookupByName(p, disk);
	if (v) {
		virStorageVolInfo vi;
		CLEANUP_FREE char *key = virStorageVolGetKey(v) ? xstrdup(virStorageVolGetKey(v))
								: NULL;
		int got = virStorageVolGetInfo(v, &vi);
		enum lv_own own = lv_owned(rec, key);
		/* a create cut short never mapped its volume: one that a domain uses is another's */
		CLEANUP_FREE char *user = NULL;
		if (own == LV_OURS_UNCONFIRMED) {
			CLEANUP_FREE char *path = virStorageVolGetPath(v);
			user = lv_volume_user(c, pname, disk, path);
		}
		virStorageVolFree(v);
		virStoragePoolFree(p);
		if (own == LV_NOT_OURS)
			return vdm_err(err, -EEXIST, "libvirt: create %s in %s: a volume of that name "
				       "exists and vdmirror did not create it: refusing to adopt it",
				       disk, pool);
		if (user)
			return vdm_err(err, -EEXIST, "libvirt: create %s in %s: a volume of that name "
				       "exists and domain %s uses it: vdmirror's interrupted create did "
				       "not make it (never mapped): refusing to adopt it", disk, pool,
				       user);
		if (got == 0 && (int64_t)(vi.capacity >> 20) != size_mib)
			return vdm_err(err, -EEXIST, "libvirt: create %s in %s: it exists with %lld "
				       "MiB, not %lld MiB", disk, pool, (long long)(vi.capacity >> 20),
				       (long long)size_mib);
		if (own == LV_OURS_UNCONFIRMED) {
			/* adopted: its key, so that a volume made in its place later is not */
			int fd = open(rec, O_WRONLY | O_TRUNC | O_CLOEXEC);
			if (fd >= 0) {
				lv_owned_write(fd, key);
				close(fd);
			}
		}
		return 0;   /* ours, same size: a resumed run */
	}
	int64_t cap, free_mib;
	if (lv_pool_space(p, &cap, &free_mib) < 0) {
		virStoragePoolFree(p);
		return vdm_err(err, -EIO, "libvirt: create %s: pool %s: %s", disk, pool, lv_last());
	}
	if (size_mib > free_mib) {
		virStoragePoolFree(p);
		return vdm_err_exit(err, -ENOSPC, VDM_EXIT_BACKEND, "libvirt: create %s: pool %s has "
				    "%lld MiB free of %lld MiB, %lld MiB needed", disk, pool,
				    (long long)free_mib, (long long)cap, (long long)size_mib);
	}
	/* the record first: a crash right after the creation still knows the volume is ours */
	if ((rc = lv_mkdir_p(st->owned_dir)) < 0) {
		virStoragePoolFree(p);
		return vdm_err(err, rc, "libvirt: create %s: %s: %s", disk, st->owned_dir,
			       strerror(-rc));
	}
	int fd = open(rec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		virStoragePoolFree(p);
		return vdm_err(err, -errno, "libvirt: create %s: %s: %s", disk, rec, strerror(errno));
	}
	CLEANUP_FREE char *xml = xasprintf("<volume><name>%s</name><capacity unit='MiB'>%lld"
		"</capacity><allocation unit='MiB'>%lld</allocation><target><format type='raw'/>"
		"</target></volume>", disk, (long long)size_mib, st->full ? (long long)size_mib : 0LL);
	v = virStorageVolCreateXML(p, xml, 0);
	virStoragePoolFree(p);
	if (!v) {
		rc = vdm_err(err, -EIO, "libvirt: create %s in %s: %s", disk, pool, lv_last());
		close(fd);
		/* a daemon that stopped answering may still hold the request and create the
		 * volume when it wakes: the empty record keeps it ours, for the resumed create
		 * (found, same size: done) or the undo (deleted) */
		if (!lv_conn_lost(c) && virConnectIsAlive(c->c) != 0)
			unlink(rec);
		return rc;
	}
	lv_owned_write(fd, virStorageVolGetKey(v));
	close(fd);
	virStorageVolFree(v);
	return 0;
}

/* Which domain of connection c references volume vol of pool (live or persistent)? */
static char *lv_volume_user(struct lv_conn *c, const char *pool, const char *vol,
			    const char *path)
{
	virDomainPtr *list = NULL;
	int n = virConnectListAllDomains(c->c, &list, 0);
	char *user = NULL;
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < 2 && !user; k++) {
			if (k == 0 && virDomainIsActive(list[i]) != 1)
				continue;
			if (k == 1 && virDomainIsPersistent(list[i]) != 1)
				continue;
			xmlDocPtr doc = lv_domain_doc(list[i], k ? VIR_DOMAIN_XML_INACTIVE : 0);
			xmlXPathObjectPtr r = doc ? lv_nodes(doc, "/domain/devices/disk") : NULL;
			for (int j = 0; j < LV_NODES(r) && !user; j++)
				if (lv_disk_uses(doc, r->nodesetval->nodeTab[j], pool, vol, path))
					user = xasprintf("%s (%s)", virDomainGetName(list[i]),
							 k ? "persistent definition" : "running");
			xmlXPathFreeObject(r);
			xmlFreeDoc(doc);
		}
		virDomainFree(list[i]);
	}
	free(list);
	return user;
}

static int lv_delete_disk(void *state, const char *pool, const char *disk,
			  struct vdm_error *err)
{
	struct lv_state *st = state;
	struct lv_conn *c;
	virStoragePoolPtr p;
	int rc = lv_pool_find(st, pool, &c, &p, err);
	if (rc < 0)
		return (vdm_err_prefix(err, "delete %s", disk), rc);
	const char *pname = virStoragePoolGetName(p);
	CLEANUP_FREE char *rec = lv_owned_path(st, c, pname, disk);
	CLEANUP_FREE char *user = NULL;
	virStoragePoolRefresh(p, 0);
	virStorageVolPtr v = virStorageVolLookupByName(p, disk);
	if (!v) {
		virStoragePoolFree(p);
		unlink(rec);
		return 0;
	}
	CLEANUP_FREE char *path = virStorageVolGetPath(v);
	const char *key = virStorageVolGetKey(v);
	if (lv_owned(rec, key) == LV_NOT_OURS) {
		rc = vdm_err(err, -EPERM, "libvirt: delete %s from %s: vdmirror did not create this "
			     "volume: leaving it alone", disk, pool);
		goto out;
	}
	/* libvirt deletes a volume that a running domain still uses without a word */
	user = lv_volume_user(c, pname, disk, path);
	if (user) {
		rc = vdm_err(err, -EBUSY, "libvirt: delete %s from %s: domain %s still references "
			     "it: unmap it first", disk, pool, user);
		goto out;
	}
	if (virStorageVolDelete(v, 0) < 0) {
		rc = vdm_err(err, -EIO, "libvirt: delete %s from %s: %s", disk, pool, lv_last());
		goto out;
	}
	unlink(rec);
out:
	virStorageVolFree(v);
	virStoragePoolFree(p);
	return rc;
}

/* ---- map / unmap */

static char *lv_free_target(xmlDocPtr live, xmlDocPtr conf)
{
	for (int i = 0; i < 26 * 27; i++) {
		char dev[8];
		if (i < 26)
			snprintf(dev, sizeof dev, "vd%c", 'a' + i);
		else
			snprintf(dev, sizeof dev, "vd%c%c", 'a' + i / 26 - 1, 'a' + i % 26);
		CLEANUP_FREE char *q = xasprintf("/domain/devices/disk/target[@dev='%s']/@dev", dev);
		CLEANUP_FREE char *a = live ? lv_xpath(live, NULL, q) : xstrdup("");
		CLEANUP_FREE char *b = conf ? lv_xpath(conf, NULL, q) : xstrdup("");
		if (!*a && !*b)
			return xstrdup(dev);
	}
	return NULL;
}

static int lv_map_disk(void *state, const char *partition, const char *pool, const char *disk,
		       struct vdm_error *err)
{
	struct lv_state *st = state;
	struct lv_conn *c, *pc;
	virDomainPtr d;
	virStoragePoolPtr p;
	int rc;
	if (strlen(disk) > LV_SERIAL_MAX || !vdm_name_valid(disk))
		return vdm_err(err, -EINVAL, "libvirt: map %s: not a valid disk name of at most %d "
			       "bytes (its virtio serial)", disk, LV_SERIAL_MAX);
	if ((rc = lv_domain_find(st, partition, &c, &d, err)) < 0)
		return (vdm_err_prefix(err, "map %s", disk), rc);
	if ((rc = lv_pool_find(st, pool, &pc, &p, err)) < 0) {
		virDomainFree(d);
		return (vdm_err_prefix(err, "map %s to %s", disk, partition), rc);
	}
	const char *pname = virStoragePoolGetName(p);
	xmlDocPtr live = NULL, conf = NULL;
	CLEANUP_FREE char *dev = NULL, *xml = NULL;
	if (pc != c) {
		rc = vdm_err(err, -EINVAL, "libvirt: map %s: pool %s is not on %s's host %s", disk,
			     pool, partition, c->host);
		goto out;
	}
	virStorageVolPtr v = virStorageVolLookupByName(p, disk);
	if (!v) {
		rc = vdm_err(err, -ENOENT, "libvirt: map %s to %s: no volume %s in pool %s", disk,
			     partition, disk, pool);
		goto out;
	}
	virStorageVolFree(v);
	if (virDomainIsActive(d) != 1) {
		rc = vdm_err(err, -ENXIO, "libvirt: map %s: domain %s is not running", disk,
			     partition);
		goto out;
	}
	bool persistent = virDomainIsPersistent(d) == 1;
	live = lv_domain_doc(d, 0);
	conf = persistent ? lv_domain_doc(d, VIR_DOMAIN_XML_INACTIVE) : NULL;
	if (!live || (persistent && !conf)) {
		rc = vdm_err(err, -EIO, "libvirt: map %s: domain %s XML: %s", disk, partition,
			     lv_last());
		goto out;
	}
	xmlNodePtr in_live = lv_disk_by_serial(live, disk);
	xmlNodePtr in_conf = conf ? lv_disk_by_serial(conf, disk) : NULL;
	if (in_live && !lv_disk_uses(live, in_live, pname, disk, NULL)) {
		rc = vdm_err(err, -EEXIST, "libvirt: map %s: domain %s has another disk with serial "
			     "%s", disk, partition, disk);
		goto out;
	}
	unsigned flags = (in_live ? 0 : VIR_DOMAIN_AFFECT_LIVE) |
			 (persistent && !in_conf ? VIR_DOMAIN_AFFECT_CONFIG : 0);
	if (!flags)
		goto out;   /* plugged and defined: done */
	if (in_live || in_conf)
		dev = lv_xpath(in_live ? live : conf, in_live ? in_live : in_conf, "target/@dev");
	else
		dev = lv_free_target(live, conf);
	if (!dev || !*dev) {
		rc = vdm_err(err, -ENOSPC, "libvirt: map %s: domain %s has no free vd* name", disk,
			     partition);
		goto out;
	}
	/* report, not stop: a dead pool must fail that leg's I/O, not pause the partition */
	xml = xasprintf("<disk type='volume' device='disk'><driver name='qemu' "
		"type='raw' error_policy='report' rerror_policy='report'/><source pool='%s' "
		"volume='%s'/><target dev='%s' bus='virtio'/><serial>%s</serial></disk>", pname,
		disk, dev, disk);
	if (virDomainAttachDeviceFlags(d, xml, flags) < 0)
		rc = vdm_err(err, -EIO, "libvirt: map %s to %s: attach: %s", disk, partition,
			     lv_last());
out:
	xmlFreeDoc(live);
	xmlFreeDoc(conf);
	virStoragePoolFree(p);
	virDomainFree(d);
	return rc;
}

/* What the unplug waits for. The DEVICE_REMOVED callback runs on the loop thread and may still
 * be running when virConnectDomainEventDeregisterAny returns, so libvirt owns the struct once
 * it is registered and frees it (lv_removed_free) when the callback is gone for good; the
 * waiter touches it only while registered, and done only under lock. */
struct lv_removed {
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* on CLOCK_MONOTONIC */
	bool done;
	char alias[];
};

static struct lv_removed *lv_removed_new(const char *alias)
{
	size_t n = strlen(alias) + 1;
	struct lv_removed *r = xcalloc(1, sizeof *r + n);
	lv_cond_init(&r->cond);
	pthread_mutex_init(&r->lock, NULL);
	memcpy(r->alias, alias, n);
	return r;
}

static void lv_removed_free(void *opaque)
{
	struct lv_removed *r = opaque;
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void lv_on_removed(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
	struct lv_removed *r = opaque;
	if (!alias || strcmp(alias, r->alias))
		return;
	pthread_mutex_lock(&r->lock);
	r->done = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/* Waits up to ms for the event; true once it came. */
static bool lv_removed_wait(struct lv_removed *r, int64_t ms)
{
	struct timespec t = lv_deadline(ms);
	pthread_mutex_lock(&r->lock);
	int e = 0;
	while (!r->done && e == 0)
		e = pthread_cond_timedwait(&r->cond, &r->lock, &t);
	bool done = r->done;
	pthread_mutex_unlock(&r->lock);
	return done;
}

static char *lv_node_xml(xmlDocPtr doc, xmlNodePtr node)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlNodeDump(buf, doc, node, 0, 0);
	char *s = xstrdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return s;
}

/* Detaches the live disk with this serial; returns once libvirt reports it removed (the
 * DEVICE_REMOVED event, or the live XML no longer has it). */
static int lv_detach_live(struct lv_state *st, struct lv_conn *c, virDomainPtr d,
			  const char *partition, const char *disk, struct vdm_error *err)
{
	xmlDocPtr live = lv_domain_doc(d, 0);
	xmlNodePtr n = live ? lv_disk_by_serial(live, disk) : NULL;
	if (!n) {
		xmlFreeDoc(live);
		return 0;
	}
	CLEANUP_FREE char *alias = lv_xpath(live, n, "alias/@name");
	CLEANUP_FREE char *xml = lv_node_xml(live, n);
	xmlFreeDoc(live);
	struct lv_removed *r = lv_removed_new(alias);
	int cb = virConnectDomainEventRegisterAny(c->c, d, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
		VIR_DOMAIN_EVENT_CALLBACK(lv_on_removed), r, lv_removed_free);
	if (cb < 0) {
		lv_removed_free(r);   /* not libvirt's: the XML alone tells */
		r = NULL;
	}
	int rc = 0;
	if (virDomainDetachDeviceFlags(d, xml, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		rc = vdm_err(err, -EIO, "libvirt: unmap %s from %s: detach: %s", disk, partition,
			     lv_last());
		goto out;
	}
	int64_t deadline = vdm_now_ms() + (st->unplug_timeout_ms > 0 ? st->unplug_timeout_ms
							       : LV_UNPLUG_TIMEOUT_MS);
	for (;;) {
		/* the event, or 100 ms, then the live XML: the fallback when no event comes */
		if (r && lv_removed_wait(r, 100))
			break;
		if (!r)
			usleep(100000);
		xmlDocPtr again = lv_domain_doc(d, 0);
		bool gone = again && !lv_disk_by_serial(again, disk);
		xmlFreeDoc(again);
		if (gone)
			break;
		if (lv_conn_lost(c)) {
			rc = vdm_err(err, -EIO, "libvirt: unmap %s from %s: waiting for its release",
				     disk, partition);   /* lv_checked says why */
			break;
		}
		if (vdm_now_ms() > deadline) {
			rc = vdm_err(err, -ETIMEDOUT, "libvirt: unmap %s from %s: the partition did not "
				     "release the disk (no device-removed event)", disk, partition);
			break;
		}
	}
out:
	if (cb >= 0)
		virConnectDomainEventDeregisterAny(c->c, cb);
	return rc;
}

static int lv_unmap_disk(void *state, const char *partition, const char *disk,
			 struct vdm_error *err)
{
	struct lv_state *st = state;
	struct lv_conn *c;
	virDomainPtr d;
	int rc = lv_domain_find(st, partition, &c, &d, err);
	if (rc < 0)
		return (vdm_err_prefix(err, "unmap %s", disk), rc);
	if (virDomainIsActive(d) == 1)
		rc = lv_detach_live(st, c, d, partition, disk, err);
	if (rc == 0 && virDomainIsPersistent(d) == 1) {
		xmlDocPtr conf = lv_domain_doc(d, VIR_DOMAIN_XML_INACTIVE);
		xmlNodePtr n = conf ? lv_disk_by_serial(conf, disk) : NULL;
		if (n) {
			CLEANUP_FREE char *xml = lv_node_xml(conf, n);
			if (virDomainDetachDeviceFlags(d, xml, VIR_DOMAIN_AFFECT_CONFIG) < 0)
				rc = vdm_err(err, -EIO, "libvirt: unmap %s from %s's definition: %s", disk,
					     partition, lv_last());
		}
		xmlFreeDoc(conf);
	}
	virDomainFree(d);
	return rc;
}

/* The agent's virtio channel in the live XML: libvirt made the socket and names it there. */
static int lv_client_address(void *state, const char *partition, char **address,
			     struct vdm_error *err)
{
	struct lv_state *st = state;
	struct lv_conn *c;
	virDomainPtr d;
	int rc = lv_domain_find(st, partition, &c, &d, err);
	if (rc < 0)
		return rc;
	xmlDocPtr live = virDomainIsActive(d) == 1 ? lv_domain_doc(d, 0) : NULL;
	virDomainFree(d);
	if (!live)
		return vdm_err(err, -ENXIO, "libvirt: domain %s is not running", partition);
	CLEANUP_FREE char *path = lv_xpath(live, NULL, "/domain/devices/channel[@type='unix']"
		"[target/@type='virtio'][target/@name='" LV_AGENT_PORT "']/source/@path");
	xmlFreeDoc(live);
	if (!*path)
		return vdm_err(err, -ENOENT, "libvirt: domain %s has no virtio channel named %s: add "
			       "the one in contrib/vdmirror-agent-channel.xml", partition,
			       LV_AGENT_PORT);
	if (!c->local)
		return vdm_err(err, -EREMOTE, "libvirt: domain %s: its agent socket %s is on host %s,"
			       " not on this machine", partition, path, c->host);
	*address = xasprintf("agent:unix:%s", path);
	return 0;
}

/* ---- the operations, each checked for a lost connection (lv_checked) */

static int lv_op_discover(void *state, json_t **inventory, struct vdm_error *err)
{
	json_t *inv = NULL;
	lv_op_begin(state);
	int rc = lv_checked(state, lv_discover(state, &inv, err), err);
	if (rc < 0)
		json_decref(inv);
	else
		*inventory = inv;
	return rc;
}

static int lv_op_create_disk(void *state, const char *pool, const char *disk, int64_t size_mib,
			     struct vdm_error *err)
{
	lv_op_begin(state);
	return lv_checked(state, lv_create_disk(state, pool, disk, size_mib, err), err);
}

static int lv_op_delete_disk(void *state, const char *pool, const char *disk,
			     struct vdm_error *err)
{
	lv_op_begin(state);
	return lv_checked(state, lv_delete_disk(state, pool, disk, err), err);
}

static int lv_op_map_disk(void *state, const char *partition, const char *pool,
			  const char *disk, struct vdm_error *err)
{
	lv_op_begin(state);
	return lv_checked(state, lv_map_disk(state, partition, pool, disk, err), err);
}

static int lv_op_unmap_disk(void *state, const char *partition, const char *disk,
			    struct vdm_error *err)
{
	lv_op_begin(state);
	return lv_checked(state, lv_unmap_disk(state, partition, disk, err), err);
}

static int lv_op_client_address(void *state, const char *partition, char **address,
				struct vdm_error *err)
{
	char *a = NULL;
	lv_op_begin(state);
	int rc = lv_checked(state, lv_client_address(state, partition, &a, err), err);
	if (rc < 0)
		free(a);
	else
		*address = a;
	return rc;
}

const struct vdm_backend_ops vdm_backend_libvirt = {
	.name = "libvirt",
	.caps = VDM_BACKEND_DISCOVER | VDM_BACKEND_PROVISION | VDM_BACKEND_MAP,
	.open = lv_open,
	.config_keys = lv_config_keys,
	.config_bare = "uri",
	.close = lv_close,
	.discover = lv_op_discover,
	.create_disk = lv_op_create_disk,
	.delete_disk = lv_op_delete_disk,
	.map_disk = lv_op_map_disk,
	.unmap_disk = lv_op_unmap_disk,
	.client_address = lv_op_client_address,
};
