/* transport.h: how commands reach a machine (a partition, a VIOS, the HMC, this host), below
 * both the storage backends and the client drivers. A transport runs argv vectors and returns
 * their exit status, stdout and stderr, each with a deadline and a size cap; the script
 * transport writes them for an admin instead, the replay transport answers from recorded
 * outputs. Docs: docs/internals/transport.md.
 *
 * Contract: 0 or a negative code with *err set; ownership: the opener closes. Fields of the
 * structs below are only ever appended. */
#ifndef VDMIRROR_TRANSPORT_H
#define VDMIRROR_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "vdmirror/error.h"

/* An open transport. Callers use the vdm_transport_* functions below, not the slots. */
struct vdm_transport {
	void *ctx;
	/* Runs argv; *out gets stdout (caller frees; may be NULL). Returns the exit status
	 * (>= 0) or a negative code with *err set when it could not run. */
	int (*run)(void *ctx, char *const argv[], int64_t timeout_ms, char **out,
		   struct vdm_error *err);
	/* Optional: a request the transport serves itself (the agent's "disks", "wait_disk",
	 * "report" ...). NULL when the transport has none. */
	int (*request)(void *ctx, const json_t *req, json_t **reply, int64_t timeout_ms,
		       struct vdm_error *err);
	/* Non-zero for the script transport: commands are written, not run. */
	int scripting;
	void (*close)(void *ctx);
	/* Optional: stderr of the last run, owned by the transport, valid until the next run or
	 * close; NULL when the transport has none. */
	const char *(*last_stderr)(void *ctx);
	const char *scheme;       /* "agent", "ssh", "script", "replay", "local" */
};

/* Options a caller (the CLI, a backend's config) passes; zero / NULL fields take defaults.
 * Transports never read the environment. */
struct vdm_transport_opts {
	const char *ssh_key;            /* private key file; NULL: libssh's ~/.ssh/id_* */
	const char *ssh_known_hosts;    /* the only known_hosts file consulted; NULL: ~/.ssh's */
	int64_t connect_timeout_ms;     /* default 10 s */
	size_t max_output;              /* cap on stdout and on stderr of one command, 4 MiB */
};

/* Opens a transport from an address:
 *   "agent:unix:PATH"        the vdmirror agent behind a virtio-serial socket
 *   "ssh:USER@HOST[:PORT]"   libssh, key login only, host key checked against known_hosts
 *   "script:PATH"            commands are written to PATH, a new file (O_EXCL, no symlink,
 *                            mode 0700) that starts with "#!/bin/sh" and "set -eu"; the
 *                            transport refuses a path that exists. "script:/dev/null" discards.
 *   "replay:DIR"             answers from outputs recorded in DIR (docs/internals/vios.md)
 *   "local:"                 runs commands on this machine (fork/exec, no shell)
 * with the default options. */
int vdm_transport_open(const char *address, struct vdm_transport *t, struct vdm_error *err);
/* The same with options (NULL: the defaults above). */
int vdm_transport_open_opts(const char *address, const struct vdm_transport_opts *opts,
			    struct vdm_transport *t, struct vdm_error *err);
/* The ssh transport without an address string (the VIOS backend's servers and HMC). */
int vdm_transport_ssh_open(const char *user, const char *host, int port,
			   const struct vdm_transport_opts *opts, struct vdm_transport *t,
			   struct vdm_error *err);
/* Closes t (if open) and zeroes it; safe on a zeroed struct. */
void vdm_transport_close(struct vdm_transport *t);

/* Runs argv through t (see the run slot). */
int vdm_transport_run(struct vdm_transport *t, char *const argv[], int64_t timeout_ms,
		      char **out, struct vdm_error *err);
/* The request slot, or -ENOTSUP with *err set when t has none. */
int vdm_transport_request(struct vdm_transport *t, const json_t *req, json_t **reply,
			  int64_t timeout_ms, struct vdm_error *err);
/* stderr of the last run, or NULL. */
const char *vdm_transport_last_stderr(struct vdm_transport *t);
/* True when t writes a script instead of running commands. */
int vdm_transport_scripting(const struct vdm_transport *t);

/* ---- batches: several commands, one round trip (batch.c) ---- */

#define VDM_BATCH_MAX 64   /* commands of one agent "batch" request */

/* What one command of a batch did. */
struct vdm_batch_result {
	int status;                       /* exit status; -1 when it could not run or was killed */
	char *out;                        /* stdout (owned) */
	char *err_text;                   /* stderr, or why it could not run (owned) */
	int64_t started_at, finished_at;  /* host wall clock, unix ms (the journal's clock) */
};

/* Runs cmds[0..n) (each a NULL-terminated argv) through t, in order, stopping at the first
 * that cannot run or exits non-zero: in ONE round trip through the agent's "batch" request
 * when t serves it, else one vdm_transport_run per command (SSH, script mode, an older
 * agent), with the same results. res must hold n entries; res[0..*n_done) are filled (the
 * failing command included; free them with vdm_batch_results_free). Returns 0 when all
 * exited 0; -EIO with *err = "`cmd args`: exit N: <stderr>" when one failed (it is
 * res[*n_done - 1]); another negative code when the transport failed, and then *n_done = 0:
 * which commands ran is unknown. timeout_ms is per command. */
int vdm_transport_batch(struct vdm_transport *t, const char *const *const cmds[], size_t n,
			int64_t timeout_ms, struct vdm_batch_result *res, size_t *n_done,
			struct vdm_error *err);
void vdm_batch_results_free(struct vdm_batch_result *res, size_t n);

/* Script-only argv forms, understood by the script transport alone (every other transport
 * refuses them), so that a driver can write a script whose later steps use a value only known
 * when the admin runs it:
 *   { VDM_SCRIPT_COMMENT, "text", NULL }             writes "# text"
 *   { VDM_SCRIPT_CAPTURE, "VAR", "cmd", args..., NULL } writes VAR=${VAR:-$(cmd args...)}
 * and an argument made of ${VAR} references (VAR: [A-Za-z_][A-Za-z0-9_]*) and characters
 * that need no quoting ("${VAR}", "/dev/${VAR}") is written in double quotes (one word). */
#define VDM_SCRIPT_COMMENT "#"
#define VDM_SCRIPT_CAPTURE "="
/* Non-zero when argv is one of the script-only forms. */
int vdm_script_only(char *const argv[]);

/* One command line from argv for a POSIX or restricted (rksh) shell: arguments made only of
 * [A-Za-z0-9._:/=,@+%-] are written as they are, others in single quotes ('\'' inside).
 * Caller frees. */
char *vdm_shell_join(char *const argv[]);

/* The file name a recorded output of command line `cmdline` has in a replay folder: every
 * character outside [A-Za-z0-9.-] becomes '_' (tests/vios/recorder.sh does the same).
 * Caller frees. */
char *vdm_replay_key(const char *cmdline);

#endif
