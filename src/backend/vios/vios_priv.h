/* vios_priv.h: what vios.c, vios_discover.c and vios_ops.c share inside the vios backend. */
#ifndef VDMIRROR_VIOS_PRIV_H
#define VDMIRROR_VIOS_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "vdmirror/transport.h"
#include "vdmirror/util.h"
#include <string.h>
#include <jansson.h>
#include "vdmirror/model.h"
#include "vios.h"
#include "hmc.h"

struct vios_server {
	char *name;               /* as in the inventory: "vios1" */
	char *addr;               /* host name or address to reach it */
	struct vdm_transport x;
	int open;
	char *down;               /* why it did not answer in this discovery, or NULL */
};

struct vios_kv { char *key, *val; };

struct vios_state {
	char *dir;                /* folder of recorded outputs, or NULL for SSH */
	VEC(struct vios_server) servers;
	char *user, *key, *known_hosts, *frame;
	int port;
	int64_t timeout_ms;
	char *hmc, *hmc_user, *system;
	char *via;                /* "hmc": VIOS commands through viosvrcmd on the HMC */
	struct vdm_transport hmcx;
	int hmc_open;
	VEC(struct vios_kv) ids;    /* partition name -> decimal id (text) */
	VEC(struct vios_kv) addrs;  /* partition name -> client address */
	VEC(struct vios_kv) oses;   /* partition name -> os */
	struct vdm_transport *script;   /* script mode: borrowed from the caller */
	int scripting;
};

/* Everything one server says. */
struct vios_view {
	vios_pools pools;
	vios_pool_pvs *pool_pvs;    /* per pool (LV pools; empty otherwise) */
	vios_bds *pool_bds;         /* per pool */
	vios_pvs pvs;
	vios_vhosts vhosts;
	vios_vfchosts vfc;          /* virtual FC (NPIV) adapters */
	char *vfc_warning;          /* why lsmap -npiv could not be read, or NULL */
};

#define VIOS_MAX_NAME 15          /* longest backing device name (vios_name_ok) */

static inline const char *kv_get(const struct vios_kv *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].key, key))
			return v[i].val;
	return NULL;
}

/* The inventory's name rule (formats.md), for every name the backend takes or reports. */
static inline int partname_ok(const char *s)
{
	return vdm_name_valid(s);
}

/* vios.c */
int vios_exec_for(struct vios_state *st, const char *name, const char *addr,
		  const char *user, struct vdm_transport *x, int *is_open, struct vdm_error *err);
int vios_query(struct vios_state *st, struct vios_server *srv, const char *const *args,
	       char **out, const char **errout, struct vdm_error *err);
int vios_query_ok(struct vios_state *st, struct vios_server *srv, const char *const *args,
		  const char *pool, char **out, struct vdm_error *err);
int vios_change(struct vios_state *st, struct vios_server *srv, const char *what,
		const char *const *args, const char *pool, struct vdm_error *err);
struct vios_server *vios_server_find(struct vios_state *st, const char *name);

/* vios_discover.c */
int vios_discover(void *vst, json_t **inventory, struct vdm_error *err);
void view_free(struct vios_view *v);
int view_read_pools(struct vios_state *st, struct vios_server *srv, struct vios_view *v,
		    struct vdm_error *err);
int view_read_maps(struct vios_state *st, struct vios_server *srv, struct vios_view *v,
		   struct vdm_error *err);
int vios_hmc_names(struct vios_state *st, json_t *names, struct vdm_error *err);
int vios_hmc_read(struct vios_state *st, json_t *names, vios_hwress *hwout,
		  struct vdm_error *err);
int64_t vios_client_slot(const vios_hwress *hw, const char *server, int64_t slot,
			 int64_t clientid);

/* vios_ops.c */
int vios_create_disk(void *vst, const char *pool, const char *disk, int64_t size_mib,
		     struct vdm_error *err);
int vios_delete_disk(void *vst, const char *pool, const char *disk, struct vdm_error *err);
int vios_map_disk(void *vst, const char *partition, const char *pool, const char *disk,
		  struct vdm_error *err);
int vios_unmap_disk(void *vst, const char *partition, const char *disk,
		    struct vdm_error *err);

#endif
