/* test_transport.c: the transports (local: exit status, stderr, deadline, output cap; script:
 * a new file only, never through a symbolic link), the one name rule (the model's, and the
 * agent's copy against the same cases), util's checked integer parser and argv builder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "vdmirror/model.h"
#include "vdmirror/transport.h"
#include "vdmirror/util.h"
#include "../../agent/agent.h"

static char *tmp_dir(void)
{
	char tmpl[] = "/tmp/vdm-transportXXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return xstrdup(d);
}

static void rm_rf(const char *d)
{
	CLEANUP_FREE char *cmd = xasprintf("rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *s = xcalloc(1, 65536);
	size_t n = fread(s, 1, 65535, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* True when pid is gone (or a zombie nobody reaped yet: it runs no more either). */
static int pid_gone(pid_t pid)
{
	CLEANUP_FREE char *p = xasprintf("/proc/%d/stat", (int)pid);
	CLEANUP_FREE char *st = slurp(p);
	if (!st)
		return 1;
	const char *r = strrchr(st, ')');
	return r && (r[2] == 'Z' || r[2] == 'X');
}

static void local_runs(void **state)
{
	struct vdm_transport t;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_transport_open("local:", &t, &err), 0);
	assert_string_equal(t.scheme, "local");
	char *out = NULL;
	char *echo[] = { (char *)"echo", (char *)"a b", (char *)"$(id)", NULL };
	assert_int_equal(vdm_transport_run(&t, echo, 5000, &out, &err), 0);
	assert_string_equal(out, "a b $(id)\n");     /* no shell: nothing expands */
	free(out);
	char *fail[] = { (char *)"sh", (char *)"-c", (char *)"echo oops >&2; exit 3", NULL };
	assert_int_equal(vdm_transport_run(&t, fail, 5000, &out, &err), 3);
	assert_string_equal(vdm_transport_last_stderr(&t), "oops\n");
	free(out);
	char *none[] = { (char *)"/nonexistent/program", NULL };
	assert_int_equal(vdm_transport_run(&t, none, 5000, &out, &err), 127);
	free(out);
	char *cmt[] = { (char *)VDM_SCRIPT_COMMENT, (char *)"x", NULL };
	assert_int_equal(vdm_transport_run(&t, cmt, 5000, &out, &err), -EINVAL);
	vdm_transport_close(&t);
	assert_true(vdm_transport_open("local:x", &t, &err) < 0);
	assert_true(vdm_transport_open("telnet:h", &t, &err) < 0);
}

/* A command past its deadline is killed, with what it started in the background. */
static void local_deadline(void **state)
{
	CLEANUP_FREE char *d = tmp_dir();
	CLEANUP_FREE char *pidf = xasprintf("%s/pid", d);
	CLEANUP_FREE char *script = xasprintf("sleep 30 & echo $! > %s; wait", pidf);
	struct vdm_transport t;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_transport_open("local:", &t, &err), 0);
	char *argv[] = { (char *)"sh", (char *)"-c", script, NULL };
	char *out = NULL;
	assert_int_equal(vdm_transport_run(&t, argv, 300, &out, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "no answer after 300 ms"));
	assert_null(out);
	CLEANUP_FREE char *pid = slurp(pidf);
	assert_non_null(pid);
	pid_t p = (pid_t)atoi(pid);
	int gone = 0;
	for (int i = 0; i < 100 && !(gone = pid_gone(p)); i++) {
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (!gone)
		kill(p, SIGKILL);   /* never leave it behind, even when the test fails */
	assert_true(gone);
	vdm_transport_close(&t);
	rm_rf(d);
}

static void local_output_cap(void **state)
{
	struct vdm_transport_opts o = { .max_output = 1000 };
	struct vdm_transport t;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_transport_open_opts("local:", &o, &t, &err), 0);
	char *big[] = { (char *)"head", (char *)"-c", (char *)"100000", (char *)"/dev/zero", NULL };
	char *out = NULL;
	assert_int_equal(vdm_transport_run(&t, big, 5000, &out, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "larger than 1000 bytes"));
	char *small[] = { (char *)"head", (char *)"-c", (char *)"999", (char *)"/dev/zero", NULL };
	assert_int_equal(vdm_transport_run(&t, small, 5000, &out, &err), 0);
	free(out);
	vdm_transport_close(&t);
}

/* The script transport makes a new file, mode 0700, with a set -eu header, and refuses any
 * existing name: a file (someone else's first line stays), a symlink (even a dangling one:
 * nothing is created through it). */
static void script_new_file_only(void **state)
{
	CLEANUP_FREE char *d = tmp_dir();
	CLEANUP_FREE char *path = xasprintf("%s/s.sh", d);
	CLEANUP_FREE char *addr = xasprintf("script:%s", path);
	struct vdm_transport t;
	struct vdm_error err = { 0 };
	mode_t old = umask(0277);     /* the transport sets 0700 whatever the umask */
	assert_int_equal(vdm_transport_open(addr, &t, &err), 0);
	umask(old);
	assert_true(vdm_transport_scripting(&t));
	char *cmd[] = { (char *)"echo", (char *)"hi there", NULL };
	assert_int_equal(vdm_transport_run(&t, cmd, -1, NULL, &err), 0);
	vdm_transport_close(&t);
	struct stat sb;
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	CLEANUP_FREE char *got = slurp(path);
	assert_string_equal(got, "#!/bin/sh\nset -eu\necho 'hi there'\n");

	/* a second open of the same name: refused, the file unchanged */
	assert_int_equal(vdm_transport_open(addr, &t, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "exists already"));
	CLEANUP_FREE char *again = slurp(path);
	assert_string_equal(again, got);

	/* symbolic links, dangling or not */
	CLEANUP_FREE char *target = xasprintf("%s/target", d);
	CLEANUP_FREE char *link = xasprintf("%s/link", d);
	CLEANUP_FREE char *laddr = xasprintf("script:%s", link);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(vdm_transport_open(laddr, &t, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(access(target, F_OK), -1);
	FILE *f = fopen(target, "w");
	fputs("victim\n", f);
	fclose(f);
	assert_int_equal(vdm_transport_open(laddr, &t, &err), -EEXIST);
	CLEANUP_FREE char *victim = slurp(target);
	assert_string_equal(victim, "victim\n");

	/* /dev/null discards (the ibmi operator's notes when nothing is scripted) */
	assert_int_equal(vdm_transport_open("script:/dev/null", &t, &err), 0);
	assert_int_equal(vdm_transport_run(&t, cmd, -1, NULL, &err), 0);
	vdm_transport_close(&t);
	rm_rf(d);
}

/* One table for the model's rule and the agent's copy. */
static const struct { const char *name; bool ok; } name_cases[] = {
	{ "lpar1", true }, { "vios2/rootvg_sp", true }, { "a:b.c-d_e", true }, { "0", true },
	{ "hd..4", true }, { "a/..b", true }, { "a/b..", true },
	{ "", false }, { "-x", false }, { ".x", false }, { "_x", false }, { "/x", false },
	{ "a b", false }, { "a;b", false }, { "a'b", false }, { "a$b", false }, { "a\nb", false },
	{ "a/..", false }, { "a/../b", false }, { "a/./..", false }, { "x\xc3\xa9", false },
};

static void one_name_rule(void **state)
{
	char long_ok[129], long_bad[130];
	memset(long_ok, 'a', 128), long_ok[128] = '\0';
	memset(long_bad, 'a', 129), long_bad[129] = '\0';
	for (size_t i = 0; i < sizeof name_cases / sizeof name_cases[0]; i++) {
		if (vdm_name_valid(name_cases[i].name) != name_cases[i].ok)
			fail_msg("model: \"%s\" should be %s", name_cases[i].name,
				 name_cases[i].ok ? "valid" : "refused");
		if (agent_name_valid(name_cases[i].name) != name_cases[i].ok)
			fail_msg("agent: \"%s\" should be %s", name_cases[i].name,
				 name_cases[i].ok ? "valid" : "refused");
	}
	assert_true(vdm_name_valid(long_ok) && agent_name_valid(long_ok));
	assert_false(vdm_name_valid(long_bad) || agent_name_valid(long_bad));
	assert_false(vdm_name_valid(NULL));
	/* the device-style form: 15 characters, no ':' or '/' */
	assert_true(vdm_name_valid_short("lpar1-rootvg-m1", 15));
	assert_false(vdm_name_valid_short("lpar1-rootvg-m10", 15));
	assert_false(vdm_name_valid_short("vios2/x", 15));
	assert_false(vdm_name_valid_short("a:b", 15));
	assert_false(vdm_name_valid_short("x;reboot", 15));
}

static void checked_integers(void **state)
{
	int64_t v = -1;
	assert_int_equal(vdm_parse_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vdm_parse_uint("9223372036854775807", 10, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(vdm_parse_uint("9223372036854775808", 10, &v), -ERANGE);
	assert_int_equal(vdm_parse_uint("99999999999999999999999", 10, &v), -ERANGE);
	assert_int_equal(vdm_parse_uint("-9223372036854775807", 10, &v), -EINVAL);
	assert_int_equal(vdm_parse_uint("+1", 10, &v), -EINVAL);
	assert_int_equal(vdm_parse_uint(" 1", 10, &v), -EINVAL);
	assert_int_equal(vdm_parse_uint("1 ", 10, &v), -EINVAL);
	assert_int_equal(vdm_parse_uint("", 10, &v), -EINVAL);
	assert_int_equal(vdm_parse_uint("1f", 10, &v), -EINVAL);
	assert_int_equal(vdm_parse_uint("1f", 16, &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(vdm_parse_uint("8000000000000000", 16, &v), -ERANGE);
	assert_int_equal(vdm_parse_uint_n("12345", 2, 10, &v), 0);
	assert_int_equal(v, 12);

	struct vdm_lines it = { "a b\n\n  \nc\td e\r\n", 0 };
	const char *l;
	size_t n;
	vdm_words w = { 0 };
	assert_true(vdm_lines_next(&it, &l, &n));
	assert_int_equal(it.no, 1);
	assert_true(vdm_lines_next(&it, &l, &n));
	assert_int_equal(it.no, 4);
	assert_int_equal(vdm_words_split(l, n, 8, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.v[2], "e");
	vdm_words_free(&w);
	assert_int_equal(vdm_words_split(l, n, 2, &w), -E2BIG);   /* never a silent cut */
	vdm_words_free(&w);
	assert_false(vdm_lines_next(&it, &l, &n));
}

static void argv_builder(void **state)
{
	struct vdm_argv a = VDM_ARGV_INIT(4);
	assert_int_equal(vdm_argv_addv(&a, (const char *[]){ "ioscli", "lsmap", NULL }), 0);
	assert_int_equal(vdm_argv_add(&a, "-all"), 0);
	assert_int_equal(vdm_argv_addv(&a, (const char *[]){ "-fmt", ":", NULL }), -E2BIG);
	assert_int_equal(a.n, 3);                 /* all or nothing */
	assert_null(a.v[3]);
	assert_int_equal(vdm_argv_add(&a, "-fmt"), 0);
	assert_int_equal(vdm_argv_add(&a, ":"), -E2BIG);
	assert_int_equal(vdm_argv_add(&a, NULL), -EINVAL);
	CLEANUP_FREE char *line = vdm_shell_join(a.v);
	assert_string_equal(line, "ioscli lsmap -all -fmt");
	vdm_argv_free(&a);
	struct vdm_argv e = VDM_ARGV_INIT(0);
	assert_int_equal(vdm_argv_addv(&e, (const char *[]){ NULL }), 0);
	assert_null(e.v[0]);
	vdm_argv_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_runs),
		cmocka_unit_test(local_deadline),
		cmocka_unit_test(local_output_cap),
		cmocka_unit_test(script_new_file_only),
		cmocka_unit_test(one_name_rule),
		cmocka_unit_test(checked_integers),
		cmocka_unit_test(argv_builder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
