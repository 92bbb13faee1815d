/* exec.c: opening a struct vdm_exec from an address, by scheme, and the one shell quoting
 * function every transport and script uses. Each transport (agent, ssh, script, replay) lives
 * in its own file and adds one line to the table below. */
#include <errno.h>
#include <string.h>
#include "vdmirror/client.h"
#include "vdmirror/util.h"
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

static int exec_word_safe(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/=,@+%-", *s))
			return 0;
	return 1;
}

void vdm_shell_quote_to(struct strbuf *b, const char *arg)
{
	if (exec_word_safe(arg)) {
		strbuf_adds(b, arg);
		return;
	}
	strbuf_adds(b, "'");
	for (const char *p = arg; *p; p++)
		if (*p == '\'')
			strbuf_adds(b, "'\\''");
		else
			strbuf_add(b, p, 1);
	strbuf_adds(b, "'");
}

char *vdm_shell_join(char *const argv[])
{
	struct strbuf b = STRBUF_INIT(0);
	strbuf_adds(&b, "");
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strbuf_adds(&b, " ");
		vdm_shell_quote_to(&b, argv[i]);
	}
	return strbuf_detach(&b);
}

int vdm_exec_script_only(char *const argv[])
{
	return argv[0] && (!strcmp(argv[0], VDM_EXEC_COMMENT) || !strcmp(argv[0], VDM_EXEC_CAPTURE));
}
