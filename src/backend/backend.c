/* backend.c: the registry of backends (linked in, or a module loaded on first use) and the one
 * wrapper every backend call goes through: it checks the contract (a failure must come with a
 * message) and adds the backend's name to it. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vdmirror/backend.h"

/* Each backend defines one `const struct vdm_backend_ops vdm_backend_<name>` and adds it here. */
extern const struct vdm_backend_ops vdm_backend_qemu;
extern const struct vdm_backend_ops vdm_backend_vios;

static const struct vdm_backend_ops *const backend_registry[] = {
	&vdm_backend_qemu,
	&vdm_backend_vios,
};
#define N_LINKED (sizeof backend_registry / sizeof backend_registry[0])

#ifdef VDM_HAVE_LIBVIRT
/* The libvirt backend is a loadable module (vdm-libvirt.so, src/backend/libvirt/meson.build says
 * why), loaded once, on the first call that asks for it. A program of the build tree loads the
 * build tree's module, an installed one the installed module: never one of another build. */
static const struct vdm_backend_ops *lv_ops;
static char lv_why[512];
static pthread_once_t lv_once = PTHREAD_ONCE_INIT;

static void lv_load(void)
{
	/* both resolved: /proc/self/exe is, the build folder meson names may hold a symlink */
	char exe[PATH_MAX], build[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	size_t lb = realpath(VDM_BUILD_DIR, build) ? strlen(build) : 0;
	bool in_build = lb && !strncmp(exe, build, lb) && exe[lb] == '/';
	const char *path = in_build ? VDM_BUILD_DIR "/vdm-libvirt.so" : VDM_MODULE_DIR "/vdm-libvirt.so";
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(lv_why, sizeof lv_why, "%s", dlerror());
		return;
	}
	const struct vdm_backend_ops *ops = dlsym(h, "vdm_backend_libvirt");
	if (!ops || !ops->name || strcmp(ops->name, "libvirt")) {
		snprintf(lv_why, sizeof lv_why, "%s: no vdm_backend_libvirt in it", path);
		dlclose(h);
		return;
	}
	lv_ops = ops;	/* never unloaded: its ops and strings live as long as the process */
}

static const struct vdm_backend_ops *lv_get(void)
{
	pthread_once(&lv_once, lv_load);
	return lv_ops;
}
#endif

/* Backends that exist but are optional at build time: asked for one that was left out, the
 * message says why instead of "no backend named". */
static const char *const backend_optional[][2] = {
	{ "libvirt", "libvirt-dev (and libxml2-dev) were not found when vdmirror was built: "
		     "run scripts/install-deps and rebuild" },
};

const struct vdm_backend_ops *vdm_backend_find(const char *name)
{
	for (size_t i = 0; i < N_LINKED; i++)
		if (strcmp(backend_registry[i]->name, name) == 0)
			return backend_registry[i];
#ifdef VDM_HAVE_LIBVIRT
	if (!strcmp(name, "libvirt"))
		return lv_get();
#endif
	return NULL;
}

const struct vdm_backend_ops *vdm_backend_at(size_t i)
{
	if (i < N_LINKED)
		return backend_registry[i];
#ifdef VDM_HAVE_LIBVIRT
	if (i == N_LINKED)
		return lv_get();
#endif
	return NULL;
}

/* The error for a backend name vdm_backend_find did not resolve: unknown, left out of the
 * build, or built but its module cannot be loaded. */
static int backend_missing(const char *name, struct vdm_error *err)
{
#ifdef VDM_HAVE_LIBVIRT
	if (!strcmp(name, "libvirt"))
		return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "backend libvirt cannot be "
				    "loaded: %s (reinstall vdmirror or rebuild)", lv_why);
#endif
	for (size_t i = 0; i < sizeof backend_optional / sizeof *backend_optional; i++)
		if (!strcmp(name, backend_optional[i][0]))
			return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "backend %s is not built "
					    "into this vdmirror: %s", name, backend_optional[i][1]);
	return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "no backend named %s", name);
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
	if (!b->ops)
		return backend_missing(name, err);
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
		return backend_missing(name, err);
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
