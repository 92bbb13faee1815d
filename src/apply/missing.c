/* missing.c: disks[].missing_since (formats.md, repair): when vdmirror first saw each missing
 * disk missing, kept in a small file of the state folder so that later discoveries report the
 * same time, and forgotten when the disk is back. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "vdmirror/apply.h"
#include "vdmirror/discover.h"
#include "vdmirror/util.h"

#define MISSING_FILE "missing.json"
#define MISSING_MAX_BYTES (1 << 20)   /* thousands of disks; a bigger file is not ours */

/* "YYYY-MM-DDTHH:MM:SSZ" exactly: what this file holds is copied into inventories. */
static bool missing_time_ok(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	if (!s || strlen(s) != sizeof pat - 1)
		return false;
	for (size_t i = 0; pat[i]; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return false;
	return true;
}

/* "PARTITION\nDISK": names hold neither a newline nor each other's separator. */
static char *missing_key(const char *partition, const char *disk)
{
	return xasprintf("%s\n%s", partition, disk);
}

static int missing_load(const char *path, json_t **known, struct vdm_error *err)
{
	struct stat st;
	*known = NULL;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT) {
			*known = json_object();
			return 0;
		}
		return vdm_err(err, -errno, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MISSING_MAX_BYTES)
		return vdm_err(err, -EINVAL, "%s: not a regular file of at most %d bytes", path,
			       MISSING_MAX_BYTES);
	json_error_t je;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	json_t *disks = json_object_get(doc, "disks");
	if (!json_is_object(disks)) {
		json_decref(doc);
		return vdm_err(err, -EINVAL, "%s: unreadable (%s): delete it to start afresh", path,
			       je.text[0] ? je.text : "no \"disks\" object");
	}
	*known = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(disks, k, v)
		if (missing_time_ok(json_string_value(v)))
			json_object_set(*known, k, v);
	json_decref(doc);
	return 0;
}

static int missing_save(const char *dir, const char *path, json_t *known, struct vdm_error *err)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return vdm_err(err, -errno, "state folder %s: %s", dir, strerror(errno));
	CLEANUP_FREE char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return vdm_err(err, -errno, "%s: %s", tmp, strerror(errno));
	json_t *doc = json_pack("{s:i, s:O}", "version", 1, "disks", known);
	int rc = json_dumpfd(doc, fd, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(doc);
	if (rc < 0 || fsync(fd) < 0) {
		int e = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		return vdm_err(err, -e, "%s: cannot write: %s", tmp, strerror(e));
	}
	close(fd);
	/* rename: a reader sees the old file or the new one, never half of it */
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return vdm_err(err, -e, "%s: %s", path, strerror(e));
	}
	return 0;
}

int vdm_missing_since(json_t *inventory, const char *state_dir, int64_t now,
		      struct vdm_error *err)
{
	const char *dir = vdm_state_dir(state_dir);
	CLEANUP_FREE char *path = xasprintf("%s/%s", dir, MISSING_FILE);
	json_t *known;
	int rc = missing_load(path, &known, err);
	if (rc < 0)
		known = json_object();   /* still fill the fields; the error says why not kept */
	char stamp[32];
	time_t t = (time_t)now;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	bool changed = false;
	size_t i, j;
	json_t *p, *d;
	json_array_foreach(json_object_get(inventory, "partitions"), i, p) {
		const char *pn = json_string_value(json_object_get(p, "name"));
		if (!pn)
			continue;
		/* forget the disks of this partition that are no longer missing (or gone) */
		CLEANUP_FREE char *prefix = missing_key(pn, "");
		size_t pl = strlen(prefix);
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(known, tmp, k, v) {
			if (strncmp(k, prefix, pl))
				continue;
			bool still = false;
			json_array_foreach(json_object_get(p, "disks"), j, d)
				still |= !strcmp(json_string_value(json_object_get(d, "name")) ?: "",
						 k + pl) &&
					 !strcmp(json_string_value(json_object_get(d, "state")) ?: "",
						 "missing");
			if (!still) {
				json_object_del(known, k);
				changed = true;
			}
		}
		json_array_foreach(json_object_get(p, "disks"), j, d) {
			const char *dn = json_string_value(json_object_get(d, "name"));
			if (!dn || strcmp(json_string_value(json_object_get(d, "state")) ?: "", "missing"))
				continue;
			CLEANUP_FREE char *key = missing_key(pn, dn);
			const char *seen = json_string_value(json_object_get(known, key));
			const char *given = json_string_value(json_object_get(d, "missing_since"));
			/* the storage side's own time wins when it is older than ours */
			if (given && missing_time_ok(given) && (!seen || strcmp(given, seen) < 0)) {
				json_object_set_new(known, key, json_string(given));
				changed = true;
				continue;
			}
			if (!seen) {
				json_object_set_new(known, key, json_string(stamp));
				changed = true;
				seen = stamp;
			}
			json_object_set_new(d, "missing_since", json_string(seen));
		}
	}
	if (rc == 0 && changed)
		rc = missing_save(dir, path, known, err);
	json_decref(known);
	return rc < 0 ? (vdm_err_prefix(err, "missing_since"), rc) : 0;
}
