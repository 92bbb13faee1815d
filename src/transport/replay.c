/* replay.c: the "replay:DIR" transport: answers each command from outputs recorded in
 * DIR (DIR/KEY.out, optional DIR/KEY.err and DIR/KEY.rc, KEY from vdm_replay_key()). It lets
 * the VIOS backend and the AIX driver run on a recorded system, where no Power hardware is.
 *
 * A recording may also hold what a command changes: the files of the folder DIR/KEY.then/
 * replace those of DIR once the command is answered, and the folder becomes KEY.then.done
 * (applied once). So a simulated system (tests only, on a copy) goes through a whole mirror,
 * a crash, a resume and an undo, each in its own process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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

/* Copies the regular files of then_dir into dir (each by a rename, so a reader never sees a
 * half file), then marks then_dir applied. */
static int replay_apply(const char *dir, const char *then_dir, struct vdm_error *err)
{
	DIR *d = opendir(then_dir);
	if (!d)
		return 0;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		CLEANUP_FREE char *src = xasprintf("%s/%s", then_dir, e->d_name);
		CLEANUP_FREE char *tmp = xasprintf("%s/.%s.tmp", dir, e->d_name);
		CLEANUP_FREE char *dst = xasprintf("%s/%s", dir, e->d_name);
		CLEANUP_FREE char *text = replay_slurp(src);
		int fd = text ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)
			      : -1;
		size_t n = text ? strlen(text) : 0;
		if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) < 0 || rename(tmp, dst) < 0)
			rc = vdm_err(err, -EIO, "replay %s: cannot apply %s: %s", dir, src,
				     strerror(errno));
	}
	closedir(d);
	CLEANUP_FREE char *done = xasprintf("%s.done", then_dir);
	if (rc == 0 && rename(then_dir, done) < 0)
		rc = vdm_err(err, -errno, "replay %s: %s: %s", dir, then_dir, strerror(errno));
	return rc;
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
	if (rcs) {
		int64_t v;
		rcs[strcspn(rcs, "\r\n")] = '\0';
		rc = vdm_parse_uint(rcs, 10, &v) < 0 || v > 255 ? 255 : (int)v;
	}
	CLEANUP_FREE char *p_then = xasprintf("%s/%s.then", c->dir, key);
	int arc = replay_apply(c->dir, p_then, err);
	if (arc < 0) {
		free(o);
		return arc;
	}
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
