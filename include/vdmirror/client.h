/* client.h: the partition-side mirror drivers (linux-lvm, linux-md, later aix, ibmi).
 *
 * A driver knows one OS's volume manager and turns mirror steps into commands. It does not
 * run them itself: it hands argv vectors to a struct vdm_exec, which either runs them inside
 * the partition (through the vdmirror agent, or SSH) or writes them to a script for an admin
 * to review. So the same driver code both acts and explains. Names are validated with
 * vdm_name_valid() before they reach any argv.
 *
 * Contract as in backend.h: 0 or negative code with *err set; steps idempotent where the OS
 * allows it (adding a PV that is already in the VG succeeds). Fields are only appended. */
#ifndef VDMIRROR_CLIENT_H
#define VDMIRROR_CLIENT_H

#include <stdint.h>
#include <jansson.h>
#include "vdmirror/error.h"
#include "vdmirror/plan.h"

/* How a driver's commands reach the partition. */
struct vdm_exec {
	void *ctx;
	/* Runs argv in the partition; *out gets stdout (caller frees; may be NULL). Returns the
	 * exit status (>= 0) or a negative code with *err set when it could not run. */
	int (*run)(void *ctx, char *const argv[], int64_t timeout_ms, char **out,
		   struct vdm_error *err);
	/* Optional: a request the transport serves itself (the agent's "disks", "wait_disk",
	 * "report" ...). NULL when the transport has none. */
	int (*request)(void *ctx, const json_t *req, json_t **reply, int64_t timeout_ms,
		       struct vdm_error *err);
	/* Optional: script mode writes commands instead of running them; non-zero then. */
	int scripting;
	void (*close)(void *ctx);
	/* Optional (appended): stderr of the last run, owned by the transport, valid until the
	 * next run or close; NULL when the transport has none. Drivers quote it in errors. */
	const char *(*last_stderr)(void *ctx);
};

/* Script-only argv forms, understood by the "script:" transport alone (every other transport
 * refuses them), so that a driver can write a script whose later steps use a value only known
 * when the admin runs it:
 *   { VDM_EXEC_COMMENT, "text", NULL }          writes "# text"
 *   { VDM_EXEC_CAPTURE, "VAR", "cmd", args..., NULL } writes VAR=${VAR:-$(cmd args...)}
 * and an argument made of ${VAR} references (VAR: [A-Za-z_][A-Za-z0-9_]*) and characters
 * that need no quoting ("${VAR}", "/dev/${VAR}") is written in double quotes (one word). */
#define VDM_EXEC_COMMENT "#"
#define VDM_EXEC_CAPTURE "="

/* One command line from argv for a POSIX or restricted (rksh) shell: arguments made only of
 * [A-Za-z0-9._:/=,@+%-] are written as they are, others in single quotes ('\'' inside).
 * Caller frees. */
char *vdm_shell_join(char *const argv[]);

/* ---- batches: several commands, one round trip (exec_batch.c) ---- */

#define VDM_BATCH_MAX 64   /* commands of one agent "batch" request */

/* What one command of a batch did. */
struct vdm_batch_result {
	int status;                       /* exit status; -1 when it could not run or was killed */
	char *out;                        /* stdout (owned) */
	char *err_text;                   /* stderr, or why it could not run (owned) */
	int64_t started_at, finished_at;  /* host wall clock, unix ms (the journal's clock) */
};

/* Runs cmds[0..n) (each a NULL-terminated argv) in the partition, in order, stopping at the
 * first that cannot run or exits non-zero: in ONE round trip through the agent's "batch"
 * request when x has it, else one x->run per command (same results). res must hold n entries;
 * res[0..*n_done) are filled (the failing command included; free them with
 * vdm_batch_results_free). Returns 0 when all exited 0; -EIO with *err = "`cmd args`: exit N:
 * <stderr>" when one failed (it is res[*n_done - 1]); another negative code when the transport
 * failed, and then *n_done = 0: which commands ran is unknown. timeout_ms is per command. */
int vdm_exec_batch(struct vdm_exec *x, const char *const *const cmds[], size_t n,
		   int64_t timeout_ms, struct vdm_batch_result *res, size_t *n_done,
		   struct vdm_error *err);
void vdm_batch_results_free(struct vdm_batch_result *res, size_t n);

/* Opens a transport to a partition from the address its backend gives
 * (vdm_backend_client_address): "agent:unix:PATH" (the vdmirror agent behind a virtio-serial
 * socket), "ssh:USER@HOST[:PORT]" (libssh, host key checked), "script:PATH" (commands are
 * appended to PATH for an admin to review; nothing runs). Transports are registered by scheme
 * in exec.c. */
int vdm_exec_open(const char *address, struct vdm_exec *x, struct vdm_error *err);
void vdm_exec_close(struct vdm_exec *x);

enum vdm_client_caps {
	VDM_CLIENT_AUTOMATED = 1 << 0,   /* steps can run unattended and be verified */
	VDM_CLIENT_SCRIPT    = 1 << 1,   /* steps can be written as a script */
};

/* One LV's add_copy inside add_copies: the same arguments as add_copy's. */
struct vdm_copy_req {
	const char *lv;
	int copies;
	const struct vdm_plan_copy *copy;
};

struct vdm_client_ops {
	const char *name;                /* "linux-lvm", "linux-md", "aix", "ibmi" */
	unsigned caps;

	/* Fills the "vgs" array of a formats-v1 partition object (disks already listed by the
	 * backend, named as the partition sees them through their serial). */
	int (*discover)(struct vdm_exec *x, json_t *partition, struct vdm_error *err);
	/* Waits until the partition sees disk `disk` (by serial / VIOS-side name). */
	int (*wait_disk)(struct vdm_exec *x, const char *disk, int64_t timeout_ms,
			 struct vdm_error *err);
	int (*add_pv)(struct vdm_exec *x, const char *vg, const char *disk, struct vdm_error *err);
	int (*remove_pv)(struct vdm_exec *x, const char *vg, const char *disk,
			 struct vdm_error *err);
	/* Adds one copy of lv on exactly the PVs of `copy`, so it ends with `copies` copies. */
	int (*add_copy)(struct vdm_exec *x, const char *vg, const char *lv, int copies,
			const struct vdm_plan_copy *copy, struct vdm_error *err);
	/* Removes the copy that sits on the PVs of `copy` (undo). */
	int (*remove_copy)(struct vdm_exec *x, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err);
	/* Sync progress of lv in percent (100 = in sync). */
	int (*sync_status)(struct vdm_exec *x, const char *vg, const char *lv, double *percent,
			   struct vdm_error *err);

	/* Optional (appended): round trips into the partition that do not grow with the LVs. */
	/* add_copy for reqs[0..n) of one VG, in a constant number of round trips (the agent's
	 * batch). res[i] (n entries) gets LV i's outcome, with the times of its command (an LV
	 * that had its copies already: status 0, no command, both times the check's);
	 * *n_done = LVs finished or failed, in order; returns as vdm_exec_batch. */
	int (*add_copies)(struct vdm_exec *x, const char *vg, size_t n,
			  const struct vdm_copy_req *reqs, struct vdm_batch_result *res,
			  size_t *n_done, struct vdm_error *err);
	/* sync_status of lvs[0..n) of one VG in one query. */
	int (*sync_status_all)(struct vdm_exec *x, const char *vg, size_t n,
			       const char *const lvs[], double percent[], struct vdm_error *err);
	/* The partition's resync limit for the sync vdmirror starts: rate_kib KiB/s (0 = as fast
	 * as the disks go), the admin's values saved in the partition first; restore != 0 puts
	 * them back (the agent also does when vdmirror goes away). -ENOTSUP without the agent. */
	int (*sync_rate)(struct vdm_exec *x, int64_t rate_kib, int restore, struct vdm_error *err);
};


/* Compiled-in drivers by name; NULL when unknown. */
const struct vdm_client_ops *vdm_client_find(const char *name);

#endif
