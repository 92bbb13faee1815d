/* cli_util.c: error printing and exit codes shared by the sub-commands. */
#include <stdarg.h>
#include <stdio.h>
#include "cli.h"

int cli_fail(const char *cmd, const struct vdm_error *err)
{
	fprintf(stderr, "vdmirror %s: %s\n", cmd, err->msg[0] ? err->msg : "failed");
	return (int)vdm_err_exit_of(err);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "vdmirror %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see vdmirror %s --help\n", cmd);
	return VDM_EXIT_INPUT;
}
