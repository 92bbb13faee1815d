/* discover.c: vdm_discover: backend discovery, then each partition's client drivers (volume
 * groups), the partitions concurrently; the result is validated as a formats-v1 inventory. */
#include <errno.h>
#include <pthread.h>
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

/* One partition's client side, on its own transport: thread-safe (the transport and `part`
 * are the job's alone), so partitions and the storage side are discovered at the same time. */
struct discover_job {
	const char *name;
	const char *const *drivers;
	char *address;
	json_t *part;
	int rc;
	struct vdm_error err;
	pthread_t thread;
	bool running;
};

/* Both Linux drivers read the agent's "report" (every lvm report and md array): asked once per
 * discovery, the second driver gets a copy. A transport in front of the real one. */
struct report_cache {
	struct vdm_transport *inner;
	json_t *report;
};

static int report_cache_request(void *ctx, const json_t *req, json_t **reply, int64_t timeout_ms,
				struct vdm_error *err)
{
	struct report_cache *c = ctx;
	const char *op = json_string_value(json_object_get(req, "op"));
	bool report = op && !strcmp(op, "report") && json_object_size(req) == 1;
	if (report && c->report) {
		*reply = json_deep_copy(c->report);
		return 0;
	}
	int rc = vdm_transport_request(c->inner, req, reply, timeout_ms, err);
	if (rc == 0 && report)
		c->report = json_deep_copy(*reply);
	return rc;
}

static int report_cache_run(void *ctx, char *const argv[], int64_t timeout_ms, char **out,
			    struct vdm_error *err)
{
	struct report_cache *c = ctx;
	return vdm_transport_run(c->inner, argv, timeout_ms, out, err);
}

static const char *report_cache_last_stderr(void *ctx)
{
	struct report_cache *c = ctx;
	return vdm_transport_last_stderr(c->inner);
}

static int discover_client(const char *name, const char *address, const char *const *drivers,
			   json_t *part, struct vdm_error *err)
{
	struct vdm_transport real;
	int rc = vdm_transport_open(address, &real, err);
	if (rc < 0)
		return (vdm_err_prefix(err, "discover %s: open %s", name, address), rc);
	struct report_cache cache = { &real, NULL };
	struct vdm_transport x = real;
	x.ctx = &cache;
	x.run = report_cache_run;
	x.request = real.request ? report_cache_request : NULL;
	x.last_stderr = report_cache_last_stderr;
	x.close = NULL;
	if (!json_is_array(json_object_get(part, "vgs")))
		json_object_set_new(part, "vgs", json_array());
	for (const char *const *d = drivers; *d && rc >= 0; d++) {
		if (!vdm_client_find(*d)->discover)
			continue;
		struct vdm_client c;
		if ((rc = vdm_client_open(*d, &x, &c, err)) == 0)
			rc = vdm_client_discover(&c, part, err);
		vdm_client_close(&c);
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
	json_decref(cache.report);
	vdm_transport_close(&real);
	return rc < 0 ? rc : 0;
}

static void *discover_job_run(void *arg)
{
	struct discover_job *job = arg;
	job->rc = discover_client(job->name, job->address, job->drivers, job->part, &job->err);
	return NULL;
}

/* Starts the job in a thread; runs it here when no thread can be had. */
static void discover_job_start(struct discover_job *job)
{
	if (pthread_create(&job->thread, NULL, discover_job_run, job) == 0)
		job->running = true;
	else
		discover_job_run(job);
}

static void discover_job_end(struct discover_job *job)
{
	if (job->running)
		pthread_join(job->thread, NULL);
	job->running = false;
	free(job->address);
	job->address = NULL;
}

/* The drivers and the transport address of a partition, checked before anything opens. */
static int discover_job_prepare(struct vdm_backend *b, const json_t *part,
				struct discover_job *job, struct vdm_error *err)
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
	job->name = name;
	job->drivers = drivers;
	return vdm_backend_client_address(b, name, &job->address, err);
}

/* Every job worked on a copy of its partition object, the storage side's disks in it (the
 * drivers read them: the Linux drivers name a VG's missing PVs from the disks the storage side
 * reports missing, aix completes them): the copy takes the original's place. */
static void discover_job_merge(struct discover_job *job, json_t *parts, size_t i)
{
	json_array_set(parts, i, job->part);
}

/* A partition whose client side cannot be read (no agent channel, the agent not running, no
 * driver for its os) in a discovery of every partition: reported with what the storage side
 * knows (its disks), no VGs, and a warning naming it and the cause. A discovery that cannot
 * reach one partition is not a failed discovery (issue 10); asked for that one partition, it is. */
static void discover_job_unread(struct discover_job *job, json_t *inv, json_t *part)
{
	json_object_set_new(part, "vgs", json_array());
	vdm_warn(inv, "partition %s: its volume groups could not be read, it is reported with "
		 "its disks only: %s", job->name, job->err.msg);
}

/* The storage side first (the backend's discovery: the drivers need its view of each
 * partition's disks), then every partition's client side at once, each on its own transport.
 * Results land in the backend's partition objects, so the output order is the backend's,
 * whatever finishes first; the first error in that order is the one reported (with
 * `partition` NULL, a partition's error is a warning instead: discover_job_unread). */
int vdm_discover(struct vdm_backend *b, const char *partition, json_t **inventory,
		 struct vdm_error *err)
{
	json_t *inv = NULL;
	int rc = vdm_backend_discover(b, &inv, err);
	if (rc < 0)
		return rc;
	if ((rc = discover_filter(inv, partition, err)) < 0)
		goto out;
	json_t *parts = json_object_get(inv, "partitions");
	size_t n = json_array_size(parts);
	struct discover_job *jobs = xcalloc(n ? n : 1, sizeof *jobs);
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *part = json_array_get(parts, i);
		struct discover_job *job = &jobs[i];
		if ((job->rc = discover_job_prepare(b, part, job, &job->err)) < 0) {
			if (partition) {
				*err = job->err;
				rc = job->rc;
			} else {
				job->name = json_string_value(json_object_get(part, "name"));
				discover_job_unread(job, inv, part);
			}
			continue;
		}
		job->part = json_deep_copy(part);
		discover_job_start(job);
	}
	for (size_t i = 0; i < n; i++) {
		struct discover_job *job = &jobs[i];
		if (!job->part) {
			free(job->address);
			continue;
		}
		discover_job_end(job);
		if (rc == 0 && job->rc < 0 && partition) {
			*err = job->err;
			rc = job->rc;
		}
		if (rc == 0 && job->rc < 0)
			discover_job_unread(job, inv, json_array_get(parts, i));
		else if (rc == 0)
			discover_job_merge(job, parts, i);
	}
	for (size_t i = 0; i < n; i++)
		json_decref(jobs[i].part);
	free(jobs);
	if (rc == 0) {
		vdm_warnings_collect(inv);     /* the drivers' warnings, each once, at the top */
		rc = discover_validate(inv, b->ops->name, err);
	}
out:
	if (rc < 0) {
		json_decref(inv);
		return rc;
	}
	*inventory = inv;
	return 0;
}

/* ---- the verify's view: the storage side and one VG ---- */

int vdm_discover_vg(struct vdm_backend *b, struct vdm_client *client, const char *partition,
		    const char *vg, json_t **inventory, struct vdm_error *err)
{
	*inventory = NULL;
	if (!client || !client->ops || !client->ops->discover)
		return vdm_err(err, -ENOTSUP, "discover %s/%s: no client driver to read it",
			       partition, vg);
	json_t *inv = NULL;
	int rc = vdm_discover_storage(b, partition, &inv, err);
	if (rc < 0)
		return rc;
	/* the driver reads the storage side's disks of the partition (missing ones, aix's
	 * completion): it works on a copy of that object, which then takes its place */
	json_t *parts = json_object_get(inv, "partitions");
	json_t *part = json_deep_copy(json_array_get(parts, 0));
	rc = vdm_client_discover(client, part, err);
	if (rc < 0) {
		vdm_err_prefix(err, "discover %s: %s", partition, client->ops->name);
	} else {
		/* only the VG asked for, from the driver that reported it */
		json_t *found = NULL;
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(part, "vgs"), i, v)
			if (!strcmp(json_string_value(json_object_get(v, "name")) ?: "", vg))
				found = v;
		if (!found) {
			rc = vdm_err(err, -ENOENT, "discover %s: %s reports no VG %s", partition,
				     client->ops->name, vg);
		} else {
			json_object_set_new(found, "client", json_string(client->ops->name));
			json_object_set_new(part, "vgs", json_pack("[O]", found));
			json_array_set(parts, 0, part);
			vdm_warnings_collect(inv);
			rc = discover_validate(inv, b->ops->name, err);
		}
	}
	json_decref(part);
	if (rc < 0) {
		json_decref(inv);
		return rc;
	}
	*inventory = inv;
	return 0;
}
