/* transport.c: opening a struct vdm_transport from an address, by scheme, and the wrappers
 * every caller uses. Each transport (agent, ssh, script, replay, local) lives in its own file
 * and adds one line to the table below. */
#include <errno.h>
#include <string.h>
#include "transport_priv.h"

struct transport_scheme {
	const char *prefix;       /* "agent:", "ssh:", "script:" ... */
	int (*open)(const char *rest, const struct vdm_transport_opts *opts,
		    struct vdm_transport *t, struct vdm_error *err);
};

static const struct transport_scheme transport_schemes[] = {
	{ "agent:", vdm_transport_agent_open },
#ifdef VDM_HAVE_LIBSSH
	{ "ssh:", vdm_transport_ssh_addr_open },
#endif
	{ "script:", vdm_transport_script_open },
	{ "replay:", vdm_transport_replay_open },
	{ "local:", vdm_transport_local_open },
	{ NULL, NULL },
};

int vdm_transport_open(const char *address, struct vdm_transport *t, struct vdm_error *err)
{
	return vdm_transport_open_opts(address, NULL, t, err);
}

int vdm_transport_open_opts(const char *address, const struct vdm_transport_opts *opts,
			    struct vdm_transport *t, struct vdm_error *err)
{
	const struct vdm_transport_opts none = { 0 };
	memset(t, 0, sizeof *t);
	if (!opts)
		opts = &none;
	for (const struct transport_scheme *s = transport_schemes; s->prefix; s++)
		if (!strncmp(address, s->prefix, strlen(s->prefix)))
			return s->open(address + strlen(s->prefix), opts, t, err);
	return vdm_err(err, -EINVAL, "address %s: unknown transport (agent:, ssh:, script:, "
		       "replay:, local:)", address);
}

void vdm_transport_close(struct vdm_transport *t)
{
	if (t->close && t->ctx)
		t->close(t->ctx);
	memset(t, 0, sizeof *t);
}

int vdm_transport_run(struct vdm_transport *t, char *const argv[], int64_t timeout_ms,
		      char **out, struct vdm_error *err)
{
	if (out)
		*out = NULL;
	if (!t->run)
		return vdm_err(err, -EBADF, "transport not open");
	return t->run(t->ctx, argv, timeout_ms, out, err);
}

int vdm_transport_request(struct vdm_transport *t, const json_t *req, json_t **reply,
			  int64_t timeout_ms, struct vdm_error *err)
{
	*reply = NULL;
	if (!t->request)
		return vdm_err(err, -ENOTSUP, "the %s transport serves no requests",
			       t->scheme ? t->scheme : "closed");
	return t->request(t->ctx, req, reply, timeout_ms, err);
}

const char *vdm_transport_last_stderr(struct vdm_transport *t)
{
	return t->last_stderr ? t->last_stderr(t->ctx) : NULL;
}

int vdm_transport_scripting(const struct vdm_transport *t)
{
	return t->scripting;
}
