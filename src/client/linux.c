/* linux.c: helpers shared by the linux-lvm and linux-md drivers (see linux.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "linux.h"
#include "vdmirror/util.h"

bool lnx_name_ok(const char *s)
{
	if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	size_t n = strlen(s);
	if (n > 128 || strstr(s, ".."))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/-") == n;
}

static char *lnx_cmdline(const char *const argv[])
{
	struct strbuf b = STRBUF_INIT(400);
	for (size_t i = 0; argv[i]; i++)
		strbuf_addf(&b, "%s%s", i ? " " : "", argv[i]);
	return strbuf_detach(&b);
}

int lnx_run(struct vdm_exec *x, const char *const argv[], int64_t timeout_ms, char **out,
	    struct vdm_error *err)
{
	if (out)
		*out = NULL;
	if (err)
		err->msg[0] = '\0';
	char *o = NULL;
	int rc = x->run(x->ctx, (char *const *)argv, timeout_ms, &o, err);
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

int lnx_disk_dev(struct vdm_exec *x, const char *disk, int64_t timeout_ms, char *dev,
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
	int rc = x->request(x->ctx, req, &reply, timeout_ms + 5000, err);
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

int lnx_wait_disk(struct vdm_exec *x, const char *disk, int64_t timeout_ms,
		  struct vdm_error *err)
{
	char dev[256];
	if (x->scripting) {
		if (!lnx_name_ok(disk))
			return vdm_err(err, -EINVAL, "disk \"%s\": invalid name", disk);
		/* the script's reader runs the next command once the disk is there */
		CLEANUP_FREE char *text = xasprintf("wait until /dev/disk/by-id/virtio-%.20s exists "
						    "(new disk %s)", disk, disk);
		const char *argv[] = { VDM_EXEC_COMMENT, text, NULL };
		char *out = NULL;
		int rc = x->run(x->ctx, (char *const *)argv, 1000, &out, err);
		free(out);
		return rc < 0 ? rc : 0;
	}
	if (!x->request)
		return vdm_err(err, -ENOTSUP, "disk %s: waiting for it needs the vdmirror agent",
			       disk);
	return lnx_disk_dev(x, disk, timeout_ms, dev, sizeof dev, err);
}

int lnx_report(struct vdm_exec *x, json_t **report, struct vdm_error *err)
{
	*report = NULL;
	if (!x->request || x->scripting)
		return vdm_err(err, -ENOTSUP, "discovery of a Linux partition needs the vdmirror "
			       "agent (this transport has none)");
	json_t *req = json_pack("{s:s}", "op", "report");
	int rc = x->request(x->ctx, req, report, 120000, err);
	json_decref(req);
	return rc;
}

const char *lnx_serial_of(const json_t *report, const char *name)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(report, "disks"), i, d)
		if (!strcmp(json_string_value(json_object_get(d, "name")) ?: "", name)) {
			const char *s = json_string_value(json_object_get(d, "serial"));
			return s && *s ? s : NULL;
		}
	return NULL;
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

int lnx_sync_rate(struct vdm_exec *x, int64_t rate_kib, int restore, struct vdm_error *err)
{
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
	int rc = x->request(x->ctx, req, &reply, LNX_QUERY_MS, err);
	json_decref(req);
	json_decref(reply);
	return rc;
}
