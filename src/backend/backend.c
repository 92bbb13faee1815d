/* backend.c: the registry of compiled-in backends and the one wrapper every backend call goes
 * through: it checks the contract (a failure must come with a message) and adds the backend's
 * name to it. */
#include <errno.h>
#include <string.h>
#include "vdmirror/backend.h"

/* Each backend defines one `const struct vdm_backend_ops vdm_backend_<name>` and adds it here. */
extern const struct vdm_backend_ops vdm_backend_qemu;
extern const struct vdm_backend_ops vdm_backend_vios;
#ifdef VDM_HAVE_LIBVIRT
extern const struct vdm_backend_ops vdm_backend_libvirt;
#endif

static const struct vdm_backend_ops *const backend_registry[] = {
	&vdm_backend_qemu,
	&vdm_backend_vios,
#ifdef VDM_HAVE_LIBVIRT
	&vdm_backend_libvirt,
#endif
	NULL,
};

/* Backends that exist but are optional at build time: asked for one that was left out, the
 * message says why instead of "no backend named". */
static const char *const backend_optional[][2] = {
	{ "libvirt", "libvirt-dev (and libxml2-dev) were not found when vdmirror was built: "
		     "run scripts/install-deps and rebuild" },
};

const struct vdm_backend_ops *vdm_backend_find(const char *name)
{
	for (size_t i = 0; backend_registry[i]; i++)
		if (strcmp(backend_registry[i]->name, name) == 0)
			return backend_registry[i];
	return NULL;
}

const struct vdm_backend_ops *vdm_backend_at(size_t i)
{
	return i < sizeof backend_registry / sizeof backend_registry[0] ? backend_registry[i] : NULL;
}

/* A backend that fails without saying why gets a message that at least names the call. */
static int backend_checked(const struct vdm_backend *b, const char *call, int rc,
			   struct vdm_error *err)
{
	if (rc >= 0)
		return rc;
	if (err && err->msg[0] == '\0')
		vdm_err(err, rc, "%s: %s failed: %s", b->ops->name, call, strerror(-rc));
	return rc;
}

#define BACKEND_CALL(b, slot, err, ...) \
	((b)->ops->slot ? backend_checked((b), #slot, (b)->ops->slot((b)->state, __VA_ARGS__, (err)), (err)) \
			: vdm_err((err), -ENOTSUP, "backend %s cannot %s", (b)->ops->name, #slot))

int vdm_backend_open_config(const char *name, const struct vdm_config *config,
			    struct vdm_backend *b, struct vdm_error *err)
{
	memset(b, 0, sizeof *b);
	b->ops = vdm_backend_find(name);
	if (!b->ops) {
		for (size_t i = 0; i < sizeof backend_optional / sizeof *backend_optional; i++)
			if (!strcmp(name, backend_optional[i][0]))
				return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "backend %s is not built into this vdmirror:"
					       " %s", name, backend_optional[i][1]);
		return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "no backend named %s", name);
	}
	if (err)
		err->msg[0] = '\0';
	return backend_checked(b, "open", b->ops->open(config, &b->state, err), err);
}

int vdm_backend_open(const char *name, const char *config, struct vdm_backend *b,
		     struct vdm_error *err)
{
	const struct vdm_backend_ops *ops = vdm_backend_find(name);
	if (!ops) {
		memset(b, 0, sizeof *b);
		return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "no backend named %s", name);
	}
	struct vdm_config cfg = { 0 };
	int rc = vdm_config_parse(ops, config, &cfg, err);
	if (rc == 0)
		rc = vdm_backend_open_config(name, &cfg, b, err);
	else
		memset(b, 0, sizeof *b);
	vdm_config_free(&cfg);
	return rc;
}

void vdm_backend_close(struct vdm_backend *b)
{
	if (b->ops && b->ops->close && b->state)
		b->ops->close(b->state);
	b->state = NULL;
}

int vdm_backend_discover(struct vdm_backend *b, json_t **inventory, struct vdm_error *err)
{
	if (err)
		err->msg[0] = '\0';
	return BACKEND_CALL(b, discover, err, inventory);
}

int vdm_backend_create_disk(struct vdm_backend *b, const char *pool, const char *disk,
			    int64_t size_mib, struct vdm_error *err)
{
	if (err)
		err->msg[0] = '\0';
	return BACKEND_CALL(b, create_disk, err, pool, disk, size_mib);
}

int vdm_backend_delete_disk(struct vdm_backend *b, const char *pool, const char *disk,
			    struct vdm_error *err)
{
	if (err)
		err->msg[0] = '\0';
	return BACKEND_CALL(b, delete_disk, err, pool, disk);
}

int vdm_backend_map_disk(struct vdm_backend *b, const char *partition, const char *pool,
			 const char *disk, struct vdm_error *err)
{
	if (err)
		err->msg[0] = '\0';
	return BACKEND_CALL(b, map_disk, err, partition, pool, disk);
}

int vdm_backend_unmap_disk(struct vdm_backend *b, const char *partition, const char *disk,
			   struct vdm_error *err)
{
	if (err)
		err->msg[0] = '\0';
	return BACKEND_CALL(b, unmap_disk, err, partition, disk);
}

int vdm_backend_client_address(struct vdm_backend *b, const char *partition, char **address,
			       struct vdm_error *err)
{
	if (err)
		err->msg[0] = '\0';
	return BACKEND_CALL(b, client_address, err, partition, address);
}

int vdm_backend_script_to(struct vdm_backend *b, struct vdm_transport *t, struct vdm_error *err)
{
	if (err)
		err->msg[0] = '\0';
	if (!(b->ops->caps & VDM_BACKEND_SCRIPT))
		return vdm_err(err, -ENOTSUP, "backend %s cannot write scripts", b->ops->name);
	return BACKEND_CALL(b, script_to, err, t);
}

void vdm_backend_set_owner(struct vdm_backend *b, const char *owner)
{
	if (b->ops->set_owner)
		b->ops->set_owner(b->state, owner);
}

int vdm_backend_disk_owned(struct vdm_backend *b, const char *pool, const char *disk,
			   const char *owner, struct vdm_error *err)
{
	if (err)
		err->msg[0] = '\0';
	if (!b->ops->disk_owned)
		return -ENOTSUP;
	return backend_checked(b, "disk_owned", b->ops->disk_owned(b->state, pool, disk, owner,
								   err), err);
}
