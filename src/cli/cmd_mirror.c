/* cmd_mirror.c: vdmirror mirror (being written: replace this whole file). */
#include <stdio.h>
#include "cli.h"

int cmd_mirror(int argc, char **argv)
{
	fprintf(stderr, "vdmirror mirror: not built yet\n");
	return VDM_EXIT_BACKEND;
}
