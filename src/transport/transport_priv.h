/* transport_priv.h: what the transports of src/transport share inside the library (not a
 * public contract): each scheme's open function for transport.c's table, and quoting. */
#ifndef VDMIRROR_TRANSPORT_PRIV_H
#define VDMIRROR_TRANSPORT_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include "vdmirror/transport.h"
#include "vdmirror/util.h"

/* One per scheme: `rest` is the address after "scheme:". */
int vdm_transport_agent_open(const char *rest, const struct vdm_transport_opts *opts,
			     struct vdm_transport *t, struct vdm_error *err);
int vdm_transport_ssh_addr_open(const char *rest, const struct vdm_transport_opts *opts,
				struct vdm_transport *t, struct vdm_error *err);
int vdm_transport_script_open(const char *rest, const struct vdm_transport_opts *opts,
			      struct vdm_transport *t, struct vdm_error *err);
int vdm_transport_replay_open(const char *rest, const struct vdm_transport_opts *opts,
			      struct vdm_transport *t, struct vdm_error *err);
int vdm_transport_local_open(const char *rest, const struct vdm_transport_opts *opts,
			     struct vdm_transport *t, struct vdm_error *err);

/* Appends arg to b, single-quoted unless it is made of safe characters only. */
void vdm_shell_quote_to(struct strbuf *b, const char *arg);

#define VDM_TRANSPORT_MAX_OUTPUT (4u << 20)   /* default cap on a command's stdout, stderr */

#endif
