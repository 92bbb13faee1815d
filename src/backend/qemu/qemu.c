/* qemu.c: the "qemu" storage backend: the local lab's qemu-storage-daemon servers (pools are
 * folders of disk images) and its TCG partitions, driven over QMP. Configuration (qemu_keys):
 * the lab's state folder, or its config file (then the state is <config dir>/state/<name>). */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "vdmirror/backend.h"
#include "vdmirror/model.h"
#include "vdmirror/util.h"
#include "qmp.h"

/* Timeouts: each QMP reply, and the guest's answer to a hot-unplug (ACPI under TCG). */
#define QEMU_CMD_TIMEOUT_MS 10000
#define QEMU_UNPLUG_TIMEOUT_MS 30000
#define QEMU_EXPORT_GONE_TIMEOUT_MS 10000
#define QEMU_SERIAL_MAX 20          /* virtio-blk serial bytes */

struct qemu_conn {
	char *name;
	struct qmp *q;
};

struct qemu_lab {
	char *state;                /* state folder */
	json_t *config;             /* the config `lab up` copied into the state folder */
	VEC(struct qemu_conn) conns;
	int64_t timeout_ms, unplug_timeout_ms;
	char *owner;                /* tag of the disks this run creates (set_owner), or NULL */
};

/* Where a disk image carries its owner tag: set on the fd right after the O_EXCL create, so a
 * file with this run's tag was made by this run (backend.h, ownership). */
#define QEMU_OWNER_XATTR "user.vdmirror.owner"

static const struct vdm_config_key qemu_keys[] = {
	{ "lab", "DIR|FILE", "the lab's state folder, or its config file (the bare entry)", 0 },
	{ "qmp_timeout_ms", "MS", "deadline of each QMP reply (default 10000)", 0 },
	{ "unplug_timeout_ms", "MS", "deadline of the guest's answer to a hot-unplug (default"
	  " 30000)", 0 },
	{ NULL, NULL, NULL, 0 },
};

static int qemu_open(const struct vdm_config *cfg, void **statep, struct vdm_error *err)
{
	struct stat st;
	CLEANUP_FREE char *state = NULL;
	const char *config = vdm_config_get(cfg, "lab");
	int64_t timeout_ms = QEMU_CMD_TIMEOUT_MS, unplug_ms = QEMU_UNPLUG_TIMEOUT_MS;
	for (size_t i = 0; i < cfg->n; i++) {
		bool qmp = !strcmp(cfg->v[i].key, "qmp_timeout_ms");
		if (!qmp && strcmp(cfg->v[i].key, "unplug_timeout_ms"))
			continue;
		char *end;
		long long v = strtoll(cfg->v[i].value, &end, 10);
		if (*end || v <= 0 || v > 86400000)
			return vdm_config_bad(err, "qemu", &cfg->v[i], "not a number of milliseconds");
		*(qmp ? &timeout_ms : &unplug_ms) = v;
	}
	if (!config || !*config)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "qemu: open: no lab state folder"
				    " or config given");
	if (stat(config, &st) < 0)
		return vdm_err(err, -errno, "qemu: lab %s: %s", config, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		state = realpath(config, NULL);
	} else {
		json_error_t je;
		json_t *c = json_load_file(config, 0, &je);
		if (!c)
			return vdm_err(err, -EINVAL, "qemu: lab config %s: line %d: %s", config, je.line,
				       je.text);
		const char *name = json_string_value(json_object_get(c, "name"));
		CLEANUP_FREE char *dup = xstrdup(config), *dup2 = xstrdup(config);
		char *base = basename(dup2), *dot = strrchr(base, '.');
		if (dot)
			*dot = '\0';
		char *s = xasprintf("%s/state/%s", dirname(dup), name ? name : base);
		json_decref(c);
		state = realpath(s, NULL);
		if (!state) {
			int e = errno;
			vdm_err(err, -e, "qemu: lab state %s: %s (is the lab up?)", s, strerror(e));
			free(s);
			return -e;
		}
		free(s);
	}
	if (!state)
		return vdm_err(err, -errno, "qemu: lab %s: %s", config, strerror(errno));
	CLEANUP_FREE char *cf = xasprintf("%s/config.json", state);
	json_error_t je;
	json_t *c = json_load_file(cf, 0, &je);
	if (!c)
		return vdm_err(err, -ENOENT, "qemu: lab state %s: no readable config.json (%s): run "
			       "vdmirror lab up", state, je.text);
	if (!json_is_array(json_object_get(c, "servers")) ||
	    !json_is_array(json_object_get(c, "partitions"))) {
		json_decref(c);
		return vdm_err(err, -EINVAL, "qemu: %s: not a lab config (servers, partitions)", cf);
	}
	struct qemu_lab *lab = xcalloc(1, sizeof *lab);
	lab->state = state;
	state = NULL;
	lab->config = c;
	lab->timeout_ms = timeout_ms;
	lab->unplug_timeout_ms = unplug_ms;
	*statep = lab;
	return 0;
}

static void qemu_close(void *state)
{
	struct qemu_lab *lab = state;
	for (size_t i = 0; i < lab->conns.n; i++) {
		qmp_close(lab->conns.v[i].q);
		free(lab->conns.v[i].name);
	}
	free(lab->conns.v);
	json_decref(lab->config);
	free(lab->state);
	free(lab->owner);
	free(lab);
}

/* The QMP connection to server or partition `name`, opened once and kept: the monitor takes
 * one client at a time, and reconnecting per call would double the cost of a hot-plug. */
static int qemu_conn(struct qemu_lab *lab, const char *name, struct qmp **q,
		     struct vdm_error *err)
{
	for (size_t i = 0; i < lab->conns.n; i++)
		if (!strcmp(lab->conns.v[i].name, name)) {
			*q = lab->conns.v[i].q;
			return 0;
		}
	CLEANUP_FREE char *path = xasprintf("%s/%s.qmp", lab->state, name);
	int rc = qmp_connect(name, path, lab->timeout_ms, q, err);
	if (rc < 0)
		return rc;
	struct qemu_conn c = { xstrdup(name), *q };
	VEC_PUSH(&lab->conns, c);
	return 0;
}

/* After a connection failed (peer died), forget it so that the next call reconnects. */
static void qemu_conn_drop(struct qemu_lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->conns.n; i++)
		if (!strcmp(lab->conns.v[i].name, name)) {
			qmp_close(lab->conns.v[i].q);
			free(lab->conns.v[i].name);
			lab->conns.v[i] = lab->conns.v[--lab->conns.n];
			return;
		}
}

static int qemu_cmd(struct qemu_lab *lab, const char *peer, const char *cmd, json_t *args,
		    json_t **ret, struct vdm_error *err)
{
	struct qmp *q;
	int rc = qemu_conn(lab, peer, &q, err);
	if (rc < 0) {
		json_decref(args);
		return rc;
	}
	rc = qmp_cmd(q, cmd, args, ret, lab->timeout_ms, err);
	if (rc < 0 && rc != -EIO)
		qemu_conn_drop(lab, peer);
	return rc;
}

/* QMP node names: letters, digits, '-', '_', '.'; at most 31 bytes. */
static int qemu_node(const char *disk, char *node, size_t size, char prefix,
		     struct vdm_error *err)
{
	if (!vdm_name_valid(disk))
		return vdm_err(err, -EINVAL, "qemu: disk name '%s' is not valid", disk);
	if (strlen(disk) + 2 > 31 || size < 32)
		return vdm_err(err, -EINVAL, "qemu: disk %s: name longer than 29 characters cannot be "
			       "a QEMU node name", disk);
	snprintf(node, size, "%c-%s", prefix, disk);
	for (char *p = node; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '.' && *p != '_')
			*p = '_';
	return 0;
}

/* ---- the lab config */

static json_t *qemu_pool_cfg(struct qemu_lab *lab, const char *pool, const char **server)
{
	size_t i, j;
	json_t *s, *p;
	json_array_foreach(json_object_get(lab->config, "servers"), i, s) {
		const char *sn = json_string_value(json_object_get(s, "name"));
		json_array_foreach(json_object_get(s, "pools"), j, p) {
			const char *pn = json_string_value(json_object_get(p, "name"));
			if (sn && pn && !strncmp(pool, sn, strlen(sn)) && pool[strlen(sn)] == '/' &&
			    !strcmp(pool + strlen(sn) + 1, pn)) {
				if (server)
					*server = sn;
				return p;
			}
		}
	}
	return NULL;
}

static char *qemu_pool_dir(struct qemu_lab *lab, const char *pool)
{
	char *d = xasprintf("%s/pools/%s", lab->state, pool);
	for (char *p = d + strlen(lab->state) + 7; *p; p++)
		if (*p == '/')
			*p = '_';
	return d;
}

static json_t *qemu_partition_cfg(struct qemu_lab *lab, const char *name)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(lab->config, "partitions"), i, p)
		if (!strcmp(json_string_value(json_object_get(p, "name")), name))
			return p;
	return NULL;
}

/* Space a pool has handed out: the sum of its images' sizes (thin or not: capacity is a
 * promise, as on a VIOS storage pool). */
static int qemu_pool_usage(struct qemu_lab *lab, const char *pool, int64_t *size_mib,
			   int64_t *free_mib, struct vdm_error *err)
{
	json_t *pc = qemu_pool_cfg(lab, pool, NULL);
	if (!pc)
		return vdm_err(err, -ENOENT, "qemu: pool %s: not in the lab config", pool);
	CLEANUP_FREE char *dir = qemu_pool_dir(lab, pool);
	DIR *d = opendir(dir);
	if (!d)
		return vdm_err(err, -errno, "qemu: pool %s: %s: %s", pool, dir, strerror(errno));
	int64_t used = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".img"))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) == 0)
			used += (st.st_size + (1 << 20) - 1) >> 20;
	}
	closedir(d);
	*size_mib = json_integer_value(json_object_get(pc, "size_mib"));
	*free_mib = *size_mib - used;
	struct statvfs vfs;
	if (statvfs(dir, &vfs) == 0) {
		int64_t fs_free = (int64_t)((unsigned long long)vfs.f_bavail * vfs.f_frsize >> 20);
		if (fs_free < *free_mib)
			*free_mib = fs_free;
	}
	if (*free_mib < 0)
		*free_mib = 0;
	return 0;
}

/* ---- what a server exports: export id -> {node, file, size} */

static int qemu_server_exports(struct qemu_lab *lab, const char *server, json_t **out,
			       struct vdm_error *err)
{
	json_t *exports, *nodes;
	int rc = qemu_cmd(lab, server, "query-block-exports", NULL, &exports, err);
	if (rc < 0)
		return rc;
	rc = qemu_cmd(lab, server, "query-named-block-nodes", json_pack("{s:b}", "flat", 1),
		      &nodes, err);
	if (rc < 0) {
		json_decref(exports);
		return rc;
	}
	json_t *res = json_object();
	size_t i, j;
	json_t *e, *n;
	json_array_foreach(exports, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		const char *node = json_string_value(json_object_get(e, "node-name"));
		if (!id || !node)
			continue;
		json_array_foreach(nodes, j, n) {
			if (strcmp(json_string_value(json_object_get(n, "node-name")) ?: "", node))
				continue;
			json_t *img = json_object_get(n, "image");
			json_object_set_new(res, id, json_pack("{s:s, s:s, s:I}", "node", node,
				"file", json_string_value(json_object_get(n, "file")) ?: "",
				"size", json_integer_value(json_object_get(img, "virtual-size"))));
			break;
		}
	}
	json_decref(exports);
	json_decref(nodes);
	*out = res;
	return 0;
}

/* ---- discover */

static json_t *qemu_devices_of(struct qemu_lab *lab, const char *pool, json_t *pc)
{
	json_t *devs = json_object_get(pc, "devices");
	if (json_is_array(devs))
		return json_deep_copy(devs);
	/* the pool's filesystem image is its device; a pool backed by another pool's
	 * filesystem shares that one, which is what the shared-trap lab shows */
	const char *backing = json_string_value(json_object_get(pc, "backing"));
	return json_pack("[s+]", "fs:", backing ? backing : pool);
}

/* Whether server `name` is marked unreachable in the servers array being built. */
static bool qemu_server_down(const json_t *servers, const char *name)
{
	size_t i;
	json_t *s;
	json_array_foreach(servers, i, s)
		if (!strcmp(json_string_value(json_object_get(s, "name")) ?: "", name))
			return json_object_get(s, "state") != NULL;
	return false;
}

/* The image of disk `disk` in one of server's pool folders (caller frees), or NULL: where a
 * dead server's disk lives, found without asking the server. */
static char *qemu_image_of(struct qemu_lab *lab, const char *server, const char *disk)
{
	size_t i, j;
	json_t *s, *p;
	if (!vdm_name_valid(disk) || strchr(disk, '/'))
		return NULL;
	json_array_foreach(json_object_get(lab->config, "servers"), i, s) {
		if (strcmp(json_string_value(json_object_get(s, "name")) ?: "", server))
			continue;
		json_array_foreach(json_object_get(s, "pools"), j, p) {
			CLEANUP_FREE char *pool = xasprintf("%s/%s", server,
				json_string_value(json_object_get(p, "name")) ?: "");
			CLEANUP_FREE char *dir = qemu_pool_dir(lab, pool);
			char *file = xasprintf("%s/%s.img", dir, disk);
			struct stat st;
			if (lstat(file, &st) == 0 && S_ISREG(st.st_mode))
				return file;
			free(file);
		}
	}
	return NULL;
}

static int qemu_discover(void *state, json_t **inventory, struct vdm_error *err)
{
	struct qemu_lab *lab = state;
	json_t *inv = json_pack("{s:i}", "version", 1);
	json_t *frames = json_array(), *servers = json_array(), *pools = json_array(),
	       *parts = json_array();
	json_t *exports = json_object();        /* server -> its exports */
	json_t *sites = json_object_get(lab->config, "sites");
	json_object_set(inv, "sites", json_is_array(sites) ? sites : json_array());
	if (!json_is_array(sites))
		json_decref(json_object_get(inv, "sites"));
	size_t i, j;
	json_t *s, *p, *f;
	int rc = 0;
	json_array_foreach(json_object_get(lab->config, "frames"), i, f)
		json_array_append_new(frames, json_deep_copy(f));
	json_array_foreach(json_object_get(lab->config, "servers"), i, s) {
		const char *sn = json_string_value(json_object_get(s, "name"));
		json_t *so = json_pack("{s:s}", "name", sn);
		if (json_object_get(s, "frame"))
			json_object_set(so, "frame", json_object_get(s, "frame"));
		json_array_append_new(servers, so);
		json_t *ex;
		struct vdm_error e2 = { 0 };
		/* a server that does not answer (dead, hung: anything but an error reply) is not
		 * a failed discovery: it is reported unreachable, with its pools (formats.md,
		 * "Failed, stale and unreachable parts") */
		bool down = false;
		if ((rc = qemu_server_exports(lab, sn, &ex, &e2)) < 0) {
			if (rc == -EIO) {
				*err = e2;
				goto out;
			}
			down = true;
			rc = 0;
			json_object_set_new(so, "state", json_string("unreachable"));
		} else {
			json_object_set_new(exports, sn, ex);
		}
		json_array_foreach(json_object_get(s, "pools"), j, p) {
			CLEANUP_FREE char *pool = xasprintf("%s/%s", sn,
				json_string_value(json_object_get(p, "name")));
			int64_t size, free_mib;
			/* the pool folders are the host's: readable when the server is dead; if
			 * not, the config's size and nothing free (nothing is placed there anyway) */
			if ((rc = qemu_pool_usage(lab, pool, &size, &free_mib, down ? &e2 : err)) < 0) {
				if (!down)
					goto out;
				rc = 0;
				size = json_integer_value(json_object_get(p, "size_mib"));
				free_mib = 0;
			}
			json_t *po = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I}", "name", pool,
				"server", sn, "devices", qemu_devices_of(lab, pool, p),
				"size_mib", (json_int_t)size, "free_mib", (json_int_t)free_mib,
				"alloc_mib", (json_int_t)1);
			if (down)
				json_object_set_new(po, "state", json_string("unreachable"));
			if (json_object_get(p, "reserve_pct"))
				json_object_set(po, "reserve_pct", json_object_get(p, "reserve_pct"));
			if (json_object_get(p, "tier"))
				json_object_set(po, "tier", json_object_get(p, "tier"));
			json_array_append_new(pools, po);
		}
	}
	json_array_foreach(json_object_get(lab->config, "partitions"), i, p) {
		const char *pn = json_string_value(json_object_get(p, "name"));
		json_t *blocks;
		if ((rc = qemu_cmd(lab, pn, "query-block", NULL, &blocks, err)) < 0)
			goto out;
		json_t *po = json_pack("{s:s, s:s, s:[], s:[]}", "name", pn, "os",
			json_string_value(json_object_get(p, "os")) ?: "linux", "disks", "vgs");
		if (json_object_get(p, "frame"))
			json_object_set(po, "frame", json_object_get(p, "frame"));
		json_t *disks = json_object_get(po, "disks"), *b;
		json_array_foreach(blocks, j, b) {
			/* a disk is mapped when a device holds an nbd node:
			 * nbd+unix:///EXPORT?socket=STATE/SERVER.nbd */
			json_t *ins = json_object_get(b, "inserted");
			const char *file = json_string_value(json_object_get(ins, "file"));
			const char *qdev = json_string_value(json_object_get(b, "qdev"));
			if (!file || !qdev || strncmp(file, "nbd+unix:///", 12))
				continue;
			const char *q = strstr(file, "?socket=");
			if (!q)
				continue;
			CLEANUP_FREE char *exp = strndup(file + 12, (size_t)(q - file - 12));
			const char *sock = q + 8, *slash = strrchr(sock, '/');
			CLEANUP_FREE char *server = slash ? xstrdup(slash + 1) : xstrdup(sock);
			char *dot = strrchr(server, '.');
			if (dot)
				*dot = '\0';
			json_t *ex = json_object_get(json_object_get(exports, server), exp);
			json_t *d = json_pack("{s:s, s:I, s:[s]}", "name", exp, "size_mib",
				(json_int_t)(json_integer_value(json_object_get(ins, "image") ?
					json_object_get(json_object_get(ins, "image"), "virtual-size") :
					json_object_get(ex, "size")) >> 20), "paths", server);
			/* which pool: the folder of the image the server exports; for a server
			 * that does not answer, the pool folder holding an image of that name */
			const char *img = json_string_value(json_object_get(ex, "file"));
			CLEANUP_FREE char *guess = NULL;
			if (qemu_server_down(servers, server)) {
				guess = qemu_image_of(lab, server, exp);
				img = guess;
				/* its only server is gone: the partition has lost the disk */
				json_object_set_new(d, "state", json_string("missing"));
				struct stat st;
				if (guess && json_integer_value(json_object_get(d, "size_mib")) <= 0 &&
				    stat(guess, &st) == 0)
					json_object_set_new(d, "size_mib", json_integer(st.st_size >> 20));
			}
			size_t k;
			json_t *pl;
			json_array_foreach(pools, k, pl) {
				CLEANUP_FREE char *dir = qemu_pool_dir(lab,
					json_string_value(json_object_get(pl, "name")));
				CLEANUP_FREE char *real = realpath(dir, NULL);
				size_t dl = real ? strlen(real) : 0;
				if (img && ((!strncmp(img, dir, strlen(dir)) && img[strlen(dir)] == '/') ||
					    (real && !strncmp(img, real, dl) && img[dl] == '/' &&
					     !strchr(img + dl + 1, '/')))) {
					json_object_set(d, "pool", json_object_get(pl, "name"));
					break;
				}
			}
			json_array_append_new(disks, d);
		}
		json_decref(blocks);
		json_array_append_new(parts, po);
	}
out:
	json_decref(exports);
	json_object_set_new(inv, "frames", frames);
	json_object_set_new(inv, "servers", servers);
	json_object_set_new(inv, "pools", pools);
	json_object_set_new(inv, "partitions", parts);
	if (rc < 0) {
		json_decref(inv);
		return rc;
	}
	*inventory = inv;
	return 0;
}

/* ---- create / delete */

static int qemu_export_info(struct qemu_lab *lab, const char *server, const char *disk,
			    json_t **info, struct vdm_error *err)
{
	json_t *ex;
	int rc = qemu_server_exports(lab, server, &ex, err);
	if (rc < 0)
		return rc;
	*info = json_incref(json_object_get(ex, disk));
	json_decref(ex);
	return 0;
}

static int qemu_node_exists(struct qemu_lab *lab, const char *peer, const char *node,
			    int *exists, struct vdm_error *err)
{
	json_t *nodes;
	int rc = qemu_cmd(lab, peer, "query-named-block-nodes", json_pack("{s:b}", "flat", 1),
			  &nodes, err);
	if (rc < 0)
		return rc;
	*exists = 0;
	size_t i;
	json_t *n;
	json_array_foreach(nodes, i, n)
		if (!strcmp(json_string_value(json_object_get(n, "node-name")) ?: "", node))
			*exists = 1;
	json_decref(nodes);
	return 0;
}

/* Exports an existing image: a file node, a raw node on it, an NBD export named like the disk. */
static int qemu_export(struct qemu_lab *lab, const char *server, const char *disk,
		       const char *file, struct vdm_error *err)
{
	char node[40], fnode[40];
	int rc, exists;
	if ((rc = qemu_node(disk, node, sizeof node, 'd', err)) < 0 ||
	    (rc = qemu_node(disk, fnode, sizeof fnode, 'f', err)) < 0)
		return rc;
	if ((rc = qemu_node_exists(lab, server, node, &exists, err)) < 0)
		return rc;
	if (!exists) {
		rc = qemu_cmd(lab, server, "blockdev-add", json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}",
			"driver", "raw", "node-name", node, "file", "driver", "file", "node-name", fnode,
			"filename", file), NULL, err);
		if (rc < 0)
			return rc;
	}
	return qemu_cmd(lab, server, "block-export-add", json_pack("{s:s, s:s, s:s, s:s, s:b}",
		"type", "nbd", "id", disk, "node-name", node, "name", disk, "writable", 1), NULL, err);
}

/* 1: file exists and carries owner; 0: missing, no tag or another one. */
static int qemu_file_owned(const char *file, const char *owner)
{
	char tag[512];
	if (!owner)
		return 0;
	ssize_t n = lgetxattr(file, QEMU_OWNER_XATTR, tag, sizeof tag);
	return n >= 0 && (size_t)n == strlen(owner) && !memcmp(tag, owner, (size_t)n);
}

static void qemu_set_owner(void *state, const char *owner)
{
	struct qemu_lab *lab = state;
	free(lab->owner);
	lab->owner = owner ? xstrdup(owner) : NULL;
}

static int qemu_disk_owned(void *state, const char *pool, const char *disk, const char *owner,
			   struct vdm_error *err)
{
	struct qemu_lab *lab = state;
	if (!qemu_pool_cfg(lab, pool, NULL))
		return vdm_err(err, -ENOENT, "qemu: disk %s: no pool %s in the lab", disk, pool);
	if (!vdm_name_valid(disk) || strchr(disk, '/'))
		return vdm_err(err, -EINVAL, "qemu: disk name '%s' is not valid", disk);
	CLEANUP_FREE char *dir = qemu_pool_dir(lab, pool);
	CLEANUP_FREE char *file = xasprintf("%s/%s.img", dir, disk);
	return qemu_file_owned(file, owner);
}

/* The partition (of the lab config) whose VM has disk `disk` of server `server` plugged in:
 * *who = its name (borrowed), or NULL. */
static int qemu_mapped_to(struct qemu_lab *lab, const char *server, const char *disk,
			  const char **who, struct vdm_error *err)
{
	size_t i, j;
	json_t *p, *b;
	*who = NULL;
	CLEANUP_FREE char *want = xasprintf("nbd+unix:///%s?socket=%s/%s.nbd", disk, lab->state,
					    server);
	json_array_foreach(json_object_get(lab->config, "partitions"), i, p) {
		const char *pn = json_string_value(json_object_get(p, "name"));
		json_t *blocks;
		struct qmp *q;
		struct vdm_error e2 = { 0 };
		/* a partition whose VM is not running has nothing plugged in */
		if (!pn || qemu_conn(lab, pn, &q, &e2) < 0)
			continue;
		int rc = qemu_cmd(lab, pn, "query-block", NULL, &blocks, err);
		if (rc < 0)
			return rc;
		json_array_foreach(blocks, j, b) {
			const char *f = json_string_value(json_object_get(json_object_get(b, "inserted"),
									   "file"));
			if (f && !strcmp(f, want))
				*who = pn;
		}
		json_decref(blocks);
		if (*who)
			return 0;
	}
	return 0;
}

static int qemu_create_disk(void *state, const char *pool, const char *disk, int64_t size_mib,
			    struct vdm_error *err)
{
	struct qemu_lab *lab = state;
	const char *server;
	char node[40];
	int rc;
	if (!qemu_pool_cfg(lab, pool, &server))
		return vdm_err(err, -ENOENT, "qemu: create %s: no pool %s in the lab", disk, pool);
	if ((rc = qemu_node(disk, node, sizeof node, 'd', err)) < 0)
		return rc;
	if (size_mib <= 0)
		return vdm_err(err, -EINVAL, "qemu: create %s: size %lld MiB", disk, (long long)size_mib);
	CLEANUP_FREE char *dir = qemu_pool_dir(lab, pool);
	CLEANUP_FREE char *file = xasprintf("%s/%s.img", dir, disk);
	json_t *info;
	if ((rc = qemu_export_info(lab, server, disk, &info, err)) < 0)
		return (vdm_err_prefix(err, "qemu: create %s in %s", disk, pool), rc);

	struct stat st;
	if (lstat(file, &st) == 0) {
		/* a file of that name is adopted only with this run's tag on it, whatever its size
		 * (re-exported if the server lost it): anything else belongs to someone else */
		json_decref(info);
		if (qemu_file_owned(file, lab->owner) != 1 || st.st_size != size_mib << 20)
			return vdm_err(err, -EEXIST, "qemu: create %s in %s: %s already exists (%lld MiB)"
				       " and this run did not create it", disk, pool, file,
				       (long long)(st.st_size >> 20));
		if (info)
			return 0;
		rc = qemu_export(lab, server, disk, file, err);
		return rc < 0 ? (vdm_err_prefix(err, "qemu: create %s in %s", disk, pool), rc) : 0;
	}
	if (info) {
		const char *f = json_string_value(json_object_get(info, "file"));
		rc = vdm_err(err, -EEXIST, "qemu: create %s in %s: %s already exports a disk of that "
			     "name from %s", disk, pool, server, f ? f : "?");
		json_decref(info);
		return rc;
	}

	int64_t cap, free_mib;
	if ((rc = qemu_pool_usage(lab, pool, &cap, &free_mib, err)) < 0)
		return rc;
	if (size_mib > free_mib)
		return vdm_err_exit(err, -ENOSPC, VDM_EXIT_BACKEND, "qemu: create %s: pool %s has %lld "
				    "MiB free of %lld MiB, %lld MiB needed", disk, pool,
				    (long long)free_mib, (long long)cap, (long long)size_mib);
	/* Host side, O_EXCL: never blockdev-create on a name that may exist (it truncates and
	 * zeroes a live image: lab-notes). */
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vdm_err(err, -errno, "qemu: create %s: %s: %s", disk, file, strerror(errno));
	/* without the tag a crash before the journal's record leaves the disk unproven (undo
	 * keeps it): worse, but not wrong, so a file system without user xattrs is no error */
	if (lab->owner)
		(void)fsetxattr(fd, QEMU_OWNER_XATTR, lab->owner, strlen(lab->owner), 0);
	rc = posix_fallocate(fd, 0, size_mib << 20);
	close(fd);
	if (rc != 0) {
		unlink(file);
		return vdm_err(err, -rc, "qemu: create %s: allocate %lld MiB in pool %s: %s", disk,
			       (long long)size_mib, pool, strerror(rc));
	}
	rc = qemu_export(lab, server, disk, file, err);
	if (rc < 0) {
		/* nothing half-done: take back what this call made */
		struct vdm_error e2 = {0};
		char fnode[40];
		qemu_cmd(lab, server, "block-export-del", json_pack("{s:s, s:s}", "id", disk, "mode",
			 "hard"), NULL, &e2);
		qemu_cmd(lab, server, "blockdev-del", json_pack("{s:s}", "node-name", node), NULL, &e2);
		if (qemu_node(disk, fnode, sizeof fnode, 'f', &e2) == 0)
			qemu_cmd(lab, server, "blockdev-del", json_pack("{s:s}", "node-name", fnode),
				 NULL, &e2);
		unlink(file);
		return (vdm_err_prefix(err, "qemu: create %s in %s", disk, pool), rc);
	}
	return 0;
}

static int qemu_delete_disk(void *state, const char *pool, const char *disk,
			    struct vdm_error *err)
{
	struct qemu_lab *lab = state;
	const char *server;
	char node[40], fnode[40];
	int rc, exists;
	CLEANUP_FREE char *dir = NULL, *file = NULL;
	if (!qemu_pool_cfg(lab, pool, &server))
		return vdm_err(err, -ENOENT, "qemu: delete %s: no pool %s in the lab", disk, pool);
	if ((rc = qemu_node(disk, node, sizeof node, 'd', err)) < 0 ||
	    (rc = qemu_node(disk, fnode, sizeof fnode, 'f', err)) < 0)
		return rc;
	json_t *info;
	if ((rc = qemu_export_info(lab, server, disk, &info, err)) < 0)
		goto fail;
	if (info) {
		json_decref(info);
		/* never cut a partition off a disk it still has plugged in (undo unmaps first, so
		 * this is another partition's, or an unmap that did not happen) */
		const char *who;
		if ((rc = qemu_mapped_to(lab, server, disk, &who, err)) < 0)
			goto fail;
		if (who) {
			rc = vdm_err(err, -EBUSY, "disk %s is mapped to partition %s", disk, who);
			goto fail;
		}
		rc = qemu_cmd(lab, server, "block-export-del", json_pack("{s:s}", "id", disk), NULL, err);
		if (rc == -EIO)   /* still in use by a client: cut it */
			rc = qemu_cmd(lab, server, "block-export-del", json_pack("{s:s, s:s}", "id", disk,
				      "mode", "hard"), NULL, err);
		if (rc < 0)
			goto fail;
		int64_t deadline = vdm_now_ms() + QEMU_EXPORT_GONE_TIMEOUT_MS;
		for (;;) {
			if ((rc = qemu_export_info(lab, server, disk, &info, err)) < 0)
				goto fail;
			if (!info)
				break;
			json_decref(info);
			if (vdm_now_ms() > deadline) {
				rc = vdm_err(err, -ETIMEDOUT, "export still listed after %d ms",
					     QEMU_EXPORT_GONE_TIMEOUT_MS);
				goto fail;
			}
			usleep(20000);
		}
	}
	for (int k = 0; k < 2; k++) {
		const char *n = k ? fnode : node;
		if ((rc = qemu_node_exists(lab, server, n, &exists, err)) < 0)
			goto fail;
		if (exists && (rc = qemu_cmd(lab, server, "blockdev-del", json_pack("{s:s}",
				   "node-name", n), NULL, err)) < 0)
			goto fail;
	}
	dir = qemu_pool_dir(lab, pool);
	file = xasprintf("%s/%s.img", dir, disk);
	if (unlink(file) < 0 && errno != ENOENT)
		return vdm_err(err, -errno, "qemu: delete %s: %s: %s", disk, file, strerror(errno));
	return 0;
fail:
	return (vdm_err_prefix(err, "qemu: delete %s from %s", disk, pool), rc);
}

/* ---- map / unmap */

/* Is device `node` plugged into the partition, and does block node `node` exist there? */
static int qemu_vm_state(struct qemu_lab *lab, const char *part, const char *node, int *device,
			 int *blocknode, struct vdm_error *err)
{
	json_t *blocks;
	int rc = qemu_cmd(lab, part, "query-block", NULL, &blocks, err);
	if (rc < 0)
		return rc;
	*device = 0;
	size_t i;
	json_t *b;
	CLEANUP_FREE char *qdev = xasprintf("/machine/peripheral/%s/virtio-backend", node);
	json_array_foreach(blocks, i, b) {
		const char *qd = json_string_value(json_object_get(b, "qdev"));
		if (qd && !strcmp(qd, qdev))
			*device = 1;
	}
	json_decref(blocks);
	return qemu_node_exists(lab, part, node, blocknode, err);
}

static int qemu_map_disk(void *state, const char *partition, const char *pool, const char *disk,
			 struct vdm_error *err)
{
	struct qemu_lab *lab = state;
	const char *server;
	char node[40];
	int rc, device, blocknode;
	if (!qemu_partition_cfg(lab, partition))
		return vdm_err(err, -ENOENT, "qemu: map %s: no partition %s in the lab", disk, partition);
	if (!qemu_pool_cfg(lab, pool, &server))
		return vdm_err(err, -ENOENT, "qemu: map %s: no pool %s in the lab", disk, pool);
	if ((rc = qemu_node(disk, node, sizeof node, 'd', err)) < 0)
		return rc;
	if (strlen(disk) > QEMU_SERIAL_MAX)
		return vdm_err(err, -EINVAL, "qemu: map %s: a virtio-blk serial holds %d bytes; the "
			       "guest could not tell this disk by name", disk, QEMU_SERIAL_MAX);
	if ((rc = qemu_vm_state(lab, partition, node, &device, &blocknode, err)) < 0)
		goto fail;
	if (device)
		return 0;
	if (!blocknode) {
		CLEANUP_FREE char *sock = xasprintf("%s/%s.nbd", lab->state, server);
		/* reconnect-delay 0: a dead server fails I/O at once, so the mirror drops that
		 * leg instead of stalling (lab-notes) */
		rc = qemu_cmd(lab, partition, "blockdev-add", json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:i}",
			"driver", "nbd", "node-name", node, "server", "type", "unix", "path", sock,
			"export", disk, "reconnect-delay", 0), NULL, err);
		if (rc < 0)
			goto fail;
	}
	rc = qemu_cmd(lab, partition, "device_add", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
		"driver", "virtio-blk-pci", "id", node, "drive", node, "serial", disk,
		"werror", "report", "rerror", "report"), NULL, err);
	if (rc < 0) {
		struct vdm_error e2 = {0};
		qemu_cmd(lab, partition, "blockdev-del", json_pack("{s:s}", "node-name", node), NULL, &e2);
		goto fail;
	}
	return 0;
fail:
	return (vdm_err_prefix(err, "qemu: map %s to %s", disk, partition), rc);
}

static int qemu_unmap_disk(void *state, const char *partition, const char *disk,
			   struct vdm_error *err)
{
	struct qemu_lab *lab = state;
	char node[40];
	int rc, device, blocknode;
	if (!qemu_partition_cfg(lab, partition))
		return vdm_err(err, -ENOENT, "qemu: unmap %s: no partition %s in the lab", disk,
			       partition);
	if ((rc = qemu_node(disk, node, sizeof node, 'd', err)) < 0)
		return rc;
	if ((rc = qemu_vm_state(lab, partition, node, &device, &blocknode, err)) < 0)
		goto fail;
	if (device) {
		struct qmp *q;
		if ((rc = qemu_conn(lab, partition, &q, err)) < 0)
			goto fail;
		qmp_drop_events(q, "DEVICE_DELETED");
		rc = qemu_cmd(lab, partition, "device_del", json_pack("{s:s}", "id", node), NULL, err);
		/* a retry after a timed-out unplug: the first request is still pending, wait on */
		if (rc == -EIO && strstr(qmp_last_desc(q), "in the process of unplug"))
			rc = 0;
		if (rc < 0)
			goto fail;
		/* two DEVICE_DELETED come (the virtio backend first, without "device"): ours is
		 * the one naming our id; only then is the node free */
		rc = qmp_wait_event(q, "DEVICE_DELETED", "device", node,
				    lab->unplug_timeout_ms, NULL, err);
		if (rc < 0)
			goto fail;
		blocknode = 1;
	}
	if (blocknode) {
		rc = qemu_cmd(lab, partition, "blockdev-del", json_pack("{s:s}", "node-name", node),
			      NULL, err);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	return (vdm_err_prefix(err, "qemu: unmap %s from %s", disk, partition), rc);
}

static int qemu_client_address(void *state, const char *partition, char **address,
			       struct vdm_error *err)
{
	struct qemu_lab *lab = state;
	if (!qemu_partition_cfg(lab, partition))
		return vdm_err(err, -ENOENT, "qemu: no partition %s in the lab", partition);
	*address = xasprintf("agent:unix:%s/%s.agent", lab->state, partition);
	return 0;
}

const struct vdm_backend_ops vdm_backend_qemu = {
	.name = "qemu",
	.caps = VDM_BACKEND_DISCOVER | VDM_BACKEND_PROVISION | VDM_BACKEND_MAP,
	.open = qemu_open,
	.config_keys = qemu_keys,
	.config_bare = "lab",
	.close = qemu_close,
	.discover = qemu_discover,
	.create_disk = qemu_create_disk,
	.delete_disk = qemu_delete_disk,
	.map_disk = qemu_map_disk,
	.unmap_disk = qemu_unmap_disk,
	.client_address = qemu_client_address,
	.set_owner = qemu_set_owner,
	.disk_owned = qemu_disk_owned,
};
