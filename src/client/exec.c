/* exec.c: opening a struct vdm_exec from an address, by scheme. Each transport (agent, ssh,
 * script) lives in its own file and adds one line to the table below. */
#include <errno.h>
#include <string.h>
#include "vdmirror/client.h"
#include "exec_priv.h"

struct exec_scheme {
	const char *prefix;       /* "agent:", "ssh:", "script:" */
	int (*open)(const char *rest, struct vdm_exec *x, struct vdm_error *err);
};

static const struct exec_scheme exec_schemes[] = {
#ifdef VDM_HAVE_LIBSSH
	{ "ssh:", vdm_exec_ssh_open },
#endif
	{ "script:", vdm_exec_script_open },
	{ "replay:", vdm_exec_replay_open },
	{ NULL, NULL },
};

int vdm_exec_open(const char *address, struct vdm_exec *x, struct vdm_error *err)
{
	memset(x, 0, sizeof *x);
	for (const struct exec_scheme *s = exec_schemes; s->prefix; s++)
		if (!strncmp(address, s->prefix, strlen(s->prefix)))
			return s->open(address + strlen(s->prefix), x, err);
	return vdm_err(err, -EINVAL, "client address %s: unknown transport", address);
}

void vdm_exec_close(struct vdm_exec *x)
{
	if (x->close && x->ctx)
		x->close(x->ctx);
	memset(x, 0, sizeof *x);
}
