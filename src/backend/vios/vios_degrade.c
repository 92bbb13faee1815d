/* vios_degrade.c: what the VIOS backend keeps of devices that are not vSCSI disks, so that
 * discovery of a production system degrades instead of failing: the virtual FC (NPIV)
 * adapters lsmap -npiv lists (parsed in vios_parse.c), and the optical and file-backed target
 * devices lsmap also lists. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "vdmirror/model.h"
#include "vios_degrade.h"

enum vios_vtd_kind vios_vtd_kind(const struct vios_vtd *vt)
{
	size_t n = strlen(vt->backing);
	/* mkvdev -fbo names its devices vtoptN; an empty optical device prints no backing */
	if (!strncmp(vt->vtd, "vtopt", 5) || n == 0 ||
	    (n > 4 && !strcasecmp(vt->backing + n - 4, ".iso")))
		return VIOS_VTD_OPTICAL;
	if (vt->backing[0] == '/')
		return VIOS_VTD_FILE;
	return VIOS_VTD_DISK;
}

void vios_npiv_record(json_t *partition, const char *server, const struct vios_vfchost *v)
{
	/* kept in the model's locator form: the partition's virtual FC paths, one per vfchost */
	struct vdm_disk_locator loc;
	struct vdm_error e;
	if (vdm_locator_from_json(json_object_get(partition, "npiv_locator"), &loc, &e) < 0)
		memset(&loc, 0, sizeof loc);      /* written only here: cannot happen */
	loc.paths = xrealloc(loc.paths, (loc.n_paths + 1) * sizeof *loc.paths);
	loc.paths[loc.n_paths++] = (struct vdm_disk_path){
		.server = xstrdup(server), .adapter = xstrdup(v->name), .server_slot = v->slot,
		.client_slot = v->client_slot, .lun = NULL };
	json_object_set_new(partition, "npiv_locator", vdm_locator_to_json(&loc));
	vdm_locator_free(&loc);
}
