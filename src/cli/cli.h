/* cli.h: what the vdmirror sub-commands share: the command table, error printing and exit
 * codes. Each sub-command lives in cmd_<name>.c and only wires the library and prints. */
#ifndef VDMIRROR_CLI_H
#define VDMIRROR_CLI_H

#include <stdbool.h>
#include "vdmirror/error.h"

/* Each sub-command: argv[0] is the sub-command's name; returns the process exit code. */
int cmd_plan(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_mirror(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_undo(int argc, char **argv);

struct vdm_inventory;
struct vdm_plan;

/* Prints the plan as the table an admin reads in ten seconds (each LV: size, where its copies
 * are, protection before and after, where the new copy goes; new disks; pools' free space
 * before and after). inv is the inventory the plan was made from. */
void cli_print_plan(const struct vdm_inventory *inv, const struct vdm_plan *plan);

/* Prints "vdmirror <cmd>: <message>" on stderr once and returns the exit code that fits the
 * error (err->exit_code if set, else 1 for -EINVAL/-ENOENT, 2 for -ENOSPC, 4 otherwise). */
int cli_fail(const char *cmd, const struct vdm_error *err);

/* Prints a usage error ("vdmirror plan: --vg is required; see vdmirror plan --help") and
 * returns VDM_EXIT_INPUT. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
