/* ssh.c: the "ssh:USER@HOST[:PORT]" transport (libssh): key-based login only, the host
 * key must already be in known_hosts, every command has a deadline and a capped output. Used
 * for VIOS (padmin's restricted shell) and for AIX partitions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libssh/libssh.h>
#include "transport_priv.h"

struct ssh_ctx {
	ssh_session s;
	char *who;               /* "padmin@vios1:22", for messages */
	size_t max_output;
	char *last_err;
};

static const char *ssh_known_text(enum ssh_known_hosts_e k)
{
	switch (k) {
	case SSH_KNOWN_HOSTS_CHANGED: return "host key CHANGED since it was recorded (possible attack); refusing";
	case SSH_KNOWN_HOSTS_OTHER: return "host key of another type than the recorded one; refusing";
	case SSH_KNOWN_HOSTS_UNKNOWN: return "host key not in known_hosts; add it (ssh-keyscan, checked by hand) first";
	case SSH_KNOWN_HOSTS_NOT_FOUND: return "known_hosts file not found; the host key cannot be checked";
	default: return "host key could not be checked";
	}
}

static int ssh_run(void *vctx, char *const argv[], int64_t timeout_ms, char **out,
		   struct vdm_error *err)
{
	struct ssh_ctx *c = vctx;
	if (out)
		*out = NULL;
	free(c->last_err);
	c->last_err = NULL;
	if (!argv || !argv[0] || vdm_script_only(argv))
		return vdm_err(err, -EINVAL, "ssh %s: not a command", c->who);
	CLEANUP_FREE char *cmd = vdm_shell_join(argv);
	ssh_channel ch = ssh_channel_new(c->s);
	if (!ch)
		return vdm_err(err, -EIO, "ssh %s: '%s': no channel: %s", c->who, cmd,
			       ssh_get_error(c->s));
	int rc;
	if (ssh_channel_open_session(ch) != SSH_OK || ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		rc = vdm_err(err, -EIO, "ssh %s: '%s': cannot start: %s", c->who, cmd,
			     ssh_get_error(c->s));
		ssh_channel_free(ch);
		return rc;
	}
	struct strbuf bo = STRBUF_INIT(c->max_output), be = STRBUF_INIT(c->max_output);
	strbuf_adds(&bo, "");
	strbuf_adds(&be, "");
	int64_t deadline = timeout_ms < 0 ? -1 : vdm_now_ms() + timeout_ms;
	int too_big = 0, failed = 0, timed_out = 0;
	char buf[16384];
	for (;;) {
		if (deadline >= 0 && vdm_now_ms() >= deadline) {
			timed_out = 1;
			break;
		}
		int n = ssh_channel_read_timeout(ch, buf, sizeof buf, 0, 50);
		if (n == SSH_EOF)       /* reads after the end say so instead of 0 */
			n = 0;
		if (n == SSH_ERROR) {
			failed = 1;
			break;
		}
		if (n > 0 && strbuf_add(&bo, buf, (size_t)n) < 0)
			too_big = 1;
		int m = ssh_channel_read_nonblocking(ch, buf, sizeof buf, 1);
		if (m == SSH_EOF)
			m = 0;
		if (m == SSH_ERROR) {
			failed = 1;
			break;
		}
		if (m > 0 && strbuf_add(&be, buf, (size_t)m) < 0)
			too_big = 1;
		if (n == 0 && m == 0 && ssh_channel_is_eof(ch))
			break;
		if (too_big)
			break;
	}
	if (timed_out) {
		rc = vdm_err(err, -ETIMEDOUT, "ssh %s: '%s': no answer after %lld ms, gave up",
			     c->who, cmd, (long long)timeout_ms);
	} else if (failed) {
		rc = vdm_err(err, -EIO, "ssh %s: '%s': connection lost: %s", c->who, cmd,
			     ssh_get_error(c->s));
	} else if (too_big) {
		rc = vdm_err(err, -E2BIG, "ssh %s: '%s': output larger than %zu bytes, refused",
			     c->who, cmd, c->max_output);
	} else {
		ssh_channel_send_eof(ch);
		rc = ssh_channel_get_exit_status(ch);
		if (rc < 0)
			rc = vdm_err(err, -EIO, "ssh %s: '%s': no exit status (killed by a signal?)",
				     c->who, cmd);
	}
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	c->last_err = strbuf_detach(&be);
	if (rc >= 0 && out)
		*out = strbuf_detach(&bo);
	strbuf_free(&bo);
	strbuf_free(&be);
	return rc;
}

static const char *ssh_last_stderr(void *vctx)
{
	return ((struct ssh_ctx *)vctx)->last_err;
}

static void ssh_close_ctx(void *vctx)
{
	struct ssh_ctx *c = vctx;
	if (c->s) {
		ssh_disconnect(c->s);
		ssh_free(c->s);
	}
	free(c->who);
	free(c->last_err);
	free(c);
}

int vdm_transport_ssh_open(const char *user, const char *host, int port,
			   const struct vdm_transport_opts *opts, struct vdm_transport *x,
			   struct vdm_error *err)
{
	const struct vdm_transport_opts none = { 0 };
	if (!opts)
		opts = &none;
	const char *key = opts->ssh_key, *kh = opts->ssh_known_hosts;
	int64_t cto = opts->connect_timeout_ms;
	if (cto <= 0)
		cto = 10000;
	if (port <= 0)
		port = 22;

	struct ssh_ctx *c = xcalloc(1, sizeof *c);
	c->who = xasprintf("%s@%s:%d", user, host, port);
	c->max_output = opts->max_output ? opts->max_output : VDM_TRANSPORT_MAX_OUTPUT;
	c->s = ssh_new();
	if (!c->s) {
		ssh_close_ctx(c);
		return vdm_err(err, -ENOMEM, "ssh %s: cannot create a session", user);
	}
	long secs = (long)((cto + 999) / 1000);
	unsigned int uport = (unsigned int)port;
	bool no = false;
	int rc = 0;
	/* ~/.ssh/config could turn off host key checks or point elsewhere: ignore it */
	ssh_options_set(c->s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	if (ssh_options_set(c->s, SSH_OPTIONS_HOST, host) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_USER, user) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_PORT, &uport) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_TIMEOUT, &secs) < 0) {
		rc = vdm_err(err, -EINVAL, "ssh %s: bad option: %s", c->who, ssh_get_error(c->s));
		goto fail;
	}
	if (kh) {
		/* only this file decides: no system-wide known_hosts behind the admin's back */
		ssh_options_set(c->s, SSH_OPTIONS_KNOWNHOSTS, kh);
		ssh_options_set(c->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	}
	if (ssh_connect(c->s) != SSH_OK) {
		rc = vdm_err(err, -EHOSTUNREACH, "ssh %s: connect: %s", c->who, ssh_get_error(c->s));
		goto fail;
	}
	enum ssh_known_hosts_e k = ssh_session_is_known_server(c->s);
	if (k != SSH_KNOWN_HOSTS_OK) {
		rc = vdm_err(err, -EPERM, "ssh %s: %s%s%s", c->who, ssh_known_text(k),
			     kh ? " in " : "", kh ? kh : "");
		goto fail;
	}
	int a;
	if (key) {
		ssh_key pk = NULL;
		if (ssh_pki_import_privkey_file(key, NULL, NULL, NULL, &pk) != SSH_OK) {
			rc = vdm_err(err, -EACCES, "ssh %s: cannot read private key %s", c->who, key);
			goto fail;
		}
		a = ssh_userauth_publickey(c->s, NULL, pk);
		ssh_key_free(pk);
	} else {
		a = ssh_userauth_publickey_auto(c->s, NULL, NULL);
	}
	if (a != SSH_AUTH_SUCCESS) {
		rc = vdm_err(err, -EACCES, "ssh %s: key login refused%s%s (vdmirror uses keys only)",
			     c->who, key ? " for key " : "", key ? key : "");
		goto fail;
	}
	x->ctx = c;
	x->run = ssh_run;
	x->close = ssh_close_ctx;
	x->last_stderr = ssh_last_stderr;
	x->scheme = "ssh";
	return 0;
fail:
	ssh_close_ctx(c);
	return rc;
}

/* "USER@HOST[:PORT]" or "USER@[V6ADDR][:PORT]" */
int vdm_transport_ssh_addr_open(const char *rest, const struct vdm_transport_opts *opts,
				struct vdm_transport *x, struct vdm_error *err)
{
	const char *at = strchr(rest, '@');
	if (!at || at == rest || !at[1])
		return vdm_err(err, -EINVAL, "ssh address %s: expected ssh:USER@HOST[:PORT]", rest);
	CLEANUP_FREE char *user = strndup(rest, (size_t)(at - rest));
	CLEANUP_FREE char *host = NULL;
	const char *h = at + 1, *portp = NULL;
	if (*h == '[') {
		const char *e = strchr(h, ']');
		if (!e)
			return vdm_err(err, -EINVAL, "ssh address %s: unclosed [", rest);
		host = strndup(h + 1, (size_t)(e - h - 1));
		if (e[1] == ':')
			portp = e + 2;
	} else {
		const char *colon = strrchr(h, ':');
		host = colon ? strndup(h, (size_t)(colon - h)) : xstrdup(h);
		if (colon)
			portp = colon + 1;
	}
	int port = 22;
	if (portp) {
		char *end;
		long p = strtol(portp, &end, 10);
		if (*end || p <= 0 || p > 65535)
			return vdm_err(err, -EINVAL, "ssh address %s: bad port", rest);
		port = (int)p;
	}
	if (!user || !host || !*host)
		return vdm_err(err, -EINVAL, "ssh address %s: expected ssh:USER@HOST[:PORT]", rest);
	return vdm_transport_ssh_open(user, host, port, opts, x, err);
}
