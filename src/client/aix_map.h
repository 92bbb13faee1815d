/* aix_map.h: exact placement of a new AIX mirror copy: the physical-partition map file that
 * `mklvcopy -m MAPFILE` takes, written from the plan's segments (aix_map.c). Pure functions:
 * no command runs here, so unit tests and fuzz targets reach them alone. */
#ifndef VDMIRROR_AIX_MAP_H
#define VDMIRROR_AIX_MAP_H

#include <stdint.h>
#include "vdmirror/error.h"
#include "vdmirror/plan.h"
#include "vdmirror/util.h"

/* The free physical partitions of the PVs a copy may use, consumed in order as copies are
 * mapped (the LVs of one VG, in plan order, share one allocator so two never get the same
 * PP). PP numbers start at 1 at the outermost edge (AIX mklv). */
struct aix_pp_range { int64_t first, last; };
struct aix_pp_pv {
	char *pv;                      /* the name the map file uses (hdiskN, a rendev name) */
	VEC(struct aix_pp_range) free; /* ascending, not overlapping */
};
typedef VEC(struct aix_pp_pv) aix_pp_alloc;

/* Adds free PPs first..last (1-based) of pv; -EINVAL for a bad or overlapping range. */
int aix_pp_add_free(aix_pp_alloc *a, const char *pv, int64_t first, int64_t last,
		    struct vdm_error *err);
/* A new, empty disk of `total` PPs: all of them free. */
int aix_pp_add_disk(aix_pp_alloc *a, const char *pv, int64_t total, struct vdm_error *err);
void aix_pp_alloc_free(aix_pp_alloc *a);

/* lspv -M PV: one line per PP, "PV:PP LV:LP[:COPY] [stale]" when used and "PV:FIRST[-LAST]"
 * for free ones; adds the free ranges of that PV to a. */
int aix_parse_lspv_M(const char *text, aix_pp_alloc *a, struct vdm_error *err);

/* The map file for one new copy of an LV of `lps` logical partitions: the segments' PVs in
 * order, each giving `extents` PPs taken from the lowest free ones of that PV (the allocator
 * is keyed by the plan's disk names); one line "PV:FIRST-LAST" (or "PV:PP") per run of
 * consecutive PPs, LP order = line order (mklv -m: partitions are used in the order given).
 * `pvname` gives the name the map writes for a plan disk (NULL: the plan's name). Fails, allocating nothing, when the segments do not add up
 * to lps or a PV has too few free PPs. *text freed by the caller. */
int aix_map_copy(aix_pp_alloc *a, const struct vdm_plan_copy *copy, int64_t lps,
		 const char *(*pvname)(const char *disk, void *ctx), void *ctx, char **text,
		 struct vdm_error *err);


/* ---- in the driver (aix.c's add_copy) ---- */
struct vdm_transport;

/* What one open aix driver keeps for its map files (part of its handle, no static state):
 * per VG, the allocator of the disks new to this script, and the run's map folder ("${VDM_MAPDIR}"
 * in a script, the path made live). */
struct aix_map_vg { char *vg; aix_pp_alloc alloc; };
struct aix_map_state {
	VEC(struct aix_map_vg) vgs;
	char *dir;
};
void aix_map_state_free(struct aix_map_state *m);

/* Writes on the partition (through t) the map file of the new copy of vg/lv, whose segments
 * are on hds[i] (the AIX names of copy->segs[i].pv: "hdiskN", a rendev name, or "${HD_x}" in
 * a script for a disk found when the script runs), and sets *mapfile to the path mklvcopy -m
 * takes. Live: the free PPs come from lspv -M of each PV. Script: only disks new to this
 * script are known (empty: every PP from 1 free, consumed in the order the LVs come, kept in
 * m); a copy that also uses a disk already in the VG gets no map (*mapfile NULL: the PV list
 * decides, as before). The file lives in a private folder made once per handle (mkdir, mode
 * 700, under $TMPDIR or /tmp). 0 or a negative code. */
int aix_map_write(struct vdm_transport *t, struct aix_map_state *m, const char *vg,
		  const char *lv, const struct vdm_plan_copy *copy, char *const hds[],
		  char **mapfile, struct vdm_error *err);

/* lslv -m output after the mklvcopy: copy `copyno` (1-based) holds exactly the PPs counts
 * the plan gave each PV (hds[i] for copy->segs[i]); -EPROTO naming the difference if not. */
int aix_map_confirm(const char *lslv_m, int copyno, const struct vdm_plan_copy *copy,
		    char *const hds[], struct vdm_error *err);

#endif
