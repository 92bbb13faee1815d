/* aix_priv.h: what aix.c, aix_discover.c and aix_repair.c share inside the aix driver. */
#ifndef VDMIRROR_AIX_PRIV_H
#define VDMIRROR_AIX_PRIV_H

#include <stdbool.h>
#include <string.h>
#include <jansson.h>
#include "vdmirror/client.h"
#include "vdmirror/model.h"
#include "vdmirror/plan.h"
#include "vdmirror/transport.h"
#include "aix.h"
#include "aix_map.h"

#define AIX_TIMEOUT_MS 120000

/* AIX device, VG and LV names: at most 15 characters, no ':' or '/'. */
#define aix_name_ok(s) vdm_name_valid_short((s), 15)

/* New disks are known to vdmirror by their VIOS-side name, and to AIX by the hdisk that
 * cfgmgr made: wait_disk learns the pair (and returns it as the step's facts, so a resume or
 * undo in another process gets it back through recall). */
struct aix_known_e { char *disk, *hdisk; };

/* One open of the driver: everything a run learns lives here, nothing in static storage. */
struct aix_handle {
	struct vdm_transport *t;
	int scripting;
	/* hdisks the partition had at discovery (or at open): a disk that appears after the
	 * mapping is one that is not among them */
	vdm_words seen;
	bool seen_valid;
	VEC(struct aix_known_e) known;
	/* what this handle already did once: script variables set (HD_<disk>), quorum turned
	 * off ("quorum:VG"), a VG varied on again ("varyon:VG") */
	vdm_words done;
	/* hdisk -> PVID of every PV lspv listed (disk = hdisk, hdisk = PVID): reducevg of a PV
	 * whose hdisk AIX has forgotten since takes the PVID */
	VEC(struct aix_known_e) pvids;
	bool noted;          /* script: the "runs on the partition" note is written */
	struct aix_map_state map;   /* mklvcopy -m map files: allocators, the map folder */
	/* from prepare (the VG of the run as discovered): its object, its mirror pool
	 * strictness, and the pool each new disk joins ({disk: pool}, empty without pools) */
	json_t *vgj;
	enum aix_mp_strict mps;
	json_t *disk_pool;
	/* why the partition's shell could not run the discovery loop (aix_each_run), empty while
	 * it could: then every later object is asked one command at a time */
	char each_broken[240];
};

static inline bool words_has(const vdm_words *w, const char *s)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->v[i], s))
			return true;
	return false;
}

static inline void words_add(vdm_words *w, const char *s)
{
	if (!words_has(w, s))
		VEC_PUSH(w, xstrdup(s));
}

/* aix.c */
void aix_pvids_note(struct aix_handle *x, const aix_pvs *pvs);
const char *aix_pvid_get(struct aix_handle *x, const char *hdisk);
/* Runs argv; a non-zero exit is an error quoting the command and its stderr (aix_failed). */
int aix_do(struct aix_handle *x, char *const argv[], char **out, struct vdm_error *err);
/* The error of command line `cmd` that exited `status`: the first line of its stderr, else of
 * its stdout; -ENOSPC for AIX's "0516-404" (no room to keep strictness), else -EIO. */
int aix_failed(const char *cmd, int status, const char *errout, const char *out,
	       struct vdm_error *err);
int aix_add_copy(void *vh, const char *vg, const char *lv, int copies,
		 const struct vdm_plan_copy *copy, struct vdm_error *err);
int aix_syncvg(struct aix_handle *x, const char *lv, struct vdm_error *err);
int aix_hdisk(struct aix_handle *x, const char *disk, char **hd, struct vdm_error *err);

/* lslv LV: its COPIES, LPs and STALE PPs (aix_parse_lslv). */
int aix_lslv_counts(struct aix_handle *x, const char *lv, int64_t *copies, int64_t *lps,
		    int64_t *stale, struct vdm_error *err);

/* aix_discover.c */
int aix_discover(void *vh, json_t *partition, struct vdm_error *err);
bool aix_state_lost(const char *state);

/* aix_repair.c */
int aix_resync_copy(void *vh, const char *vg, const char *lv,
		    const struct vdm_plan_copy *copy, struct vdm_error *err);
int aix_replace_copy(void *vh, const char *vg, const char *lv, int copies,
		     const struct vdm_plan_copy *lost, const struct vdm_plan_copy *copy,
		     struct vdm_error *err);
int aix_drop_copy(void *vh, const char *vg, const char *lv, int copies,
		  const struct vdm_plan_copy *lost, struct vdm_error *err);
int aix_remove_missing(void *vh, const char *vg, const char *const *disks, size_t n,
		       struct vdm_error *err);
int aix_restore_pv(void *vh, const char *vg, const char *disk, struct vdm_error *err);
int aix_rmlvcopy(struct aix_handle *x, const char *lv, int left,
		 const struct vdm_plan_copy *lost, struct vdm_error *err);

#endif
