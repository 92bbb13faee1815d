/* replay.c: the "replay:DIR" transport: answers each command from outputs recorded in
 * DIR (DIR/KEY.out, optional DIR/KEY.err and DIR/KEY.rc, KEY from vdm_replay_key()). It lets
 * the VIOS backend and the AIX driver run on a recorded system, where no Power hardware is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "transport_priv.h"

#define REPLAY_MAX (4u << 20)

struct replay_ctx {
	char *dir;
	char *last_err;
};

char *vdm_replay_key(const char *cmdline)
{
	char *k = xstrdup(cmdline);
	for (char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '_';
	return k;
}

/* Reads a whole file (capped); NULL with errno set when it cannot. */
static char *replay_slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	struct strbuf b = STRBUF_INIT(REPLAY_MAX);
	char buf[8192];
	size_t n;
	strbuf_adds(&b, "");
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (strbuf_add(&b, buf, n) < 0)
			break;
	fclose(f);
	return strbuf_detach(&b);
}

static int replay_run(void *vctx, char *const argv[], int64_t timeout_ms, char **out,
		      struct vdm_error *err)
{
	struct replay_ctx *c = vctx;
	if (out)
		*out = NULL;
	free(c->last_err);
	c->last_err = NULL;
	if (!argv || !argv[0] || vdm_script_only(argv))
		return vdm_err(err, -EINVAL, "replay %s: not a command", c->dir);
	CLEANUP_FREE char *line = vdm_shell_join(argv);
	CLEANUP_FREE char *key = vdm_replay_key(line);
	CLEANUP_FREE char *p_out = xasprintf("%s/%s.out", c->dir, key);
	CLEANUP_FREE char *p_err = xasprintf("%s/%s.err", c->dir, key);
	CLEANUP_FREE char *p_rc = xasprintf("%s/%s.rc", c->dir, key);
	char *o = replay_slurp(p_out);
	if (!o)
		return vdm_err(err, -ENOENT, "replay %s: nothing recorded for '%s' (%s.out)",
			       c->dir, line, key);
	c->last_err = replay_slurp(p_err);
	int rc = 0;
	CLEANUP_FREE char *rcs = replay_slurp(p_rc);
	if (rcs)
		rc = atoi(rcs);
	if (out)
		*out = o;
	else
		free(o);
	return rc < 0 || rc > 255 ? 255 : rc;
}

static const char *replay_last_stderr(void *vctx)
{
	return ((struct replay_ctx *)vctx)->last_err;
}

static void replay_close(void *vctx)
{
	struct replay_ctx *c = vctx;
	free(c->dir);
	free(c->last_err);
	free(c);
}

int vdm_transport_replay_open(const char *rest, const struct vdm_transport_opts *opts,
			      struct vdm_transport *x, struct vdm_error *err)
{
	if (!*rest)
		return vdm_err(err, -EINVAL, "replay transport: no folder (replay:DIR)");
	struct replay_ctx *c = xcalloc(1, sizeof *c);
	c->dir = xstrdup(rest);
	x->ctx = c;
	x->run = replay_run;
	x->close = replay_close;
	x->last_stderr = replay_last_stderr;
	x->scheme = "replay";
	return 0;
}
