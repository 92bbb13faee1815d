/* discover.h: the one discovery of vdmirror: the storage backend's view (servers, pools,
 * partitions and their disks) completed by each partition's client driver (volume groups). */
#ifndef VDMIRROR_DISCOVER_H
#define VDMIRROR_DISCOVER_H

#include <jansson.h>
#include "vdmirror/backend.h"
#include "vdmirror/error.h"

/* Discovers through backend b, then for each partition (only `partition` when not NULL; the
 * others are dropped from the result) opens its client transport (client_address, then
 * vdm_transport_open) and lets the drivers for its os fill "vgs" (Linux: linux-lvm and linux-md).
 * Each VG object gets a "client" field beside the formats-v1 ones (a producer may add fields):
 * the name of the driver that reported it. The result is checked with vdm_inventory_parse_json
 * before it is returned: *inventory is a valid formats-v1 document (caller decrefs). Errors name
 * the partition and the step. */
int vdm_discover(struct vdm_backend *b, const char *partition, json_t **inventory,
		 struct vdm_error *err);

/* Same, without asking the partitions (vgs stay empty): the storage side only. */
int vdm_discover_storage(struct vdm_backend *b, const char *partition, json_t **inventory,
			 struct vdm_error *err);

/* What a verify must read, and nothing else: the storage side of `partition` (the backend's
 * servers, pools and the partition's disks, new ones included: vdm_discover_storage), then
 * VG `vg` read again by `client`, the driver the caller has open on its transport, on that
 * view of the partition (no second connection, no other partition, no other driver). *inventory: a valid
 * formats-v1 document with that partition and that VG only (caller decrefs);
 * vdm_plan_verify_inventory then applies the rules. The session's verify calls it with the
 * run's driver (struct vdm_apply_ctx's client). */
struct vdm_client;
int vdm_discover_vg(struct vdm_backend *b, struct vdm_client *client, const char *partition,
		    const char *vg, json_t **inventory, struct vdm_error *err);

/* disks[].missing_since (formats.md, "Failed, stale and unreachable parts"): for every disk
 * of the inventory's partitions whose state is "missing", sets missing_since to when vdmirror
 * first saw it missing (now, Unix seconds, on the first sight; a time the storage side gave
 * is kept when older), remembered in <state_dir>/missing.json (state_dir NULL: the default
 * state folder, vdm_state_dir); disks of these partitions that are present again are
 * forgotten, other partitions' are left alone. Call it after vdm_discover. On an error (state
 * folder unwritable, file unreadable) the fields are still set, from now when nothing was
 * known: the error only says that the times could not be kept. */
int vdm_missing_since(json_t *inventory, const char *state_dir, int64_t now,
		      struct vdm_error *err);

#endif
