/* aix_npiv.c: AIX disks behind a virtual FC client adapter (NPIV). The VIOS do not back them
 * (vSCSI lsmap does not list them), so the partition says what it knows: the LUN's unique id
 * from the ODM and the client adapter slot, matched to the VIOS the backend found serving that
 * adapter (lsmap -npiv). Such a disk is kept in the inventory; it is never provisioned. */
#include <errno.h>
#include <string.h>
#include <jansson.h>
#include "vdmirror/client.h"
#include "vdmirror/model.h"
#include "aix.h"

int aix_parse_unique_id(const char *text, char **uid, struct vdm_error *err)
{
	*uid = NULL;
	vdm_words w = {0};
	struct vdm_lines it = { text, 0 };
	const char *line;
	size_t n;
	/* one line of one word: anything more is not the attribute asked for */
	int rc = vdm_lines_next(&it, &line, &n) ? vdm_words_split(line, n, 1, &w) : -EPROTO;
	if (rc == 0 && (w.n != 1 || vdm_lines_next(&it, &line, &n)))
		rc = -EPROTO;
	if (rc < 0) {
		vdm_words_free(&w);
		return vdm_err(err, -EPROTO, "lsattr -a unique_id: expected one identifier");
	}
	const char *p = w.v[0];
	size_t len = strlen(p);
	if (len > 128 || strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") != len) {
		vdm_words_free(&w);
		return vdm_err(err, -EPROTO, "lsattr -a unique_id: unexpected character or length");
	}
	*uid = xstrdup(p);
	vdm_words_free(&w);
	return 0;
}

/* The client adapter slot of an NPIV location code U...-V5-C31-T1-W<wwpn>-L<lun>: the last
 * "-C" before "-W"; -1 when the location is not behind a virtual FC adapter. */
static int64_t npiv_slot(const char *lscfg_out)
{
	struct vdm_lines it = { lscfg_out, 0 };
	const char *line;
	size_t n;
	int64_t slot = -1;
	/* lscfg -l prints one line: NAME LOCATION DESCRIPTION... (a few words) */
	while (slot < 0 && vdm_lines_next(&it, &line, &n)) {
		vdm_words w = {0};
		if (vdm_words_split(line, n, 64, &w) < 0) {
			vdm_words_free(&w);
			return -1;
		}
		for (size_t i = 0; slot < 0 && i < w.n; i++) {
			const char *u = w.v[i], *wp = strstr(u, "-W"), *c = NULL;
			if (u[0] != 'U' || !wp)
				continue;
			for (const char *q = u; (q = strstr(q, "-C")) && q < wp; q += 2)
				c = q;
			size_t dn = c ? strspn(c + 2, "0123456789") : 0;
			if (!dn || dn > 9 || vdm_parse_uint_n(c + 2, dn, 10, &slot) < 0)
				slot = -1;
		}
		vdm_words_free(&w);
	}
	return slot;
}

/* The VIOS serving the client adapter behind lscfg_out's location (the backend's
 * npiv_locator paths of that client slot) into *paths (names, once each) and loc->paths
 * (borrowed from *npiv); 0 when the disk is not an NPIV disk (paths stay empty). */
static int npiv_served(json_t *partition, const char *name, const char *lscfg_out,
		       struct vdm_disk_locator *npiv, struct vdm_disk_locator *loc, json_t **paths,
		       struct vdm_error *err)
{
	memset(npiv, 0, sizeof *npiv);
	memset(loc, 0, sizeof *loc);
	*paths = NULL;
	int64_t slot = npiv_slot(lscfg_out);
	if (slot < 0)
		return 0;
	/* none known (its lsmap -npiv unreadable) leaves the disk unplaced rather than guessed
	 * onto another VIOS */
	if (vdm_locator_from_json(json_object_get(partition, "npiv_locator"), npiv, err) < 0)
		return (vdm_err_prefix(err, "aix: NPIV disk %s", name), -EINVAL);
	*paths = json_array();
	loc->paths = xcalloc(npiv->n_paths ? npiv->n_paths : 1, sizeof *loc->paths);
	for (size_t i = 0; i < npiv->n_paths; i++) {
		const struct vdm_disk_path *p = &npiv->paths[i];
		if (!p->server || p->client_slot != slot)
			continue;
		loc->paths[loc->n_paths++] = *p;      /* borrowed from npiv */
		size_t k;
		json_t *v;
		int dup = 0;
		json_array_foreach(*paths, k, v)
			dup |= !strcmp(json_string_value(v), p->server);
		if (!dup)
			json_array_append_new(*paths, json_string(p->server));
	}
	return 0;
}

bool aix_npiv_asks(json_t *partition, const char *lscfg_out)
{
	struct vdm_disk_locator npiv, loc;
	struct vdm_error e = { 0 };
	json_t *paths;
	bool asks = npiv_served(partition, "?", lscfg_out, &npiv, &loc, &paths, &e) == 0 &&
		    json_array_size(paths) > 0;
	json_decref(paths);
	free(loc.paths);
	vdm_locator_free(&npiv);
	return asks;
}

int aix_npiv_disk(json_t *partition, const char *name, const char *pvid, const char *lscfg_out,
		  const struct aix_each *uidq, struct vdm_error *err)
{
	struct vdm_disk_locator npiv, loc;
	json_t *paths;
	int rc = npiv_served(partition, name, lscfg_out, &npiv, &loc, &paths, err);
	char *uid = NULL, *dev = NULL;
	if (rc < 0 || json_array_size(paths) == 0)
		goto out;
	if (!uidq)
		rc = vdm_err(err, -EINVAL, "aix: 'lsattr -El %s -a unique_id -F value' not asked",
			     name);
	else if (uidq->rc < 0)
		rc = vdm_err(err, uidq->rc, "%s", uidq->errout ? uidq->errout : "not run");
	else if (uidq->rc > 0)
		rc = vdm_err(err, -EIO, "aix: 'lsattr -El %s -a unique_id -F value' failed (exit %d)",
			     name, uidq->rc);
	if (rc == 0)
		rc = aix_parse_unique_id(uidq->out ? uidq->out : "", &uid, err);
	if (rc < 0) {
		vdm_err_prefix(err, "aix: NPIV disk %s", name);
		goto out;
	}
	dev = xasprintf("uid-%s", uid);
	/* size 0 until lsvg -p tells it (as for whole LUNs given by vSCSI); its locator: the
	 * virtual FC paths of its client slot, and the PVID AIX shows */
	loc.pvid = (char *)pvid;
	json_array_append_new(json_object_get(partition, "disks"),
			      json_pack("{s:s,s:I,s:O,s:[s],s:o}", "name", name, "size_mib",
					(json_int_t)0, "paths", paths, "devices", dev, "locator",
					vdm_locator_to_json(&loc)));
	rc = 1;
out:
	free(uid), free(dev);
	json_decref(paths);
	free(loc.paths);          /* its strings belong to npiv */
	vdm_locator_free(&npiv);
	return rc;
}
