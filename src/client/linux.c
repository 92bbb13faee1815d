/* linux.c: helpers shared by the linux-lvm and linux-md drivers (see linux.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "linux.h"
#include "vdmirror/util.h"

struct lnx_handle {
	struct vdm_transport *t;
};

int lnx_open(struct vdm_transport *t, void **handle, struct vdm_error *err)
{
	struct lnx_handle *h = xcalloc(1, sizeof *h);
	h->t = t;
	*handle = h;
	return 0;
}

void lnx_close(void *handle)
{
	free(handle);
}

struct vdm_transport *lnx_transport(void *handle)
{
	return ((struct lnx_handle *)handle)->t;
}

static char *lnx_cmdline(const char *const argv[])
{
	struct strbuf b = STRBUF_INIT(400);
	for (size_t i = 0; argv[i]; i++)
		strbuf_addf(&b, "%s%s", i ? " " : "", argv[i]);
	return strbuf_detach(&b);
}

int lnx_run(struct vdm_transport *x, const char *const argv[], int64_t timeout_ms, char **out,
	    struct vdm_error *err)
{
	if (out)
		*out = NULL;
	if (err)
		err->msg[0] = '\0';
	char *o = NULL;
	int rc = vdm_transport_run(x, (char *const *)argv, timeout_ms, &o, err);
	if (rc == 0) {
		if (out)
			*out = o ? o : xstrdup("");
		else
			free(o);
		return 0;
	}
	free(o);
	CLEANUP_FREE char *cmd = lnx_cmdline(argv);
	if (rc < 0) {
		vdm_err_prefix(err, "`%s`", cmd);
		return rc;
	}
	/* the agent transport leaves the command's stderr in err->msg */
	char stderr_text[1024] = "";
	if (err)
		snprintf(stderr_text, sizeof stderr_text, "%.1000s", err->msg);
	return vdm_err(err, -EIO, "`%s`: exit %d%s%s", cmd, rc, stderr_text[0] ? ": " : "",
		       stderr_text);
}

int lnx_disk_dev(struct vdm_transport *x, const char *disk, int64_t timeout_ms, char *dev,
		 size_t size, struct vdm_error *err)
{
	if (!lnx_name_ok(disk))
		return vdm_err(err, -EINVAL, "disk \"%s\": invalid name", disk);
	if (!x->request) {
		/* virtio-blk keeps 20 bytes of the serial, and so does udev's by-id name */
		snprintf(dev, size, "/dev/disk/by-id/virtio-%.20s", disk);
		return 0;
	}
	json_t *req = json_pack("{s:s, s:s, s:I}", "op", "wait_disk", "serial", disk,
				"timeout_ms", (json_int_t)timeout_ms);
	json_t *reply = NULL;
	int rc = vdm_transport_request(x, req, &reply, timeout_ms + 5000, err);
	json_decref(req);
	if (rc < 0)
		return rc;
	const char *name = json_string_value(json_object_get(reply, "name"));
	if (!name || !lnx_name_ok(name)) {
		json_decref(reply);
		return vdm_err(err, -EPROTO, "disk %s: the agent gave no kernel name", disk);
	}
	snprintf(dev, size, "/dev/%s", name);
	json_decref(reply);
	return 0;
}

int lnx_wait_disk(void *h, const char *disk, int64_t timeout_ms, json_t *facts,
		  struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	char dev[256];
	if (x->scripting) {
		if (!lnx_name_ok(disk))
			return vdm_err(err, -EINVAL, "disk \"%s\": invalid name", disk);
		/* the script waits for the disk itself (up to timeout_ms), and stops (set -e)
		 * when it does not come */
		CLEANUP_FREE char *text = xasprintf("wait until /dev/disk/by-id/virtio-%.20s exists "
						    "(new disk %s)", disk, disk);
		CLEANUP_FREE char *byid = xasprintf("/dev/disk/by-id/virtio-%.20s", disk);
		CLEANUP_FREE char *secs = xasprintf("%lld", (long long)(timeout_ms > 0 ?
							(timeout_ms + 999) / 1000 : 60));
		const char *argv[] = { VDM_SCRIPT_COMMENT, text, NULL };
		const char *wait[] = { "sh", "-c", "i=0; while [ ! -e \"$0\" ]; do "
				       "[ $i -lt \"$1\" ] || exit 1; i=$((i + 1)); sleep 1; done",
				       byid, secs, NULL };
		int rc = vdm_transport_run(x, (char *const *)argv, 1000, NULL, err);
		if (rc == 0)
			rc = vdm_transport_run(x, (char *const *)wait, 1000, NULL, err);
		return rc < 0 ? rc : 0;
	}
	if (!x->request)
		return vdm_err(err, -ENOTSUP, "disk %s: waiting for it needs the vdmirror agent",
			       disk);
	return lnx_disk_dev(x, disk, timeout_ms, dev, sizeof dev, err);
}

int lnx_report(struct vdm_transport *x, json_t **report, struct vdm_error *err)
{
	*report = NULL;
	if (!x->request || x->scripting)
		return vdm_err(err, -ENOTSUP, "discovery of a Linux partition needs the vdmirror "
			       "agent (this transport has none)");
	/* a channel with no agent behind it (not installed, not started) would hold discovery
	 * for the whole report deadline: a live agent answers hello at once */
	json_t *req = json_pack("{s:s}", "op", "hello"), *hello = NULL;
	int rc = vdm_transport_request(x, req, &hello, LNX_HELLO_MS, err);
	json_decref(req);
	json_decref(hello);
	if (rc < 0)
		return rc;
	req = json_pack("{s:s}", "op", "report");
	rc = vdm_transport_request(x, req, report, 120000, err);
	json_decref(req);
	return rc;
}

json_t *lnx_find_named(const json_t *array, const char *key, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(array, i, e)
		if (!strcmp(json_string_value(json_object_get(e, key)) ?: "", name))
			return e;
	return NULL;
}

json_t *lnx_disk_serials(const json_t *report)
{
	json_t *idx = json_object();
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(report, "disks"), i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		json_t *serial = json_object_get(d, "serial");
		if (name && json_is_string(serial) && !json_object_get(idx, name))
			json_object_set_nocheck(idx, name, serial);
	}
	return idx;
}

int64_t lnx_count(const char *s)
{
	if (!s || !*s)
		return -1;
	int64_t v = 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, *s - '0', &v))
			return -1;
	return v;
}

void lnx_append_vgs(json_t *partition, json_t *vgs)
{
	json_t *have = json_object_get(partition, "vgs");
	if (!json_is_array(have)) {
		json_object_set_new(partition, "vgs", vgs);
		return;
	}
	json_array_extend(have, vgs);
	json_decref(vgs);
}

int lnx_sync_rate(void *h, int64_t rate_kib, int restore, struct vdm_error *err)
{
	struct vdm_transport *x = lnx_transport(h);
	if (x->scripting)
		return 0;     /* the admin running the script keeps their own limits */
	if (!x->request)
		return vdm_err(err, -ENOTSUP, "resync limits: setting them needs the vdmirror agent");
	if (rate_kib < 0)
		return vdm_err(err, -EINVAL, "resync limit %lld KiB/s: must be >= 0",
			       (long long)rate_kib);
	json_t *req = restore ? json_pack("{s:s, s:b}", "op", "sync_rate", "restore", 1)
			      : json_pack("{s:s, s:I}", "op", "sync_rate", "rate_kib",
					  (json_int_t)rate_kib);
	json_t *reply = NULL;
	int rc = vdm_transport_request(x, req, &reply, LNX_QUERY_MS, err);
	json_decref(req);
	json_decref(reply);
	return rc;
}
