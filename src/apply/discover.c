/* discover.c: vdm_discover: backend discovery, then each partition's client drivers fill its
 * volume groups; the result is validated as a formats-v1 inventory. */
#include <errno.h>
#include <string.h>
#include "vdmirror/client.h"
#include "vdmirror/discover.h"
#include "vdmirror/model.h"
#include "vdmirror/util.h"
#include "vdmirror/warnings.h"

/* Drivers that know the volume managers of an os, in the order they run. */
static const char *const linux_drivers[] = { "linux-lvm", "linux-md", NULL };
static const char *const aix_drivers[] = { "aix", NULL };
static const char *const ibmi_drivers[] = { "ibmi", NULL };

static const char *const *discover_drivers(const char *os)
{
	if (!os || !strcmp(os, "linux"))
		return linux_drivers;
	if (!strcmp(os, "aix"))
		return aix_drivers;
	if (!strcmp(os, "ibmi"))
		return ibmi_drivers;
	return NULL;
}

/* Keeps only partition `name` (NULL: all); -ENOENT when it is not there. */
static int discover_filter(json_t *inv, const char *name, struct vdm_error *err)
{
	if (!name)
		return 0;
	json_t *parts = json_object_get(inv, "partitions");
	for (size_t i = json_array_size(parts); i-- > 0;) {
		const char *n = json_string_value(json_object_get(json_array_get(parts, i), "name"));
		if (!n || strcmp(n, name))
			json_array_remove(parts, i);
	}
	if (json_array_size(parts) == 0)
		return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "discover: no partition %s",
				    name);
	return 0;
}

static int discover_validate(json_t *inv, const char *source, struct vdm_error *err)
{
	struct vdm_inventory *parsed = NULL;
	int rc = vdm_inventory_parse_json(inv, source, &parsed, err);
	if (rc < 0)
		return (vdm_err_prefix(err, "discover: the inventory read from %s is not valid", source), rc);
	vdm_inventory_free(parsed);
	return 0;
}

int vdm_discover_storage(struct vdm_backend *b, const char *partition, json_t **inventory,
			 struct vdm_error *err)
{
	json_t *inv = NULL;
	int rc = vdm_backend_discover(b, &inv, err);
	if (rc < 0)
		return rc;
	if ((rc = discover_filter(inv, partition, err)) < 0 ||
	    (rc = discover_validate(inv, b->ops->name, err)) < 0) {
		json_decref(inv);
		return rc;
	}
	*inventory = inv;
	return 0;
}

static int discover_partition(struct vdm_backend *b, json_t *part, struct vdm_error *err)
{
	const char *name = json_string_value(json_object_get(part, "name"));
	const char *os = json_string_value(json_object_get(part, "os"));
	const char *const *drivers = discover_drivers(os);
	if (!drivers)
		return vdm_err(err, -ENOTSUP, "discover %s: no client driver for os %s", name, os);
	/* find them all before opening anything: a missing driver is a build problem */
	for (const char *const *d = drivers; *d; d++)
		if (!vdm_client_find(*d))
			return vdm_err(err, -ENOTSUP, "discover %s: client driver %s is not compiled in",
				       name, *d);
	CLEANUP_FREE char *address = NULL;
	int rc = vdm_backend_client_address(b, name, &address, err);
	if (rc < 0)
		return rc;
	struct vdm_transport x;
	if ((rc = vdm_transport_open(address, &x, err)) < 0)
		return (vdm_err_prefix(err, "discover %s: open %s", name, address), rc);
	if (!json_is_array(json_object_get(part, "vgs")))
		json_object_set_new(part, "vgs", json_array());
	for (const char *const *d = drivers; *d && rc >= 0; d++) {
		struct vdm_client c;
		if ((rc = vdm_client_open(*d, &x, &c, err)) == 0)
			rc = vdm_client_discover(&c, part, err);
		vdm_client_close(&c);
		if (rc == -ENOTSUP && !vdm_client_find(*d)->discover) {
			rc = 0;
			continue;
		}
		if (rc < 0) {
			vdm_err_prefix(err, "discover %s: %s", name, *d);
			break;
		}
		/* say which driver reported each VG, so apply need not ask the partition again */
		size_t v;
		json_t *vg;
		json_array_foreach(json_object_get(part, "vgs"), v, vg)
			if (!json_object_get(vg, "client"))
				json_object_set_new(vg, "client", json_string(*d));
	}
	vdm_transport_close(&x);
	return rc < 0 ? rc : 0;
}

int vdm_discover(struct vdm_backend *b, const char *partition, json_t **inventory,
		 struct vdm_error *err)
{
	json_t *inv = NULL;
	int rc = vdm_backend_discover(b, &inv, err);
	if (rc < 0)
		return rc;
	if ((rc = discover_filter(inv, partition, err)) < 0)
		goto fail;
	size_t i;
	json_t *part;
	json_array_foreach(json_object_get(inv, "partitions"), i, part)
		if ((rc = discover_partition(b, part, err)) < 0)
			goto fail;
	vdm_warnings_collect(inv);     /* the drivers' warnings, each once, at the top */
	if ((rc = discover_validate(inv, b->ops->name, err)) < 0)
		goto fail;
	*inventory = inv;
	return 0;
fail:
	json_decref(inv);
	return rc;
}
