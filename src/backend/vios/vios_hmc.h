/* vios_hmc.h: inside the VIOS backend: the via=hmc way to a VIOS, its padmin commands run
 * through the HMC's viosvrcmd over the backend's own HMC transport (vios_hmc.c). */
#ifndef VDMIRROR_VIOS_HMC_H
#define VDMIRROR_VIOS_HMC_H

#include "vdmirror/error.h"
#include "vdmirror/transport.h"

/* The line the HMC runs for one VIOS command: `viosvrcmd -m SYSTEM -p VIOS -c "CMD"` (HMC
 * manual page viosvrcmd: "-c "command"", an ioscli command, no interactive one). CMD is argv
 * without a leading "ioscli" (viosvrcmd runs ioscli commands itself), its words joined by
 * spaces. Every word of argv, SYSTEM and VIOS must be made of [A-Za-z0-9._:/=,@+%-] only: the
 * string is parsed by the HMC's shell and then again on the VIOS, so nothing that either
 * could read differently ($, quotes, blanks inside a word, ;, |, >) may pass. Returns NULL
 * with *err set otherwise. Caller frees. */
char *vios_hmc_viosvrcmd_line(const char *system, const char *vios, char *const argv[],
			      struct vdm_error *err);

/* A transport (scheme "hmc") to VIOS `vios` of managed system `system` through the already
 * open HMC transport `hmc` (borrowed: close t before hmc). run() sends
 * `viosvrcmd -m SYSTEM -p VIOS -c CMD` as one HMC command; exit status, stdout and stderr are
 * the HMC's (viosvrcmd passes the VIOS command's through). */
int vios_hmc_open(struct vdm_transport *hmc, const char *system, const char *vios,
		  struct vdm_transport *t, struct vdm_error *err);

/* Whether the HMC's answer to a viosvrcmd (stdout `out`, stderr `errout`, either NULL) says
 * the VIOS partition cannot be reached (no RMC connection: down, not activated, its network
 * gone): the line saying so (not NUL-terminated at the line's end: *len bytes of it), else
 * NULL. Discovery then reports that VIOS unreachable instead of failing. */
const char *vios_hmc_vios_down(const char *out, const char *errout, int *len);

#endif
