/* session.h: one mirror session of one partition and volume group: the backend, the client
 * driver and the journal, opened together; discover, plan (or load and re-check a saved plan),
 * run or resume, undo, verify; progress as events. `vdmirror mirror`, `apply` and `undo` are
 * thin front ends on it, and so are `repair`, `watch` and a daemon: the sequence lives here.
 *
 * Contract: every function returns 0 or a negative code with *err set, its kind
 * (error.h, enum vdm_err_kind) saying what failed, which the front end turns into an exit
 * code; nothing here prints, asks or reads the environment: the front end gives the options,
 * answers the confirmation callback and shows the events. */
#ifndef VDMIRROR_SESSION_H
#define VDMIRROR_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "vdmirror/apply.h"
#include "vdmirror/error.h"
#include "vdmirror/model.h"
#include "vdmirror/plan.h"

struct vdm_session;

struct vdm_session_opts {
	const char *backend;          /* compiled-in backend name ("qemu", "vios", ...) */
	const char *config;           /* its configuration, "key=value;..." (backend.h) */
	const char *partition, *vg;   /* valid names (vdm_name_valid) */
	const char *state_dir;        /* journal folder; NULL: /var/lib/vdmirror */
	/* Script mode: every change (backend and client, WAIT_DISK included) is written to this
	 * file instead of being made; nothing is journaled; discovery still reads the live
	 * system. NULL: changes are made. */
	const char *script;
	const char *fault;            /* crash point for tests (apply.h, ctx.fault); NULL: none */
	/* Set to non-zero (by a SIGTERM handler, say) to stop a run before its next step, the
	 * journal keeping it unfinished (kind VDM_ERR_STOPPED); NULL: never. */
	const volatile sig_atomic_t *stop;
	int64_t wait_disk_timeout_ms; /* 0: the engine's default (60 s) */
	int64_t sync_stall_ms;        /* 0: the engine's default (300 s) */
	/* Progress: the engine's step events (apply.h) and the session's own (VDM_EV_PLAN ...). */
	void (*on_event)(void *arg, const struct vdm_event *ev);
	void *event_arg;
	/* Asked once, after the plan is shown and before the first change; returns true to go
	 * on. NULL: go on without asking. A "no" ends the sequence with kind VDM_ERR_DECLINED. */
	bool (*confirm)(void *arg, const char *question);
	void *confirm_arg;
	/* The partition's resync limit while the run's sync goes, in KiB/s (apply.h,
	 * ctx.sync_rate_kib): 0 as fast as the disks go (the default), < 0 the admin's. */
	int64_t sync_rate_kib;
};

/* Opens the backend (kind NOT_FOUND for an unknown name, INPUT for a bad config); the journal
 * and the partition's transport are opened when first needed. *out is freed with
 * vdm_session_close. */
int vdm_session_open(const struct vdm_session_opts *opts, struct vdm_session **out,
		     struct vdm_error *err);
void vdm_session_close(struct vdm_session *s);

/* ---- building blocks (for front ends with their own sequence: repair, watch) ---- */

/* A fresh discovery of the session's partition (backend + client drivers), checked: the
 * partition and the VG exist (else kind NOT_FOUND). Remembers the driver that reported the VG
 * (discover.c, the one driver list). *inv stays owned by the session, valid until the next
 * discovery or close. */
int vdm_session_discover(struct vdm_session *s, const struct vdm_inventory **inv,
			 struct vdm_error *err);
/* Plans req (partition and VG: the session's) on the last discovery. -ENOSPC, kind NOPLAN,
 * with *np filled when no valid plan exists. */
int vdm_session_plan(struct vdm_session *s, const struct vdm_request *req,
		     struct vdm_plan **plan, struct vdm_noplan *np, struct vdm_error *err);
/* Re-checks a saved plan against the last discovery (check.c): kind STALE when the world
 * moved under it; kind INPUT when it is for another partition or VG. */
int vdm_session_check_plan(struct vdm_session *s, const struct vdm_plan *plan,
			   struct vdm_error *err);
/* The journal's newest run (NULL when none); owned by the session. Not in script mode. */
int vdm_session_latest(struct vdm_session *s, const struct vdm_run **run, struct vdm_error *err);
/* Makes plan the session's run: journaled with its steps (script mode: in memory only). */
int vdm_session_begin(struct vdm_session *s, const struct vdm_plan *plan, struct vdm_error *err);
/* Runs (or resumes) the session's run to its end: opens the partition's transport (the
 * script's in script mode) for the driver that reported the VG, then every step not done, the
 * verify step last. On failure the journal keeps the run (kind as the step failed: BACKEND,
 * UNPROTECTED from verify). */
int vdm_session_run(struct vdm_session *s, struct vdm_error *err);
/* Reverses the session's run (the newest one if none was begun), last step first. */
int vdm_session_undo(struct vdm_session *s, struct vdm_error *err);
/* A fresh discovery, then every LV of plan (JSON, formats v1) at its level with its copies:
 * 0, or kind UNPROTECTED listing the LVs that are not. */
int vdm_session_verify(struct vdm_session *s, const json_t *plan, struct vdm_error *err);

/* ---- whole sequences (the front ends) ---- */

enum vdm_session_outcome {
	VDM_SESSION_DONE,             /* a run went to its end and verified */
	VDM_SESSION_VERIFIED,         /* nothing to create: verified as it is (not journaled) */
	VDM_SESSION_DRY_RUN,          /* planned and shown, nothing changed */
	VDM_SESSION_SCRIPTED,         /* written to the script, nothing changed */
	VDM_SESSION_UNDONE,           /* the newest run undone */
	VDM_SESSION_NOTHING_TO_UNDO,  /* no run, or the newest already undone */
	VDM_SESSION_WAITING,          /* repair: only lost copies still waiting for their disks
				       * (res.wait_s), nothing changed */
};

struct vdm_session_result {
	enum vdm_session_outcome outcome;
	const struct vdm_run *run;    /* the run begun, resumed or undone (owned by the session) */
	bool ran;                     /* the engine was started: a failure left the run journaled */
	bool resumed;
	json_t *plan;                 /* the plan applied (borrowed; VERIFIED: the plan checked) */
	double seconds, sync_seconds; /* of the engine run: all, and the WAIT_SYNC step */
	struct vdm_noplan noplan;     /* on kind NOPLAN from vdm_session_mirror */
	int64_t wait_s;               /* repair: seconds the longest waiting copy still waits */
};

enum vdm_mirror_flags {
	VDM_MIRROR_DRY_RUN = 1 << 0,      /* discover, plan, show the plan; change nothing */
	VDM_MIRROR_RESUME_ONLY = 1 << 1,  /* only continue an unfinished run (else NOT_FOUND) */
};

/* vdmirror mirror: an unfinished run of the VG is resumed as the journal planned it (a note
 * event says so when req asks for another level or copies); a half-undone one is refused
 * (BUSY). Else: discover, plan (event VDM_EV_PLAN), confirm, journal, run, verify; with nothing
 * to create only the verify. */
int vdm_session_mirror(struct vdm_session *s, const struct vdm_request *req, unsigned flags,
		       struct vdm_session_result *res, struct vdm_error *err);
/* vdmirror repair: an unfinished run of the VG is resumed as journaled (mirror or repair);
 * else discover (unreachable servers and missing disks are reported, not failures), clean up
 * (delete_later disks of the newest run whose server is back: deleted when a run of this
 * journal created them and the partition holds nothing on them, else kept with a note; those
 * whose server is still away are carried into the new plan), plan with vdm_plan_repair at time
 * `now` (req->wait_for_return_s), show, confirm, journal, run, verify. Nothing broken: verified
 * as it is (VERIFIED); only copies waiting for their disks: WAITING with res->wait_s and a note
 * saying how long. No valid place: kind NOPLAN, res->noplan, nothing changed. */
int vdm_session_repair(struct vdm_session *s, const struct vdm_request *req, int64_t now,
		       unsigned flags, struct vdm_session_result *res, struct vdm_error *err);
/* vdmirror apply: a saved plan, refused (BUSY) while the VG has an unfinished or half-undone
 * run, re-checked against a fresh discovery (STALE), shown, confirmed, journaled, run. */
int vdm_session_apply(struct vdm_session *s, const struct vdm_plan *plan,
		      struct vdm_session_result *res, struct vdm_error *err);
/* vdmirror undo: the newest run of the journal, whatever its state; the partition is asked
 * only when a client step needs reversing. An unfinished repair run of lost copies that has
 * begun changing the VG (vdm_run_undo_finishes) is finished instead, after a NOTE event: outcome
 * DONE with res->resumed. */
int vdm_session_undo_latest(struct vdm_session *s, struct vdm_session_result *res,
			    struct vdm_error *err);

/* vdmirror watch without a VG: which VGs of `partition` it looks after, before any session
 * (a session is one VG). The mirrored ones: a VG with an LV of two copies or more (made by
 * vdmirror or by hand); a VG without has nothing a repair could restore. One discovery
 * (vdm_discover) through backend `backend` with `config`; nothing journaled. *names: a JSON
 * array of the VG names in discovery order, empty when none (caller decrefs). Errors: kind
 * INPUT for a partition name that is not valid, else the backend's open or the discovery's. */
int vdm_session_mirrored_vgs(const char *backend, const char *config, const char *partition,
			     json_t **names, struct vdm_error *err);

#endif
