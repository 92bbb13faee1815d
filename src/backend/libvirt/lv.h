/* lv.h: inside the libvirt backend: failure components from the real topology (lv_topo.c)
 * and the small XML helpers both files share. Not a public header. */
#ifndef VDM_BACKEND_LV_H
#define VDM_BACKEND_LV_H

#include <stdbool.h>
#include <jansson.h>
#include <libxml/tree.h>
#include "vdmirror/error.h"

/* Where the topology of this machine is read: the mount table and sysfs. Tests point them at
 * made-up trees; NULL fields mean /proc/self/mountinfo and /sys. */
struct lv_sys {
	const char *mountinfo;
	const char *sysfs;
};

/* The failure components of a storage pool, from its XML (virStoragePoolGetXMLDesc):
 *  - dir: the file system under <target><path>; fs, logical, disk, zfs: each <source><device>;
 *    a path is followed down: mount table -> block device -> a partition's whole disk, a loop
 *    device's backing file (its own file system, again), dm/md slaves in sysfs. These need
 *    `local` (the host's file systems are this machine's); else the pool is a device of its own.
 *  - netfs, iscsi, iscsi-direct, gluster, rbd: the remote host is the server, the export,
 *    target or cluster the device (docs/libvirt.md has the table).
 * *server: the server name (a remote host, else `host`); *devices: array of component names,
 * empty when the pool is one device of its own. Names fit vdm_name_valid (characters outside
 * the set become '_'). Caller frees *server and decrefs *devices. */
int lv_pool_components(const char *pool_xml, const char *host, bool local,
		       const struct lv_sys *sys, char **server, json_t **devices,
		       struct vdm_error *err);

/* Components of a path on this machine (a file, a folder or a block device node), appended to
 * devices (no duplicates). host qualifies block device names ("HOST:blk:sda"). */
int lv_path_components(const char *path, const char *host, const struct lv_sys *sys,
		       json_t *devices, struct vdm_error *err);

/* A string as a valid vdmirror name: characters outside [A-Za-z0-9._:/-] become '_', a bad
 * first character gets an 'x' in front, cut at 128 bytes. Caller frees. */
char *lv_name_clean(const char *s);

/* XPath helpers on a parsed document: the string value of expr ("" when absent; caller
 * frees), or of expr relative to node. */
char *lv_xpath(xmlDocPtr doc, xmlNodePtr node, const char *expr);

#endif
