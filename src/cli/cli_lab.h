/* cli_lab.h: where the lab's files are, for vdmirror lab and vdmirror inventory --lab. */
#ifndef VDMIRROR_CLI_LAB_H
#define VDMIRROR_CLI_LAB_H

/* The source checkout holding lab/labctl: $VDM_SOURCE_ROOT, else the nearest folder above
 * the vdmirror binary that has lab/labctl. NULL when none. Caller frees. */
char *cli_lab_source_root(void);
/* The default state folder of the default lab: <source root>/lab/state/default. */
char *cli_lab_default_state(void);

#endif
