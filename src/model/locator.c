/* locator.c: the typed disk locator of model.h and its JSON form, the one place that knows
 * how a backend tells a client driver where a disk is, and the "pvid-" device spelling. */
#include <errno.h>
#include <string.h>
#include "vdmirror/model.h"
#include "vdmirror/util.h"

char *vdm_device_of_pvid(const char *pvid)
{
	return xasprintf("pvid-%s", pvid);
}

json_t *vdm_locator_to_json(const struct vdm_disk_locator *loc)
{
	json_t *j = json_object();
	if (loc->serial)
		json_object_set_new(j, "serial", json_string(loc->serial));
	if (loc->pvid)
		json_object_set_new(j, "pvid", json_string(loc->pvid));
	json_t *paths = json_array();
	for (size_t i = 0; i < loc->n_paths; i++) {
		const struct vdm_disk_path *p = &loc->paths[i];
		json_t *o = json_object();
		if (p->server)
			json_object_set_new(o, "server", json_string(p->server));
		if (p->adapter)
			json_object_set_new(o, "adapter", json_string(p->adapter));
		if (p->server_slot >= 0)
			json_object_set_new(o, "server_slot", json_integer(p->server_slot));
		if (p->client_slot >= 0)
			json_object_set_new(o, "client_slot", json_integer(p->client_slot));
		if (p->lun)
			json_object_set_new(o, "lun", json_string(p->lun));
		json_array_append_new(paths, o);
	}
	json_object_set_new(j, "paths", paths);
	return j;
}

static int loc_str(const json_t *o, const char *key, char **out, struct vdm_error *err)
{
	const json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return vdm_err(err, -EINVAL, "disk locator: %s must be a string", key);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int loc_int(const json_t *o, const char *key, int64_t *out, struct vdm_error *err)
{
	const json_t *v = json_object_get(o, key);
	*out = -1;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return vdm_err(err, -EINVAL, "disk locator: %s must be an integer >= 0", key);
	*out = json_integer_value(v);
	return 0;
}

int vdm_locator_from_json(const json_t *j, struct vdm_disk_locator *loc, struct vdm_error *err)
{
	memset(loc, 0, sizeof *loc);
	if (!j)
		return 0;
	if (!json_is_object(j))
		return vdm_err(err, -EINVAL, "disk locator: not an object");
	int rc = loc_str(j, "serial", &loc->serial, err);
	if (rc == 0)
		rc = loc_str(j, "pvid", &loc->pvid, err);
	const json_t *paths = json_object_get(j, "paths");
	if (rc == 0 && paths && !json_is_array(paths))
		rc = vdm_err(err, -EINVAL, "disk locator: paths must be an array");
	size_t n = json_array_size(paths);
	if (rc == 0 && n)
		loc->paths = xcalloc(n, sizeof *loc->paths);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const json_t *o = json_array_get(paths, i);
		struct vdm_disk_path *p = &loc->paths[i];
		loc->n_paths++;
		p->server_slot = p->client_slot = -1;
		if (!json_is_object(o)) {
			rc = vdm_err(err, -EINVAL, "disk locator: paths[%zu] not an object", i);
			break;
		}
		if ((rc = loc_str(o, "server", &p->server, err)) == 0 &&
		    (rc = loc_str(o, "adapter", &p->adapter, err)) == 0 &&
		    (rc = loc_int(o, "server_slot", &p->server_slot, err)) == 0 &&
		    (rc = loc_int(o, "client_slot", &p->client_slot, err)) == 0)
			rc = loc_str(o, "lun", &p->lun, err);
	}
	if (rc < 0)
		vdm_locator_free(loc);
	return rc;
}

void vdm_locator_free(struct vdm_disk_locator *loc)
{
	free(loc->serial);
	free(loc->pvid);
	for (size_t i = 0; i < loc->n_paths; i++) {
		free(loc->paths[i].server);
		free(loc->paths[i].adapter);
		free(loc->paths[i].lun);
	}
	free(loc->paths);
	memset(loc, 0, sizeof *loc);
}
