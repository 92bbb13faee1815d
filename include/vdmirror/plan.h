/* plan.h: space evaluation and failure-domain-aware placement of new mirror copies, and the
 * plan document of formats.md. Pure functions: no I/O, no globals, deterministic (the same
 * inventory and request give a byte-identical plan). */
#ifndef VDMIRROR_PLAN_H
#define VDMIRROR_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "vdmirror/model.h"

struct vdm_request {
	const char *partition;
	const char *vg;
	const char *const *lvs;   /* subset of LV names; NULL/0 = every LV of the VG */
	size_t n_lvs;
	int copies;               /* 2 or 3 */
	enum vdm_level level;     /* default VDM_LEVEL_SERVER */
	bool no_reuse;            /* never place a new copy on an existing PV */
	/* vdm_plan_repair() only: a lost copy whose disks have been missing for less than this
	 * is waited for, not replaced (--wait-for-return, seconds) */
	int64_t wait_for_return_s;
};

/* struct vdm_plan_copy and its segments: model.h (the client drivers take them too). */

struct vdm_plan_lv {
	char *name;
	enum vdm_level protection;     /* after the plan; VDM_LEVEL_NONE = null */
	struct vdm_plan_copy *new_copies;
	size_t n_new_copies;
	/* repair plans (formats.md, "Failed, stale and unreachable parts"): indexes into the
	 * LV's copies of the inventory; empty in mirror plans */
	int *resync; size_t n_resync;  /* stale copies on present disks, resynced in place */
	int *drop; size_t n_drop;      /* lost copies, removed from the LV */
	int *waiting; size_t n_waiting;/* lost copies waited for (--wait-for-return) */
};

struct vdm_plan_disk {
	char *name;               /* <partition>-<vg>-m<N>, or vd<hash>-m<N>: src/plan/plan_names.c */
	char *pool;
	int64_t size_mib;
	char **paths;
	size_t n_paths;
};

struct vdm_plan_pool { char *name; int64_t free_mib_before, free_mib_after; };
/* A disk to delete on its server once the server is reachable again and the disk empty. */
struct vdm_plan_later { char *name, *server; };

struct vdm_plan {
	char *partition, *vg;
	int copies;
	enum vdm_level level;
	int64_t required_mib, reused_mib, new_mib;
	struct vdm_plan_disk *new_disks;  size_t n_new_disks;
	struct vdm_plan_lv *lvs;          size_t n_lvs;
	struct vdm_plan_pool *pools;      size_t n_pools;
	/* repair plans only (empty in mirror plans; written only when not empty) */
	char **remove_pvs;                size_t n_remove_pvs;
	struct vdm_plan_later *delete_later; size_t n_delete_later;
	int64_t wait_s;           /* not in the document: the longest wait left, seconds */
};

/* When no valid plan exists: why, and the strongest level that could be reached. */
struct vdm_noplan {
	char message[2048];       /* which LV, which level, how much is missing, in which domain */
	enum vdm_level best_level;
};

/* Plans the request. Returns 0 and *out; or -ENOENT/-EINVAL (unknown partition, VG, LV, bad
 * copies/level: *err set, exit 1); or -ENOSPC when no valid plan exists (*noplan filled,
 * *err set to the same message, exit 2). */
int vdm_plan_make(const struct vdm_inventory *inv, const struct vdm_request *req,
		  struct vdm_plan **out, struct vdm_noplan *noplan, struct vdm_error *err);
void vdm_plan_free(struct vdm_plan *plan);

/* Plans a repair (formats.md, "Failed, stale and unreachable parts"): brings every LV of the
 * request back to req->copies in-sync copies at req->level. Stale copies on present disks are
 * resynced; lost copies are dropped (or waited for while their disks have been missing for
 * less than req->wait_for_return_s at time `now`, Unix seconds) and replaced by new copies
 * placed by the same rules as vdm_plan_make(), never on a missing disk, an unreachable pool
 * or through an unreachable server, never in extents a drop frees. Missing PVs left empty go
 * to remove_pvs, those behind an unreachable server also to delete_later. Returns as
 * vdm_plan_make(); -ENOSPC (exit 2) also when an LV has no copy in sync left. */
int vdm_plan_repair(const struct vdm_inventory *inv, const struct vdm_request *req, int64_t now,
		    struct vdm_plan **out, struct vdm_noplan *noplan, struct vdm_error *err);

/* The plan as formats-v1 JSON, and back (for `vdmirror apply PLAN.json`). */
json_t *vdm_plan_to_json(const struct vdm_plan *plan);
int vdm_plan_from_json(const json_t *root, const char *source, struct vdm_plan **out,
		       struct vdm_error *err);
/* Parses a plan document (text, or a file; path "-" is stdin). Rejects a key given twice in an
 * object, and sizes whose sums do not fit in 64 bits. -EINVAL with a path-named message. */
int vdm_plan_parse_string(const char *text, size_t len, const char *source, struct vdm_plan **out,
			  struct vdm_error *err);
int vdm_plan_parse_file(const char *path, struct vdm_plan **out, struct vdm_error *err);

/* Writes the same document as vdm_plan_to_json() straight to f, without building the tree
 * (memory: a plan for 20 000 LVs). Returns 0 or -EIO. */
int vdm_plan_write(const struct vdm_plan *plan, FILE *f);

#endif
