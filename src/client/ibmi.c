/* ibmi.c: the "ibmi" client driver. IBM i mirrors disk units inside its own storage
 * management and pairs units by itself, so vdmirror only provisions equal-size disks behind
 * the other VIOS and writes the steps the IBM i operator runs: script mode only, nothing
 * unattended that vdmirror could not verify. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vdmirror/client.h"
#include "vdmirror/util.h"

#define ibmi_name_ok(s) vdm_name_valid(s)

/* The handle: the borrowed transport (IBM i steps learn nothing a later step needs). */
struct ibmi_handle { struct vdm_transport *t; };

static int ibmi_open(struct vdm_transport *t, void **handle, struct vdm_error *err)
{
	struct ibmi_handle *h = xcalloc(1, sizeof *h);
	h->t = t;
	*handle = h;
	return 0;
}

static void ibmi_close(void *handle)
{
	free(handle);
}

/* Writes comment lines; refuses outside a script: these are the operator's steps. */
static int ibmi_say(void *h, const char *const *lines, struct vdm_error *err)
{
	struct vdm_transport *x = ((struct ibmi_handle *)h)->t;
	if (!x->scripting)
		return vdm_err(err, -ENOTSUP, "ibmi: the IBM i operator runs these steps; use script "
			       "mode (--script FILE)");
	for (size_t i = 0; lines[i]; i++) {
		char *c[] = { (char *)VDM_SCRIPT_COMMENT, (char *)lines[i], NULL };
		int rc = vdm_transport_run(x, c, -1, NULL, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* IBM i's disk units and ASPs are not read by vdmirror: the partition keeps the disks the
 * backend found and no volume groups (the operator mirrors per ASP, inside IBM i). */
static int ibmi_discover(void *h, json_t *partition, struct vdm_error *err)
{
	if (!json_is_array(json_object_get(partition, "vgs")))
		json_object_set_new(partition, "vgs", json_array());
	return 0;
}

static int ibmi_wait_disk(void *h, const char *disk, int64_t timeout_ms, json_t *facts,
			  struct vdm_error *err)
{
	if (!ibmi_name_ok(disk))
		return vdm_err(err, -EINVAL, "ibmi: disk name invalid");
	CLEANUP_FREE char *l1 = xasprintf("IBM i: the new virtual disk %s must show as a non-configured disk "
		 "unit (STRSST, Work with disk units, Display disk configuration).", disk);
	const char *lines[] = { l1, NULL };
	return ibmi_say(h, lines, err);
}

static int ibmi_add_pv(void *h, const char *vg, const char *disk, struct vdm_error *err)
{
	if (!ibmi_name_ok(disk) || !ibmi_name_ok(vg))
		return vdm_err(err, -EINVAL, "ibmi: names invalid");
	CLEANUP_FREE char *l1 = xasprintf("IBM i: add disk unit %s to ASP %s (STRSST, Work with disk units, "
		 "Work with disk configuration, add units to ASPs).", disk, vg);
	const char *lines[] = { l1, NULL };
	return ibmi_say(h, lines, err);
}

static int ibmi_remove_pv(void *h, const char *vg, const char *disk,
			  struct vdm_error *err)
{
	if (!ibmi_name_ok(disk) || !ibmi_name_ok(vg))
		return vdm_err(err, -EINVAL, "ibmi: names invalid");
	CLEANUP_FREE char *l1 = xasprintf("IBM i: remove disk unit %s from ASP %s before the VIOS side "
		 "deletes it (STRSST, Work with disk configuration).", disk, vg);
	const char *lines[] = { l1, NULL };
	return ibmi_say(h, lines, err);
}

static int ibmi_add_copy(void *h, const char *vg, const char *lv, int copies,
			 const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	if (!ibmi_name_ok(vg))
		return vdm_err(err, -EINVAL, "ibmi: ASP name invalid");
	CLEANUP_FREE char *l1 = xasprintf("IBM i: start mirrored protection for ASP %s (STRSST, Work with "
		 "disk units, Work with disk configuration, Work with mirrored protection); the "
		 "system pairs units of equal capacity by itself.", vg);
	CLEANUP_FREE char *l2 = xasprintf("IBM i: expected level: IOA or better, since each new unit sits "
		 "behind a client adapter served by the other VIOS (an inference, not IBM-documented); "
		 "check the level IBM i reports (Display disk configuration protection).");
	const char *lines[] = { l1, l2, NULL };
	return ibmi_say(h, lines, err);
}

static int ibmi_sync_status(void *h, const char *vg, const char *lv, double *percent,
			    struct vdm_error *err)
{
	return vdm_err(err, -ENOTSUP, "ibmi: mirroring progress is shown by IBM i itself "
		       "(Display disk configuration status), not by vdmirror");
}

const struct vdm_client_ops vdm_client_ibmi = {
	.name = "ibmi",
	.caps = VDM_CLIENT_SCRIPT,
	.open = ibmi_open,
	.close = ibmi_close,
	.discover = ibmi_discover,
	.wait_disk = ibmi_wait_disk,
	.add_pv = ibmi_add_pv,
	.remove_pv = ibmi_remove_pv,
	.add_copy = ibmi_add_copy,
	.sync_status = ibmi_sync_status,
};
