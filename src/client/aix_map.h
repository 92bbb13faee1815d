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
 * order, each giving `extents` PPs taken from the lowest free ones of that PV; one line
 * "PV:FIRST-LAST" (or "PV:PP") per run of consecutive PPs, LP order = line order (mklv -m:
 * partitions are used in the order given). `pvname` maps a plan disk to the name AIX knows
 * it by (NULL: the plan's name). Fails, allocating nothing, when the segments do not add up
 * to lps or a PV has too few free PPs. *text freed by the caller. */
int aix_map_copy(aix_pp_alloc *a, const struct vdm_plan_copy *copy, int64_t lps,
		 const char *(*pvname)(const char *disk, void *ctx), void *ctx, char **text,
		 struct vdm_error *err);

#endif
