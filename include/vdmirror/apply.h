/* apply.h: turning a plan into journaled steps (create disk, map, wait, add PV, add copy, wait
 * for sync, verify), running them with a crash-safe SQLite journal, resuming and undoing.
 *
 * One journal file per partition+VG in a state folder (default /var/lib/vdmirror; the CLI
 * takes $VDMIRROR_STATE). Every step is written "started" before it runs and "done" after, each in
 * its own transaction, so after a crash the journal says exactly which steps may have happened.
 * Steps are idempotent by name (backend and client contracts), so a step found "started" is
 * simply run again. */
#ifndef VDMIRROR_APPLY_H
#define VDMIRROR_APPLY_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "vdmirror/backend.h"
#include "vdmirror/client.h"
#include "vdmirror/error.h"
#include "vdmirror/model.h"
#include "vdmirror/plan.h"

enum vdm_step_kind {
	VDM_STEP_CREATE_DISK,     /* args: disk, pool, size_mib */
	VDM_STEP_MAP_DISK,        /* args: disk, pool */
	VDM_STEP_WAIT_DISK,       /* args: disk */
	VDM_STEP_ADD_PV,          /* args: disk */
	VDM_STEP_ADD_COPY,        /* args: lv, copies (count after the step), segments [{pv, extents}] */
	VDM_STEP_WAIT_SYNC,       /* args: lvs [{name, mib}] */
	VDM_STEP_VERIFY,          /* args: level, lvs [names] */
	/* repair plans (formats.md, "Failed, stale and unreachable parts") */
	VDM_STEP_RESYNC_COPY,     /* args: lv, pvs [disks of the stale copy, present again] */
	VDM_STEP_REPLACE_COPY,    /* args: lv, copies (after), lost [disks], segments [{pv, extents}] */
	VDM_STEP_DROP_COPY,       /* args: lv, copies (after), lost [disks] */
	VDM_STEP_REMOVE_MISSING,  /* args: disks [missing PVs that hold nothing] */
	VDM_STEP_DELETE_DISK,     /* args: disk, pool, server: a delete_later of an earlier run */
	VDM_STEP_KIND_COUNT
};

enum vdm_step_state { VDM_STEP_PLANNED, VDM_STEP_STARTED, VDM_STEP_DONE, VDM_STEP_UNDONE };

/* "create_disk", "map_disk", ...; the names VDMIRROR_FAULT and the journal use. */
const char *vdm_step_kind_name(enum vdm_step_kind kind);
int vdm_step_kind_parse(const char *name, enum vdm_step_kind *kind);
const char *vdm_step_state_name(enum vdm_step_state state);

struct vdm_step {
	int seq;                  /* 1.. in run order */
	enum vdm_step_kind kind;
	json_t *args;             /* owned */
	enum vdm_step_state state;
	char *error;              /* last failure, NULL if none */
	int64_t started_at, finished_at;   /* unix ms, 0 = never */
	json_t *facts;            /* what the step learned for later steps (client.h), or NULL; owned */
};

/* Run statuses: "running" (steps left or a crash), "failed" (a step failed; resume retries
 * it), "done", "undoing", "undone". */
struct vdm_run {
	int64_t id;
	char *partition, *vg;
	json_t *plan;             /* the plan JSON the run applies (owned) */
	char *status;
	int64_t created_at;
	struct vdm_step *steps;
	size_t n_steps;
};
void vdm_run_free(struct vdm_run *run);
/* True when the run has work left that resume would do (running or failed). */
bool vdm_run_unfinished(const struct vdm_run *run);

/* ---- journal (journal.c) ---- */
struct vdm_journal;

/* The state folder: dir if not NULL (the CLI passes $VDMIRROR_STATE), else /var/lib/vdmirror. */
const char *vdm_state_dir(const char *dir);
/* Path of the journal of partition+vg in state_dir (caller frees). */
char *vdm_journal_path(const char *state_dir, const char *partition, const char *vg);

/* Opens (creating the folder and the file) the journal of partition+vg and takes an exclusive
 * lock on it, so two runs on the same VG cannot interleave (-EBUSY: another run holds it). */
int vdm_journal_open(const char *state_dir, const char *partition, const char *vg,
		     struct vdm_journal **out, struct vdm_error *err);
void vdm_journal_close(struct vdm_journal *j);

/* Records a new run of plan with its steps, all "planned", in one transaction. */
int vdm_journal_begin(struct vdm_journal *j, const json_t *plan, const struct vdm_step *steps,
		      size_t n_steps, int64_t *run_id, struct vdm_error *err);
/* Loads the newest run (*out = NULL when the journal has none). */
int vdm_journal_latest(struct vdm_journal *j, struct vdm_run **out, struct vdm_error *err);
/* Sets a step's state (and error text, NULL clears it) in one transaction; started_at is set
 * when it becomes STARTED, finished_at when DONE or UNDONE; step->facts is written with it.
 * Updates *step to match. */
int vdm_journal_step(struct vdm_journal *j, int64_t run_id, struct vdm_step *step,
		     enum vdm_step_state state, const char *error, struct vdm_error *err);
/* Marks a step DONE with the times it really ran (a command of a batch, as the partition
 * reported them), in one transaction. */
int vdm_journal_step_done_at(struct vdm_journal *j, int64_t run_id, struct vdm_step *step,
			     int64_t started_at, int64_t finished_at, struct vdm_error *err);
int vdm_journal_run_status(struct vdm_journal *j, struct vdm_run *run, const char *status,
			   struct vdm_error *err);

/* Ownership of new disks (issue 9): the engine records a disk as "creating" BEFORE it asks the
 * backend to create it, "created" once the backend said yes, "foreign" when the name was taken
 * by a disk this run did not make. Undo and repair delete only what is recorded as this run's.
 * VDM_DISK_NONE: no record. */
enum vdm_disk_own { VDM_DISK_NONE, VDM_DISK_CREATING, VDM_DISK_CREATED, VDM_DISK_FOREIGN };
int vdm_journal_disk_get(struct vdm_journal *j, int64_t run_id, const char *disk,
			 enum vdm_disk_own *own, struct vdm_error *err);
int vdm_journal_disk_set(struct vdm_journal *j, int64_t run_id, const char *pool,
			 const char *disk, enum vdm_disk_own own, struct vdm_error *err);
/* Whether any run of this journal created `disk` (recorded "created"): 1 with *pool (caller
 * frees), 0 when none did. Repair deletes a delete_later disk only then. */
int vdm_journal_disk_made(struct vdm_journal *j, const char *disk, char **pool,
			  struct vdm_error *err);
/* The tag a run puts on the disks it creates, where the server keeps one (the qemu backend: an
 * extended attribute of the image): unique per run, also across deleted journals. Caller frees. */
char *vdm_run_owner_tag(const struct vdm_run *run);

/* ---- steps (steps_build.c) and engine (steps.c) ---- */

/* The steps that apply plan, in order: per new disk create, map, wait, add PV; per LV per new
 * copy add copy; one wait for sync (when any copy is added); verify. Caller frees with
 * vdm_steps_free. */
int vdm_steps_from_plan(const struct vdm_plan *plan, struct vdm_step **out, size_t *n,
			struct vdm_error *err);
void vdm_steps_free(struct vdm_step *steps, size_t n);

/* The steps that apply a repair plan (plan->lvs[].resync/drop, remove_pvs) made from inv (the
 * drop and resync indexes point into inv's copies; the steps carry disk names, so the journal
 * needs no inventory later), in the order every client needs: resync stale copies in place;
 * create, map, wait and add the new disks; per LV each lost copy replaced by a new one (one
 * replace_copy step: LVM's `lvconvert --repair` and md's add-then-remove both do both halves),
 * surplus lost copies dropped, further new copies added; one wait for sync covering the resyncs
 * and the new copies; the missing PVs removed from the VG; `deletes` (disks of earlier runs'
 * delete_later whose server is back and which hold nothing: the caller decides, n_deletes may be
 * 0) deleted; verify. A mirror plan (no repair fields) gives the same steps as
 * vdm_steps_from_plan. */
struct vdm_delete_later { const char *disk, *pool, *server; };
int vdm_steps_from_repair(const struct vdm_plan *plan, const struct vdm_inventory *inv,
			  const struct vdm_delete_later *deletes, size_t n_deletes,
			  struct vdm_step **out, size_t *n, struct vdm_error *err);

/* What the engine tells its caller while it works (the CLI draws bars or prints JSON). */
enum vdm_event_type {
	VDM_EV_STEP_START, VDM_EV_STEP_DONE, VDM_EV_STEP_SKIP, VDM_EV_STEP_FAIL,
	VDM_EV_SYNC,              /* percent, mib_done, mib_total, mib_per_s, eta_s */
	VDM_EV_UNDO_START, VDM_EV_UNDO_DONE,
	/* the session's (session.h); step is NULL in these */
	VDM_EV_PLAN,              /* plan and inventory: the plan about to be confirmed and run */
	VDM_EV_RESUME,            /* run: an unfinished run that is continued as journaled */
	VDM_EV_NOTE,              /* message: something the user should know, not an error */
};
struct vdm_event {
	enum vdm_event_type type;
	const struct vdm_step *step;
	size_t n_steps;
	const char *message;      /* failure text for STEP_FAIL, the text of NOTE; for UNDO_DONE,
				   * why a disk was kept */
	double percent, mib_done, mib_total, mib_per_s, eta_s;   /* eta_s < 0: unknown */
	const struct vdm_plan *plan;            /* PLAN */
	const struct vdm_inventory *inventory;  /* PLAN: the inventory the plan was made from */
	const struct vdm_run *run;              /* RESUME */
};

struct vdm_apply_ctx {
	struct vdm_backend *backend;
	struct vdm_client *client;      /* the partition's driver, open on its transport */
	bool script;                    /* client and backend write a script: nothing runs */
	/* The verify step: fresh discovery, then the protection rules on every LV of the plan.
	 * Returns 0, or an error with exit_code VDM_EXIT_UNPROTECTED / VDM_EXIT_BACKEND. */
	int (*verify)(void *arg, const json_t *plan, struct vdm_error *err);
	void *verify_arg;
	void (*on_event)(void *arg, const struct vdm_event *ev);
	void *event_arg;
	int64_t wait_disk_timeout_ms;   /* 0 = 60 s */
	int64_t sync_stall_ms;          /* no sync progress for this long fails; 0 = 300 s */
	int64_t sync_poll_ms;           /* 0 = 500 ms */
	/* Crash point for tests, in the syntax of VDMIRROR_FAULT (the front end reads the
	 * variable; the library reads no environment); NULL: none. */
	const char *fault;
	/* When not NULL and non-zero (a signal handler sets it), the run stops before its next
	 * step: the step in flight finishes and is journaled, the run stays unfinished, the
	 * error has kind VDM_ERR_STOPPED. */
	const volatile sig_atomic_t *stop;
	/* (appended) The partition's resync limit while our sync runs, in KiB/s: 0 = as fast as
	 * the disks go (the default), < 0 = leave the admin's limits alone. Raised before the
	 * first add_copy, restored after the sync and on every way out of vdm_apply_run (the
	 * agent restores them by itself if vdmirror dies). */
	int64_t sync_rate_kib;
};

/* Runs the run's steps that are not done, in order, recording each before and after (j NULL:
 * script mode, recorded in memory only; with a script transport the sync wait and the verify
 * step are the script reader's and do nothing here).
 * ctx->fault = "KIND[:N][:ran|:done]" (debugging and tests only) makes the process _exit(99)
 * right after the "started" record of the N-th step of KIND (default 1st); with ":ran" after
 * the step ran but before its "done" record; with ":done" after its "done" record. On a step failure the run becomes "failed", the step keeps
 * its error text, and the error is returned (resume retries that step). */
int vdm_apply_run(struct vdm_apply_ctx *ctx, struct vdm_journal *j, struct vdm_run *run,
		  struct vdm_error *err);

/* True when run is an unfinished repair of lost copies (it has a replace_copy, drop_copy or
 * remove_missing step: its VG has a missing PV) that has begun changing the VG (one of those
 * steps or an add_pv started or done). Such a run cannot be undone: while the VG has a missing
 * PV LVM refuses both `vgreduce VG NEWPV` and `lvconvert -m` ("Cannot change VG while PVs are
 * missing", seen in the lab), and `vgreduce --removemissing --force` would remove every LV
 * still partly on the missing PV, data included (vgreduce(8)); once replace_copy or drop_copy
 * ran, the lost image is out of the LV's metadata (LVM), the failed member out of the array
 * (md), the copy's partitions freed (AIX rmlvcopy) for good. Its undo is to finish it forward
 * (vdm_session_undo_latest): docs/internals/repair.md, "Undo of an unfinished repair". */
bool vdm_run_undo_finishes(const struct vdm_run *run);

/* Reverses every step of run that is done or started, last first (remove copy, remove PV,
 * unmap, delete disk), each recorded as "undone"; the run ends "undone". Safe to repeat after
 * a crash. Repair steps: a replace_copy is undone by removing the new copy (the lost one cannot
 * come back, the surviving copy stays: never the last copy of anything); resync, drop, remove of
 * missing PVs and a delete of an empty disk cannot be reversed and need not be (they removed
 * nothing that held data): undo records them undone and says so. An unfinished run for which
 * vdm_run_undo_finishes() is true is refused (-EBUSY, nothing touched): it is finished instead.
 * A disk is deleted only when the journal records it as this run's (or, after a crash between
 * the create and its record, when the server shows this run's owner tag on it); any other one
 * is kept and the step's error text says so. */
int vdm_apply_undo(struct vdm_apply_ctx *ctx, struct vdm_journal *j, struct vdm_run *run,
		   struct vdm_error *err);

/* ---- checks against a live inventory (check.c) ---- */

/* Refuses (-ESTALE, exit 2) a saved plan the live inventory no longer allows: partition, VG,
 * LV gone or changed (extents, number of copies), a PV the plan uses gone or without the free
 * extents the plan takes from it, a new disk's name already taken, a pool gone or too full. */
int vdm_plan_check_live(const struct vdm_inventory *inv, const struct vdm_plan *plan,
			struct vdm_error *err);

/* The verify rule: every LV of the plan at plan->level or stronger in inv, with
 * plan->copies copies. -EDOM with exit_code VDM_EXIT_UNPROTECTED and a message listing each LV
 * that is not. */
int vdm_plan_verify_inventory(const struct vdm_inventory *inv, const struct vdm_plan *plan,
			      struct vdm_error *err);

#endif
