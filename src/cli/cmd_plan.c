/* cmd_plan.c: vdmirror plan (being written: replace this whole file). */
#include <stdio.h>
#include "cli.h"

int cmd_plan(int argc, char **argv)
{
	fprintf(stderr, "vdmirror plan: not built yet\n");
	return VDM_EXIT_BACKEND;
}
