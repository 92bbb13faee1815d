/* script.c: the "script:PATH" transport. Nothing runs: every command is written to PATH, a
 * file it creates, shell-quoted, one per line, for an admin to review and run by hand. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "transport_priv.h"

struct script_ctx {
	char *path;
	int fd;
};

/* Non-zero when s is made of safe characters and ${VAR} references only (VAR:
 * [A-Za-z_][A-Za-z0-9_]*): such an argument is written inside double quotes, so the shell
 * expands the variables and nothing else. */
static int script_is_var_ref(const char *s)
{
	int refs = 0;
	while (*s) {
		if (s[0] == '$' && s[1] == '{') {
			const char *p = s + 2;
			if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
				return 0;
			while (*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			       (*p >= '0' && *p <= '9'))
				p++;
			if (*p != '}')
				return 0;
			s = p + 1;
			refs++;
			continue;
		}
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/=,@+%-", *s))
			return 0;
		s++;
	}
	return refs > 0;
}

static void script_args(struct strbuf *b, char *const argv[])
{
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strbuf_adds(b, " ");
		if (script_is_var_ref(argv[i]))
			strbuf_addf(b, "\"%s\"", argv[i]);   /* one word, even when empty */
		else
			vdm_shell_quote_to(b, argv[i]);
	}
}

/* Builds the line for argv; NULL when argv is malformed. */
static char *script_line(char *const argv[])
{
	struct strbuf b = STRBUF_INIT(0);
	strbuf_adds(&b, "");
	if (!strcmp(argv[0], VDM_SCRIPT_COMMENT)) {
		strbuf_adds(&b, "#");
		for (size_t i = 1; argv[i]; i++) {
			strbuf_adds(&b, " ");
			/* a comment must stay on its line */
			for (const char *p = argv[i]; *p; p++)
				strbuf_add(&b, *p == '\n' || *p == '\r' ? " " : p, 1);
		}
	} else if (!strcmp(argv[0], VDM_SCRIPT_CAPTURE)) {
		const char *var = argv[1];
		char ref[160];
		if (!var || !argv[2] || strlen(var) > 150 ||
		    strspn(var, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(var))
			goto bad;
		snprintf(ref, sizeof ref, "${%s}", var);
		if (!script_is_var_ref(ref))
			goto bad;
		/* set once: running the line again keeps the first answer */
		strbuf_addf(&b, "%s=${%s:-$(", var, var);
		script_args(&b, argv + 2);
		strbuf_adds(&b, ")}");
	} else {
		script_args(&b, argv);
	}
	strbuf_adds(&b, "\n");
	return strbuf_detach(&b);
bad:
	strbuf_free(&b);
	return NULL;
}

static int script_write(struct script_ctx *c, const char *line, struct vdm_error *err)
{
	size_t len = strlen(line), done = 0;
	while (done < len) {
		ssize_t w = write(c->fd, line + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return vdm_err(err, -errno, "script %s: write: %s", c->path, strerror(errno));
		done += (size_t)w;
	}
	return 0;
}

static int script_run(void *vctx, char *const argv[], int64_t timeout_ms, char **out,
		      struct vdm_error *err)
{
	struct script_ctx *c = vctx;
	if (out)
		*out = NULL;
	if (!argv || !argv[0])
		return vdm_err(err, -EINVAL, "script %s: empty command", c->path);
	CLEANUP_FREE char *line = script_line(argv);
	if (!line)
		return vdm_err(err, -EINVAL, "script %s: malformed %s line", c->path, argv[0]);
	int rc = script_write(c, line, err);
	if (rc < 0)
		return rc;
	if (out)
		*out = xstrdup("");
	return 0;
}

static void script_close(void *vctx)
{
	struct script_ctx *c = vctx;
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	free(c);
}

/* A new file only: O_EXCL refuses any existing name, a symlink planted in a shared folder
 * included (the last component is never followed), so no run appends to, or writes through,
 * a file vdmirror did not just create. */
int vdm_transport_script_open(const char *rest, const struct vdm_transport_opts *opts,
			      struct vdm_transport *x, struct vdm_error *err)
{
	if (!*rest)
		return vdm_err(err, -EINVAL, "script transport: no file name (script:PATH)");
	int discard = !strcmp(rest, "/dev/null");
	int fd = discard ? open(rest, O_WRONLY | O_CLOEXEC)
			 : open(rest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
	if (fd < 0) {
		int e = errno;
		struct stat sb;
		if (e == EEXIST && lstat(rest, &sb) == 0)
			return vdm_err(err, -EEXIST, "script %s: %s; vdmirror writes a new file only "
				       "(remove it, or choose another name)", rest,
				       S_ISLNK(sb.st_mode) ? "is a symbolic link" : "exists already");
		return vdm_err(err, -e, "script %s: create: %s", rest, strerror(e));
	}
	struct script_ctx *c = xcalloc(1, sizeof *c);
	c->path = xstrdup(rest);
	c->fd = fd;
	x->ctx = c;
	x->run = script_run;
	x->scripting = 1;
	x->close = script_close;
	x->scheme = "script";
	if (discard)
		return 0;
	/* the umask may have taken bits away: the admin runs it, nobody else reads it */
	int rc = 0;
	if (fchmod(fd, 0700) < 0)
		rc = vdm_err(err, -errno, "script %s: chmod: %s", rest, strerror(errno));
	/* stop at the first failure and at an unset variable (a value a step did not find) */
	char *set[] = { (char *)"set", (char *)"-eu", NULL };
	if (rc == 0)
		rc = script_write(c, "#!/bin/sh\n", err);
	if (rc == 0)
		rc = script_run(c, set, -1, NULL, err);
	if (rc < 0) {
		vdm_transport_close(x);
		unlink(rest);
	}
	return rc < 0 ? rc : 0;
}
