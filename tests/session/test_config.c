/* test_config.c: the one backend configuration mechanism (backend.h): key=value entries
 * checked against a backend's declared keys (unknown key, missing value, duplicate key,
 * patterns, the bare entry), include=FILE limited to small regular files whose text never
 * reaches an error message, and the key listing `vdmirror COMMAND --help` prints. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "vdmirror/backend.h"
#include "vdmirror/util.h"

static const struct vdm_config_key fake_keys[] = {
	{ "servers", "A,B", "the servers", VDM_CONFIG_MULTI },
	{ "user", "NAME", "a user", 0 },
	{ "host.SERVER", "HOST", "a server's address", 0 },
	{ "PARTITION", "ID", "a partition's id", 0 },
	{ NULL, NULL, NULL, 0 },
};
static const struct vdm_backend_ops fake = {
	.name = "fake", .config_keys = fake_keys, .config_bare = "servers",
};
static const struct vdm_config_key plain_keys[] = {
	{ "user", "NAME", "a user", 0 },
	{ NULL, NULL, NULL, 0 },
};
static const struct vdm_backend_ops plain = { .name = "plain", .config_keys = plain_keys };

static int parse(const struct vdm_backend_ops *ops, const char *text, struct vdm_config *cfg,
		 struct vdm_error *err)
{
	vdm_config_free(cfg);
	vdm_err_clear(err);
	return vdm_config_parse(ops, text, cfg, err);
}

static void keys_and_values(void **unused)
{
	struct vdm_config cfg = { 0 };
	struct vdm_error err = { 0 };
	assert_int_equal(parse(&fake, " v1,v2 ; user=padmin;;host.v1=10.0.0.1;lpar1=3 ;v3",
			       &cfg, &err), 0);
	assert_int_equal(cfg.n, 5);
	assert_string_equal(cfg.v[0].key, "servers");
	assert_string_equal(cfg.v[0].value, "v1,v2");
	assert_string_equal(vdm_config_get(&cfg, "user"), "padmin");
	assert_string_equal(cfg.v[2].def->key, "host.SERVER");
	assert_string_equal(cfg.v[3].def->key, "PARTITION");
	assert_string_equal(cfg.v[3].value, "3");
	assert_string_equal(vdm_config_get(&cfg, "servers"), "v3");   /* MULTI: both kept */
	assert_null(cfg.v[1].file);

	/* unknown key: named, kind INPUT */
	assert_int_equal(parse(&plain, "bogus.key=1", &cfg, &err), -EINVAL);
	assert_int_equal(err.kind, VDM_ERR_INPUT);
	assert_non_null(strstr(err.msg, "bogus.key: unknown key"));
	assert_int_equal(parse(&fake, "v1;a b=1", &cfg, &err), -EINVAL);  /* not a name */
	assert_int_equal(parse(&fake, "v1;host.a'b=1", &cfg, &err), -EINVAL);
	/* missing value */
	assert_int_equal(parse(&fake, "v1;user=", &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "user: missing value"));
	/* duplicate key (not MULTI), also through a pattern */
	assert_int_equal(parse(&fake, "user=a;user=b", &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "user: given twice"));
	assert_int_equal(parse(&fake, "lpar1=3;lpar1=4", &cfg, &err), -EINVAL);
	assert_int_equal(parse(&fake, "lpar1=3;lpar2=4", &cfg, &err), 0);
	/* a bare entry where the backend has no bare key */
	assert_int_equal(parse(&plain, "justaword", &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not key=value"));
	/* vdm_config_add: the same checks */
	vdm_config_free(&cfg);
	assert_int_equal(vdm_config_add(&plain, &cfg, "user", "x", &err), 0);
	assert_int_equal(vdm_config_add(&plain, &cfg, "user", "y", &err), -EINVAL);
	assert_int_equal(vdm_config_add(&plain, &cfg, "nope", "y", &err), -EINVAL);
	vdm_config_free(&cfg);
}

static char *write_tmp(const char *text, size_t len)
{
	char *path = xstrdup("/tmp/vdm-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void include_files(void **unused)
{
	struct vdm_config cfg = { 0 };
	struct vdm_error err = { 0 };
	static const char good[] = "# servers\nv1,v2\n\n  user=padmin\nlpar1=0x4\r\n";
	CLEANUP_FREE char *f = write_tmp(good, sizeof good - 1);
	CLEANUP_FREE char *text = xasprintf("include=%s;host.v1=h", f);
	assert_int_equal(parse(&fake, text, &cfg, &err), 0);
	assert_int_equal(cfg.n, 4);
	assert_string_equal(cfg.v[1].file, f);
	assert_int_equal(cfg.v[1].line, 4);
	assert_string_equal(cfg.v[2].value, "0x4");
	/* vdm_config_bad names file and line, and not the value read from the file */
	vdm_config_bad(&err, "fake", &cfg.v[2], "bad id");
	CLEANUP_FREE char *want = xasprintf("fake config: %s:5: lpar1: bad id", f);
	assert_string_equal(err.msg, want);
	vdm_config_bad(&err, "fake", &cfg.v[3], "bad host");
	assert_string_equal(err.msg, "fake config: host.v1=h: bad host");

	/* a bad line: file and line, never the line's text */
	static const char bad[] = "user=a\nsecret words from the file=1\n";
	CLEANUP_FREE char *fb = write_tmp(bad, sizeof bad - 1);
	CLEANUP_FREE char *tb = xasprintf("include=%s", fb);
	assert_int_equal(parse(&fake, tb, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ":2: "));
	assert_null(strstr(err.msg, "secret"));

	/* not a regular file: refused at once (a device would never end, a FIFO never open) */
	assert_int_equal(parse(&fake, "include=/dev/zero", &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	CLEANUP_FREE char *fifo = xstrdup("/tmp/vdm-config-fifoXXXXXX");
	int fd = mkstemp(fifo);
	close(fd);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	CLEANUP_FREE char *tf = xasprintf("include=%s", fifo);
	assert_int_equal(parse(&fake, tf, &cfg, &err), -EINVAL);
	unlink(fifo);
	assert_true(parse(&fake, "include=/nonexistent/x", &cfg, &err) < 0);
	assert_true(parse(&fake, "include=/tmp", &cfg, &err) < 0);

	/* too large */
	char *big = xmalloc(70000);
	memset(big, '#', 70000);
	CLEANUP_FREE char *fbig = write_tmp(big, 70000);
	free(big);
	CLEANUP_FREE char *tbig = xasprintf("include=%s", fbig);
	assert_int_equal(parse(&fake, tbig, &cfg, &err), -EINVAL);

	/* a file that includes itself stops */
	CLEANUP_FREE char *self = write_tmp("x", 1);
	CLEANUP_FREE char *line = xasprintf("include=%s\n", self);
	FILE *sf = fopen(self, "w");
	fputs(line, sf);
	fclose(sf);
	CLEANUP_FREE char *ts = xasprintf("include=%s", self);
	assert_int_equal(parse(&fake, ts, &cfg, &err), -ELOOP);

	unlink(f), unlink(fb), unlink(fbig), unlink(self);
	vdm_config_free(&cfg);
}

/* The real backends: declared keys, and open() reaches them only through the mechanism. */
static void backends(void **unused)
{
	const struct vdm_backend_ops *ops;
	size_t n = 0;
	for (size_t i = 0; (ops = vdm_backend_at(i)); i++, n++) {
		assert_non_null(ops->config_keys);
		assert_non_null(ops->config_keys[0].key);
		for (const struct vdm_config_key *k = ops->config_keys; k->key; k++) {
			assert_non_null(k->help);
			assert_non_null(k->value);
		}
	}
	assert_true(n >= 2);
	struct vdm_backend b;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_backend_open("qemu", "/tmp;colour=blue", &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "colour: unknown key"));
	assert_int_equal(vdm_backend_open("qemu", "/tmp;qmp_timeout_ms=soon", &b, &err), -EINVAL);
	assert_int_equal(err.kind, VDM_ERR_INPUT);
	assert_int_equal(vdm_backend_open("vios", "v1;include=/dev/zero", &b, &err), -EINVAL);
	assert_int_equal(vdm_backend_open("vios", "v1;user=a;user=b", &b, &err), -EINVAL);
	assert_int_equal(vdm_backend_open("nosuch", "", &b, &err), -ENOENT);
	assert_int_equal(err.kind, VDM_ERR_NOT_FOUND);
}

/* vdmirror COMMAND --help lists every backend's keys with their help. */
static void help_listing(void **unused)
{
	const char *root = getenv("VDM_BUILD_ROOT");
	if (!root)
		skip();
	static const char *const cmds[] = { "mirror", "apply", "undo", "inventory" };
	for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
		CLEANUP_FREE char *cmd = xasprintf("%s/src/cli/vdmirror %s --help", root, cmds[c]);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		char *out = xcalloc(1, 65536);
		size_t len = fread(out, 1, 65535, p);
		out[len] = '\0';
		assert_int_equal(pclose(p), 0);
		const struct vdm_backend_ops *ops;
		for (size_t i = 0; (ops = vdm_backend_at(i)); i++)
			for (const struct vdm_config_key *k = ops->config_keys; k->key; k++) {
				char kv[128];
				snprintf(kv, sizeof kv, "%s=%s", k->key, k->value);
				if (!strstr(out, kv) || !strstr(out, k->help))
					fail_msg("%s --help: no %s", cmds[c], kv);
			}
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_and_values),
		cmocka_unit_test(include_files),
		cmocka_unit_test(backends),
		cmocka_unit_test(help_listing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
