/* model.h: the inventory of ../shared/docs/formats.md (version 1) as typed C structures,
 * its JSON reader and writer, and name validation.
 *
 * Cross references are indices into the owning arrays (-1 = absent), resolved once by the
 * reader, so later code never looks a name up twice. All sizes are MiB or extents, int64_t.
 * The caller of vdm_inventory_parse*() owns the result and frees it with vdm_inventory_free(). */
#ifndef VDMIRROR_MODEL_H
#define VDMIRROR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "vdmirror/error.h"

/* Protection levels, weakest to strongest. VDM_LEVEL_NONE: not even `device`. */
enum vdm_level {
	VDM_LEVEL_NONE = -1,
	VDM_LEVEL_DEVICE = 0,
	VDM_LEVEL_POOL,
	VDM_LEVEL_SERVER,
	VDM_LEVEL_FRAME,
	VDM_LEVEL_SITE,
};
#define VDM_LEVEL_COUNT 5

/* "device", "pool", ... ; NULL for VDM_LEVEL_NONE. */
const char *vdm_level_name(enum vdm_level level);
/* Returns 0 and sets *level, or -EINVAL for an unknown name. */
int vdm_level_parse(const char *name, enum vdm_level *level);

struct vdm_site { char *name; };
struct vdm_frame { char *name; int site; };          /* site: index, -1 = the unnamed site */
struct vdm_server {
	char *name;
	int frame;                /* index, -1 = the unnamed frame */
	int max_name;             /* longest disk name the server accepts; 0 = no limit given */
	bool unreachable;         /* state "unreachable": discovery could not reach it */
};

struct vdm_pool {
	char *name;
	int server;               /* index into servers */
	char **devices;           /* physical devices; n_devices == 0: the pool is one device */
	size_t n_devices;
	int64_t size_mib, free_mib;
	int reserve_pct;          /* default 0 */
	int64_t alloc_mib;        /* default 1 */
	char *tier;               /* NULL when absent */
	bool unreachable;         /* state "unreachable" (its server is): no new disk here */
};

struct vdm_disk {
	char *name;
	int64_t size_mib;
	int pool;                 /* index into pools, -1 = straight from a LUN */
	char **devices;           /* added to the pool's devices */
	size_t n_devices;
	int *paths;               /* server indices, at least one */
	size_t n_paths;
	bool missing;             /* state "missing": the partition has lost the disk */
	int64_t missing_since;    /* Unix seconds (missing_since, RFC 3339 UTC); <= 0: not given */
};

struct vdm_segment { int pv; int64_t extents; };     /* pv: index into the VG's pvs */
struct vdm_copy { struct vdm_segment *segs; size_t n_segs; };

struct vdm_lv {
	char *name;
	int64_t extents;
	struct vdm_copy *copies;  /* at least one */
	size_t n_copies;
	bool *stale;              /* per copy (lvs[].stale): out of date; NULL when none is */
	int *resync_percent;      /* per copy (lvs[].resync_percent, vdmirror's addition): how
				   * much of a stale copy is in sync again, 0-100; -1 not known;
				   * NULL when no stale copy's progress is known */
};

struct vdm_pv {
	int disk;                 /* index into the partition's disks */
	int64_t total_extents, free_extents;
};

struct vdm_vg {
	char *name;
	int64_t extent_mib;
	int64_t pv_overhead_mib;  /* default 0 */
	int64_t copy_meta_extents;/* default 0 */
	struct vdm_pv *pvs;
	size_t n_pvs;
	struct vdm_lv *lvs;
	size_t n_lvs;
};

struct vdm_partition {
	char *name;
	char *os;                 /* NULL when absent */
	int frame;                /* index, -1 when absent */
	struct vdm_disk *disks;
	size_t n_disks;
	struct vdm_vg *vgs;
	size_t n_vgs;
};

struct vdm_inventory {
	int version;
	struct vdm_site *sites;         size_t n_sites;
	struct vdm_frame *frames;       size_t n_frames;
	struct vdm_server *servers;     size_t n_servers;
	struct vdm_pool *pools;         size_t n_pools;
	struct vdm_partition *partitions; size_t n_partitions;
};

/* The one name rule: `[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}` (formats.md), and no ".." path
 * component (names become parts of paths, /dev/NAME or a journal file, and must never climb
 * out of them). Every module checks names with these two; the agent, which links nothing of
 * the library, keeps a copy tested against the same cases (tests/model/test_names.c). */
bool vdm_name_valid(const char *name);
/* A name for a device-style command line (AIX and VIOS: hdisk, VG, LV, backing device,
 * adapter): vdm_name_valid, at most max characters, and neither ':' nor '/'. */
bool vdm_name_valid_short(const char *name, size_t max);

/* A new copy of an LV as the planner places it and a client driver makes it: segments on PVs
 * (by disk name: a PV of the VG or a new disk). */
struct vdm_plan_segment { char *pv; int64_t extents; };
struct vdm_plan_copy { struct vdm_plan_segment *segs; size_t n_segs; };

/* Where a disk is, as its storage backend knows it and a client driver finds it again: the
 * typed form of a discovered disk's "locator" object, which backends write and drivers read
 * (instead of each other's private keys). Absent parts: NULL, or -1 for numbers. */
struct vdm_disk_path {
	char *server;             /* the storage server of this path */
	char *adapter;            /* server-side adapter (VIOS "vhost0") */
	int64_t server_slot;      /* that adapter's slot */
	int64_t client_slot;      /* the partition's adapter slot on this path */
	char *lun;                /* LUN as the partition sees it ("0x8100000000000000") */
};
struct vdm_disk_locator {
	char *serial;             /* serial the partition sees (virtio-blk) */
	char *pvid;               /* AIX physical volume id of a whole LUN */
	struct vdm_disk_path *paths;
	size_t n_paths;
};
/* {"serial", "pvid", "paths": [{"server", "adapter", "server_slot", "client_slot", "lun"}]},
 * absent parts left out. */
json_t *vdm_locator_to_json(const struct vdm_disk_locator *loc);
/* Reads that object (NULL or absent: an empty locator); -EINVAL on a mistyped field. */
int vdm_locator_from_json(const json_t *j, struct vdm_disk_locator *loc,
			  struct vdm_error *err);
void vdm_locator_free(struct vdm_disk_locator *loc);
/* The device name by which pools and disks list a physical volume known by its PVID
 * ("pvid-00f6db0a22220003"): one spelling for backends and drivers. Caller frees. */
char *vdm_device_of_pvid(const char *pvid);

/* Reads and validates an inventory. `source` names the input in messages (a file name, or
 * "stdin"). On bad input returns -EINVAL with *err = "<source>: <json path>: <problem>",
 * e.g. "inv.json: partitions[0].vgs[1].lvs[3].extents: must be an integer >= 0".
 * Checks: JSON syntax, version, every field's presence and type, sizes not negative, names
 * valid and unique within their kind, every reference known, copies adding up to extents,
 * PV free extents not above total, no PV handed out beyond its total. */
int vdm_inventory_parse_json(const json_t *root, const char *source,
			     struct vdm_inventory **out, struct vdm_error *err);
int vdm_inventory_parse_file(const char *path, struct vdm_inventory **out,
			     struct vdm_error *err);      /* path "-" reads stdin */
int vdm_inventory_parse_string(const char *text, size_t len, const char *source,
			       struct vdm_inventory **out, struct vdm_error *err);
void vdm_inventory_free(struct vdm_inventory *inv);

/* Writes the inventory as formats-v1 JSON (fields this version does not know are dropped). */
json_t *vdm_inventory_to_json(const struct vdm_inventory *inv);

/* Lookups by name; -1 when absent. */
int vdm_find_server(const struct vdm_inventory *inv, const char *name);
int vdm_find_pool(const struct vdm_inventory *inv, const char *name);
int vdm_find_partition(const struct vdm_inventory *inv, const char *name);
int vdm_find_disk(const struct vdm_partition *p, const char *name);
int vdm_find_vg(const struct vdm_partition *p, const char *name);
int vdm_find_lv(const struct vdm_vg *vg, const char *name);

#endif
