/* cmd_lab.c: vdmirror lab (being written: replace this whole file). */
#include <stdio.h>
#include "cli.h"

int cmd_lab(int argc, char **argv)
{
	fprintf(stderr, "vdmirror lab: not built yet\n");
	return VDM_EXIT_BACKEND;
}
