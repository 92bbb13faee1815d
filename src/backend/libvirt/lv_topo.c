/* lv_topo.c: failure components of libvirt storage pools from the real topology: pool XML for
 * network pools, the mount table and sysfs for local ones, so that two pools on one disk share
 * a device whatever their names say. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include "vdmirror/model.h"
#include "vdmirror/util.h"
#include "lv.h"

/* a loop device over a file on a loop device ...: deeper than this is a cycle or a trap */
#define LV_TOPO_DEPTH 16

char *lv_name_clean(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 2), *o = out;
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		*o++ = 'x';
	for (; *s && o - out < 128; s++) {
		char c = *s;
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
		*o++ = ok ? c : '_';
	}
	*o = '\0';
	return out;
}

char *lv_xpath(xmlDocPtr doc, xmlNodePtr node, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	if (!ctx)
		return xstrdup("");
	if (node)
		ctx->node = node;
	CLEANUP_FREE char *full = xasprintf("string(%s)", expr);
	xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)full, ctx);
	char *s = xstrdup(r && r->stringval ? (const char *)r->stringval : "");
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	return s;
}

static void topo_add(json_t *devices, const char *raw)
{
	CLEANUP_FREE char *name = lv_name_clean(raw);
	size_t i;
	json_t *d;
	json_array_foreach(devices, i, d)
		if (!strcmp(json_string_value(d), name))
			return;
	json_array_append_new(devices, json_string(name));
}

static const char *topo_sysfs(const struct lv_sys *sys)
{
	return sys && sys->sysfs ? sys->sysfs : "/sys";
}

/* Reads a small sysfs file, trailing newline cut; NULL when absent. */
static char *topo_read(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char buf[PATH_MAX + 32];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return xstrdup(buf);
}

/* The mount table line of file system maj:min: its type and source; 0 when found. */
static int topo_mount_of(const struct lv_sys *sys, unsigned maj, unsigned min, char **fstype,
			 char **source)
{
	FILE *f = fopen(sys && sys->mountinfo ? sys->mountinfo : "/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	int rc = -ENOENT;
	while (getline(&line, &cap, f) > 0) {
		unsigned a, b;
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		if (sscanf(line, "%*s %*s %u:%u", &a, &b) != 2 || a != maj || b != min)
			continue;
		char *sep = strstr(line, " - ");
		if (!sep)
			continue;
		char t[256], s[PATH_MAX];
		if (sscanf(sep + 3, "%255s %4095s", t, s) != 2)
			continue;
		*fstype = xstrdup(t);
		*source = xstrdup(s);
		rc = 0;
		break;
	}
	free(line);
	fclose(f);
	return rc;
}

static int topo_block(unsigned maj, unsigned min, const char *host, const struct lv_sys *sys,
		      json_t *devices, int depth, struct vdm_error *err);
static int topo_path(const char *path, const char *host, const struct lv_sys *sys,
		     json_t *devices, int depth, struct vdm_error *err);

/* Block device maj:min: a partition is its whole disk, a loop device its backing file, a dm
 * or md device its slaves; anything else is a leaf ("HOST:blk:sda"). */
static int topo_block(unsigned maj, unsigned min, const char *host, const struct lv_sys *sys,
		      json_t *devices, int depth, struct vdm_error *err)
{
	if (depth > LV_TOPO_DEPTH)
		return vdm_err(err, -ELOOP, "block device %u:%u: stacked deeper than %d levels", maj,
			       min, LV_TOPO_DEPTH);
	CLEANUP_FREE char *link = xasprintf("%s/dev/block/%u:%u", topo_sysfs(sys), maj, min);
	CLEANUP_FREE char *dir = realpath(link, NULL);
	if (!dir) {
		CLEANUP_FREE char *n = xasprintf("%s:blk:%u:%u", host, maj, min);
		topo_add(devices, n);
		return 0;
	}
	const char *name = strrchr(dir, '/') + 1;
	CLEANUP_FREE char *part = xasprintf("%s/partition", dir);
	if (access(part, F_OK) == 0) {
		CLEANUP_FREE char *pdev = xasprintf("%.*s/dev", (int)(name - 1 - dir), dir);
		CLEANUP_FREE char *d = topo_read(pdev);
		unsigned a, b;
		if (d && sscanf(d, "%u:%u", &a, &b) == 2)
			return topo_block(a, b, host, sys, devices, depth + 1, err);
	}
	CLEANUP_FREE char *bf = xasprintf("%s/loop/backing_file", dir);
	CLEANUP_FREE char *backing = topo_read(bf);
	if (backing && *backing) {
		/* a deleted backing file still holds its blocks where it was */
		char *del = strstr(backing, " (deleted)");
		if (del)
			*del = '\0';
		return topo_path(backing, host, sys, devices, depth + 1, err);
	}
	CLEANUP_FREE char *sl = xasprintf("%s/slaves", dir);
	int found = 0, rc = 0;
	/* dm (LVM, crypt, multipath) and md: every slave may take the device down */
	struct dirent **list = NULL;
	int n = scandir(sl, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.' && rc == 0) {
			CLEANUP_FREE char *sd = xasprintf("%s/%s/dev", sl, list[i]->d_name);
			CLEANUP_FREE char *d = topo_read(sd);
			unsigned a, b;
			if (d && sscanf(d, "%u:%u", &a, &b) == 2) {
				found = 1;
				rc = topo_block(a, b, host, sys, devices, depth + 1, err);
			}
		}
		free(list[i]);
	}
	free(list);
	if (rc < 0 || found)
		return rc;
	CLEANUP_FREE char *leaf = xasprintf("%s:blk:%s", host, name);
	topo_add(devices, leaf);
	return 0;
}

/* The file system holding path (or the block device path is). */
static int topo_path(const char *path, const char *host, const struct lv_sys *sys,
		     json_t *devices, int depth, struct vdm_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return vdm_err(err, -errno, "topology of %s: %s", path, strerror(errno));
	if (S_ISBLK(st.st_mode))
		return topo_block(major(st.st_rdev), minor(st.st_rdev), host, sys, devices, depth, err);
	unsigned maj = major(st.st_dev), min = minor(st.st_dev);
	CLEANUP_FREE char *fstype = NULL, *source = NULL;
	int rc = topo_mount_of(sys, maj, min, &fstype, &source);
	/* a block device behind the file system (btrfs and others show 0:N in st_dev but name
	 * their device as the mount source) */
	if (rc == 0 && source[0] == '/' && stat(source, &st) == 0 && S_ISBLK(st.st_mode))
		return topo_block(major(st.st_rdev), minor(st.st_rdev), host, sys, devices, depth, err);
	CLEANUP_FREE char *link = xasprintf("%s/dev/block/%u:%u", topo_sysfs(sys), maj, min);
	if (access(link, F_OK) == 0)
		return topo_block(maj, min, host, sys, devices, depth, err);
	if (rc == 0 && (!strncmp(fstype, "nfs", 3) || !strcmp(fstype, "cifs") ||
			!strcmp(fstype, "smb3") || !strncmp(fstype, "fuse.glusterfs", 14) ||
			!strcmp(fstype, "ceph"))) {
		/* a network file system: the export, the same from every host */
		CLEANUP_FREE char *n = xasprintf("%s:%s", fstype, source);
		topo_add(devices, n);
		return 0;
	}
	/* tmpfs, overlay, ...: the file system itself is the device, named on this host */
	CLEANUP_FREE char *n = xasprintf("%s:%s:%u:%u", host, rc == 0 ? fstype : "fs", maj, min);
	topo_add(devices, n);
	return 0;
}

int lv_path_components(const char *path, const char *host, const struct lv_sys *sys,
		       json_t *devices, struct vdm_error *err)
{
	return topo_path(path, host, sys, devices, 0, err);
}

/* Remote pools: the server is the source host, the device what the pool reads from it. */
static int topo_remote(xmlDocPtr doc, const char *type, char **server, json_t *devices,
		       struct vdm_error *err)
{
	CLEANUP_FREE char *host = lv_xpath(doc, NULL, "/pool/source/host[1]/@name");
	CLEANUP_FREE char *dir = lv_xpath(doc, NULL, "/pool/source/dir/@path");
	CLEANUP_FREE char *dev = lv_xpath(doc, NULL, "/pool/source/device[1]/@path");
	CLEANUP_FREE char *name = lv_xpath(doc, NULL, "/pool/source/name");
	CLEANUP_FREE char *fmt = lv_xpath(doc, NULL, "/pool/source/format/@type");
	CLEANUP_FREE char *pname = lv_xpath(doc, NULL, "/pool/name");
	if (!*host)
		return vdm_err(err, -EINVAL, "pool %s (%s): no <source><host name=...>", pname, type);
	if (!strcmp(type, "netfs")) {
		CLEANUP_FREE char *d = xasprintf("%s:%s:%s", *fmt ? fmt : "nfs", host, *dir ? dir : "/");
		topo_add(devices, d);
	} else if (!strcmp(type, "iscsi") || !strcmp(type, "iscsi-direct")) {
		if (!*dev)
			return vdm_err(err, -EINVAL, "pool %s (%s): no target IQN in <source><device>",
				       pname, type);
		CLEANUP_FREE char *d = xasprintf("iscsi:%s", dev);
		topo_add(devices, d);
	} else if (!strcmp(type, "gluster")) {
		CLEANUP_FREE char *d = xasprintf("gluster:%s:%s", host, name);
		topo_add(devices, d);
	} else if (!strcmp(type, "rbd")) {
		/* the Ceph cluster is the device: its monitors, sorted, name it; the first of them
		 * stands for the cluster as a server (the cluster survives a monitor, not itself) */
		xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
		xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)"/pool/source/host/@name",
							     ctx);
		VEC(char *) mons = { 0 };
		for (int i = 0; r && r->nodesetval && i < r->nodesetval->nodeNr; i++) {
			xmlChar *v = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
			VEC_PUSH(&mons, xstrdup((const char *)v));
			xmlFree(v);
		}
		xmlXPathFreeObject(r);
		xmlXPathFreeContext(ctx);
		for (size_t i = 1; i < mons.n; i++)
			for (size_t j = i; j > 0 && strcmp(mons.v[j - 1], mons.v[j]) > 0; j--) {
				char *t = mons.v[j];
				mons.v[j] = mons.v[j - 1];
				mons.v[j - 1] = t;
			}
		struct strbuf b = STRBUF_INIT(4096);
		strbuf_adds(&b, "ceph:");
		for (size_t i = 0; i < mons.n; i++)
			strbuf_addf(&b, "%s%s", i ? "_" : "", mons.v[i]);
		topo_add(devices, b.s);
		strbuf_free(&b);
		*server = lv_name_clean(mons.v[0]);
		for (size_t i = 0; i < mons.n; i++)
			free(mons.v[i]);
		free(mons.v);
		return 0;
	}
	*server = lv_name_clean(host);
	return 0;
}

int lv_pool_components(const char *pool_xml, const char *host, bool local,
		       const struct lv_sys *sys, char **server, json_t **devices,
		       struct vdm_error *err)
{
	xmlDocPtr doc = xmlReadMemory(pool_xml, (int)strlen(pool_xml), "pool.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return vdm_err(err, -EINVAL, "pool XML: not well-formed");
	CLEANUP_FREE char *type = lv_xpath(doc, NULL, "/pool/@type");
	CLEANUP_FREE char *pname = lv_xpath(doc, NULL, "/pool/name");
	json_t *devs = json_array();
	*server = NULL;
	int rc = 0;
	if (!strcmp(type, "netfs") || !strcmp(type, "iscsi") || !strcmp(type, "iscsi-direct") ||
	    !strcmp(type, "gluster") || !strcmp(type, "rbd")) {
		rc = topo_remote(doc, type, server, devs, err);
	} else if (!local) {
		/* the mount table and sysfs read here are not that host's: the pool is its own
		 * device, which the planner treats as independent of nothing else */
		*server = lv_name_clean(host);
	} else if (!strcmp(type, "dir")) {
		CLEANUP_FREE char *path = lv_xpath(doc, NULL, "/pool/target/path");
		rc = *path ? lv_path_components(path, host, sys, devs, err)
			   : vdm_err(err, -EINVAL, "pool %s: dir pool without <target><path>", pname);
		*server = lv_name_clean(host);
	} else {
		/* fs, logical, disk, zfs, mpath: the devices under <source>; a scsi adapter is one */
		xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
		xmlXPathObjectPtr r = xmlXPathEvalExpression(
			(const xmlChar *)"/pool/source/device/@path", ctx);
		for (int i = 0; r && r->nodesetval && i < r->nodesetval->nodeNr && rc == 0; i++) {
			xmlChar *v = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
			rc = lv_path_components((const char *)v, host, sys, devs, err);
			xmlFree(v);
		}
		xmlXPathFreeObject(r);
		xmlXPathFreeContext(ctx);
		CLEANUP_FREE char *adapter = lv_xpath(doc, NULL, "/pool/source/adapter/@name");
		if (rc == 0 && *adapter) {
			CLEANUP_FREE char *a = xasprintf("%s:scsi:%s", host, adapter);
			topo_add(devs, a);
		}
		*server = lv_name_clean(host);
	}
	xmlFreeDoc(doc);
	if (rc < 0) {
		vdm_err_prefix(err, "pool %s", pname);
		free(*server);
		*server = NULL;
		json_decref(devs);
		return rc;
	}
	*devices = devs;
	return 0;
}
