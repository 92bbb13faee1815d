/* config.c: the one configuration mechanism of the backends: "key=value;..." strings and
 * config files checked against the keys each backend declares (backend.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vdmirror/backend.h"
#include "vdmirror/model.h"
#include "vdmirror/util.h"

#define CONFIG_FILE_MAX (64 * 1024)   /* include=: a settings file, not a data file */
#define CONFIG_INCLUDE_DEPTH 4

/* The include= key every backend knows, handled here. */
static const struct vdm_config_key config_include = {
	"include", "FILE", "more entries from FILE, one per line ('#' comments)", 0
};

static bool config_is_placeholder(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || *s == '_'))
			return false;
	return true;
}

/* Does key match the declared pattern? rank: 3 exact, 2 "prefix.NAME", 1 bare "NAME", 0 no. */
static int config_match(const char *pattern, const char *key)
{
	if (!strcmp(pattern, key))
		return 3;
	const char *dot = strrchr(pattern, '.');
	const char *ph = dot ? dot + 1 : pattern;
	if (!config_is_placeholder(ph))
		return 0;
	size_t plen = (size_t)(ph - pattern);
	if (strncmp(pattern, key, plen) || !vdm_name_valid(key + plen))
		return 0;
	return dot ? 2 : 1;
}

static const struct vdm_config_key *config_lookup(const struct vdm_backend_ops *ops,
						  const char *key)
{
	if (!strcmp(key, config_include.key))
		return &config_include;
	const struct vdm_config_key *best = NULL;
	int rank = 0;
	for (const struct vdm_config_key *k = ops->config_keys; k && k->key; k++) {
		int r = config_match(k->key, key);
		if (r > rank)
			rank = r, best = k;
	}
	return best;
}

/* The error about an entry that has no pair yet (unknown key, empty value, duplicate). */
static int config_entry_err(struct vdm_error *err, const struct vdm_backend_ops *ops,
			    const char *file, int line, const char *key, const char *why)
{
	if (file)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "%s config: %s:%d: %s", ops->name,
				    file, line, why);
	return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "%s config: %s: %s (vdmirror mirror"
			    " --help lists the keys of each backend)", ops->name, key, why);
}

static int config_add_at(const struct vdm_backend_ops *ops, struct vdm_config *cfg,
			 const char *key, const char *value, const char *file, int line,
			 int depth, struct vdm_error *err);

static int config_read_file_at(const struct vdm_backend_ops *ops, struct vdm_config *cfg,
			       const char *path, int depth, struct vdm_error *err)
{
	if (depth >= CONFIG_INCLUDE_DEPTH)
		return vdm_err_kind(err, -ELOOP, VDM_ERR_INPUT, "%s config: include=%s: nested"
				    " too deep", ops->name, path);
	/* O_NONBLOCK: a FIFO must not hang the open; only a regular file is read at all */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return vdm_err_kind(err, -errno, VDM_ERR_INPUT, "%s config: %s: %s", ops->name,
				    path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
		close(fd);
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "%s config: %s: not a regular file"
				    " of at most %d KiB", ops->name, path, CONFIG_FILE_MAX / 1024);
	}
	char *text = xmalloc((size_t)CONFIG_FILE_MAX + 1);
	size_t len = 0;
	ssize_t r;
	while (len <= CONFIG_FILE_MAX &&
	       (r = read(fd, text + len, (size_t)CONFIG_FILE_MAX + 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	if (len > CONFIG_FILE_MAX) {
		free(text);
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "%s config: %s: larger than %d KiB",
				    ops->name, path, CONFIG_FILE_MAX / 1024);
	}
	text[len] = '\0';
	/* a NUL byte ends its line (as fgets-based readers did) rather than the file */
	for (char *z = memchr(text, '\0', len); z; z = memchr(z, '\0', len - (size_t)(z - text)))
		*z = '\n';
	int rc = 0, no = 0;
	for (char *l = text, *next; l && rc == 0; l = next) {
		no++;
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		l[strcspn(l, "\r")] = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		char *eq = strchr(l, '=');
		if (eq)
			*eq = '\0';
		rc = config_add_at(ops, cfg, eq ? l : NULL, eq ? eq + 1 : l, path, no, depth, err);
	}
	free(text);
	return rc;
}

/* key NULL: an entry without '=' (the backend's bare key). */
static int config_add_at(const struct vdm_backend_ops *ops, struct vdm_config *cfg,
			 const char *key, const char *value, const char *file, int line,
			 int depth, struct vdm_error *err)
{
	if (!key) {
		if (!ops->config_bare)
			return file ? config_entry_err(err, ops, file, line, NULL, "not key=value")
				    : config_entry_err(err, ops, NULL, 0, value, "not key=value");
		key = ops->config_bare;
	}
	const struct vdm_config_key *def = config_lookup(ops, key);
	if (!def)
		return config_entry_err(err, ops, file, line, key, "unknown key");
	if (!*value)
		return config_entry_err(err, ops, file, line, key, file ? "a key without a value"
					: "missing value");
	if (def == &config_include)
		return config_read_file_at(ops, cfg, value, depth + 1, err);
	if (!(def->flags & VDM_CONFIG_MULTI))
		for (size_t i = 0; i < cfg->n; i++)
			if (!strcmp(cfg->v[i].key, key))
				return config_entry_err(err, ops, file, line, key, "given twice");
	cfg->v = xrealloc(cfg->v, (cfg->n + 1) * sizeof *cfg->v);
	cfg->v[cfg->n++] = (struct vdm_config_pair){ xstrdup(key), xstrdup(value), def,
						      file ? xstrdup(file) : NULL, line };
	return 0;
}

int vdm_config_add(const struct vdm_backend_ops *ops, struct vdm_config *cfg, const char *key,
		   const char *value, struct vdm_error *err)
{
	return config_add_at(ops, cfg, key, value, NULL, 0, 0, err);
}

int vdm_config_read_file(const struct vdm_backend_ops *ops, struct vdm_config *cfg,
			 const char *path, struct vdm_error *err)
{
	return config_read_file_at(ops, cfg, path, 0, err);
}

int vdm_config_parse(const struct vdm_backend_ops *ops, const char *text, struct vdm_config *cfg,
		     struct vdm_error *err)
{
	CLEANUP_FREE char *copy = xstrdup(text ? text : "");
	for (char *save = NULL, *e = strtok_r(copy, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
		while (*e == ' ' || *e == '\t')
			e++;
		size_t n = strlen(e);
		while (n && (e[n - 1] == ' ' || e[n - 1] == '\t'))
			e[--n] = '\0';
		if (!*e)
			continue;
		char *eq = strchr(e, '=');
		if (eq)
			*eq = '\0';
		int rc = config_add_at(ops, cfg, eq ? e : NULL, eq ? eq + 1 : e, NULL, 0, 0, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

const char *vdm_config_get(const struct vdm_config *cfg, const char *key)
{
	for (size_t i = cfg->n; i-- > 0;)
		if (!strcmp(cfg->v[i].key, key))
			return cfg->v[i].value;
	return NULL;
}

int vdm_config_bad(struct vdm_error *err, const char *backend, const struct vdm_config_pair *p,
		   const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (p->file)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "%s config: %s:%d: %s: %s", backend,
				    p->file, p->line, p->key, why);
	return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "%s config: %s=%s: %s", backend, p->key,
			    p->value, why);
}

void vdm_config_free(struct vdm_config *cfg)
{
	for (size_t i = 0; i < cfg->n; i++)
		free(cfg->v[i].key), free(cfg->v[i].value), free(cfg->v[i].file);
	free(cfg->v);
	cfg->v = NULL;
	cfg->n = 0;
}
