/* linux.h: what the linux-lvm and linux-md drivers share: running a command through a
 * struct vdm_exec with a message that quotes it, finding a disk's device by its serial, and
 * the agent's report. Internal to src/client. */
#ifndef VDMIRROR_CLIENT_LINUX_H
#define VDMIRROR_CLIENT_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "vdmirror/client.h"

#define LNX_CMD_MS (10 * 60 * 1000)   /* an lvconvert or mdadm --grow on a slow disk */
#define LNX_QUERY_MS 60000
#define LNX_DISK_MS 30000             /* a hot-plugged disk showing up in the guest */

/* Names as formats.md: [A-Za-z0-9][A-Za-z0-9._:/-]{0,127}, without "..". */
bool lnx_name_ok(const char *s);

/* Runs argv through x. Returns 0 when it exited 0 (stdout in *out if out is not NULL), else a
 * negative code with *err = "`cmd args`: exit N: <stderr>" (or the transport's error). */
int lnx_run(struct vdm_exec *x, const char *const argv[], int64_t timeout_ms, char **out,
	    struct vdm_error *err);

/* The device path of disk `disk` (its virtio serial). With the agent: waits up to timeout_ms
 * for it and answers /dev/<kernel name>. Without (script mode): /dev/disk/by-id/virtio-<serial>,
 * what udev names it on a normal system. */
int lnx_disk_dev(struct vdm_exec *x, const char *disk, int64_t timeout_ms, char *dev,
		 size_t size, struct vdm_error *err);

/* The agent's "report" (disks, lvm rows, md arrays); -ENOTSUP when x has no agent. */
int lnx_report(struct vdm_exec *x, json_t **report, struct vdm_error *err);

/* In a report's "disks": the serial of kernel disk `name` ("vdb"); NULL when unknown. */
const char *lnx_serial_of(const json_t *report, const char *name);

/* Appends the VGs of `vgs` (stolen) to the partition's "vgs" array, creating it: both Linux
 * drivers run on the same partition, one after the other, each adding its own. */
void lnx_append_vgs(json_t *partition, json_t *vgs);

/* Shared wait_disk slot for both drivers. */
int lnx_wait_disk(struct vdm_exec *x, const char *disk, int64_t timeout_ms,
		  struct vdm_error *err);

/* Shared sync_rate slot: the agent's sync_rate request (-ENOTSUP without the agent; nothing
 * to do in script mode). */
int lnx_sync_rate(struct vdm_exec *x, int64_t rate_kib, int restore, struct vdm_error *err);

#endif
