/* mirror.h: what vdmirror mirror, apply and undo share (cmd_mirror.c): opening the backend,
 * the partition's client and the journal, discovery, the plan summary, confirmation, and the
 * progress display (bar on a terminal, plain lines otherwise, JSON events with --json). */
#ifndef VDMIRROR_CLI_MIRROR_H
#define VDMIRROR_CLI_MIRROR_H

#include <stdbool.h>
#include <jansson.h>
#include "vdmirror/apply.h"
#include "vdmirror/backend.h"
#include "vdmirror/client.h"
#include "vdmirror/model.h"
#include "vdmirror/plan.h"

struct mirror_opts {
	const char *cmd;              /* "mirror", "apply", "undo": for messages */
	const char *backend, *config; /* --backend/--config, or the lab's */
	bool lab, yes, json, dry_run, resume;
	const char *script;
	const char *lab_state;        /* --state: the lab's state folder (implies --lab) */
	const char *state_dir;        /* journal folder; NULL: $VDMIRROR_STATE or /var/lib/vdmirror */
	int64_t sync_rate_kib;        /* --sync-rate: 0 unlimited (default), -1 keep, else KiB/s */
};

struct mirror_env {
	struct mirror_opts *o;
	struct vdm_backend backend;
	bool backend_open;
	struct vdm_exec exec;
	bool exec_open;
	const struct vdm_client_ops *client;
	json_t *vg_clients;           /* {vg: driver} of the last discovered partition */
	struct vdm_journal *journal;
	/* progress */
	int64_t t_start, t_sync_start, t_sync_end;
	bool bar_shown;
	int64_t last_line_ms;
	double last_pct;
};

/* Parses the options every one of the three commands takes (--lab, --state LABDIR,
 * --backend, --config, --json, --yes, --sync-rate); returns 1 when opt was one of them (and *i advanced), 0 when not,
 * or an exit code > 1 (usage error, already printed). */
int mirror_common_opt(struct mirror_opts *o, int argc, char **argv, int *i);

int mirror_backend_open(struct mirror_env *e, struct vdm_error *err);
/* A fresh, validated inventory of everything (backend + client drivers). */
int mirror_discover(struct mirror_env *e, const char *partition, struct vdm_inventory **inv,
		    struct vdm_error *err);
/* Opens the partition's transport and picks the client driver that knows vg. */
int mirror_client_open(struct mirror_env *e, const char *partition, const char *vg,
		       struct vdm_error *err);
/* Opens the client and picks its driver: the one whose discovery reports vg (needs a
 * discovered inventory, for the partition's disks). */
int mirror_client_ready(struct mirror_env *e, const struct vdm_inventory *inv,
			const char *partition, const char *vg, struct vdm_error *err);
void mirror_env_close(struct mirror_env *e);

void mirror_print_plan(struct mirror_env *e, const struct vdm_inventory *inv,
		       const struct vdm_plan *plan);
/* 0 to go on; an exit code when the user said no or there is nobody to ask. */
int mirror_confirm(struct mirror_env *e, const char *question);

/* Runs (or resumes) run to the end with progress and the verify step wired; prints the result
 * and returns the exit code. */
int mirror_run(struct mirror_env *e, struct vdm_run *run);
int mirror_undo(struct mirror_env *e, struct vdm_run *run);

/* Prints a JSON event line (--json) and frees ev. */
void mirror_json_event(json_t *ev);

#endif
