/* client.c: the registry of compiled-in client mirror drivers, and the vdm_client_* wrappers
 * through which every caller reaches a driver (they check the contract: a failure always
 * carries a message, a slot a driver lacks is -ENOTSUP). */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "vdmirror/client.h"

/* Each driver defines one `const struct vdm_client_ops vdm_client_<name>` and adds it here. */
extern const struct vdm_client_ops vdm_client_aix, vdm_client_ibmi;
extern const struct vdm_client_ops vdm_client_linux_lvm, vdm_client_linux_md;
static const struct vdm_client_ops *const client_registry[] = {
	&vdm_client_aix,
	&vdm_client_ibmi,
	&vdm_client_linux_lvm,
	&vdm_client_linux_md,
	NULL,
};

const struct vdm_client_ops *vdm_client_find(const char *name)
{
	for (size_t i = 0; name && client_registry[i]; i++)
		if (strcmp(client_registry[i]->name, name) == 0)
			return client_registry[i];
	return NULL;
}

/* A driver that fails without saying why gets a message that at least names the call. */
static int client_checked(const struct vdm_client *c, const char *call, int rc,
			  struct vdm_error *err)
{
	if (rc >= 0)
		return rc;
	if (err && err->msg[0] == '\0')
		vdm_err(err, rc, "client %s: %s failed: %s", c->ops->name, call, strerror(-rc));
	return rc;
}

#define CLIENT_CALL(c, slot, err, ...) \
	(!(c)->ops ? vdm_err((err), -EBADF, "client driver not open") \
	 : !(c)->ops->slot ? vdm_err((err), -ENOTSUP, "client %s cannot %s", (c)->ops->name, #slot) \
	 : (vdm_err_clear(err), \
	    client_checked((c), #slot, (c)->ops->slot((c)->handle, __VA_ARGS__, (err)), (err))))

int vdm_client_open(const char *name, struct vdm_transport *t, struct vdm_client *c,
		    struct vdm_error *err)
{
	memset(c, 0, sizeof *c);
	const struct vdm_client_ops *ops = vdm_client_find(name);
	if (!ops)
		return vdm_err(err, -ENOENT, "no client driver named %s", name ? name : "(none)");
	vdm_err_clear(err);
	struct vdm_client tmp = { ops, NULL };
	int rc = client_checked(&tmp, "open", ops->open(t, &tmp.handle, err), err);
	if (rc < 0)
		return rc;
	*c = tmp;
	return 0;
}

void vdm_client_close(struct vdm_client *c)
{
	if (c->ops && c->ops->close && c->handle)
		c->ops->close(c->handle);
	memset(c, 0, sizeof *c);
}

int vdm_client_discover(struct vdm_client *c, json_t *partition, struct vdm_error *err)
{
	return CLIENT_CALL(c, discover, err, partition);
}

int vdm_client_wait_disk(struct vdm_client *c, const char *disk, int64_t timeout_ms,
			 json_t *facts, struct vdm_error *err)
{
	return CLIENT_CALL(c, wait_disk, err, disk, timeout_ms, facts);
}

int vdm_client_add_pv(struct vdm_client *c, const char *vg, const char *disk,
		      struct vdm_error *err)
{
	return CLIENT_CALL(c, add_pv, err, vg, disk);
}

int vdm_client_remove_pv(struct vdm_client *c, const char *vg, const char *disk,
			 struct vdm_error *err)
{
	return CLIENT_CALL(c, remove_pv, err, vg, disk);
}

int vdm_client_add_copy(struct vdm_client *c, const char *vg, const char *lv, int copies,
			const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	return CLIENT_CALL(c, add_copy, err, vg, lv, copies, copy);
}

int vdm_client_remove_copy(struct vdm_client *c, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	return CLIENT_CALL(c, remove_copy, err, vg, lv, copy);
}

int vdm_client_sync_status(struct vdm_client *c, const char *vg, const char *lv,
			   double *percent, struct vdm_error *err)
{
	return CLIENT_CALL(c, sync_status, err, vg, lv, percent);
}

int vdm_client_recall(struct vdm_client *c, const char *disk, const json_t *facts,
		      struct vdm_error *err)
{
	if (c->ops && !c->ops->recall)
		return 0;
	return CLIENT_CALL(c, recall, err, disk, facts);
}

int vdm_client_resync_copy(struct vdm_client *c, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	return CLIENT_CALL(c, resync_copy, err, vg, lv, copy);
}

int vdm_client_replace_copy(struct vdm_client *c, const char *vg, const char *lv, int copies,
			    const struct vdm_plan_copy *lost, const struct vdm_plan_copy *copy,
			    struct vdm_error *err)
{
	return CLIENT_CALL(c, replace_copy, err, vg, lv, copies, lost, copy);
}

int vdm_client_drop_copy(struct vdm_client *c, const char *vg, const char *lv, int copies,
			 const struct vdm_plan_copy *lost, struct vdm_error *err)
{
	return CLIENT_CALL(c, drop_copy, err, vg, lv, copies, lost);
}

int vdm_client_remove_missing(struct vdm_client *c, const char *vg, const char *const *disks,
			      size_t n, struct vdm_error *err)
{
	return CLIENT_CALL(c, remove_missing, err, vg, disks, n);
}

int vdm_client_restore_pv(struct vdm_client *c, const char *vg, const char *disk,
			  struct vdm_error *err)
{
	if (c->ops && !c->ops->restore_pv)
		return 0;
	return CLIENT_CALL(c, restore_pv, err, vg, disk);
}

int vdm_client_prepare(struct vdm_client *c, const json_t *partition, const struct vdm_plan *plan,
		       struct vdm_error *err)
{
	if (c->ops && !c->ops->prepare)
		return 0;
	return CLIENT_CALL(c, prepare, err, partition, plan);
}

int vdm_client_add_copies(struct vdm_client *c, const char *vg, size_t n,
			  const struct vdm_copy_req *reqs, struct vdm_batch_result *res,
			  size_t *n_done, struct vdm_error *err)
{
	*n_done = 0;
	return CLIENT_CALL(c, add_copies, err, vg, n, reqs, res, n_done);
}

int vdm_client_sync_status_all(struct vdm_client *c, const char *vg, size_t n,
			       const char *const lvs[], int64_t wait_ms, double percent[],
			       struct vdm_error *err)
{
	return CLIENT_CALL(c, sync_status_all, err, vg, n, lvs, wait_ms, percent);
}

int vdm_client_sync_rate(struct vdm_client *c, int64_t rate_kib, int restore,
			 struct vdm_error *err)
{
	return CLIENT_CALL(c, sync_rate, err, rate_kib, restore);
}

int vdm_client_has_add_copies(const struct vdm_client *c)
{
	return c->ops && c->ops->add_copies;
}

int vdm_client_has_sync_status_all(const struct vdm_client *c)
{
	return c->ops && c->ops->sync_status_all;
}

bool vdm_client_returning_try(int attempt)
{
	if (attempt < 0 || attempt >= VDM_RETURNING_TRIES)
		return false;
	if (attempt > 0)
		nanosleep(&(struct timespec){ VDM_RETURNING_GAP_MS / 1000,
					      (VDM_RETURNING_GAP_MS % 1000) * 1000000L }, NULL);
	return true;
}
