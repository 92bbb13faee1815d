/* cmd_lab.c: vdmirror lab up|down|status|fail|restore: runs lab/labctl (the lab's
 * orchestration script, see docs/internals/lab.md) from the checkout this binary was built in. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vdmirror/util.h"
#include "cli.h"
#include "cli_lab.h"

static int lab_is_file(const char *dir, const char *rel, int want_exec)
{
	CLEANUP_FREE char *p = xasprintf("%s/%s", dir, rel);
	return access(p, want_exec ? X_OK : R_OK) == 0;
}

/* Walks up from the binary's folder; calls found(dir) on each ancestor until it says yes. */
static char *lab_walk_up(const char *rel, int want_exec)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *dir = dirname(exe);
	for (int depth = 0; depth < 6 && strcmp(dir, "/"); depth++) {
		if (lab_is_file(dir, rel, want_exec))
			return xstrdup(dir);
		dir = dirname(dir);
	}
	return NULL;
}

char *cli_lab_source_root(void)
{
	const char *env = getenv("VDM_SOURCE_ROOT");
	if (env && *env && lab_is_file(env, "lab/labctl", 1))
		return xstrdup(env);
	return lab_walk_up("lab/labctl", 1);
}

char *cli_lab_default_state(void)
{
	char *root = cli_lab_source_root();
	if (!root)
		return NULL;
	char *s = xasprintf("%s/lab/state/default", root);
	free(root);
	return s;
}

int cmd_lab(int argc, char **argv)
{
	/* options before the lab command: only --help (labctl's own usage); everything from the
	 * lab command on is labctl's to parse ("+": stop at the first non-option) */
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char help_arg[] = "--help";
	char *help_argv[] = { argv[0], help_arg, NULL };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c != 'h')
			return cli_getopt_error("lab", c, argv);
		argc = 2;
		argv = help_argv;
		optind = 1;
		break;
	}
	if (argc < 2)
		return cli_usage_error("lab", "which lab command: up, down, status, build, fail SERVER"
				       " or restore SERVER");
	CLEANUP_FREE char *root = cli_lab_source_root();
	if (!root) {
		fprintf(stderr, "vdmirror lab: cannot find lab/labctl above this binary; set "
			"VDM_SOURCE_ROOT to the vdmirror checkout\n");
		return VDM_EXIT_INPUT;
	}
	/* the agent built next to this binary goes into the initramfs */
	if (!getenv("VDM_AGENT")) {
		CLEANUP_FREE char *b = lab_walk_up("agent/vdmirror-agent", 1);
		if (b) {
			CLEANUP_FREE char *agent = xasprintf("%s/agent/vdmirror-agent", b);
			setenv("VDM_AGENT", agent, 1);
		}
	}
	setenv("VDM_SOURCE_ROOT", root, 1);
	CLEANUP_FREE char *script = xasprintf("%s/lab/labctl", root);
	char **args = xcalloc((size_t)argc + 2, sizeof *args);
	args[0] = "bash";
	args[1] = script;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	fflush(NULL);
	execvp("bash", args);
	fprintf(stderr, "vdmirror lab: exec bash %s: %s\n", script, strerror(errno));
	free(args);
	return VDM_EXIT_BACKEND;
}
