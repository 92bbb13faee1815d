/* aix_npiv.c: AIX disks behind a virtual FC client adapter (NPIV). The VIOS do not back them
 * (vSCSI lsmap does not list them), so the partition says what it knows: the LUN's unique id
 * from the ODM and the client adapter slot, matched to the VIOS the backend found serving that
 * adapter (lsmap -npiv). Such a disk is kept in the inventory; it is never provisioned. */
#include <errno.h>
#include <string.h>
#include <jansson.h>
#include "vdmirror/client.h"
#include "aix.h"

#define AIX_NPIV_TIMEOUT_MS 120000

int aix_parse_unique_id(const char *text, char **uid, struct vdm_error *err)
{
	*uid = NULL;
	const char *p = text + strspn(text, " \t\r\n");
	size_t n = strcspn(p, " \t\r\n");
	if (!n || n > 128 || p[n + strspn(p + n, " \t\r\n")])
		return vdm_err(err, -EPROTO, "lsattr -a unique_id: expected one identifier");
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-", p[i]))
			return vdm_err(err, -EPROTO, "lsattr -a unique_id: unexpected character");
	*uid = strndup(p, n);
	return 0;
}

/* The client adapter slot of an NPIV location code U...-V5-C31-T1-W<wwpn>-L<lun>: the last
 * "-C" before "-W"; -1 when the location is not behind a virtual FC adapter. */
static int64_t npiv_slot(const char *lscfg_out)
{
	for (const char *u = lscfg_out; (u = strchr(u, 'U')); u++) {
		if (u != lscfg_out && u[-1] != ' ' && u[-1] != '\t')
			continue;
		size_t len = strcspn(u, " \t\r\n");
		const char *w = strstr(u, "-W");
		if (!w || w >= u + len)
			continue;
		const char *c = NULL;
		for (const char *q = u; (q = strstr(q, "-C")) && q < w; q += 2)
			c = q;
		size_t dn = c ? strspn(c + 2, "0123456789") : 0;
		if (!dn || dn > 9)
			continue;
		return atoll(c + 2);
	}
	return -1;
}

int aix_npiv_disk(struct vdm_exec *x, json_t *partition, const char *name,
		  const char *lscfg_out, struct vdm_error *err)
{
	int64_t slot = npiv_slot(lscfg_out);
	if (slot < 0)
		return 0;
	/* the VIOS serving this client adapter; none known (its lsmap -npiv unreadable) leaves
	 * the disk unplaced rather than guessed onto another VIOS */
	json_t *paths = json_array(), *npiv = json_object_get(partition, "vios_npiv");
	size_t i;
	json_t *e;
	json_array_foreach(npiv, i, e) {
		const char *sv = json_string_value(json_object_get(e, "server"));
		if (!sv || json_integer_value(json_object_get(e, "client_slot")) != slot)
			continue;
		size_t k;
		json_t *v;
		int dup = 0;
		json_array_foreach(paths, k, v)
			dup |= !strcmp(json_string_value(v), sv);
		if (!dup)
			json_array_append_new(paths, json_string(sv));
	}
	if (json_array_size(paths) == 0) {
		json_decref(paths);
		return 0;
	}
	char *argv[] = { (char *)"lsattr", (char *)"-El", (char *)name, (char *)"-a",
			 (char *)"unique_id", (char *)"-F", (char *)"value", NULL };
	char *out = NULL;
	int rc = x->run(x->ctx, argv, AIX_NPIV_TIMEOUT_MS, &out, err);
	CLEANUP_FREE char *uid = NULL;
	if (rc > 0)
		rc = vdm_err(err, -EIO, "aix: 'lsattr -El %s -a unique_id -F value' failed (exit %d)",
			     name, rc);
	if (rc == 0)
		rc = aix_parse_unique_id(out ? out : "", &uid, err);
	free(out);
	if (rc < 0) {
		json_decref(paths);
		return (vdm_err_prefix(err, "aix: NPIV disk %s", name), rc);
	}
	CLEANUP_FREE char *dev = xasprintf("uid-%s", uid);
	/* size 0 until lsvg -p tells it (as for whole LUNs given by vSCSI) */
	json_array_append_new(json_object_get(partition, "disks"),
			      json_pack("{s:s,s:I,s:o,s:[s],s:{s:I}}", "name", name, "size_mib",
					(json_int_t)0, "paths", paths, "devices", dev, "vios_npiv",
					"client_slot", (json_int_t)slot));
	return 1;
}
