/* cli.h: what the vdmirror sub-commands share: the command table, error printing and exit
 * codes. Each sub-command lives in cmd_<name>.c and only wires the library and prints. */
#ifndef VDMIRROR_CLI_H
#define VDMIRROR_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "vdmirror/error.h"
#include "vdmirror/plan.h"
#include "vdmirror/util.h"

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

/* ---- the command line of every command but lab (cli_request.c) ---- */

/* A command's own options: stores option c; returns 0, -1 when c is not one of them (an
 * unknown option), or the exit code of a usage error it printed. */
typedef int cli_opt_fn(void *arg, int c, const char *val);

/* The one getopt_long loop: each option of opts goes to cli_common_opt, then to opt (with
 * arg); --help (and -h) prints usage on stdout; -y is --yes where opts has "yes". Returns -1
 * when every option is stored (the arguments start at argv[optind]), else the exit code
 * to return at once: 0 after --help, 1 after a usage error (printed). */
int cli_parse(struct cli_common *o, int argc, char **argv, const struct option *opts,
	      void (*usage)(FILE *), cli_opt_fn *opt, void *arg);

/* PARTITION VG as the only two arguments left at argv[optind], both valid names. Returns -1
 * (and sets them), or the usage error's exit code (printed). */
int cli_partition_vg(const char *cmd, int argc, char **argv, const char **partition,
		     const char **vg);

/* The request options of plan, check, inventory, mirror, repair and watch: --level, --copies,
 * --lv, --wait-for-return, and --inventory, --partition, --vg of plan and check, checked here
 * only, so that every command accepts and refuses the same values with the same message. */
struct cli_request {
	const char *cmd;
	struct vdm_request req;          /* req.lvs points into lvs */
	VEC(const char *) lvs;
	const char *inventory;           /* --inventory FILE|- */
};
enum { CLI_OPT_LEVEL = 280, CLI_OPT_COPIES, CLI_OPT_LV, CLI_OPT_WAIT, CLI_OPT_INVENTORY,
       CLI_OPT_PARTITION, CLI_OPT_VG };
#define CLI_INVENTORY_OPTION { "inventory", required_argument, NULL, CLI_OPT_INVENTORY }
#define CLI_PARTITION_OPTION { "partition", required_argument, NULL, CLI_OPT_PARTITION }
#define CLI_VG_OPTION { "vg", required_argument, NULL, CLI_OPT_VG }
#define CLI_LEVEL_OPTION { "level", required_argument, NULL, CLI_OPT_LEVEL }
#define CLI_COPIES_OPTION { "copies", required_argument, NULL, CLI_OPT_COPIES }
#define CLI_LV_OPTION { "lv", required_argument, NULL, CLI_OPT_LV }
#define CLI_WAIT_OPTION { "wait-for-return", required_argument, NULL, CLI_OPT_WAIT }
/* The defaults: 2 copies at level server, lost copies waited for 10 minutes. */
#define CLI_REQUEST_INIT(name) { .cmd = (name), .req = { .copies = 2, \
	.level = VDM_LEVEL_SERVER, .wait_for_return_s = 600 } }
/* Frees what the options stored (a cleanup for a local: CLI_REQUEST_AUTO). */
void cli_request_free(struct cli_request *q);
#define CLI_REQUEST_AUTO __attribute__((cleanup(cli_request_free))) struct cli_request

/* Stores request option c of q (a cli_opt_fn; arg is the cli_request). --level: a level name;
 * --copies: 2 or 3; --lv (repeatable), --partition, --vg: valid names (vdm_name_valid);
 * --wait-for-return: a duration. */
int cli_request_opt(void *arg, int c, const char *val);

/* "600", "30s", "10m", "2h", "1d" as seconds (>= 0); -1 when not such a duration. */
int64_t cli_parse_duration(const char *s);

/* Prints a usage error ("vdmirror plan: --vg is required; see vdmirror plan --help") and
 * returns VDM_EXIT_INPUT. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
