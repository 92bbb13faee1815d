/* cli.h: what the vdmirror sub-commands share: the command table, error printing and exit
 * codes. Each sub-command lives in cmd_<name>.c and only wires the library and prints. */
#ifndef VDMIRROR_CLI_H
#define VDMIRROR_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "vdmirror/error.h"

/* Each sub-command: argv[0] is the sub-command's name; returns the process exit code. */
int cmd_plan(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_mirror(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_undo(int argc, char **argv);
int cmd_repair(int argc, char **argv);
int cmd_watch(int argc, char **argv);

struct vdm_inventory;
struct vdm_plan;

/* Prints the plan as the table an admin reads in ten seconds (each LV: size, where its copies
 * are, protection before and after, where the new copy goes; new disks; pools' free space
 * before and after). inv is the inventory the plan was made from. */
void cli_print_plan(const struct vdm_inventory *inv, const struct vdm_plan *plan);

/* Prints "vdmirror <cmd>: <message>" on stderr once and returns the exit code of the error's
 * kind (vdm_err_exit_of: never chosen from the message text). */
int cli_fail(const char *cmd, const struct vdm_error *err);

/* ---- the storage-server options of inventory, mirror, apply, undo (cli_backend.c) ---- */

struct cli_common {
	const char *cmd;                /* "mirror", ...: for messages */
	bool lab, json, yes;
	const char *backend, *config;   /* --backend/--config (--vios HOSTS: vios and HOSTS) */
	const char *lab_state;          /* --state: the lab's state folder (implies --lab) */
	bool local;                     /* --local: vdmirror runs inside the partition itself */
};

/* getopt_long values of those options, above every short option. */
enum {
	CLI_OPT_LAB = 256, CLI_OPT_STATE, CLI_OPT_BACKEND, CLI_OPT_CONFIG, CLI_OPT_VIOS,
	CLI_OPT_JSON, CLI_OPT_YES, CLI_OPT_LOCAL,
};
/* The struct option entries of them, to put in a command's option table. */
#define CLI_COMMON_OPTIONS \
	{ "lab", no_argument, NULL, CLI_OPT_LAB }, \
	{ "state", required_argument, NULL, CLI_OPT_STATE }, \
	{ "backend", required_argument, NULL, CLI_OPT_BACKEND }, \
	{ "config", required_argument, NULL, CLI_OPT_CONFIG }, \
	{ "vios", required_argument, NULL, CLI_OPT_VIOS }, \
	{ "json", no_argument, NULL, CLI_OPT_JSON }, \
	{ "yes", no_argument, NULL, CLI_OPT_YES }, \
	{ "local", no_argument, NULL, CLI_OPT_LOCAL }

/* Stores option c (a getopt_long result) when it is one of them ('y' is --yes); false if not. */
bool cli_common_opt(struct cli_common *o, int c, const char *arg);

/* The backend and its configuration string the options name: --lab is the qemu backend on the
 * lab's state folder (--state, or a lab config file as --config, default lab/state/default);
 * the qemu deadlines $VDM_QMP_TIMEOUT_MS and $VDM_UNPLUG_TIMEOUT_MS become its keys.
 * *config is freed by the caller. Errors are bad input (exit 1). */
int cli_backend_resolve(const struct cli_common *o, const char **name, char **config,
			struct vdm_error *err);

/* --local (issue 11: vdmirror inside the client partition): the partition's commands run on
 * this machine (the "local:" transport) while the storage servers are still reached as
 * configured; added to *config as the vios backend's addr.PARTITION. Without --local a no-op.
 * Bad input (exit 1) for another backend or without a partition. */
int cli_backend_local(const struct cli_common *o, const char *backend, const char *partition,
		      char **config, struct vdm_error *err);

/* Lists every compiled-in backend's configuration keys, for a command's --help. */
void cli_backend_help(FILE *f);

/* A getopt_long error (opterr = 0) as a usage error: "--x needs a value" / "unknown option". */
int cli_getopt_error(const char *cmd, int c, char **argv);

/* Prints a usage error ("vdmirror plan: --vg is required; see vdmirror plan --help") and
 * returns VDM_EXIT_INPUT. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
