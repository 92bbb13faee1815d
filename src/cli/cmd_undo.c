/* cmd_undo.c: vdmirror undo (being written: replace this whole file). */
#include <stdio.h>
#include "cli.h"

int cmd_undo(int argc, char **argv)
{
	fprintf(stderr, "vdmirror undo: not built yet\n");
	return VDM_EXIT_BACKEND;
}
