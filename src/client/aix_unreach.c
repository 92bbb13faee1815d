/* aix_unreach.c: the AIX partition's disks when a VIOS did not answer discovery. The backend
 * then knows nothing of the disks that VIOS alone serves; the partition still sees them (as
 * hdisks whose location gives the client adapter slot and the LUN), and the HMC says which
 * VIOS is behind each client slot ("vios_unreachable" on the partition, docs/internals/vios.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "vdmirror/model.h"
#include "vdmirror/warnings.h"
#include "aix.h"

/* Whether AIX has lost hdisk by its own word: lspath lists no Enabled path (the states are
 * Enabled, Disabled, Failed, Defined, Missing, Detected: AIX lspath). An lspath that cannot
 * be run or read says nothing: the disk stays present, with a warning. */
static int unreach_lost(json_t *partition, const char *pname, const char *hdisk,
			const struct aix_each *q)
{
	struct vdm_error e = { 0 };
	aix_paths ap = { 0 };
	int rc = 0;
	if (!q)
		rc = vdm_err(&e, -EINVAL, "'lspath -l %s' not asked", hdisk);
	else if (q->rc < 0)
		rc = vdm_err(&e, q->rc, "%s", q->errout ? q->errout : "not run");
	else if (q->rc > 0)
		rc = vdm_err(&e, -EIO, "'lspath -l %s' failed (exit %d)", hdisk, q->rc);
	if (rc == 0)
		rc = aix_parse_lspath(q->out ? q->out : "", &ap, &e);
	int enabled = 0;
	for (size_t i = 0; rc == 0 && i < ap.n; i++)
		enabled |= !strcmp(ap.v[i].status, "Enabled");
	aix_paths_free(&ap);
	if (rc < 0) {
		vdm_warn(partition, "aix %s: %s: its paths are unknown (%s): kept present", pname,
			 hdisk, e.msg);
		return 0;
	}
	return !enabled;
}

/* Whether `found` was matched to hdisk for sure: by name, by PVID, or by LUN on a path whose
 * client slot is known and is the hdisk's. */
static int unreach_sure(const json_t *found, const char *hdisk, const char *pvid, int64_t slot,
			const char *lun)
{
	if (!strcmp(json_string_value(json_object_get(found, "name")) ?: "", hdisk))
		return 1;
	struct vdm_disk_locator loc;
	struct vdm_error e;
	if (vdm_locator_from_json(json_object_get(found, "locator"), &loc, &e) < 0)
		return 0;
	int sure = pvid && loc.pvid && !strcmp(loc.pvid, pvid);
	for (size_t k = 0; !sure && k < loc.n_paths; k++)
		sure = lun && loc.paths[k].lun && !strcasecmp(loc.paths[k].lun, lun) &&
		       slot >= 0 && loc.paths[k].client_slot == slot;
	vdm_locator_free(&loc);
	return sure;
}

/* The path of the dead VIOS behind client slot `slot` (borrowed from dead), NULL for none. */
static const struct vdm_disk_path *unreach_path(const struct vdm_disk_locator *dead, int64_t slot)
{
	for (size_t k = 0; k < dead->n_paths; k++)
		if (slot >= 0 && dead->paths[k].client_slot == slot && dead->paths[k].server)
			return &dead->paths[k];
	return NULL;
}

static void unreach_dead(json_t *partition, struct vdm_disk_locator *dead)
{
	struct vdm_error e;
	json_t *u = json_object_get(partition, "vios_unreachable");
	if (vdm_locator_from_json(json_object_get(u, "locator"), dead, &e) < 0)
		memset(dead, 0, sizeof *dead);
}

bool aix_unreach_asks(json_t *partition, int64_t slot, const json_t *found)
{
	json_t *down = json_object_get(json_object_get(partition, "vios_unreachable"), "servers");
	if (found || !json_array_size(down))
		return false;
	struct vdm_disk_locator dead;
	unreach_dead(partition, &dead);
	bool asks = unreach_path(&dead, slot) != NULL;
	vdm_locator_free(&dead);
	return asks;
}

json_t *aix_unreach_disk(json_t *partition, const char *pname, const char *hdisk,
			 const char *pvid, int64_t slot, const char *lun, json_t *found,
			 const struct aix_each *lspath)
{
	json_t *u = json_object_get(partition, "vios_unreachable");
	json_t *down = json_object_get(u, "servers");
	if (!json_array_size(down))
		return found;
	const char *first = json_string_value(json_array_get(down, 0)) ?: "?";
	if (found) {
		if (unreach_sure(found, hdisk, pvid, slot, lun))
			return found;
		/* matched by LUN alone (no client slots without an HMC): the VIOS that did not
		 * answer may serve another disk at this LUN, so the match is a guess */
		vdm_warn(partition, "aix %s: %s (LUN %s) cannot be told from a disk of VIOS %s, which "
			 "did not answer: configure the HMC (hmc=, system=) so client slots tell them "
			 "apart", pname, hdisk, lun ? lun : "?", first);
		return NULL;
	}
	struct vdm_disk_locator dead, loc = { 0 };
	unreach_dead(partition, &dead);
	const struct vdm_disk_path *p = unreach_path(&dead, slot);
	json_t *d = NULL;
	if (!p) {
		vdm_warn(partition, "aix %s: %s (LUN %s): no VIOS that answered serves it, and VIOS "
			 "%s did not answer: %s", pname, hdisk, lun ? lun : "?", first,
			 dead.n_paths ? "the HMC names no VIOS behind its client slot"
				      : "without an HMC (hmc=, system=) its server cannot be told");
		goto out;
	}
	/* present unless the partition says it lost the disk (no Enabled path here; lspv /
	 * lsvg -p PV STATE, read by the caller); its size comes from lsvg -p; what it sits on is
	 * unknown, so it is taken to share every device the live VIOS see */
	struct vdm_disk_path path = *p;
	path.adapter = NULL;
	path.lun = (char *)lun;
	loc.pvid = (char *)pvid;
	loc.paths = &path;
	loc.n_paths = 1;
	d = json_pack("{s:s,s:I,s:[s],s:o}", "name", hdisk, "size_mib", (json_int_t)0, "paths",
		      p->server, "locator", vdm_locator_to_json(&loc));
	if (json_array_size(json_object_get(u, "devices")))
		json_object_set_new(d, "devices", json_deep_copy(json_object_get(u, "devices")));
	if (unreach_lost(partition, pname, hdisk, lspath))
		json_object_set_new(d, "state", json_string("missing"));
	json_array_append_new(json_object_get(partition, "disks"), d);
out:
	vdm_locator_free(&dead);
	return d;
}
