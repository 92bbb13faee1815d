/* vios.c: the "vios" backend: dual (or more) Virtual I/O Servers reached over SSH as padmin
 * (or a folder of recorded outputs), discovery into a formats-v1 inventory, provisioning of
 * backing devices with mkbdsp, mapping to the partition's vhost adapter, and a script mode.
 * Configuration keys (vios_keys) and the commands used: docs/internals/vios.md. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "vdmirror/backend.h"
#include "vdmirror/model.h"
#include "vdmirror/transport.h"
#include "vdmirror/warnings.h"
#include "vios.h"
#include "vios_hmc.h"
#include "hmc.h"
#include "vios_degrade.h"

#define VIOS_DEFAULT_TIMEOUT_MS 60000
#define VIOS_MAX_NAME 15          /* longest backing device name (vios_name_ok) */

struct vios_server {
	char *name;               /* as in the inventory: "vios1" */
	char *addr;               /* host name or address to reach it */
	struct vdm_transport x;
	int open;
	char *down;               /* why it did not answer in this discovery, or NULL */
};

struct vios_kv { char *key, *val; };

struct vios_state {
	char *dir;                /* folder of recorded outputs, or NULL for SSH */
	VEC(struct vios_server) servers;
	char *user, *key, *known_hosts, *frame;
	int port;
	int64_t timeout_ms;
	char *hmc, *hmc_user, *system;
	char *via;                /* "hmc": VIOS commands through viosvrcmd on the HMC */
	struct vdm_transport hmcx;
	int hmc_open;
	VEC(struct vios_kv) ids;    /* partition name -> decimal id (text) */
	VEC(struct vios_kv) addrs;  /* partition name -> client address */
	VEC(struct vios_kv) oses;   /* partition name -> os */
	struct vdm_transport *script;   /* script mode: borrowed from the caller */
	int scripting;
};

static void kv_free(struct vios_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].key), free(v[i].val);
	free(v);
}

static const char *kv_get(const struct vios_kv *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].key, key))
			return v[i].val;
	return NULL;
}

static void vios_close(void *vst)
{
	struct vios_state *st = vst;
	if (!st)
		return;
	for (size_t i = 0; i < st->servers.n; i++) {
		if (st->servers.v[i].open)
			vdm_transport_close(&st->servers.v[i].x);
		free(st->servers.v[i].name);
		free(st->servers.v[i].addr);
		free(st->servers.v[i].down);
	}
	free(st->servers.v);
	if (st->hmc_open)
		vdm_transport_close(&st->hmcx);
	kv_free(st->ids.v, st->ids.n);
	kv_free(st->addrs.v, st->addrs.n);
	kv_free(st->oses.v, st->oses.n);
	free(st->dir), free(st->user), free(st->key), free(st->known_hosts), free(st->frame);
	free(st->hmc), free(st->hmc_user), free(st->system), free(st->via);
	free(st);
}

/* The inventory's name rule (formats.md), for every name the backend takes or reports. */
static int partname_ok(const char *s)
{
	return vdm_name_valid(s);
}

static int host_ok(const char *s)
{
	if (!*s || strlen(s) > 253)
		return 0;
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:_", *p))
			return 0;
	return s[0] != '-';
}

static struct vios_server *vios_server_find(struct vios_state *st, const char *name)
{
	for (size_t i = 0; i < st->servers.n; i++)
		if (!strcmp(st->servers.v[i].name, name))
			return &st->servers.v[i];
	return NULL;
}

/* (defined at the end of this file) */
extern const struct vdm_backend_ops vdm_backend_vios;

/* The keys of the vios backend (backend.h: one mechanism for every backend). The bare entry
 * is the host list, or the folder of a recorded system whose DIR/config holds more entries. */
static const struct vdm_config_key vios_keys[] = {
	{ "servers", "VIOS,VIOS", "the VIOS names (the bare entry), or a folder of recorded"
	  " outputs", VDM_CONFIG_MULTI },
	{ "user", "NAME", "SSH user on the VIOS (default padmin)", 0 },
	{ "key", "FILE", "SSH private key", 0 },
	{ "known_hosts", "FILE", "SSH known_hosts file checked for every host", 0 },
	{ "port", "N", "SSH port (default 22)", 0 },
	{ "timeout", "S", "deadline of each command in seconds (default 60)", 0 },
	{ "frame", "NAME", "the frame (managed system) the VIOS and partitions are on", 0 },
	{ "hmc", "HOST", "HMC to read the partitions' virtual slots from (needs system=)", 0 },
	{ "hmc_user", "NAME", "HMC user (default hscroot)", 0 },
	{ "system", "NAME", "managed system name for lshwres -m", 0 },
	{ "via", "hmc", "reach every VIOS through the HMC (viosvrcmd; needs hmc= and system=)", 0 },
	{ "host.SERVER", "HOST", "address of VIOS SERVER (default: its name)", 0 },
	{ "addr.PARTITION", "ADDR", "client address of PARTITION (ssh:USER@HOST, agent:unix:PATH)", 0 },
	{ "os.PARTITION", "OS", "os of PARTITION (aix, linux, ibmi; default aix)", 0 },
	{ "PARTITION", "ID", "the partition's id as the HMC shows it (lpar1=3)", 0 },
	{ NULL, NULL, NULL, 0 },
};

static int vios_cfg_name(const struct vdm_config_pair *p, struct vdm_error *err)
{
	return partname_ok(p->value) ? 0 : vdm_config_bad(err, "vios", p, "invalid name");
}

/* One pair, already known to be one of vios_keys. */
static int vios_config_pair(struct vios_state *st, const struct vdm_config_pair *p,
			    struct vdm_error *err)
{
	const char *k = p->def->key, *v = p->value;
	char **slot = NULL;
	if (!strcmp(k, "servers")) {
		CLEANUP_FREE char *list = xstrdup(v);
		for (char *save = NULL, *h = strtok_r(list, ",", &save); h;
		     h = strtok_r(NULL, ",", &save)) {
			if (!vios_name_ok(h) || !partname_ok(h))
				return vdm_config_bad(err, "vios", p, "invalid server name");
			if (vios_server_find(st, h))
				return vdm_config_bad(err, "vios", p, "server %s listed twice", h);
			struct vios_server s = { xstrdup(h), xstrdup(h), {0}, 0, NULL };
			VEC_PUSH(&st->servers, s);
		}
		return 0;
	}
	if (!strcmp(k, "user") || !strcmp(k, "hmc_user") || !strcmp(k, "frame") ||
	    !strcmp(k, "system")) {
		int rc = vios_cfg_name(p, err);
		if (rc < 0)
			return rc;
	}
	if (!strcmp(k, "hmc") && !host_ok(v))
		return vdm_config_bad(err, "vios", p, "invalid host");
	if (!strcmp(k, "via") && strcmp(v, "hmc"))
		return vdm_config_bad(err, "vios", p, "only via=hmc is known");
	if (!strcmp(k, "user")) slot = &st->user;
	else if (!strcmp(k, "key")) slot = &st->key;
	else if (!strcmp(k, "known_hosts")) slot = &st->known_hosts;
	else if (!strcmp(k, "frame")) slot = &st->frame;
	else if (!strcmp(k, "hmc")) slot = &st->hmc;
	else if (!strcmp(k, "hmc_user")) slot = &st->hmc_user;
	else if (!strcmp(k, "system")) slot = &st->system;
	else if (!strcmp(k, "via")) slot = &st->via;
	if (slot) {
		free(*slot);
		*slot = xstrdup(v);
		return 0;
	}
	if (!strcmp(k, "port") || !strcmp(k, "timeout")) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || n <= 0 || n > (!strcmp(k, "port") ? 65535 : 86400))
			return vdm_config_bad(err, "vios", p, "not a valid number");
		if (!strcmp(k, "port"))
			st->port = (int)n;
		else
			st->timeout_ms = n * 1000;
		return 0;
	}
	if (!strcmp(k, "host.SERVER")) {
		struct vios_server *srv = vios_server_find(st, p->key + 5);
		if (!srv)
			return vdm_config_bad(err, "vios", p, "no server %s in the host list",
					      p->key + 5);
		if (!host_ok(v))
			return vdm_config_bad(err, "vios", p, "invalid host");
		free(srv->addr);
		srv->addr = xstrdup(v);
		return 0;
	}
	if (!strcmp(k, "addr.PARTITION") || !strcmp(k, "os.PARTITION")) {
		struct vios_kv kv = { xstrdup(strchr(p->key, '.') + 1), xstrdup(v) };
		if (k[0] == 'a')
			VEC_PUSH(&st->addrs, kv);
		else
			VEC_PUSH(&st->oses, kv);
		return 0;
	}
	/* lpar1=3: the partition's id (decimal, as the HMC shows it; 0x.. accepted) */
	char *end;
	long id = strtol(v, &end, 0);
	if (*end || id <= 0)
		return vdm_config_bad(err, "vios", p, "not a partition id (a number > 0)");
	struct vios_kv kv = { xstrdup(p->key), xasprintf("%ld", id) };
	VEC_PUSH(&st->ids, kv);
	return 0;
}

static bool vios_is_dir(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int vios_open(const struct vdm_config *cfg, void **out, struct vdm_error *err)
{
	struct vios_state *st = xcalloc(1, sizeof *st);
	st->timeout_ms = VIOS_DEFAULT_TIMEOUT_MS;
	/* all: the given pairs, a recorded system's folder replaced by its DIR/config entries */
	struct vdm_config all = { 0 };
	int rc = 0;
	for (size_t i = 0; i < cfg->n && rc == 0; i++) {
		const struct vdm_config_pair *p = &cfg->v[i];
		if (!strcmp(p->def->key, "servers") && !p->file && vios_is_dir(p->value)) {
			if (st->dir) {
				rc = vdm_config_bad(err, "vios", p, "a second recorded system");
				break;
			}
			st->dir = xstrdup(p->value);
			CLEANUP_FREE char *cf = xasprintf("%s/config", p->value);
			rc = vdm_config_read_file(&vdm_backend_vios, &all, cf, err);
		} else {
			rc = vdm_config_add(&vdm_backend_vios, &all, p->key, p->value, err);
			if (rc == 0 && p->file) {
				all.v[all.n - 1].file = xstrdup(p->file);
				all.v[all.n - 1].line = p->line;
			}
		}
	}
	/* the host list first, so that host.SERVER finds its server wherever it stands */
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < all.n && rc == 0; i++)
			if ((pass == 0) == !strcmp(all.v[i].def->key, "servers"))
				rc = vios_config_pair(st, &all.v[i], err);
	vdm_config_free(&all);
	if (rc < 0)
		goto fail;
	if (st->servers.n == 0) {
		rc = vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "vios config: no VIOS host listed"
				  " (\"vios1,vios2\" or a folder of recorded outputs)");
		goto fail;
	}
	if (!st->user)
		st->user = xstrdup("padmin");
	if (!st->hmc_user)
		st->hmc_user = xstrdup("hscroot");
	if (st->via && !st->hmc) {
		rc = vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "vios config: via=hmc needs hmc= and"
				  " system= (the HMC that runs viosvrcmd)");
		goto fail;
	}
	if (st->hmc && !st->system) {
		rc = vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "vios config: hmc= needs system= (the"
				  " managed system name for lshwres -m)");
		goto fail;
	}
	*out = st;
	return 0;
fail:
	vios_close(st);
	return rc;
}

/* Opens the transport to one server (or the HMC) on first use. */
static int vios_exec_for(struct vios_state *st, const char *name, const char *addr,
			 const char *user, struct vdm_transport *x, int *is_open, struct vdm_error *err)
{
	if (*is_open)
		return 0;
	int rc;
	if (st->via && x != &st->hmcx) {
		/* via=hmc: the VIOS (by its partition name on the HMC) through viosvrcmd */
		rc = vios_exec_for(st, "hmc", st->hmc, st->hmc_user, &st->hmcx, &st->hmc_open, err);
		if (rc == 0 && (rc = vios_hmc_open(&st->hmcx, st->system, name, x, err)) == 0)
			*is_open = 1;
		return rc;
	}
	if (st->dir) {
		CLEANUP_FREE char *a = xasprintf("replay:%s/%s", st->dir, name);
		rc = vdm_transport_open(a, x, err);
	} else {
#ifdef VDM_HAVE_LIBSSH
		struct vdm_transport_opts o = { .ssh_key = st->key, .ssh_known_hosts = st->known_hosts };
		rc = vdm_transport_ssh_open(user, addr, st->port, &o, x, err);
#else
		rc = vdm_err(err, -ENOTSUP, "vios %s: built without libssh", name);
#endif
	}
	if (rc == 0)
		*is_open = 1;
	return rc;
}

/* "ioscli" + args as one vector (the padmin commands all go through ioscli); -E2BIG with *err
 * set instead of a command cut short. Free a with vdm_argv_free. */
static int vios_argv(const char *server, const char *const *args, struct vdm_argv *a,
		     struct vdm_error *err)
{
	*a = (struct vdm_argv)VDM_ARGV_INIT(64);
	if (vdm_argv_add(a, "ioscli") < 0 || vdm_argv_addv(a, args) < 0) {
		vdm_argv_free(a);
		return vdm_err(err, -E2BIG, "vios %s: ioscli %s: too many arguments", server,
			       args[0] ? args[0] : "");
	}
	return 0;
}

/* The transport errors that mean "did not answer" (formats.md, "Failed, stale and unreachable
 * parts": the server is reported unreachable, discovery goes on): no connection (refused,
 * no route), the login refused, no answer before the deadline, the connection lost. Anything
 * else (a host key that does not match, output over the cap, a command that answered
 * something unreadable) stays an error: that server answered, and not as it should. */
static bool vios_unreachable_code(int rc)
{
	return rc == -EHOSTUNREACH || rc == -ECONNREFUSED || rc == -ENETUNREACH ||
	       rc == -ETIMEDOUT || rc == -ECONNRESET || rc == -EACCES || rc == -EIO;
}

/* Runs one read-only padmin command ("ioscli" + argv) on srv. Returns its exit status, or a
 * negative code; *out always set on >= 0. */
static int vios_query(struct vios_state *st, struct vios_server *srv, const char *const *args,
		      char **out, const char **errout, struct vdm_error *err)
{
	struct vdm_argv argv;
	*out = NULL;
	int rc = vios_argv(srv->name, args, &argv, err);
	if (rc < 0)
		return rc;
	rc = vios_exec_for(st, srv->name, srv->addr, st->user, &srv->x, &srv->open, err);
	if (rc == 0)
		rc = vdm_transport_run(&srv->x, argv.v, st->timeout_ms, out, err);
	vdm_argv_free(&argv);
	if (rc >= 0 && !*out)
		*out = xstrdup("");
	if (errout)
		*errout = srv->open ? vdm_transport_last_stderr(&srv->x) : NULL;
	const char *why;
	int wlen = 0;
	if (rc > 0 && st->via && srv->open &&
	    (why = vios_hmc_vios_down(*out, vdm_transport_last_stderr(&srv->x), &wlen))) {
		/* the HMC answered for a VIOS it cannot reach: not an answer of the VIOS */
		rc = vdm_err(err, -EHOSTUNREACH, "not reachable through hmc %s: %.*s", st->hmc,
			     wlen, why);
		free(*out);
		*out = NULL;
	} else if (rc < 0 && st->via) {
		/* the way to every VIOS is the HMC: it failing is no VIOS's outage */
		vdm_err_prefix(err, "vios %s through hmc %s", srv->name, st->hmc);
		return rc;
	}
	if (rc < 0 && vios_unreachable_code(rc)) {
		free(srv->down);
		srv->down = xstrdup(err->msg);
	}
	if (rc < 0)
		vdm_err_prefix(err, "vios %s", srv->name);
	return rc;
}

/* Like vios_query, but a non-zero exit status is an error explained by vios_explain. */
static int vios_query_ok(struct vios_state *st, struct vios_server *srv, const char *const *args,
			 const char *pool, char **out, struct vdm_error *err)
{
	const char *eo = NULL;
	int rc = vios_query(st, srv, args, out, &eo, err);
	if (rc > 0) {
		struct vdm_argv argv;
		if (vios_argv(srv->name, args, &argv, err) < 0)
			return -E2BIG;
		CLEANUP_FREE char *cmd = vdm_shell_join(argv.v);
		vdm_argv_free(&argv);
		rc = vios_explain(err, srv->name, pool, cmd, rc, *out, eo);
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* A command that changes the VIOS: run it, or in script mode write it for the admin. */
static int vios_change(struct vios_state *st, struct vios_server *srv, const char *what,
		       const char *const *args, const char *pool, struct vdm_error *err)
{
	struct vdm_argv argv;
	int rc = vios_argv(srv->name, args, &argv, err);
	if (rc < 0)
		return rc;
	CLEANUP_FREE char *cmd = vdm_shell_join(argv.v);
	vdm_argv_free(&argv);
	if (st->scripting) {
		CLEANUP_FREE char *who = st->via ? xasprintf("%s@%s", st->hmc_user, st->hmc)
						 : xasprintf("%s@%s", st->user, srv->addr);
		CLEANUP_FREE char *port = xasprintf("%d", st->port > 0 ? st->port : 22);
		CLEANUP_FREE char *hline = NULL;
		if (st->via) {
			struct vdm_argv hv;
			if ((rc = vios_argv(srv->name, args, &hv, err)) < 0)
				return rc;
			hline = vios_hmc_viosvrcmd_line(st->system, srv->name, hv.v, err);
			vdm_argv_free(&hv);
			if (!hline)
				return -EINVAL;
		}
		char *c1[] = { (char *)VDM_SCRIPT_COMMENT, (char *)"vios", srv->name, (char *)"-",
			       (char *)what, NULL };
		char *c2[] = { (char *)"ssh", (char *)"-p", port, who, hline ? hline : cmd, NULL };
		rc = vdm_transport_run(st->script, c1, -1, NULL, err);
		if (rc == 0)
			rc = vdm_transport_run(st->script, c2, -1, NULL, err);
		return rc < 0 ? rc : 0;
	}
	char *out = NULL;
	const char *eo = NULL;
	rc = vios_query(st, srv, args, &out, &eo, err);
	/* a recorded system answers a change only where the recording holds it (the tests'
	 * simulated systems, docs/internals/vios.md); otherwise it is read-only */
	if (rc == -ENOENT && st->dir)
		rc = vdm_err(err, -EROFS, "vios %s: %s: a recorded system cannot be changed "
			     "(use script mode)", srv->name, what);
	if (rc > 0)
		rc = vios_explain(err, srv->name, pool, cmd, rc, out, eo);
	free(out);
	return rc < 0 ? rc : 0;
}

/* ---- discovery ---- */

/* Everything one server says. */
struct vios_view {
	vios_pools pools;
	vios_pool_pvs *pool_pvs;    /* per pool (LV pools; empty otherwise) */
	vios_bds *pool_bds;         /* per pool */
	vios_pvs pvs;
	vios_vhosts vhosts;
	vios_vfchosts vfc;          /* virtual FC (NPIV) adapters */
	char *vfc_warning;          /* why lsmap -npiv could not be read, or NULL */
};

static void view_free(struct vios_view *v)
{
	for (size_t i = 0; i < v->pools.n; i++) {
		if (v->pool_pvs)
			vios_pool_pvs_free(&v->pool_pvs[i]);
		if (v->pool_bds)
			vios_bds_free(&v->pool_bds[i]);
	}
	free(v->pool_pvs);
	free(v->pool_bds);
	vios_pools_free(&v->pools);
	vios_pvs_free(&v->pvs);
	vios_vhosts_free(&v->vhosts);
	vios_vfchosts_free(&v->vfc);
	free(v->vfc_warning);
	memset(v, 0, sizeof *v);
}

static int view_read_pools(struct vios_state *st, struct vios_server *srv, struct vios_view *v,
			   struct vdm_error *err)
{
	static const char *const lssp[] = { "lssp", "-field", "pool", "size", "free", "alloc",
					    "bds", "type", "-fmt", ":", NULL };
	char *out;
	int rc = vios_query_ok(st, srv, lssp, NULL, &out, err);
	if (rc < 0)
		return rc;
	rc = vios_parse_lssp(out, &v->pools, err);
	free(out);
	if (rc < 0) {
		vdm_err_prefix(err, "vios %s", srv->name);
		return rc;
	}
	v->pool_pvs = xcalloc(v->pools.n, sizeof *v->pool_pvs);
	v->pool_bds = xcalloc(v->pools.n, sizeof *v->pool_bds);
	for (size_t i = 0; i < v->pools.n; i++) {
		const char *pool = v->pools.v[i].name;
		if (!vios_name_ok(pool))
			return vdm_err(err, -EPROTO, "vios %s: pool name '%s' not usable on a "
				       "command line", srv->name, pool);
		if (!strcmp(v->pools.v[i].type, "LVPOOL")) {
			const char *const detail[] = { "lssp", "-detail", "-sp", pool, "-field",
						       "pvname", "pvid", "size", "-fmt", ":", NULL };
			if ((rc = vios_query_ok(st, srv, detail, pool, &out, err)) < 0)
				return rc;
			rc = vios_parse_lssp_detail(out, &v->pool_pvs[i], err);
			free(out);
			if (rc < 0) {
				vdm_err_prefix(err, "vios %s: pool %s", srv->name, pool);
				return rc;
			}
		}
		const char *const bd[] = { "lssp", "-bd", "-sp", pool, "-field", "bdname", "size",
					   "vtd", "svsa", "-fmt", ":", NULL };
		if ((rc = vios_query_ok(st, srv, bd, pool, &out, err)) < 0)
			return rc;
		rc = vios_parse_lssp_bd(out, &v->pool_bds[i], err);
		free(out);
		if (rc < 0) {
			vdm_err_prefix(err, "vios %s: pool %s", srv->name, pool);
			return rc;
		}
	}
	return 0;
}

static int view_read_maps(struct vios_state *st, struct vios_server *srv, struct vios_view *v,
			  struct vdm_error *err)
{
	static const char *const lsmap[] = { "lsmap", "-all", "-fmt", ":", NULL };
	char *out = NULL;
	const char *eo = NULL;
	int rc = vios_query(st, srv, lsmap, &out, &eo, err);
	if (rc < 0)
		return rc;
	if ((rc == 10 || rc == 15) && !*out) {
		/* IBM's own code treats 10 (no device at location) and 15 (no server vSCSI
		 * adapter) as "nothing of this kind": no vSCSI mappings on this VIOS */
		free(out);
		return 0;
	}
	if (rc > 0) {
		rc = vios_explain(err, srv->name, NULL, "ioscli lsmap -all -fmt :", rc, out, eo);
		free(out);
		return rc;
	}
	rc = vios_parse_lsmap(out, &v->vhosts, err);
	free(out);
	if (rc < 0)
		vdm_err_prefix(err, "vios %s", srv->name);
	return rc;
}

/* NPIV adapters only tell which VIOS serves a client's virtual FC disks: a VIOS without them
 * (exit status and no output, as lsmap does for other components) or an output that cannot
 * be read makes a warning, never a failed discovery. */
static void view_read_npiv(struct vios_state *st, struct vios_server *srv, struct vios_view *v)
{
	static const char *const npiv[] = { "lsmap", "-all", "-npiv", "-fmt", ":", NULL };
	char *out = NULL;
	const char *eo = NULL;
	struct vdm_error e = {0};
	int rc = vios_query(st, srv, npiv, &out, &eo, &e);
	int bad = rc < 0;
	if (rc == 0 && vios_parse_lsmap_npiv(out, &v->vfc, &e) < 0) {
		vios_vfchosts_free(&v->vfc);
		bad = 1;
	} else if (rc > 0 && *out) {
		vios_explain(&e, srv->name, NULL, "ioscli lsmap -all -npiv -fmt :", rc, out, eo);
		bad = 1;
	}
	if (bad)
		v->vfc_warning = xasprintf("vios %s: NPIV adapters unknown (%s): NPIV disks it serves "
					   "cannot be placed", srv->name, e.msg);
	free(out);
}

static int view_read(struct vios_state *st, struct vios_server *srv, struct vios_view *v,
		     struct vdm_error *err)
{
	static const char *const lspv[] = { "lspv", NULL };
	int rc = view_read_pools(st, srv, v, err);
	if (rc < 0)
		return rc;
	char *out;
	if ((rc = vios_query_ok(st, srv, lspv, NULL, &out, err)) < 0)
		return rc;
	rc = vios_parse_lspv(out, &v->pvs, err);
	free(out);
	if (rc < 0) {
		vdm_err_prefix(err, "vios %s", srv->name);
		return rc;
	}
	if ((rc = view_read_maps(st, srv, v, err)) == 0)
		view_read_npiv(st, srv, v);
	return rc;
}

/* Partition id -> name, from the config and the HMC; *hwout (if not NULL) gets the HMC's
 * adapter list (empty without an HMC). */
static int vios_hmc_read(struct vios_state *st, json_t *names, vios_hwress *hwout,
			 struct vdm_error *err)
{
	for (size_t i = 0; i < st->ids.n; i++)
		json_object_set_new(names, st->ids.v[i].val, json_string(st->ids.v[i].key));
	if (!st->hmc)
		return 0;
	int rc = vios_exec_for(st, "hmc", st->hmc, st->hmc_user, &st->hmcx, &st->hmc_open, err);
	if (rc < 0)
		return rc;
	char *argv[] = { (char *)"lshwres", (char *)"-r", (char *)"virtualio", (char *)"--rsubtype",
			 (char *)"scsi", (char *)"-m", st->system, (char *)"--level", (char *)"lpar", NULL };
	char *out = NULL;
	rc = vdm_transport_run(&st->hmcx, argv, st->timeout_ms, &out, err);
	if (rc > 0) {
		const char *eo = vdm_transport_last_stderr(&st->hmcx);
		rc = vdm_err(err, -EIO, "hmc %s: lshwres failed (exit %d): %.300s", st->hmc, rc,
			     eo && *eo ? eo : out ? out : "");
	}
	if (rc < 0) {
		free(out);
		return rc;
	}
	vios_hwress hw = {0};
	rc = vios_parse_lshwres(out ? out : "", &hw, err);
	free(out);
	if (rc < 0) {
		vdm_err_prefix(err, "hmc %s", st->hmc);
		return rc;
	}
	for (size_t i = 0; i < hw.n; i++) {
		struct vios_hwres *r = &hw.v[i];
		/* the client side of each pair names the partition behind the id */
		if (r->adapter_type && !strcmp(r->adapter_type, "client") && partname_ok(r->lpar_name)) {
			char id[32];
			snprintf(id, sizeof id, "%lld", (long long)r->lpar_id);
			if (!json_object_get(names, id))
				json_object_set_new(names, id, json_string(r->lpar_name));
		}
		if (r->adapter_type && !strcmp(r->adapter_type, "server") && r->remote_lpar_name &&
		    r->remote_lpar_id > 0 && partname_ok(r->remote_lpar_name)) {
			char id[32];
			snprintf(id, sizeof id, "%lld", (long long)r->remote_lpar_id);
			if (!json_object_get(names, id))
				json_object_set_new(names, id, json_string(r->remote_lpar_name));
		}
	}
	/* every partition's name, also those with no vSCSI adapter (NPIV only) */
	char *sys[] = { (char *)"lssyscfg", (char *)"-r", (char *)"lpar", (char *)"-m", st->system, NULL };
	hmc_lpars lp = {0};
	out = NULL;
	rc = vdm_transport_run(&st->hmcx, sys, st->timeout_ms, &out, err);
	if (rc > 0)
		rc = vdm_err(err, -EIO, "hmc %s: lssyscfg failed (exit %d): %.300s", st->hmc, rc,
			     out ? out : "");
	if (rc == 0 && (rc = hmc_parse_lssyscfg(out ? out : "", &lp, err)) < 0)
		vdm_err_prefix(err, "hmc %s", st->hmc);
	for (size_t i = 0; rc == 0 && i < lp.n; i++) {
		char id[32];
		snprintf(id, sizeof id, "%lld", (long long)lp.v[i].id);
		if (!json_object_get(names, id) && partname_ok(lp.v[i].name))
			json_object_set_new(names, id, json_string(lp.v[i].name));
		/* an IBM i partition (lpar_env=os400) unless the config says otherwise */
		if (lp.v[i].env && !strcmp(lp.v[i].env, "os400") && partname_ok(lp.v[i].name) &&
		    !kv_get(st->oses.v, st->oses.n, lp.v[i].name)) {
			struct vios_kv kv = { xstrdup(lp.v[i].name), xstrdup("ibmi") };
			VEC_PUSH(&st->oses, kv);
		}
	}
	hmc_lpars_free(&lp);
	free(out);
	if (rc < 0) {
		vios_hwress_free(&hw);
		return rc;
	}
	if (hwout)
		*hwout = hw;
	else
		vios_hwress_free(&hw);
	return 0;
}

static int vios_hmc_names(struct vios_state *st, json_t *names, struct vdm_error *err)
{
	return vios_hmc_read(st, names, NULL, err);
}

/* The client partition's slot behind a VIOS adapter, from the HMC (the VIOS partition's
 * name on the HMC is taken to be the server's name in the config); -1 when unknown. */
static int64_t vios_client_slot(const vios_hwress *hw, const char *server, int64_t slot,
				int64_t clientid)
{
	for (size_t i = 0; i < hw->n; i++) {
		const struct vios_hwres *r = &hw->v[i];
		if (r->adapter_type && !strcmp(r->adapter_type, "server") &&
		    !strcmp(r->lpar_name, server) && r->slot_num == slot &&
		    r->remote_lpar_id == clientid)
			return r->remote_slot_num;
	}
	return -1;
}

static json_t *str_array_add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v), s))
			return arr;
	json_array_append_new(arr, json_string(s));
	return arr;
}

static char *pv_device(const char *server, const char *pvname, const char *pvid)
{
	return pvid ? vdm_device_of_pvid(pvid) : xasprintf("%s/%s", server, pvname);
}

/* The disk's "locator" (model.h) from what discovery gathered: the client drivers read that,
 * never the backend's own "vios_map". */
static void vios_disk_locator(json_t *disk)
{
	struct vdm_disk_locator loc = { 0 };
	json_t *maps = json_object_get(disk, "vios_map");
	loc.pvid = (char *)json_string_value(json_object_get(disk, "vios_pvid"));
	loc.n_paths = json_array_size(maps);
	loc.paths = xcalloc(loc.n_paths ? loc.n_paths : 1, sizeof *loc.paths);
	for (size_t i = 0; i < loc.n_paths; i++) {
		json_t *m = json_array_get(maps, i), *cs = json_object_get(m, "client_slot");
		struct vdm_disk_path *p = &loc.paths[i];
		p->server = (char *)json_string_value(json_object_get(m, "server"));
		p->adapter = (char *)json_string_value(json_object_get(m, "vhost"));
		p->server_slot = json_integer_value(json_object_get(m, "slot"));
		p->client_slot = cs ? json_integer_value(cs) : -1;
		p->lun = (char *)json_string_value(json_object_get(m, "lun"));
	}
	json_object_set_new(disk, "locator", vdm_locator_to_json(&loc));
	free(loc.paths);     /* the strings are borrowed from the disk object */
}

/* The partition object of client id `clientid` (created on first sight), named from the
 * config or the HMC, else lpar-id-N. */
static json_t *vios_part_get(struct vios_state *st, json_t *parts, json_t *names, const char *sv,
			     int64_t clientid)
{
	char idtxt[32];
	snprintf(idtxt, sizeof idtxt, "%lld", (long long)clientid);
	json_t *nm = json_object_get(names, idtxt);
	CLEANUP_FREE char *pn = nm ? xstrdup(json_string_value(nm))
				   : xasprintf("lpar-id-%lld", (long long)clientid);
	json_t *part = json_object_get(parts, pn);
	if (!part) {
		const char *os = kv_get(st->oses.v, st->oses.n, pn);
		part = json_pack("{s:s,s:s,s:[],s:[],s:{}}", "name", pn, "os", os ? os : "aix",
				 "disks", "vgs", "vios_ids");
		if (st->frame)
			json_object_set_new(part, "frame", json_string(st->frame));
		json_object_set_new(parts, pn, part);
	}
	json_object_set_new(json_object_get(part, "vios_ids"), sv, json_integer(clientid));
	return part;
}

/* The partition field "vios_unreachable" (formats.md: producers may add fields), what the
 * AIX driver knows of the VIOS that did not answer (src/client/aix_unreach.c):
 *   servers:  their names;
 *   locator:  a disk locator (model.h) of their vSCSI adapters that serve this partition, with
 *             the client slot behind each, from the HMC (none without an HMC);
 *   devices:  every device the VIOS that answered see (vios_unreach_devices): what a disk of
 *             a dead VIOS may sit on, since nobody can say which.
 * Records dead VIOS `sv`'s adapters from the HMC's list `hw` on the partitions they serve. */
static void vios_unreach_record(struct vios_state *st, json_t *parts, json_t *names,
				const vios_hwress *hw, const char *sv)
{
	for (size_t i = 0; i < hw->n; i++) {
		const struct vios_hwres *r = &hw->v[i];
		if (!r->adapter_type || strcmp(r->adapter_type, "server") || !r->lpar_name ||
		    strcmp(r->lpar_name, sv) || r->remote_lpar_id <= 0)
			continue;
		json_t *part = vios_part_get(st, parts, names, sv, r->remote_lpar_id);
		json_t *u = json_object_get(part, "vios_unreachable");
		struct vdm_disk_locator loc;
		struct vdm_error e;
		if (!u || vdm_locator_from_json(json_object_get(u, "locator"), &loc, &e) < 0)
			memset(&loc, 0, sizeof loc);
		loc.paths = xrealloc(loc.paths, (loc.n_paths + 1) * sizeof *loc.paths);
		loc.paths[loc.n_paths++] = (struct vdm_disk_path){
			.server = xstrdup(sv), .adapter = NULL, .server_slot = r->slot_num,
			.client_slot = r->remote_slot_num, .lun = NULL };
		if (!u)
			json_object_set_new(part, "vios_unreachable", u = json_object());
		json_object_set_new(u, "locator", vdm_locator_to_json(&loc));
		vdm_locator_free(&loc);
	}
}

/* Completes "vios_unreachable" on every partition (vios_unreach_record): the dead servers'
 * names and the devices of every pool and disk the live VIOS reported. A disk of a dead VIOS
 * is taken to share any of them: its LUN cannot be asked, and the shared-LUN trap (a new copy
 * on the same LUN as the original) must not pass for want of knowledge. */
static void vios_unreach_devices(struct vios_state *st, json_t *parts, json_t *pools)
{
	json_t *devs = json_array(), *down = json_array(), *p;
	size_t i, j;
	json_t *d, *v;
	for (size_t s = 0; s < st->servers.n; s++)
		if (st->servers.v[s].down)
			json_array_append_new(down, json_string(st->servers.v[s].name));
	json_array_foreach(pools, i, p)
		json_array_foreach(json_object_get(p, "devices"), j, v)
			str_array_add_unique(devs, json_string_value(v));
	const char *k;
	json_object_foreach(parts, k, p)
		json_array_foreach(json_object_get(p, "disks"), i, d)
			json_array_foreach(json_object_get(d, "devices"), j, v)
				str_array_add_unique(devs, json_string_value(v));
	json_object_foreach(parts, k, p) {
		json_t *u = json_object_get(p, "vios_unreachable");
		if (!u)
			json_object_set_new(p, "vios_unreachable", u = json_object());
		json_object_set(u, "servers", down);
		json_object_set(u, "devices", devs);
	}
	json_decref(devs);
	json_decref(down);
}

static int vios_discover(void *vst, json_t **inventory, struct vdm_error *err)
{
	struct vios_state *st = vst;
	struct vios_view *views = xcalloc(st->servers.n, sizeof *views);
	json_t *names = json_object();
	json_t *servers = json_array(), *pools = json_array(), *parts = json_object();
	vios_hwress hw = {0};
	json_t *warn = json_object();      /* collects "warnings" */
	int rc = vios_hmc_read(st, names, &hw, err);

	/* a VIOS that does not answer is not a failed discovery (formats.md, "Failed, stale and
	 * unreachable parts"): it is reported unreachable and the others are read; an HMC that
	 * does not answer, or no VIOS answering, leaves nothing to plan on: an error */
	size_t n_down = 0;
	struct strbuf causes = STRBUF_INIT(4096);
	strbuf_adds(&causes, "");
	for (size_t s = 0; rc == 0 && s < st->servers.n; s++) {
		struct vios_server *srv = &st->servers.v[s];
		free(srv->down);
		srv->down = NULL;
		rc = view_read(st, srv, &views[s], err);
		if (srv->down) {
			view_free(&views[s]);
			vdm_warn(warn, "vios %s unreachable (%s): its pools are unknown and not listed, "
				 "nothing is placed on it; disks it alone serves are kept as the partition "
				 "sees them", srv->name, srv->down);
			strbuf_addf(&causes, "%s%s (%s)", n_down ? "; " : "", srv->name, srv->down);
			n_down++;
			rc = 0;
		} else if (rc == 0 && views[s].vfc_warning) {
			vdm_warn(warn, "%s", views[s].vfc_warning);
		}
	}
	if (rc == 0 && n_down == st->servers.n)
		rc = vdm_err(err, -EHOSTUNREACH, "vios: no VIOS answered, nothing to discover: %s",
			     causes.s);
	strbuf_free(&causes);

	for (size_t s = 0; rc == 0 && s < st->servers.n; s++) {
		const char *sv = st->servers.v[s].name;
		struct vios_view *v = &views[s];
		json_t *srv = json_pack("{s:s}", "name", sv);
		if (st->frame)
			json_object_set_new(srv, "frame", json_string(st->frame));
		/* a backing device name is at most 15 characters (mkbdsp -bd): the planner names
		 * new disks within it */
		json_object_set_new(srv, "max_name", json_integer(VIOS_MAX_NAME));
		json_array_append_new(servers, srv);
		if (st->servers.v[s].down) {
			json_object_set_new(srv, "state", json_string("unreachable"));
			vios_unreach_record(st, parts, names, &hw, sv);
			continue;
		}

		/* devices of every LV pool of this server: file pools live inside one of them,
		 * and lssp does not say which, so they are taken to share all of them */
		json_t *lvdevs = json_array();
		for (size_t p = 0; p < v->pools.n; p++)
			for (size_t k = 0; k < v->pool_pvs[p].n; k++) {
				CLEANUP_FREE char *d = pv_device(sv, v->pool_pvs[p].v[k].pvname,
								 v->pool_pvs[p].v[k].pvid);
				str_array_add_unique(lvdevs, d);
			}
		for (size_t p = 0; p < v->pools.n; p++) {
			struct vios_pool *vp = &v->pools.v[p];
			CLEANUP_FREE char *pname = xasprintf("%s/%s", sv, vp->name);
			json_t *devs;
			if (!strcmp(vp->type, "LVPOOL")) {
				devs = json_array();
				for (size_t k = 0; k < v->pool_pvs[p].n; k++) {
					CLEANUP_FREE char *d = pv_device(sv, v->pool_pvs[p].v[k].pvname,
									 v->pool_pvs[p].v[k].pvid);
					str_array_add_unique(devs, d);
				}
			} else {
				devs = json_deep_copy(lvdevs);
			}
			json_t *pool = json_pack("{s:s,s:s,s:I,s:I,s:I,s:s}", "name", pname,
						 "server", sv, "size_mib", (json_int_t)vp->size_mib,
						 "free_mib", (json_int_t)vp->free_mib,
						 "alloc_mib", (json_int_t)(vp->alloc_mib > 0 ? vp->alloc_mib : 1),
						 "vios_type", vp->type);
			if (json_array_size(devs))
				json_object_set_new(pool, "devices", devs);
			else
				json_decref(devs);
			json_array_append_new(pools, pool);
		}
		json_decref(lvdevs);

		/* virtual FC adapters: which VIOS serve each client's NPIV disks */
		for (size_t h = 0; h < v->vfc.n; h++)
			if (v->vfc.v[h].clientid > 0)
				vios_npiv_record(vios_part_get(st, parts, names, sv, v->vfc.v[h].clientid),
						 sv, &v->vfc.v[h]);

		for (size_t h = 0; h < v->vhosts.n; h++) {
			struct vios_vhost *vh = &v->vhosts.v[h];
			if (vh->clientid <= 0)
				continue;
			json_t *part = vios_part_get(st, parts, names, sv, vh->clientid);
			json_t *disks = json_object_get(part, "disks");
			for (size_t t = 0; t < vh->n_vtds; t++) {
				struct vios_vtd *vt = &vh->vtds[t];
				CLEANUP_FREE char *key = NULL, *name = NULL, *pool = NULL, *dev = NULL;
				const char *pvid = NULL;
				int64_t size = 0;
				/* optical media (empty or an ISO) is never a disk to mirror */
				enum vios_vtd_kind kind = vios_vtd_kind(vt);
				if (kind == VIOS_VTD_OPTICAL)
					continue;
				const char *bname = kind == VIOS_VTD_FILE ? strrchr(vt->backing, '/') + 1
									  : vt->backing;
				/* an LV or file in a pool of this server? */
				for (size_t p = 0; !key && p < v->pools.n; p++)
					for (size_t b = 0; b < v->pool_bds[p].n; b++)
						if (!strcmp(v->pool_bds[p].v[b].name, bname)) {
							key = xasprintf("bd:%s/%s", sv, bname);
							name = xstrdup(bname);
							pool = xasprintf("%s/%s", sv, v->pools.v[p].name);
							size = v->pool_bds[p].v[b].size_mib;
							break;
						}
				/* a whole disk (a SAN LUN): one disk per PVID, whatever the VIOS */
				for (size_t k = 0; !key && k < v->pvs.n; k++)
					if (!strcmp(v->pvs.v[k].name, vt->backing)) {
						dev = pv_device(sv, vt->backing, v->pvs.v[k].pvid);
						pvid = v->pvs.v[k].pvid;
						key = xasprintf("dev:%s", dev);
						name = xstrdup(dev);
					}
				if (!key && kind == VIOS_VTD_FILE) {
					vdm_warn(warn, "vios %s: %s on %s: file-backed device %s is in no "
						 "pool: ignored", sv, vt->vtd, vh->svsa, vt->backing);
					continue;
				}
				if (!key) {
					key = xasprintf("other:%s/%s", sv, vt->backing);
					name = xstrdup(vt->backing);
				}
				json_t *disk = NULL;
				size_t i;
				json_t *d;
				json_array_foreach(disks, i, d)
					if (!strcmp(json_string_value(json_object_get(d, "vios_key")), key))
						disk = d;
				if (!disk) {
					/* two servers can hold backing devices of one name */
					json_array_foreach(disks, i, d)
						if (!strcmp(json_string_value(json_object_get(d, "name")), name)) {
							free(name);
							name = xasprintf("%s/%s", sv, vt->backing);
							break;
						}
					disk = json_pack("{s:s,s:I,s:[],s:[],s:s}", "name", name,
							 "size_mib", (json_int_t)size, "paths",
							 "vios_map", "vios_key", key);
					if (pool)
						json_object_set_new(disk, "pool", json_string(pool));
					if (dev)
						json_object_set_new(disk, "devices", json_pack("[s]", dev));
					if (pvid)
						json_object_set_new(disk, "vios_pvid", json_string(pvid));
					json_array_append_new(disks, disk);
				}
				str_array_add_unique(json_object_get(disk, "paths"), sv);
				json_t *m = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s}", "server", sv,
						      "vhost", vh->svsa, "slot", (json_int_t)vh->slot,
						      "vtd", vt->vtd, "lun", vt->lun, "backing", vt->backing);
				int64_t cs = vios_client_slot(&hw, sv, vh->slot, vh->clientid);
				if (cs >= 0)
					json_object_set_new(m, "client_slot", json_integer(cs));
				json_array_append_new(json_object_get(disk, "vios_map"), m);
			}
		}
	}

	if (rc == 0 && n_down)
		vios_unreach_devices(st, parts, pools);
	json_t *inv = NULL;
	if (rc == 0) {
		inv = json_pack("{s:i}", "version", 1);
		if (json_object_get(warn, "warnings"))
			json_object_set(inv, "warnings", json_object_get(warn, "warnings"));
		if (st->frame)
			json_object_set_new(inv, "frames", json_pack("[{s:s}]", "name", st->frame));
		json_object_set(inv, "servers", servers);
		json_object_set(inv, "pools", pools);
		/* partitions sorted by name: the same system gives the same document */
		json_t *pa = json_array();
		const char *k;
		json_t *pv;
		void *tmp;
		size_t n = json_object_size(parts), m = 0;
		const char **keys = xcalloc(n ? n : 1, sizeof *keys);
		json_object_foreach_safe(parts, tmp, k, pv)
			keys[m++] = k;
		for (size_t a = 0; a < m; a++)
			for (size_t b = a + 1; b < m; b++)
				if (strcmp(keys[a], keys[b]) > 0) {
					const char *t = keys[a];
					keys[a] = keys[b], keys[b] = t;
				}
		for (size_t a = 0; a < m; a++) {
			json_t *p = json_object_get(parts, keys[a]);
			size_t i;
			json_t *d;
			json_array_foreach(json_object_get(p, "disks"), i, d) {
				vios_disk_locator(d);
				json_object_del(d, "vios_key");
				json_object_del(d, "vios_pvid");
			}
			json_array_append(pa, p);
		}
		free(keys);
		json_object_set_new(inv, "partitions", pa);
		*inventory = inv;
	}
	for (size_t s = 0; s < st->servers.n; s++)
		view_free(&views[s]);
	free(views);
	vios_hwress_free(&hw);
	json_decref(warn);
	json_decref(names);
	json_decref(servers);
	json_decref(pools);
	json_decref(parts);
	return rc;
}

/* ---- provisioning ---- */

/* "vios2/rootvg_sp" -> server and pool name; both checked. */
static int vios_split_pool(struct vios_state *st, const char *pool, struct vios_server **srv,
			   const char **pname, struct vdm_error *err)
{
	const char *slash = strchr(pool, '/');
	if (!slash)
		return vdm_err(err, -EINVAL, "vios: pool '%s': expected SERVER/POOL", pool);
	CLEANUP_FREE char *sname = strndup(pool, (size_t)(slash - pool));
	*srv = vios_server_find(st, sname);
	if (!*srv)
		return vdm_err(err, -ENOENT, "vios: pool %s: no server %s in the config", pool, sname);
	*pname = slash + 1;
	if (!vios_name_ok(*pname))
		return vdm_err(err, -EINVAL, "vios: pool %s: invalid pool name", pool);
	return 0;
}

/* Reads the pool's backing devices and its size/free line. */
static int vios_pool_state(struct vios_state *st, struct vios_server *srv, const char *pname,
			   vios_bds *bds, struct vios_pool *info, struct vdm_error *err)
{
	static const char *const lssp[] = { "lssp", "-field", "pool", "size", "free", "alloc",
					    "bds", "type", "-fmt", ":", NULL };
	char *out;
	int rc = vios_query_ok(st, srv, lssp, pname, &out, err);
	if (rc < 0)
		return rc;
	vios_pools pools = {0};
	rc = vios_parse_lssp(out, &pools, err);
	free(out);
	int found = 0;
	for (size_t i = 0; rc == 0 && i < pools.n; i++)
		if (!strcmp(pools.v[i].name, pname)) {
			*info = pools.v[i];
			info->name = info->type = NULL;
			found = 1;
		}
	vios_pools_free(&pools);
	if (rc < 0)
		return rc;
	if (!found)
		return vdm_err(err, -ENOENT, "pool %s/%s: not found on the VIOS", srv->name, pname);
	const char *const bd[] = { "lssp", "-bd", "-sp", pname, "-field", "bdname", "size", "vtd",
				   "svsa", "-fmt", ":", NULL };
	if ((rc = vios_query_ok(st, srv, bd, pname, &out, err)) < 0)
		return rc;
	rc = vios_parse_lssp_bd(out, bds, err);
	free(out);
	return rc;
}

static int vios_create_disk(void *vst, const char *pool, const char *disk, int64_t size_mib,
			    struct vdm_error *err)
{
	struct vios_state *st = vst;
	struct vios_server *srv;
	const char *pname;
	int rc = vios_split_pool(st, pool, &srv, &pname, err);
	if (rc < 0)
		return rc;
	if (!vios_name_ok(disk) || !vdm_name_valid(disk))
		return vdm_err(err, -EINVAL, "vios: disk name '%s' invalid for a backing device "
			       "(1-15 of [A-Za-z0-9._-], starting alphanumeric)", disk);
	if (size_mib <= 0)
		return vdm_err(err, -EINVAL, "vios: disk %s: size %lld MiB", disk, (long long)size_mib);
	/* A backing device of that name anywhere on this VIOS (its names are LV or file names,
	 * one namespace per VIOS), mapped or not, belongs to someone else: a VIOS keeps no owner
	 * tag, so only the journal can say this run made it (backend.h, ownership). */
	struct vios_view v = {0};
	struct vios_pool info = {0};
	int found = 0;
	rc = view_read_pools(st, srv, &v, err);
	for (size_t p = 0; rc == 0 && p < v.pools.n; p++) {
		if (!strcmp(v.pools.v[p].name, pname)) {
			info = v.pools.v[p];
			found = 1;
		}
		for (size_t i = 0; rc == 0 && i < v.pool_bds[p].n; i++)
			if (!strcmp(v.pool_bds[p].v[i].name, disk))
				rc = vdm_err(err, -EEXIST, "vios %s: backing device %s already exists in "
					     "pool %s (%lld MiB, %s%s)", srv->name, disk,
					     v.pools.v[p].name, (long long)v.pool_bds[p].v[i].size_mib,
					     v.pool_bds[p].v[i].vtd ? "mapped on " : "not mapped",
					     v.pool_bds[p].v[i].svsa ? v.pool_bds[p].v[i].svsa : "");
	}
	view_free(&v);
	if (rc < 0)
		return rc;
	if (!found)
		return vdm_err(err, -ENOENT, "pool %s/%s: not found on the VIOS", srv->name, pname);
	if (info.free_mib < size_mib)
		return vdm_err(err, -ENOSPC, "pool %s full: %lld MiB free, %lld MiB needed for %s",
			       pool, (long long)info.free_mib, (long long)size_mib, disk);
	char size[32];
	snprintf(size, sizeof size, "%lldM", (long long)size_mib);
	const char *const mk[] = { "mkbdsp", "-sp", pname, size, "-bd", disk, NULL };
	CLEANUP_FREE char *what = xasprintf("create %s (%lld MiB) in pool %s", disk,
					    (long long)size_mib, pool);
	return vios_change(st, srv, what, mk, pname, err);
}

static int vios_delete_disk(void *vst, const char *pool, const char *disk, struct vdm_error *err)
{
	struct vios_state *st = vst;
	struct vios_server *srv;
	const char *pname;
	int rc = vios_split_pool(st, pool, &srv, &pname, err);
	if (rc < 0)
		return rc;
	if (!vios_name_ok(disk))
		return vdm_err(err, -EINVAL, "vios: disk name '%s' invalid", disk);
	vios_bds bds = {0};
	struct vios_pool info = {0};
	rc = vios_pool_state(st, srv, pname, &bds, &info, err);
	int found = 0;
	for (size_t i = 0; rc == 0 && i < bds.n; i++)
		if (!strcmp(bds.v[i].name, disk)) {
			found = 1;
			/* the VIOS would delete a mapped device without a word: refuse here */
			if (bds.v[i].vtd)
				rc = vdm_err(err, -EBUSY, "disk %s in pool %s is still mapped (%s on %s): "
					     "unmap it first", disk, pool, bds.v[i].vtd,
					     bds.v[i].svsa ? bds.v[i].svsa : "?");
		}
	vios_bds_free(&bds);
	if (rc < 0 || !found)
		return rc;
	/* rmbdsp's flags are not confirmed by IBM documentation we could read: -sp/-bd as
	 * mkbdsp takes them (docs/internals/vios.md, "unconfirmed") */
	const char *const rm[] = { "rmbdsp", "-sp", pname, "-bd", disk, NULL };
	CLEANUP_FREE char *what = xasprintf("delete %s from pool %s", disk, pool);
	return vios_change(st, srv, what, rm, pname, err);
}

static int vios_partition_id(struct vios_state *st, const char *partition, int64_t *id,
			     struct vdm_error *err)
{
	const char *v = kv_get(st->ids.v, st->ids.n, partition);
	if (v)
		return vdm_parse_uint(v, 10, id) < 0
			? vdm_err(err, -EINVAL, "vios: partition %s: id '%s' unusable", partition, v)
			: 0;
	json_t *names = json_object();
	int rc = vios_hmc_names(st, names, err);
	const char *k;
	json_t *n;
	*id = -1;
	if (rc == 0)
		json_object_foreach(names, k, n)
			if (!strcmp(json_string_value(n), partition))
				if (vdm_parse_uint(k, 10, id) < 0)
					*id = -1;
	json_decref(names);
	if (rc < 0)
		return rc;
	if (*id < 0) {
		int64_t lid;
		if (!strncmp(partition, "lpar-id-", 8) && vdm_parse_uint(partition + 8, 10, &lid) == 0 &&
		    lid > 0) {
			*id = lid;
			return 0;
		}
		return vdm_err(err, -ENOENT, "vios: partition %s: id unknown (add %s=ID to the "
			       "config, or hmc=/system= so the HMC tells it)", partition, partition);
	}
	return 0;
}

/* Script mode: after the mapping, the script asks the VIOS which LUN the new device got and
 * keeps the location the partition will see it at ("-C<client slot>-T1-L<lun>", or "-L<lun>"
 * without an HMC) in VDM_LOC_<disk>; the aix driver's wait_disk finds the hdisk by it. */
static int vios_script_location(struct vios_state *st, struct vios_server *srv, const char *vh,
				int64_t vslot, int64_t id, const char *disk, struct vdm_error *err)
{
	int64_t cslot = -1;
	if (st->hmc && vslot >= 0) {
		json_t *names = json_object();
		vios_hwress hw = {0};
		int rc = vios_hmc_read(st, names, &hw, err);
		json_decref(names);
		if (rc < 0)
			return rc;
		cslot = vios_client_slot(&hw, srv->name, vslot, id);
		vios_hwress_free(&hw);
	}
	CLEANUP_FREE char *var = xasprintf("VDM_LOC_%s", disk);
	for (char *p = var; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	CLEANUP_FREE char *prefix = cslot >= 0 ? xasprintf("-C%lld-T1-L", (long long)cslot)
					       : xstrdup("-L");
	/* disk and vh are checked names: safe inside the awk and ssh strings. The LUN is the field
	 * before the backing device at every level (groups with or without Status, Mirrored) */
	char *lsm[] = { (char *)"ioscli", (char *)"lsmap", (char *)"-vadapter", (char *)vh,
			(char *)"-fmt", (char *)":", NULL };
	CLEANUP_FREE char *remote = st->via ? vios_hmc_viosvrcmd_line(st->system, srv->name, lsm, err)
					    : vdm_shell_join(lsm);
	if (!remote)
		return -EINVAL;
	CLEANUP_FREE char *pipe = xasprintf(
		"ssh -p %d %s@%s '%s' | awk -F: '{for (i = 5; i <= NF; i++) "
		"if ($i == \"%s\" && $(i - 1) ~ /^0x/) print \"%s\" substr($(i - 1), 3)}'",
		st->port > 0 ? st->port : 22, st->via ? st->hmc_user : st->user,
		st->via ? st->hmc : srv->addr, remote, disk, prefix);
	char *c1[] = { (char *)VDM_SCRIPT_COMMENT, (char *)"vios", srv->name, (char *)"- where the "
		       "partition will see", (char *)disk, NULL };
	char *c2[] = { (char *)VDM_SCRIPT_CAPTURE, var, (char *)"sh", (char *)"-c", pipe, NULL };
	int rc = vdm_transport_run(st->script, c1, -1, NULL, err);
	if (rc == 0)
		rc = vdm_transport_run(st->script, c2, -1, NULL, err);
	return rc < 0 ? rc : 0;
}

static int vios_map_disk(void *vst, const char *partition, const char *pool, const char *disk,
			 struct vdm_error *err)
{
	struct vios_state *st = vst;
	struct vios_server *srv;
	const char *pname;
	int64_t id;
	int rc = vios_split_pool(st, pool, &srv, &pname, err);
	if (rc < 0)
		return rc;
	if (!vios_name_ok(disk))
		return vdm_err(err, -EINVAL, "vios: disk name '%s' invalid", disk);
	if ((rc = vios_partition_id(st, partition, &id, err)) < 0)
		return rc;
	struct vios_view v = {0};
	rc = view_read_maps(st, srv, &v, err);
	const char *vhost = NULL;
	int mapped = 0;
	for (size_t h = 0; rc == 0 && h < v.vhosts.n; h++) {
		if (v.vhosts.v[h].clientid != id)
			continue;
		if (!vhost)
			vhost = v.vhosts.v[h].svsa;
		for (size_t t = 0; t < v.vhosts.v[h].n_vtds; t++)
			if (!strcmp(v.vhosts.v[h].vtds[t].backing, disk))
				mapped = 1;
	}
	if (rc == 0 && !mapped && !vhost)
		rc = vdm_err(err, -ENOENT, "vios %s: partition %s (id %lld) has no vhost adapter "
			     "here: add a virtual SCSI server adapter for it first", srv->name,
			     partition, (long long)id);
	CLEANUP_FREE char *vh = vhost ? xstrdup(vhost) : NULL;
	int64_t vslot = -1;
	for (size_t h = 0; vh && h < v.vhosts.n; h++)
		if (!strcmp(v.vhosts.v[h].svsa, vh))
			vslot = v.vhosts.v[h].slot;
	view_free(&v);
	if (rc < 0 || mapped)
		return rc;
	if (!vios_name_ok(vh))
		return vdm_err(err, -EPROTO, "vios %s: adapter name '%s' unusable", srv->name, vh);
	/* mkvdev -vdev BD -vadapter vhostN maps an existing backing device (IBM docs, mkvdev);
	 * mkbdsp's own mapping form lists -tn as required on some levels */
	const char *const mk[] = { "mkvdev", "-vdev", disk, "-vadapter", vh, NULL };
	CLEANUP_FREE char *what = xasprintf("map %s to partition %s (%s)", disk, partition, vh);
	rc = vios_change(st, srv, what, mk, pname, err);
	if (rc == 0 && st->scripting)
		rc = vios_script_location(st, srv, vh, vslot, id, disk, err);
	return rc;
}

static int vios_unmap_disk(void *vst, const char *partition, const char *disk,
			   struct vdm_error *err)
{
	struct vios_state *st = vst;
	int64_t id;
	if (!vios_name_ok(disk))
		return vdm_err(err, -EINVAL, "vios: disk name '%s' invalid", disk);
	int rc = vios_partition_id(st, partition, &id, err);
	if (rc < 0)
		return rc;
	size_t n_down = 0;
	for (size_t s = 0; s < st->servers.n; s++) {
		struct vios_server *srv = &st->servers.v[s];
		struct vios_view v = {0};
		free(srv->down);
		srv->down = NULL;
		if ((rc = view_read_maps(st, srv, &v, err)) < 0) {
			view_free(&v);
			/* a VIOS that does not answer maps nothing that can be removed now: the
			 * others are still unmapped (an undo or a repair while it is down); its
			 * own disks wait for it (delete_disk on it fails, naming it) */
			if (srv->down && ++n_down < st->servers.n) {
				rc = 0;
				continue;
			}
			return rc;
		}
		for (size_t h = 0; rc == 0 && h < v.vhosts.n; h++) {
			if (v.vhosts.v[h].clientid != id)
				continue;
			for (size_t t = 0; rc == 0 && t < v.vhosts.v[h].n_vtds; t++) {
				struct vios_vtd *vt = &v.vhosts.v[h].vtds[t];
				if (strcmp(vt->backing, disk))
					continue;
				if (!vios_name_ok(vt->vtd)) {
					rc = vdm_err(err, -EPROTO, "vios %s: VTD name '%s' unusable",
						     srv->name, vt->vtd);
					break;
				}
				/* rmvdev -vtd: IBM docs, rmvdev */
				const char *const rm[] = { "rmvdev", "-vtd", vt->vtd, NULL };
				CLEANUP_FREE char *what = xasprintf("unmap %s from partition %s (%s)",
								    disk, partition, vt->vtd);
				rc = vios_change(st, srv, what, rm, NULL, err);
			}
		}
		view_free(&v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int vios_client_address(void *vst, const char *partition, char **address,
			       struct vdm_error *err)
{
	struct vios_state *st = vst;
	const char *a = kv_get(st->addrs.v, st->addrs.n, partition);
	const char *os = kv_get(st->oses.v, st->oses.n, partition);
	if (a) {
		*address = xstrdup(a);
		return 0;
	}
	if (os && !strcmp(os, "ibmi")) {
		/* vdmirror never logs in to IBM i: its steps are written for the operator */
		*address = xstrdup("script:/dev/null");
		return 0;
	}
	if (st->dir && partname_ok(partition) && !strchr(partition, '/')) {
		CLEANUP_FREE char *d = xasprintf("%s/%s", st->dir, partition);
		struct stat sb;
		if (stat(d, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			*address = xasprintf("replay:%s", d);
			return 0;
		}
	}
	return vdm_err(err, -ENOENT, "vios: partition %s: no client address (add "
		       "addr.%s=ssh:root@HOST to the config)", partition, partition);
}

static int vios_script_to(void *vst, struct vdm_transport *t, struct vdm_error *err)
{
	struct vios_state *st = vst;
	if (!vdm_transport_scripting(t))
		return vdm_err(err, -EINVAL, "vios: script mode needs a script transport");
	/* the script says once where its lines run */
	char *c1[] = { (char *)VDM_SCRIPT_COMMENT, (char *)"vdmirror: commands to review, then "
		       "run with sh on the AIX partition as root; nothing has run yet", NULL };
	int rc = vdm_transport_run(t, c1, -1, NULL, err);
	if (rc < 0)
		return rc;
	st->script = t;
	st->scripting = 1;
	return 0;
}

const struct vdm_backend_ops vdm_backend_vios = {
	.name = "vios",
	.caps = VDM_BACKEND_DISCOVER | VDM_BACKEND_PROVISION | VDM_BACKEND_MAP | VDM_BACKEND_SCRIPT,
	.open = vios_open,
	.config_keys = vios_keys,
	.config_bare = "servers",
	.close = vios_close,
	.discover = vios_discover,
	.create_disk = vios_create_disk,
	.delete_disk = vios_delete_disk,
	.map_disk = vios_map_disk,
	.unmap_disk = vios_unmap_disk,
	.client_address = vios_client_address,
	.script_to = vios_script_to,
};
