/* vios_discover.c: the vios backend's discovery: what each VIOS (and the HMC) says, read into a
 * formats-v1 inventory. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* ---- discovery ---- */

void view_free(struct vios_view *v)
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

int view_read_pools(struct vios_state *st, struct vios_server *srv, struct vios_view *v,
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

int view_read_maps(struct vios_state *st, struct vios_server *srv, struct vios_view *v,
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
int vios_hmc_read(struct vios_state *st, json_t *names, vios_hwress *hwout,
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

int vios_hmc_names(struct vios_state *st, json_t *names, struct vdm_error *err)
{
	return vios_hmc_read(st, names, NULL, err);
}

/* The client partition's slot behind a VIOS adapter, from the HMC (the VIOS partition's
 * name on the HMC is taken to be the server's name in the config); -1 when unknown. */
int64_t vios_client_slot(const vios_hwress *hw, const char *server, int64_t slot,
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

int vios_discover(void *vst, json_t **inventory, struct vdm_error *err)
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

