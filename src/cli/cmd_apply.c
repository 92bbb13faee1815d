/* cmd_apply.c: vdmirror apply (being written: replace this whole file). */
#include <stdio.h>
#include "cli.h"

int cmd_apply(int argc, char **argv)
{
	fprintf(stderr, "vdmirror apply: not built yet\n");
	return VDM_EXIT_BACKEND;
}
