/* cmd_check.c: vdmirror check (being written: replace this whole file). */
#include <stdio.h>
#include "cli.h"

int cmd_check(int argc, char **argv)
{
	fprintf(stderr, "vdmirror check: not built yet\n");
	return VDM_EXIT_BACKEND;
}
