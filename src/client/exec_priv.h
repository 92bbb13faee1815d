/* exec_priv.h: what the transports of src/client share inside the library (not a public
 * contract): their open functions for exec.c's table, quoting, and the SSH options the VIOS
 * backend passes without going through an address string. */
#ifndef VDMIRROR_EXEC_PRIV_H
#define VDMIRROR_EXEC_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include "vdmirror/client.h"
#include "vdmirror/util.h"

int vdm_exec_ssh_open(const char *rest, struct vdm_exec *x, struct vdm_error *err);
int vdm_exec_script_open(const char *rest, struct vdm_exec *x, struct vdm_error *err);
int vdm_exec_replay_open(const char *rest, struct vdm_exec *x, struct vdm_error *err);

/* Appends arg to b, single-quoted unless it is made of safe characters only. */
void vdm_shell_quote_to(struct strbuf *b, const char *arg);
/* Non-zero when argv is one of the script-only forms (VDM_EXEC_COMMENT, VDM_EXEC_CAPTURE). */
int vdm_exec_script_only(char *const argv[]);

/* SSH options. Unset fields (NULL / 0) fall back to the environment (VDMIRROR_SSH_KEY,
 * VDMIRROR_SSH_KNOWN_HOSTS, VDMIRROR_SSH_TIMEOUT in seconds), then to libssh's defaults
 * (~/.ssh/id_*, ~/.ssh/known_hosts). */
struct vdm_ssh_opts {
	const char *key;            /* private key file */
	const char *known_hosts;    /* known_hosts file: the host key MUST be in it */
	int64_t connect_timeout_ms; /* default 10 s */
	size_t max_output;          /* cap on stdout and on stderr of one command, default 4 MiB */
};
int vdm_exec_ssh_open_opts(const char *user, const char *host, int port,
			   const struct vdm_ssh_opts *opts, struct vdm_exec *x,
			   struct vdm_error *err);

/* The file name a recorded output of command line `cmdline` has in a replay folder: every
 * character outside [A-Za-z0-9.-] becomes '_' (tests/vios/recorder.sh does the same). */
char *vdm_replay_key(const char *cmdline);

#endif
