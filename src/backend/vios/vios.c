/* vios.c: the "vios" backend: dual (or more) Virtual I/O Servers reached over SSH as padmin
 * (or a folder of recorded outputs): configuration, transports, the padmin command runners and
 * script mode; discovery is in vios_discover.c, create/map/unmap/delete in vios_ops.c.
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
#include "vios_priv.h"

#define VIOS_DEFAULT_TIMEOUT_MS 60000

static void kv_free(struct vios_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].key), free(v[i].val);
	free(v);
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

static int host_ok(const char *s)
{
	if (!*s || strlen(s) > 253)
		return 0;
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:_", *p))
			return 0;
	return s[0] != '-';
}

struct vios_server *vios_server_find(struct vios_state *st, const char *name)
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
int vios_exec_for(struct vios_state *st, const char *name, const char *addr,
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
int vios_query(struct vios_state *st, struct vios_server *srv, const char *const *args,
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
int vios_query_ok(struct vios_state *st, struct vios_server *srv, const char *const *args,
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
int vios_change(struct vios_state *st, struct vios_server *srv, const char *what,
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
