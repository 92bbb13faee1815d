/* cmd_inventory.c: vdmirror inventory (being written: replace this whole file). */
#include <stdio.h>
#include "cli.h"

int cmd_inventory(int argc, char **argv)
{
	fprintf(stderr, "vdmirror inventory: not built yet\n");
	return VDM_EXIT_BACKEND;
}
