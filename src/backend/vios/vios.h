/* vios.h: inside the VIOS backend: the parsed forms of the padmin commands it runs and their
 * parsers (vios_parse.c), so that unit tests and fuzz targets reach each parser alone.
 *
 * Every parser takes the whole output of one command and returns 0 or -EINVAL/-EPROTO with
 * *err naming the command, the line and what was wrong (a short line means truncated output).
 * Results are appended to caller-owned vectors; free them with the matching *_free. */
#ifndef VDMIRROR_VIOS_H
#define VDMIRROR_VIOS_H

#include <stddef.h>
#include <stdint.h>
#include "vdmirror/error.h"
#include "vdmirror/util.h"

/* lssp -field pool size free alloc bds type -fmt : */
struct vios_pool {
	char *name, *type;          /* type: LVPOOL, FBPOOL, ... */
	int64_t size_mib, free_mib, alloc_mib;
	int64_t bds;
};
typedef VEC(struct vios_pool) vios_pools;

/* lssp -detail -sp P -field pvname pvid size -fmt : */
struct vios_pool_pv { char *pvname, *pvid; int64_t size_mib; };
typedef VEC(struct vios_pool_pv) vios_pool_pvs;

/* lssp -bd -sp P -field bdname size vtd svsa -fmt : ; vtd/svsa NULL when "None" */
struct vios_bd { char *name, *vtd, *svsa; int64_t size_mib; };
typedef VEC(struct vios_bd) vios_bds;

/* lspv: NAME PVID VG STATUS ; pvid NULL for "none", vg NULL for "None" */
struct vios_pv { char *name, *pvid, *vg, *status; };
typedef VEC(struct vios_pv) vios_pvs;

/* lsmap -all -fmt : ; svsa:physloc:clientid(:vtd:status:lun:backing:bdphysloc:mirrored)* */
struct vios_vtd { char *vtd, *status, *lun, *backing, *bdphysloc, *mirrored; };
struct vios_vhost {
	char *svsa, *physloc;
	int64_t clientid;           /* decimal value of the hex id; 0: no client */
	int64_t slot;               /* from physloc "-C81": 81; -1 when absent */
	struct vios_vtd *vtds;
	size_t n_vtds;
};
typedef VEC(struct vios_vhost) vios_vhosts;

/* HMC lshwres -r virtualio --rsubtype scsi: key=value,... per adapter */
struct vios_hwres {
	char *lpar_name, *remote_lpar_name, *adapter_type;
	int64_t lpar_id, slot_num, remote_lpar_id, remote_slot_num;
};
typedef VEC(struct vios_hwres) vios_hwress;

int vios_parse_lssp(const char *text, vios_pools *out, struct vdm_error *err);
int vios_parse_lssp_detail(const char *text, vios_pool_pvs *out, struct vdm_error *err);
int vios_parse_lssp_bd(const char *text, vios_bds *out, struct vdm_error *err);
int vios_parse_lspv(const char *text, vios_pvs *out, struct vdm_error *err);
int vios_parse_lsmap(const char *text, vios_vhosts *out, struct vdm_error *err);
int vios_parse_lshwres(const char *text, vios_hwress *out, struct vdm_error *err);

void vios_pools_free(vios_pools *v);
void vios_pool_pvs_free(vios_pool_pvs *v);
void vios_bds_free(vios_bds *v);
void vios_pvs_free(vios_pvs *v);
void vios_vhosts_free(vios_vhosts *v);
void vios_hwress_free(vios_hwress *v);

/* The one message for a failed padmin command: known AIX/VIOS error numbers get a sentence
 * ("pool vios2/rootvg_sp full: ..."); returns a negative code (-ENOSPC for 0516-404). */
int vios_explain(struct vdm_error *err, const char *server, const char *pool, const char *cmd,
		 int rc, const char *out, const char *errout);

/* Names that reach a VIOS command line: [A-Za-z0-9][A-Za-z0-9._-]{0,14} (AIX device and LV
 * names are at most 15 characters). */
int vios_name_ok(const char *name);

#endif
