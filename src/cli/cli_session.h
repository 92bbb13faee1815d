/* cli_session.h: what vdmirror mirror, apply and undo share on top of the session API
 * (cli_session.c): opening the session from the options and the environment, the confirmation
 * question, the progress display (bar on a terminal, plain lines otherwise, JSON events with
 * --json) and the result and exit code of a run or an undo. */
#ifndef VDMIRROR_CLI_SESSION_H
#define VDMIRROR_CLI_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "vdmirror/session.h"
#include "cli.h"

struct cli_run {
	struct cli_common *o;
	struct cli_request *q;        /* the request options (mirror, repair), or NULL */
	unsigned flags;               /* --dry-run, --resume: VDM_MIRROR_* */
	const char *script;           /* --script FILE (mirror, repair) */
	const volatile sig_atomic_t *stop;   /* set by a SIGTERM handler (repair, watch); or NULL */
	int64_t sync_rate_kib;        /* --sync-rate: 0 unlimited (default), -1 keep, else KiB/s */
	bool bar_shown;
	int64_t last_line_ms;
	double last_pct;
};

/* Opens the session of partition+vg with the options' backend and cli_session_env. */
int cli_session_open(struct cli_run *r, const char *partition, const char *vg,
		     struct vdm_session **s, struct vdm_error *err);
/* Sets so's journal folder from $VDMIRROR_STATE, crash point from $VDMIRROR_FAULT and sync
 * stall from $VDMIRROR_SYNC_STALL_S (the only place these are read; watch opens its sessions
 * itself, with its own events and no question). */
void cli_session_env(struct vdm_session_opts *so);

/* The run options of mirror, repair and apply, the getopt_long values of their table entries. */
enum { CLI_OPT_SCRIPT = 290, CLI_OPT_DRY_RUN, CLI_OPT_RESUME, CLI_OPT_SYNC_RATE };
#define CLI_RUN_OPTIONS \
	{ "script", required_argument, NULL, CLI_OPT_SCRIPT }, \
	{ "dry-run", no_argument, NULL, CLI_OPT_DRY_RUN }, \
	{ "resume", no_argument, NULL, CLI_OPT_RESUME }
#define CLI_SYNC_RATE_OPTION { "sync-rate", required_argument, NULL, CLI_OPT_SYNC_RATE }
/* Stores run option c into the cli_run arg, or a request option into its q (a cli_opt_fn for
 * cli_parse). */
int cli_run_opt(void *arg, int c, const char *val);

/* --sync-rate R of mirror and apply into r->sync_rate_kib: "unlimited" (0), "keep" (-1: the
 * partition's limits stay as the admin set them), or MiB/s with an optional K or M suffix.
 * Returns 0, or the usage error's exit code (printed). */
int cli_sync_rate_opt(struct cli_run *r, const char *v);
/* Its line for a command's --help. */
#define CLI_SYNC_RATE_HELP \
	"  --sync-rate R  the partition's resync limit while our sync runs: unlimited\n" \
	"                 (default), keep (the admin's), or MiB/s (100, 512K); the\n" \
	"                 admin's limits come back afterwards, also after a crash\n"

/* The journal folder the session uses ($VDMIRROR_STATE or NULL for the default). */
const char *cli_state_dir(void);

/* The end of vdmirror mirror or apply: prints what happened (the result of a run, a dry run,
 * a script, a verification, no valid plan, a failure) and returns the exit code. rc and err
 * are what vdm_session_mirror/apply returned. */
int cli_report_run(struct cli_run *r, const struct vdm_session_result *res, int rc,
		   const struct vdm_error *err);
/* The same for vdmirror undo of partition/vg. */
int cli_report_undo(struct cli_run *r, const char *partition, const char *vg,
		    const struct vdm_session_result *res, int rc, const struct vdm_error *err);
/* A failure before anything ran: the JSON result line (--json), the message, the exit code. */
int cli_session_fail(struct cli_run *r, const struct vdm_error *err);

/* The session's on_event for the progress display (cli_progress.c); arg is the cli_run. */
void cli_on_event(void *arg, const struct vdm_event *ev);

/* Prints a JSON event line (--json) and frees ev. */
void cli_json_event(json_t *ev);

#endif
