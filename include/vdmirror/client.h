/* client.h: the partition-side mirror drivers (linux-lvm, linux-md, aix, ibmi).
 *
 * A driver knows one OS's volume manager and turns mirror steps into commands. It does not
 * run them itself: it hands argv vectors to a struct vdm_transport (transport.h), which either
 * runs them inside the partition (through the vdmirror agent, or SSH) or writes them to a
 * script for an admin to review. So the same driver code both acts and explains. Names are
 * validated with vdm_name_valid() before they reach any argv.
 *
 * Per-open state: ops->open gives a handle, every call takes it, ops->close frees it; a driver
 * keeps no state outside its handles. What a step learns that a later step needs (AIX: the
 * hdisk a new disk became) is returned as that step's facts, which the engine journals and
 * hands back through recall in a process that did not run the step.
 *
 * Contract as in backend.h: 0 or negative code with *err set; steps idempotent where the OS
 * allows it (adding a PV that is already in the VG succeeds). Callers go through the
 * vdm_client_* wrappers, which check that contract. Fields are only appended. */
#ifndef VDMIRROR_CLIENT_H
#define VDMIRROR_CLIENT_H

#include <stdint.h>
#include <jansson.h>
#include "vdmirror/error.h"
#include "vdmirror/model.h"
#include "vdmirror/transport.h"

enum vdm_client_caps {
	VDM_CLIENT_AUTOMATED = 1 << 0,   /* steps can run unattended and be verified */
	VDM_CLIENT_SCRIPT    = 1 << 1,   /* steps can be written as a script */
};

struct vdm_plan;   /* plan.h */

/* One LV's add_copy inside add_copies: the same arguments as add_copy's. */
struct vdm_copy_req {
	const char *lv;
	int copies;
	const struct vdm_plan_copy *copy;
};

struct vdm_client_ops {
	const char *name;                /* "linux-lvm", "linux-md", "aix", "ibmi" */
	unsigned caps;

	/* t is borrowed: it stays open until after close(handle). */
	int (*open)(struct vdm_transport *t, void **handle, struct vdm_error *err);
	void (*close)(void *handle);

	/* Fills the "vgs" array of a formats-v1 partition object (disks already listed by the
	 * backend, each with its "locator", named as the partition sees them). */
	int (*discover)(void *h, json_t *partition, struct vdm_error *err);
	/* Waits until the partition sees disk `disk` (by serial / VIOS-side name). May add what
	 * it learned about the disk to `facts` (an object; AIX: {"hdisk": "hdisk7"}). */
	int (*wait_disk)(void *h, const char *disk, int64_t timeout_ms, json_t *facts,
			 struct vdm_error *err);
	int (*add_pv)(void *h, const char *vg, const char *disk, struct vdm_error *err);
	int (*remove_pv)(void *h, const char *vg, const char *disk, struct vdm_error *err);
	/* Adds one copy of lv on exactly the PVs of `copy`, so it ends with `copies` copies. */
	int (*add_copy)(void *h, const char *vg, const char *lv, int copies,
			const struct vdm_plan_copy *copy, struct vdm_error *err);
	/* Removes the copy that sits on the PVs of `copy` (undo). */
	int (*remove_copy)(void *h, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err);
	/* Sync progress of lv in percent (100 = in sync). */
	int (*sync_status)(void *h, const char *vg, const char *lv, double *percent,
			   struct vdm_error *err);
	/* Optional: the facts an earlier wait_disk of `disk` returned, handed back in a new
	 * process (resume, undo). */
	int (*recall)(void *h, const char *disk, const json_t *facts, struct vdm_error *err);

	/* ---- repair (optional; NULL: the driver cannot do it, the step fails -ENOTSUP) ---- */
	/* Brings the stale copy of lv on the PVs of `copy` (whose disks are present again) back
	 * into the mirror in place, no new space; returns once the resync runs (sync_status
	 * follows it). Idempotent: a copy in sync or resyncing is left alone. */
	int (*resync_copy)(void *h, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err);
	/* Replaces the lost copy of lv (its disks `lost` are missing) by a new copy on exactly the
	 * PVs of `copy`; lv keeps `copies` copies. Idempotent: done when lv has `copies` copies
	 * and none of them on a missing disk. */
	int (*replace_copy)(void *h, const char *vg, const char *lv, int copies,
			    const struct vdm_plan_copy *lost, const struct vdm_plan_copy *copy,
			    struct vdm_error *err);
	/* Removes the lost copy of lv on the missing disks `lost`, leaving `copies` copies. */
	int (*drop_copy)(void *h, const char *vg, const char *lv, int copies,
			 const struct vdm_plan_copy *lost, struct vdm_error *err);
	/* Removes the missing PVs `disks` (they hold nothing any more) from the VG. */
	int (*remove_missing)(void *h, const char *vg, const char *const *disks, size_t n,
			      struct vdm_error *err);
	/* Disk `disk` of vg is visible in the partition again (its server is back) while the
	 * volume manager still records it missing: take it back as it was, no data written
	 * (LVM: `vgextend --restoremissing`). Idempotent; a disk still not readable: -EAGAIN. */
	int (*restore_pv)(void *h, const char *vg, const char *disk, struct vdm_error *err);
	/* Optional (appended): round trips into the partition that do not grow with the LVs. */
	/* add_copy for reqs[0..n) of one VG, in a constant number of round trips (the agent's
	 * batch, vdm_transport_batch). res[i] (n entries) gets LV i's outcome, with the times of
	 * its command (an LV that had its copies already: status 0, no command, both times the
	 * check's); *n_done = LVs finished or failed, in order; returns as vdm_transport_batch. */
	int (*add_copies)(void *h, const char *vg, size_t n, const struct vdm_copy_req *reqs,
			  struct vdm_batch_result *res, size_t *n_done, struct vdm_error *err);
	/* sync_status of lvs[0..n) of one VG in one query. While the sync is still under way the
	 * driver may hold its answer up to wait_ms, and answers as soon as every LV is in sync:
	 * the caller's poll then sees the end when it happens, not at its next tick (0 = answer
	 * now; a driver that cannot wait answers now too, and the caller sleeps the rest). */
	int (*sync_status_all)(void *h, const char *vg, size_t n, const char *const lvs[],
			       int64_t wait_ms, double percent[], struct vdm_error *err);
	/* The partition's resync limit for the sync vdmirror starts: rate_kib KiB/s (0 = as fast
	 * as the disks go), the admin's values saved in the partition first; restore != 0 puts
	 * them back (the agent also does when vdmirror goes away). -ENOTSUP without the agent. */
	int (*sync_rate)(void *h, int64_t rate_kib, int restore, struct vdm_error *err);
	/* Optional (appended): before a run's first step (and again on resume), from the
	 * partition object the last discovery gave (formats v1 plus the driver's own fields) and
	 * the plan: checks that the volume group's own rules can hold the plan and keeps what the
	 * steps need (AIX: mirror pools, super-strict LVs). A refusal comes before anything is
	 * created or changed. Reads nothing from the partition, so script mode gets it too. */
	int (*prepare)(void *h, const json_t *partition, const struct vdm_plan *plan,
		       struct vdm_error *err);
};


/* Compiled-in drivers by name; NULL when unknown. */
const struct vdm_client_ops *vdm_client_find(const char *name);

/* One open driver on one transport. */
struct vdm_client {
	const struct vdm_client_ops *ops;
	void *handle;
};

/* Opens driver `name` on t (borrowed: close the client first). -ENOENT for an unknown name. */
int vdm_client_open(const char *name, struct vdm_transport *t, struct vdm_client *c,
		    struct vdm_error *err);
/* Closes c (if open) and zeroes it; safe on a zeroed struct. */
void vdm_client_close(struct vdm_client *c);
int vdm_client_discover(struct vdm_client *c, json_t *partition, struct vdm_error *err);
int vdm_client_wait_disk(struct vdm_client *c, const char *disk, int64_t timeout_ms,
			 json_t *facts, struct vdm_error *err);
int vdm_client_add_pv(struct vdm_client *c, const char *vg, const char *disk,
		      struct vdm_error *err);
int vdm_client_remove_pv(struct vdm_client *c, const char *vg, const char *disk,
			 struct vdm_error *err);
int vdm_client_add_copy(struct vdm_client *c, const char *vg, const char *lv, int copies,
			const struct vdm_plan_copy *copy, struct vdm_error *err);
int vdm_client_remove_copy(struct vdm_client *c, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err);
int vdm_client_sync_status(struct vdm_client *c, const char *vg, const char *lv,
			   double *percent, struct vdm_error *err);
/* Succeeds without a word when the driver has no recall slot (it learns nothing). */
int vdm_client_recall(struct vdm_client *c, const char *disk, const json_t *facts,
		      struct vdm_error *err);
/* The repair slots; -ENOTSUP naming the driver when it has none. */
int vdm_client_resync_copy(struct vdm_client *c, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err);
int vdm_client_replace_copy(struct vdm_client *c, const char *vg, const char *lv, int copies,
			    const struct vdm_plan_copy *lost, const struct vdm_plan_copy *copy,
			    struct vdm_error *err);
int vdm_client_drop_copy(struct vdm_client *c, const char *vg, const char *lv, int copies,
			 const struct vdm_plan_copy *lost, struct vdm_error *err);
int vdm_client_remove_missing(struct vdm_client *c, const char *vg, const char *const *disks,
			      size_t n, struct vdm_error *err);
/* Succeeds without a word when the driver has no restore_pv slot (nothing to restore). */
int vdm_client_restore_pv(struct vdm_client *c, const char *vg, const char *disk,
			  struct vdm_error *err);
/* The optional slots below are -ENOTSUP when the driver lacks them: callers fall back to
 * add_copy / sync_status one LV at a time, or run the sync at the partition's own limit. */
int vdm_client_add_copies(struct vdm_client *c, const char *vg, size_t n,
			  const struct vdm_copy_req *reqs, struct vdm_batch_result *res,
			  size_t *n_done, struct vdm_error *err);
int vdm_client_sync_status_all(struct vdm_client *c, const char *vg, size_t n,
			       const char *const lvs[], int64_t wait_ms, double percent[],
			       struct vdm_error *err);
int vdm_client_sync_rate(struct vdm_client *c, int64_t rate_kib, int restore,
			 struct vdm_error *err);
/* Succeeds without a word when the driver has no prepare slot (its VGs have no rules beyond
 * what the planner knows). */
int vdm_client_prepare(struct vdm_client *c, const json_t *partition, const struct vdm_plan *plan,
		       struct vdm_error *err);
/* The one retry rule for a disk whose server just came back: its first I/Os still fail for a
 * few seconds (docs/internals/lab.md, "When a server comes back": 1-4 failed reads within
 * 0.3-2.5 s), so whoever takes such a disk back (the session before it plans a repair, a
 * driver's resync_copy) tries again before calling it still away. Loop as
 * `for (int t = 0; vdm_client_returning_try(t); t++)`: true for attempts 0 to
 * VDM_RETURNING_TRIES - 1, after sleeping VDM_RETURNING_GAP_MS before each but the first. */
#define VDM_RETURNING_TRIES 5
#define VDM_RETURNING_GAP_MS 2000
bool vdm_client_returning_try(int attempt);
/* Non-zero when the open driver has slot add_copies / sync_status_all / sync_rate. */
int vdm_client_has_add_copies(const struct vdm_client *c);
int vdm_client_has_sync_status_all(const struct vdm_client *c);

#endif
