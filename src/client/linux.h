/* linux.h: what the linux-lvm and linux-md drivers share: running a command through a
 * struct vdm_transport with a message that quotes it, finding a disk's device by its serial, and
 * the agent's report. Internal to src/client. */
#ifndef VDMIRROR_CLIENT_LINUX_H
#define VDMIRROR_CLIENT_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "vdmirror/client.h"
#include "vdmirror/model.h"

#define LNX_CMD_MS (10 * 60 * 1000)   /* an lvconvert or mdadm --grow on a slow disk */
#define LNX_QUERY_MS 60000
/* the longest sync_lvs wait_ms asked (the agent shortens a longer one to its own limit) */
#define LNX_SYNC_WAIT_MAX_MS 60000
#define LNX_DISK_MS 30000             /* a hot-plugged disk showing up in the guest */
#define LNX_HELLO_MS 15000            /* a live agent answers hello at once, even in a loaded TCG guest */

/* Names: the model's rule (vdm_name_valid). */
#define lnx_name_ok(s) vdm_name_valid(s)

/* The handle both drivers' open gives: the borrowed transport. */
int lnx_open(struct vdm_transport *t, void **handle, struct vdm_error *err);
void lnx_close(void *handle);
struct vdm_transport *lnx_transport(void *handle);

/* Runs argv through x. Returns 0 when it exited 0 (stdout in *out if out is not NULL), else a
 * negative code with *err = "`cmd args`: exit N: <stderr>" (or the transport's error). */
int lnx_run(struct vdm_transport *x, const char *const argv[], int64_t timeout_ms, char **out,
	    struct vdm_error *err);

/* The device path of disk `disk` (its virtio serial). With the agent: waits up to timeout_ms
 * for it and answers /dev/<kernel name>. Without (script mode): /dev/disk/by-id/virtio-<serial>,
 * what udev names it on a normal system. */
int lnx_disk_dev(struct vdm_transport *x, const char *disk, int64_t timeout_ms, char *dev,
		 size_t size, struct vdm_error *err);

/* The agent's "report" (disks, lvm rows, md arrays), after a hello answered within
 * LNX_HELLO_MS (an agent that is not there fails fast); -ENOTSUP when x has no agent. */
int lnx_report(struct vdm_transport *x, json_t **report, struct vdm_error *err);

/* The first object of `array` whose string member `key` equals `name` (borrowed), or NULL: also
 * when `array` is not an array or a member is absent or not a string (guest-written input). */
json_t *lnx_find_named(const json_t *array, const char *key, const char *name);

/* In a report's "disks": an object kernel disk name ("vdb") -> its serial (the first entry of
 * a name wins), built once so that a report is read in linear time. Caller decrefs. */
json_t *lnx_disk_serials(const json_t *report);
/* A report's number: plain decimal digits that fit in int64_t, else (absent, sign, junk,
 * overflow) -1. The report is written by the guest: never trust it to be in range. */
int64_t lnx_count(const char *s);

/* Appends the VGs of `vgs` (stolen) to the partition's "vgs" array, creating it: both Linux
 * drivers run on the same partition, one after the other, each adding its own. */
void lnx_append_vgs(json_t *partition, json_t *vgs);

/* Shared wait_disk slot for both drivers (learns nothing: facts stay empty). */
int lnx_wait_disk(void *h, const char *disk, int64_t timeout_ms, json_t *facts,
		  struct vdm_error *err);

/* Shared sync_rate slot: the agent's sync_rate request (-ENOTSUP without the agent; nothing
 * to do in script mode). */
int lnx_sync_rate(void *h, int64_t rate_kib, int restore, struct vdm_error *err);

/* linux_lvm_report.c. LVM's JSON gives every number as a string written by the guest: only
 * plain decimal digits that fit in int64_t count (lvm_num: -1 otherwise); lvm_str: "" when
 * absent. */
int64_t lvm_num(const json_t *row, const char *key);
const char *lvm_str(const json_t *row, const char *key);
/* The formats-v1 "vgs" array from an agent report, linear in the report's size (recorded
 * reports feed it in the unit tests and fuzz targets). `partition` (the storage side's view,
 * may be NULL) names the disks that are missing: a PV LVM reports missing is listed on the disk
 * it was, with the copies on it (lost copies), and that disk gets "state": "missing". */
int vdm_lvm_vgs_read(const json_t *report, json_t *partition, json_t **vgs_out,
		     struct vdm_error *err);
/* Same with no storage side view. */
int vdm_lvm_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err);

#endif
