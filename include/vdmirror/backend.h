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

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "vdmirror/error.h"
#include "vdmirror/transport.h"

enum vdm_backend_caps {
	VDM_BACKEND_DISCOVER  = 1 << 0,   /* discover is live */
	VDM_BACKEND_PROVISION = 1 << 1,   /* create_disk / delete_disk act on real storage */
	VDM_BACKEND_MAP       = 1 << 2,   /* map_disk / unmap_disk hot-plug into the partition */
	VDM_BACKEND_SCRIPT    = 1 << 3,   /* can write the commands instead of running them */
};

/* ---- configuration: key=value pairs, declared by each backend (nbdkit's .config) ----
 *
 * A backend's configuration is one string of entries separated by ';' ("vios1,vios2;user=padmin;
 * lpar1=3"), or lines of a file. Each entry is key=value; an entry without '=' is the value of
 * the backend's bare key (config_bare: the qemu lab folder, the vios host list). Every backend
 * lists the keys it takes in config_keys, each with one line of help that `vdmirror COMMAND
 * --help` prints; the parser refuses an unknown key, an empty value and a key given twice (unless
 * VDM_CONFIG_MULTI), so a backend's open() only checks values. One key is known to every
 * backend: include=FILE reads more entries from FILE, one per line ('#' comments), a regular
 * file of at most 64 KiB; errors about an entry read from a file name the file and line, never
 * its text. */

enum vdm_config_flags {
	VDM_CONFIG_MULTI = 1 << 0,        /* may be given more than once (values add up) */
};

struct vdm_config_key {
	/* "user"; or a pattern whose last part, in capitals, stands for any valid name
	 * (vdm_name_valid): "host.SERVER" matches host.vios1, "PARTITION" matches lpar1. Exact
	 * keys win over patterns, "x.NAME" patterns over a bare "NAME". */
	const char *key;
	const char *value;                /* placeholder in the help: "NAME", "N", "FILE" */
	const char *help;                 /* one line */
	unsigned flags;
};

struct vdm_config_pair {
	char *key, *value;
	const struct vdm_config_key *def; /* the declaration it matched */
	char *file;                       /* read from this file (include=, a folder's config);
					   * NULL: given directly */
	int line;
};

struct vdm_config {
	struct vdm_config_pair *v;
	size_t n;
};

struct vdm_backend_ops;

/* Parses text (entries separated by ';') and appends its pairs to *cfg (zero it first).
 * Returns 0, or -EINVAL (kind VDM_ERR_INPUT) naming the entry; on error *cfg keeps the pairs
 * added before. */
int vdm_config_parse(const struct vdm_backend_ops *ops, const char *text, struct vdm_config *cfg,
		     struct vdm_error *err);
/* Appends one pair after the same checks (a front end adding a value it got elsewhere). */
int vdm_config_add(const struct vdm_backend_ops *ops, struct vdm_config *cfg, const char *key,
		   const char *value, struct vdm_error *err);
/* Appends the entries of the file at path, one per line (include=FILE does this). */
int vdm_config_read_file(const struct vdm_backend_ops *ops, struct vdm_config *cfg,
			 const char *path, struct vdm_error *err);
/* The value of the last pair whose key is exactly key; NULL when none. */
const char *vdm_config_get(const struct vdm_config *cfg, const char *key);
/* Fills *err (-EINVAL, kind VDM_ERR_INPUT) about pair p: "<backend> config: key=value: why"
 * for a pair given directly, "<backend> config: FILE:LINE: key: why" for one read from a file
 * (its value is not repeated: the file may be anything). */
int vdm_config_bad(struct vdm_error *err, const char *backend, const struct vdm_config_pair *p,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void vdm_config_free(struct vdm_config *cfg);

struct vdm_backend_ops {
	const char *name;                 /* "qemu", "vios" */
	unsigned caps;

	/* The parsed configuration (only keys of config_keys, see above); the backend checks the
	 * values and says which one is wrong with vdm_config_bad. */
	int (*open)(const struct vdm_config *config, void **state, struct vdm_error *err);
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
	 * something writes the exact commands to the script transport t (transport.h; borrowed,
	 * open until the backend closes) instead of running them, for an admin to review;
	 * discovery still reads the live system. */
	int (*script_to)(void *state, struct vdm_transport *t, struct vdm_error *err);

	/* The keys open() takes, ended by { NULL }; config_bare: the key an entry without '='
	 * stands for (NULL: such an entry is an error). */
	const struct vdm_config_key *config_keys;
	const char *config_bare;

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

/* Built backends by name; NULL when unknown, or when a backend built as a module (libvirt)
 * cannot be loaded (vdm_backend_open says why). The first call for a module loads it. */
const struct vdm_backend_ops *vdm_backend_find(const char *name);
/* The i-th built backend (0..), NULL past the last: for help listings (loads the modules). */
const struct vdm_backend_ops *vdm_backend_at(size_t i);

/* Parses config (vdm_config_parse) and opens backend name with it. An unknown name is -ENOENT
 * with kind VDM_ERR_NOT_FOUND; a bad config -EINVAL with kind VDM_ERR_INPUT. */
int vdm_backend_open(const char *name, const char *config, struct vdm_backend *b,
		     struct vdm_error *err);
/* Same with pairs already parsed for this backend. */
int vdm_backend_open_config(const char *name, const struct vdm_config *config,
			    struct vdm_backend *b, struct vdm_error *err);
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
int vdm_backend_script_to(struct vdm_backend *b, struct vdm_transport *t, struct vdm_error *err);
/* No-op for a backend without tags. */
void vdm_backend_set_owner(struct vdm_backend *b, const char *owner);
/* -ENOTSUP (no message) for a backend without tags: it cannot prove who made a disk. */
int vdm_backend_disk_owned(struct vdm_backend *b, const char *pool, const char *disk,
			   const char *owner, struct vdm_error *err);

#endif
