/* vios_degrade.h: inside the VIOS backend: what discovery keeps of what is not a vSCSI disk
 * (NPIV adapters from lsmap -npiv, optical and file-backed target devices), so that a
 * production system is reported instead of refused (vios_degrade.c). */
#ifndef VDMIRROR_VIOS_DEGRADE_H
#define VDMIRROR_VIOS_DEGRADE_H

#include <stdint.h>
#include <jansson.h>
#include "vdmirror/error.h"
#include "vdmirror/util.h"
#include "vios.h"

/* lsmap -all -npiv -fmt : ; one virtual FC server adapter per line:
 * name:physloc:clntid:clntname:clntos:status:fc:fcphysloc:ports:flags:vfcclient:vfcclientdrc.
 * Read: name, physloc (its -C slot), clntid (decimal or 0x hex; 0: no client), status
 * (LOGGED_IN...), and the client adapter's slot from the last location code (-C31).
 * Parsed in vios_parse.c, with lsmap's field splitting. */
struct vios_vfchost {
	char *name, *status;
	int64_t clientid, slot, client_slot;   /* -1 when unknown */
};
typedef VEC(struct vios_vfchost) vios_vfchosts;
int vios_parse_lsmap_npiv(const char *text, vios_vfchosts *out, struct vdm_error *err);
void vios_vfchosts_free(vios_vfchosts *v);

/* What a target device is to discovery. */
enum vios_vtd_kind {
	VIOS_VTD_DISK,       /* a backing device that may be a disk */
	VIOS_VTD_OPTICAL,    /* vtopt*, an empty backing (no media) or an .iso: never a disk */
	VIOS_VTD_FILE,       /* a backing given as a path: a file outside every pool's BDs */
};
enum vios_vtd_kind vios_vtd_kind(const struct vios_vtd *vt);

/* Records on the partition object that `server` serves one of the partition's virtual FC
 * adapters: a path (server, adapter = the vfchost, server_slot, client_slot) appended to the
 * partition's "npiv_locator", a disk locator (model.h) of its virtual FC paths. The AIX driver
 * reads it with vdm_locator_from_json to give each NPIV disk the paths of its client slot. */
void vios_npiv_record(json_t *partition, const char *server, const struct vios_vfchost *v);

#endif
