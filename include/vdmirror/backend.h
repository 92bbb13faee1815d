/* backend.h: the storage configuration interface. One struct of function pointers per kind
 * of storage server (qemu lab, VIOS, later libvirt), compiled in and found by name.
 *
 * Contract for every slot: return 0 or a negative code with *err set to a message naming the
 * operation and the object ("qmp vios2: blockdev-add lpar1-rootvg-m1: ..."). Creating a disk
 * whose name exists on the server (any size, mapped or not) fails with -EEXIST, unless the disk
 * carries the owner tag set by set_owner (proof that this run made it): vdmirror never adopts
 * a disk it did not create. Deleting or unmapping a missing disk succeeds; deleting a disk
 * still mapped to a partition fails with -EBUSY. A backend never plans.
 * Fields are only ever appended. The core calls backends only through the vdm_backend_*
 * wrappers below, which check that contract. */
#ifndef VDMIRROR_BACKEND_H
#define VDMIRROR_BACKEND_H

#include <stdint.h>
#include <jansson.h>
#include "vdmirror/error.h"

enum vdm_backend_caps {
	VDM_BACKEND_DISCOVER  = 1 << 0,   /* discover is live */
	VDM_BACKEND_PROVISION = 1 << 1,   /* create_disk / delete_disk act on real storage */
	VDM_BACKEND_MAP       = 1 << 2,   /* map_disk / unmap_disk hot-plug into the partition */
	VDM_BACKEND_SCRIPT    = 1 << 3,   /* can write the commands instead of running them */
};

struct vdm_backend_ops {
	const char *name;                 /* "qemu", "vios" */
	unsigned caps;

	/* config: backend-specific (a lab config file, a list of VIOS hosts, ...). */
	int (*open)(const char *config, void **state, struct vdm_error *err);
	void (*close)(void *state);

	/* A formats-v1 inventory document of what the storage side knows: sites, frames, servers,
	 * pools, partitions and their disks. "vgs" may be empty: the client fills them. */
	int (*discover)(void *state, json_t **inventory, struct vdm_error *err);

	int (*create_disk)(void *state, const char *pool, const char *disk, int64_t size_mib,
			   struct vdm_error *err);
	int (*delete_disk)(void *state, const char *pool, const char *disk, struct vdm_error *err);
	int (*map_disk)(void *state, const char *partition, const char *pool, const char *disk,
			struct vdm_error *err);
	int (*unmap_disk)(void *state, const char *partition, const char *disk,
			  struct vdm_error *err);

	/* Where the partition's client agent or shell is reached ("unix:/path", "ssh:user@host"),
	 * for vdm_client_open(). *address is freed by the caller. */
	int (*client_address)(void *state, const char *partition, char **address,
			      struct vdm_error *err);

	/* Script mode (caps VDM_BACKEND_SCRIPT): from now on, every call that would change
	 * something appends the exact commands to the file at path instead of running them, for an
	 * admin to review; discovery still reads the live system. */
	int (*script_to)(void *state, const char *path, struct vdm_error *err);

	/* Ownership tags, where the server can keep one (NULL slots: it cannot). set_owner: every
	 * disk created from now on carries owner (NULL: none). disk_owned: 1 when the disk exists
	 * and carries owner, 0 when it does not exist or carries another tag or none. */
	void (*set_owner)(void *state, const char *owner);
	int (*disk_owned)(void *state, const char *pool, const char *disk, const char *owner,
			  struct vdm_error *err);
};

struct vdm_backend {
	const struct vdm_backend_ops *ops;
	void *state;
};

/* Compiled-in backends by name; NULL when unknown. */
const struct vdm_backend_ops *vdm_backend_find(const char *name);

int vdm_backend_open(const char *name, const char *config, struct vdm_backend *b,
		     struct vdm_error *err);
void vdm_backend_close(struct vdm_backend *b);
int vdm_backend_discover(struct vdm_backend *b, json_t **inventory, struct vdm_error *err);
int vdm_backend_create_disk(struct vdm_backend *b, const char *pool, const char *disk,
			    int64_t size_mib, struct vdm_error *err);
int vdm_backend_delete_disk(struct vdm_backend *b, const char *pool, const char *disk,
			    struct vdm_error *err);
int vdm_backend_map_disk(struct vdm_backend *b, const char *partition, const char *pool,
			 const char *disk, struct vdm_error *err);
int vdm_backend_unmap_disk(struct vdm_backend *b, const char *partition, const char *disk,
			   struct vdm_error *err);
int vdm_backend_client_address(struct vdm_backend *b, const char *partition, char **address,
			       struct vdm_error *err);
int vdm_backend_script_to(struct vdm_backend *b, const char *path, struct vdm_error *err);
/* No-op for a backend without tags. */
void vdm_backend_set_owner(struct vdm_backend *b, const char *owner);
/* -ENOTSUP (no message) for a backend without tags: it cannot prove who made a disk. */
int vdm_backend_disk_owned(struct vdm_backend *b, const char *pool, const char *disk,
			   const char *owner, struct vdm_error *err);

#endif
