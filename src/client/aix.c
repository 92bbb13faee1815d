/* aix.c: the "aix" client mirror driver: AIX LVM seen through lspv/lsvg/lslv/lscfg, mirror
 * steps as extendvg/mklvcopy/syncvg (+ bosboot/bootlist for rootvg). Command formats: IBM AIX
 * documentation, summarised in ../shared/docs/powervm-notes.md and docs/internals/vios.md. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <jansson.h>
#include "vdmirror/client.h"
#include "vdmirror/model.h"
#include "vdmirror/warnings.h"
#include "aix.h"
#include "aix_map.h"

#define AIX_TIMEOUT_MS 120000

/* ---- running commands ---- */

/* AIX device, VG and LV names: at most 15 characters, no ':' or '/'. */
#define aix_name_ok(s) vdm_name_valid_short((s), 15)

/* New disks are known to vdmirror by their VIOS-side name, and to AIX by the hdisk that
 * cfgmgr made: wait_disk learns the pair (and returns it as the step's facts, so a resume or
 * undo in another process gets it back through recall). */
struct aix_known_e { char *disk, *hdisk; };

/* One open of the driver: everything a run learns lives here, nothing in static storage. */
struct aix_handle {
	struct vdm_transport *t;
	int scripting;
	/* hdisks the partition had at discovery (or at open): a disk that appears after the
	 * mapping is one that is not among them */
	vdm_words seen;
	bool seen_valid;
	VEC(struct aix_known_e) known;
	/* what this handle already did once: script variables set (HD_<disk>), quorum turned
	 * off ("quorum:VG"), a VG varied on again ("varyon:VG") */
	vdm_words done;
	/* hdisk -> PVID of every PV lspv listed (disk = hdisk, hdisk = PVID): reducevg of a PV
	 * whose hdisk AIX has forgotten since takes the PVID */
	VEC(struct aix_known_e) pvids;
	bool noted;          /* script: the "runs on the partition" note is written */
	struct aix_map_state map;   /* mklvcopy -m map files: allocators, the map folder */
	/* from prepare (the VG of the run as discovered): its object, its mirror pool
	 * strictness, and the pool each new disk joins ({disk: pool}, empty without pools) */
	json_t *vgj;
	enum aix_mp_strict mps;
	json_t *disk_pool;
};

static bool words_has(const vdm_words *w, const char *s)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->v[i], s))
			return true;
	return false;
}

static void words_add(vdm_words *w, const char *s)
{
	if (!words_has(w, s))
		VEC_PUSH(w, xstrdup(s));
}

static void aix_pvids_note(struct aix_handle *x, const aix_pvs *pvs)
{
	for (size_t i = 0; i < pvs->n; i++) {
		if (!pvs->v[i].pvid)
			continue;
		size_t k = 0;
		while (k < x->pvids.n && strcmp(x->pvids.v[k].disk, pvs->v[i].name))
			k++;
		if (k < x->pvids.n) {
			free(x->pvids.v[k].hdisk);
			x->pvids.v[k].hdisk = xstrdup(pvs->v[i].pvid);
		} else {
			struct aix_known_e e = { xstrdup(pvs->v[i].name), xstrdup(pvs->v[i].pvid) };
			VEC_PUSH(&x->pvids, e);
		}
	}
}

static const char *aix_pvid_get(struct aix_handle *x, const char *hdisk)
{
	for (size_t k = 0; k < x->pvids.n; k++)
		if (!strcmp(x->pvids.v[k].disk, hdisk))
			return x->pvids.v[k].hdisk;
	return NULL;
}

/* Runs argv; a non-zero exit is an error quoting the command and its stderr. */
static int aix_script_note(struct aix_handle *x, struct vdm_error *err);

static int aix_do(struct aix_handle *x, char *const argv[], char **out, struct vdm_error *err)
{
	char *o = NULL;
	if (x->scripting && aix_script_note(x, err) < 0)
		return -EIO;
	int rc = vdm_transport_run(x->t, argv, AIX_TIMEOUT_MS, &o, err);
	if (rc > 0) {
		CLEANUP_FREE char *cmd = vdm_shell_join(argv);
		const char *eo = vdm_transport_last_stderr(x->t);
		const char *src = eo && *eo ? eo : o ? o : "";
		int n = (int)strcspn(src, "\n");
		rc = vdm_err(err, strstr(src, "0516-404") ? -ENOSPC : -EIO,
			     "aix: '%s' failed (exit %d)%s%.*s", cmd, rc, n ? ": " : "",
			     n > 300 ? 300 : n, src);
	}
	if (rc < 0 || !out)
		free(o);
	else
		*out = o ? o : xstrdup("");
	return rc < 0 ? rc : 0;
}

/* ---- discovery ---- */

/* The typed locator the backend gave disk d (model.h); an empty one when it gave none. */
static void aix_locator(const json_t *d, struct vdm_disk_locator *loc)
{
	struct vdm_error e2;
	if (vdm_locator_from_json(json_object_get(d, "locator"), loc, &e2) < 0)
		memset(loc, 0, sizeof *loc);
}

/* Which backend disk is hdisk: by name (an inventory read back), by PVID (whole LUNs), else
 * by the partition-side location (client slot + LUN) of one of its paths. */
static json_t *aix_find_disk_for(json_t *disks, const char *hdisk, const char *pvid,
				 int64_t slot, const char *lun, int *ambiguous)
{
	size_t i;
	json_t *d, *found = NULL;
	int n = 0;
	*ambiguous = 0;
	/* an inventory read back (or discovered twice) already names the disk as AIX does */
	json_array_foreach(disks, i, d)
		if (!strcmp(json_string_value(json_object_get(d, "name")), hdisk))
			return d;
	if (pvid) {
		json_array_foreach(disks, i, d) {
			struct vdm_disk_locator loc;
			aix_locator(d, &loc);
			int hit = loc.pvid && !strcmp(loc.pvid, pvid);
			vdm_locator_free(&loc);
			if (hit)
				return d;
		}
	}
	if (!lun)
		return NULL;
	json_array_foreach(disks, i, d) {
		struct vdm_disk_locator loc;
		int hit = 0;
		aix_locator(d, &loc);
		for (size_t k = 0; k < loc.n_paths; k++) {
			const struct vdm_disk_path *pa = &loc.paths[k];
			if (!pa->lun || strcasecmp(pa->lun, lun))
				continue;
			if (pa->client_slot >= 0 && pa->client_slot != slot)
				continue;
			hit = 1;
		}
		vdm_locator_free(&loc);
		if (hit)
			found = d, n++;
	}
	if (n > 1) {
		*ambiguous = 1;
		return NULL;
	}
	return found;
}

/* A disk the VIOS give through two or more servers is multipath only while AIX has those
 * paths Enabled: keep in `paths` only the servers behind Enabled paths (client adapter slot
 * -> server through the HMC's client slots), so the protection is never overestimated. */
static int aix_check_paths(struct aix_handle *x, const char *pname, const char *hdisk, json_t *d,
			   struct vdm_error *err)
{
	json_t *paths = json_object_get(d, "paths");
	if (json_array_size(paths) < 2)
		return 0;
	char *out, *lsp[] = { (char *)"lspath", (char *)"-l", (char *)hdisk, NULL };
	int rc = aix_do(x, lsp, &out, err);
	if (rc < 0)
		return rc;
	aix_paths ap = {0};
	rc = aix_parse_lspath(out, &ap, err);
	free(out);
	size_t enabled = 0;
	for (size_t i = 0; rc == 0 && i < ap.n; i++)
		if (!strcmp(ap.v[i].status, "Enabled"))
			enabled++;
	if (rc < 0 || (enabled == ap.n && enabled >= json_array_size(paths))) {
		aix_paths_free(&ap);
		return rc;
	}
	json_t *keep = json_array();
	for (size_t i = 0; rc == 0 && i < ap.n; i++) {
		if (strcmp(ap.v[i].status, "Enabled"))
			continue;
		if (!aix_name_ok(ap.v[i].parent)) {
			rc = vdm_err(err, -EPROTO, "aix: adapter name '%s' unusable", ap.v[i].parent);
			break;
		}
		char *cfg[] = { (char *)"lscfg", (char *)"-l", ap.v[i].parent, NULL };
		int64_t slot = -1;
		if ((rc = aix_do(x, cfg, &out, err)) < 0)
			break;
		rc = aix_parse_lscfg_slot(out, &slot, err);
		free(out);
		CLEANUP_FREE char *server = NULL;
		struct vdm_disk_locator loc;
		aix_locator(d, &loc);
		for (size_t k = 0; k < loc.n_paths; k++)
			if (loc.paths[k].client_slot >= 0 && loc.paths[k].client_slot == slot &&
			    loc.paths[k].server) {
				free(server);
				server = xstrdup(loc.paths[k].server);
			}
		vdm_locator_free(&loc);
		if (rc == 0 && !server)
			rc = vdm_err(err, -ENOENT, "aix %s: %s has a path that is not Enabled, and the "
				     "VIOS behind %s (slot %lld) is unknown: configure the HMC (hmc=, "
				     "system=) so vdmirror can tell which server still serves it",
				     pname, hdisk, ap.v[i].parent, (long long)slot);
		if (rc == 0) {
			size_t j;
			json_t *v;
			int dup = 0;
			json_array_foreach(keep, j, v)
				if (!strcmp(json_string_value(v), server))
					dup = 1;
			if (!dup)
				json_array_append_new(keep, json_string(server));
		}
	}
	if (rc == 0 && json_array_size(keep) == 0)
		rc = vdm_err(err, -EIO, "aix %s: %s has no Enabled path", pname, hdisk);
	if (rc == 0)
		json_object_set(d, "paths", keep);
	json_decref(keep);
	aix_paths_free(&ap);
	return rc;
}

/* PV STATE of lspv / lsvg -p that means the VG has lost the disk: "missing" (PVMISSING: AIX
 * cannot reach it) or "removed" (chpv -v r); the states are active, missing or removed (IBM
 * lspv, PVstate: https://www.ibm.com/docs/POWER6/iphcg/lspv.htm). */
static bool aix_state_lost(const char *state)
{
	return state && (!strcasecmp(state, "missing") || !strcasecmp(state, "removed"));
}

/* Which copies of a stale LV (lsvg -l: open/stale) are out of date: lslv -p PV LV, the
 * allocation map of LV's PPs on PV (IBM AIX 7.1 Commands Reference, lslv:
 * https://www.ibm.com/docs/ssw_aix_71/com.ibm.aix.cmds3/lslv.htm), marks a stale PP "STALE"
 * (the word is from AIX documentation of -p, not seen in a published output: docs/powervm.md).
 * A copy with a PV in `lost` is lost, which says more than stale (formats.md): not asked.
 * *out: the 0-based indexes into `copies`; *progress: NULL, or lvs[].resync_percent (formats.md
 * 7.1) when lslv's STALE PPs can only be the one stale copy's (no other copy stale or lost: a
 * lost copy's PPs are stale too) and are 1 to its LPs, the rest of that copy being in sync.
 * That lslv is optional: when it fails or says nonsense (the partition's word), the copy is
 * only stale, with a warning on `partition` for nonsense. */
static int aix_stale_copies(struct aix_handle *x, json_t *partition, const char *pname,
			    const char *lv, json_t *copies, json_t *lost, json_t **out,
			    json_t **progress, struct vdm_error *err)
{
	size_t c, i;
	json_t *segs, *seg;
	bool any_lost = false;
	*out = json_array();
	*progress = NULL;
	json_array_foreach(copies, c, segs) {
		int is_lost = 0, is_stale = 0;
		json_array_foreach(segs, i, seg)
			if (json_object_get(lost, json_string_value(json_object_get(seg, "pv"))))
				is_lost = 1;
		any_lost |= is_lost;
		json_array_foreach(segs, i, seg) {
			const char *pv = json_string_value(json_object_get(seg, "pv"));
			if (is_lost || is_stale)
				break;
			if (!pv || !aix_name_ok(pv))
				return vdm_err(err, -EPROTO, "aix %s: LV %s: PV name unusable", pname, lv);
			char *o = NULL, *lslvp[] = { (char *)"lslv", (char *)"-p", (char *)pv,
						     (char *)lv, NULL };
			int rc = aix_do(x, lslvp, &o, err);
			if (rc < 0)
				return rc;
			is_stale = strstr(o, "STALE") != NULL;
			free(o);
		}
		if (is_stale)
			json_array_append_new(*out, json_integer((json_int_t)c));
	}
	if (json_array_size(*out) != 1 || any_lost)
		return 0;
	char *o = NULL, *lslv[] = { (char *)"lslv", (char *)lv, NULL };
	struct vdm_error lerr = { 0 };
	int64_t ncopies, lps, stale;
	if (aix_do(x, lslv, &o, &lerr) < 0 || aix_parse_lslv(o, &ncopies, &lps, &stale, &lerr) < 0) {
		free(o);
		return 0;
	}
	free(o);
	if (lps <= 0 || stale < 0 || stale > lps) {
		vdm_warn(partition, "aix %s: LV %s: lslv says %lld STALE PPs for %lld LPs and one "
			 "stale copy: resync progress not shown", pname, lv, (long long)stale,
			 (long long)lps);
		return 0;
	}
	if (stale > 0)   /* 0: lsvg -l saw it stale a moment ago; no number rather than 100 */
		*progress = json_pack("[I]", (json_int_t)((unsigned __int128)(lps - stale) * 100 /
							   (unsigned __int128)lps));
	return 0;
}

/* lslv LV: the LV's allocation rules into its inventory object (fields of this driver beside
 * formats v1): "aix_strict" no|yes|superstrict, "aix_upper_bound", and "aix_copy_pools" (one
 * entry per copy 1..3, null for none) when any copy is in a mirror pool. */
static int aix_lv_alloc(struct aix_handle *x, const char *lv, json_t *jlv, struct vdm_error *err)
{
	char *out, *lslv[] = { (char *)"lslv", (char *)lv, NULL };
	int rc = aix_do(x, lslv, &out, err);
	if (rc < 0)
		return rc;
	struct aix_lvalloc a;
	rc = aix_parse_lslv_alloc(out, &a, err);
	free(out);
	if (rc < 0) {
		vdm_err_prefix(err, "LV %s", lv);
		return rc;
	}
	static const char *const strict[] = { "no", "yes", "superstrict" };
	json_object_set_new(jlv, "aix_strict", json_string(strict[a.strict]));
	if (a.upper > 0)
		json_object_set_new(jlv, "aix_upper_bound", json_integer((json_int_t)a.upper));
	if (a.pool[0] || a.pool[1] || a.pool[2]) {
		json_t *p = json_array();
		for (int c = 0; c < 3; c++)
			json_array_append_new(p, a.pool[c] ? json_string(a.pool[c]) : json_null());
		json_object_set_new(jlv, "aix_copy_pools", p);
	}
	aix_lvalloc_free(&a);
	return 0;
}

/* lspv PV for each PV of a VG with mirror pools: "aix_mirror_pool" on the PV when it has one. */
static int aix_pv_pools(struct aix_handle *x, json_t *jpvs, struct vdm_error *err)
{
	size_t i;
	json_t *pv;
	json_array_foreach(jpvs, i, pv) {
		const char *name = json_string_value(json_object_get(pv, "disk"));
		if (!name || !aix_name_ok(name))
			return vdm_err(err, -EPROTO, "aix: PV name '%s' unusable", name ? name : "");
		char *out, *pool = NULL, *lspv[] = { (char *)"lspv", (char *)name, NULL };
		int rc = aix_do(x, lspv, &out, err);
		if (rc < 0)
			return rc;
		rc = aix_parse_lspv_pool(out, &pool, err);
		free(out);
		if (rc < 0) {
			vdm_err_prefix(err, "PV %s", name);
			return rc;
		}
		if (pool)
			json_object_set_new(pv, "aix_mirror_pool", json_string(pool));
		free(pool);
	}
	return 0;
}

static int aix_discover(void *vh, json_t *partition, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (x->scripting)
		return vdm_err(err, -ENOTSUP, "aix: discovery needs a live partition, not a script");
	json_t *disks = json_object_get(partition, "disks");
	const char *pname = json_string_value(json_object_get(partition, "name"));
	if (!json_is_array(disks))
		return vdm_err(err, -EINVAL, "aix: partition object without disks");
	char *out = NULL;
	char *lspv[] = { (char *)"lspv", NULL };
	int rc = aix_do(x, lspv, &out, err);
	if (rc < 0)
		return rc;
	aix_pvs pvs = {0};
	rc = aix_parse_lspv(out, &pvs, err);
	free(out);
	json_t *vgs = json_array();
	for (size_t i = 0; rc == 0 && i < pvs.n; i++)
		words_add(&x->seen, pvs.v[i].name);
	if (rc == 0) {
		x->seen_valid = true;
		aix_pvids_note(x, &pvs);
	}
	json_t *renamed = json_object();   /* hdisk -> disk object */

	/* which backend disk is which hdisk: PVID for whole LUNs, else slot + LUN */
	for (size_t i = 0; rc == 0 && i < pvs.n; i++) {
		if (!pvs.v[i].vg)
			continue;
		if (!aix_name_ok(pvs.v[i].name)) {
			rc = vdm_err(err, -EPROTO, "aix: disk name '%s' unusable", pvs.v[i].name);
			break;
		}
		char *lscfg[] = { (char *)"lscfg", (char *)"-l", pvs.v[i].name, NULL };
		int64_t slot = -1;
		CLEANUP_FREE char *lun = NULL, *cfgout = NULL;
		if (aix_do(x, lscfg, &cfgout, err) == 0) {
			struct vdm_error e2;
			aix_parse_lscfg(cfgout, &slot, &lun, &e2);
		}
		int amb;
		json_t *d = aix_find_disk_for(disks, pvs.v[i].name, pvs.v[i].pvid, slot, lun, &amb);
		/* not a vSCSI disk: an NPIV disk is kept with what is known */
		if (!d && !amb && cfgout &&
		    (rc = aix_npiv_disk(x->t, partition, pvs.v[i].name, pvs.v[i].pvid, cfgout,
					 err)) > 0) {
			json_object_set(renamed, pvs.v[i].name,
					json_array_get(disks, json_array_size(disks) - 1));
			rc = 0;
			continue;
		}
		if (rc < 0) {
			vdm_warn(partition, "aix %s: %s", pname, err->msg);   /* then as unknown */
			rc = 0;
		}
		/* a VIOS that did not answer: its disks are known by client slot only */
		d = aix_unreach_disk(x->t, partition, pname, pvs.v[i].name, pvs.v[i].pvid, slot, lun,
				     d);
		if (!d) {
			/* reported, not fatal: only the VG being planned must be understood, and a
			 * VG with a disk not understood is left out below */
			vdm_warn(partition, "aix %s: %s (volume group %s, LUN %s): %s; volume group "
				 "%s left out", pname, pvs.v[i].name, pvs.v[i].vg, lun ? lun : "?",
				 amb ? "several VIOS backing devices have this LUN; configure the "
				       "HMC (hmc=, system=) so client slots tell them apart"
				     : "no VIOS backing device found for it", pvs.v[i].vg);
			continue;
		}
		if (!json_object_get(d, "vios_name"))
			json_object_set(d, "vios_name", json_object_get(d, "name"));
		json_object_set_new(d, "name", json_string(pvs.v[i].name));
		json_object_set(renamed, pvs.v[i].name, d);
		/* a PV AIX lists as missing (or removed) is a lost disk (formats.md, "Failed, stale
		 * and unreachable parts"); its paths are all down, which says nothing more */
		if (aix_state_lost(pvs.v[i].state)) {
			json_object_set_new(d, "state", json_string("missing"));
			continue;
		}
		if ((rc = aix_check_paths(x, pname, pvs.v[i].name, d, err)) < 0)
			break;
	}

	/* one formats-v1 VG per volume group that lspv names */
	json_t *vg_seen = json_object();
	/* per VG, in one pass: varied on (a PV of it "active" or "concurrent" in lspv), and
	 * whether one of its disks was not understood above */
	json_t *vg_active = json_object(), *vg_unknown = json_object();
	for (size_t i = 0; rc == 0 && i < pvs.n; i++) {
		const char *vg = pvs.v[i].vg, *state = pvs.v[i].state;
		if (!vg)
			continue;
		if (state && (!strcmp(state, "active") || !strcmp(state, "concurrent")))
			json_object_set_new_nocheck(vg_active, vg, json_true());
		if (!json_object_get(renamed, pvs.v[i].name))
			json_object_set_new_nocheck(vg_unknown, vg, json_true());
	}
	for (size_t i = 0; rc == 0 && i < pvs.n; i++) {
		const char *vg = pvs.v[i].vg;
		if (!vg || json_object_get(vg_seen, vg))
			continue;
		json_object_set_new_nocheck(vg_seen, vg, json_true());
		/* a VG that is not varied on (altinst_rootvg, an exported copy) has no state in
		 * lspv, and lsvg on it fails: listed as inactive, never queried */
		if (!json_object_get(vg_active, vg)) {
			json_t *ina = json_object_get(partition, "inactive_vgs");
			if (!ina)
				json_object_set_new(partition, "inactive_vgs", ina = json_array());
			json_array_append_new(ina, json_string(vg));
			vdm_warn(partition, "aix %s: volume group %s is not varied on: listed in "
				 "inactive_vgs, not read", pname, vg);
			continue;
		}
		if (json_object_get(vg_unknown, vg))
			continue;     /* warned above */
		if (!aix_name_ok(vg)) {
			rc = vdm_err(err, -EPROTO, "aix: volume group name '%s' unusable", vg);
			break;
		}
		int64_t pp = 0, stale = 0;
		char *lsvg[] = { (char *)"lsvg", (char *)vg, NULL };
		char *lsvgp[] = { (char *)"lsvg", (char *)"-p", (char *)vg, NULL };
		char *lsvgl[] = { (char *)"lsvg", (char *)"-l", (char *)vg, NULL };
		aix_vgpvs vpv = {0};
		aix_lvs lvs = {0};
		enum aix_mp_strict mps = AIX_MP_OFF;
		if ((rc = aix_do(x, lsvg, &out, err)) == 0) {
			rc = aix_parse_lsvg(out, &pp, &stale, err);
			if (rc == 0)
				rc = aix_parse_mp_strict(out, &mps, err);
			free(out);
		}
		if (rc == 0 && (rc = aix_do(x, lsvgp, &out, err)) == 0) {
			rc = aix_parse_lsvg_p(out, &vpv, err);
			free(out);
		}
		if (rc == 0 && (rc = aix_do(x, lsvgl, &out, err)) == 0) {
			rc = aix_parse_lsvg_l(out, &lvs, err);
			free(out);
		}
		json_t *jpvs = json_array(), *jlvs = json_array(), *lost = json_object();
		bool any_pool = false;
		int64_t overhead = -1;
		for (size_t k = 0; rc == 0 && k < pvs.n; k++)
			if (pvs.v[k].vg && !strcmp(pvs.v[k].vg, vg) && aix_state_lost(pvs.v[k].state))
				json_object_set_new_nocheck(lost, pvs.v[k].name, json_true());
		for (size_t k = 0; rc == 0 && k < vpv.n; k++) {
			json_t *d = json_object_get(renamed, vpv.v[k].name);
			if (!d) {
				rc = vdm_err(err, -ENOENT, "aix %s: %s of %s not matched to a VIOS disk",
					     pname, vpv.v[k].name, vg);
				break;
			}
			int64_t size = json_integer_value(json_object_get(d, "size_mib")), pv_mib;
			/* the PP counts are the partition's word; the size, the VIOS's: the inventory
			 * reader rejects a PV larger than its disk, here it must not wrap first */
			if (__builtin_mul_overflow(vpv.v[k].total, pp, &pv_mib)) {
				rc = vdm_err(err, -EPROTO, "aix %s: %s of %s: %lld PPs of %lld MiB is "
					     "beyond any disk", pname, vpv.v[k].name, vg,
					     (long long)vpv.v[k].total, (long long)pp);
				break;
			}
			/* lsvg -p: PV STATE missing (PVMISSING) or removed: the VG has lost it */
			if (aix_state_lost(vpv.v[k].state)) {
				json_object_set_new(d, "state", json_string("missing"));
				json_object_set_new_nocheck(lost, vpv.v[k].name, json_true());
			}
			if (size <= 0)   /* a whole LUN: the VIOS did not say its size */
				json_object_set_new(d, "size_mib", json_integer(pv_mib));
			else if (size - pv_mib > overhead)
				overhead = size - pv_mib;
			json_array_append_new(jpvs, json_pack("{s:s,s:I,s:I}", "disk", vpv.v[k].name,
				"total_extents", (json_int_t)vpv.v[k].total,
				"free_extents", (json_int_t)vpv.v[k].free));
		}
		for (size_t k = 0; rc == 0 && k < lvs.n; k++) {
			if (!aix_name_ok(lvs.v[k].name)) {
				rc = vdm_err(err, -EPROTO, "aix: LV name '%s' unusable", lvs.v[k].name);
				break;
			}
			char *lslvm[] = { (char *)"lslv", (char *)"-m", lvs.v[k].name, NULL };
			struct aix_lvmap m;
			if ((rc = aix_do(x, lslvm, &out, err)) < 0)
				break;
			rc = aix_parse_lslv_m(out, &m, err);
			free(out);
			if (rc < 0) {
				vdm_err_prefix(err, "aix %s: LV %s", pname, lvs.v[k].name);
				break;
			}
			if (m.lps != lvs.v[k].lps) {
				rc = vdm_err(err, -EPROTO, "aix %s: LV %s: lslv -m lists %lld LPs, lsvg -l "
					     "%lld (output truncated?)", pname, lvs.v[k].name,
					     (long long)m.lps, (long long)lvs.v[k].lps);
				aix_lvmap_free(&m);
				break;
			}
			json_t *copies = json_array();
			for (int c = 0; rc == 0 && c < m.copies; c++) {
				json_t *segs = json_array(), *by_pv = json_object();
				int64_t have = 0;
				for (int64_t lp = 0; lp < m.lps; lp++) {
					const char *pv = m.pv[c][lp];
					if (!pv)
						continue;
					have++;
					/* one segment per PV, in order of first use; found by hash, so a
					 * copy spread over many PVs stays linear */
					json_t *hit = json_object_get(by_pv, pv);
					if (hit) {
						json_object_set_new(hit, "extents", json_integer(
							json_integer_value(json_object_get(hit, "extents")) + 1));
					} else {
						hit = json_pack("{s:s,s:I}", "pv", pv, "extents", (json_int_t)1);
						json_object_set_nocheck(by_pv, pv, hit);
						json_array_append_new(segs, hit);
					}
				}
				json_decref(by_pv);
				if (have == 0) {
					json_decref(segs);
					continue;
				}
				if (have != m.lps)
					rc = vdm_err(err, -EPROTO, "aix %s: LV %s: copy %d holds %lld of %lld "
						     "LPs (a mirror being built or removed?)", pname,
						     lvs.v[k].name, c + 1, (long long)have, (long long)m.lps);
				json_array_append_new(copies, segs);
			}
			aix_lvmap_free(&m);
			json_t *stale_c = NULL, *progress = NULL;
			if (rc == 0 && lvs.v[k].stale)
				rc = aix_stale_copies(x, partition, pname, lvs.v[k].name, copies, lost,
						      &stale_c, &progress, err);
			json_t *jlv = json_pack("{s:s,s:I,s:o,s:s}", "name", lvs.v[k].name,
				"extents", (json_int_t)lvs.v[k].lps, "copies", copies,
				"aix_type", lvs.v[k].type);
			if (rc == 0 && (rc = aix_lv_alloc(x, lvs.v[k].name, jlv, err)) < 0)
				vdm_err_prefix(err, "aix %s", pname);
			if (rc == 0 && json_object_get(jlv, "aix_copy_pools"))
				any_pool = true;
			if (stale_c && json_array_size(stale_c))
				json_object_set(jlv, "stale", stale_c);
			if (progress)
				json_object_set_new(jlv, "resync_percent", progress);
			json_decref(stale_c);
			json_array_append_new(jlvs, jlv);
		}
		/* a VG with mirror pools (strictness on, or an LV copy in a pool): each PV's pool */
		if (rc == 0 && (mps != AIX_MP_OFF || any_pool))
			rc = aix_pv_pools(x, jpvs, err);
		if (rc == 0)
			json_array_append_new(vgs, json_pack("{s:s,s:I,s:I,s:I,s:o,s:o,s:I,s:s}",
				"name", vg, "extent_mib", (json_int_t)pp,
				"pv_overhead_mib", (json_int_t)(overhead >= 0 ? overhead : pp),
				"copy_meta_extents", (json_int_t)0, "pvs", jpvs, "lvs", jlvs,
				"stale_pps", (json_int_t)stale,
				"aix_mirror_pool_strict", mps == AIX_MP_SUPER ? "super" :
							  mps == AIX_MP_ON ? "on" : "off"));
		else
			json_decref(jpvs), json_decref(jlvs);
		aix_vgpvs_free(&vpv);
		aix_lvs_free(&lvs);
		json_decref(lost);
	}
	if (rc == 0)
		json_object_set(partition, "vgs", vgs);
	json_decref(vgs);
	json_decref(vg_seen);
	json_decref(vg_active);
	json_decref(vg_unknown);
	json_decref(renamed);
	aix_pvs_free(&pvs);
	return rc;
}

/* ---- steps ---- */

/* The first AIX line of a script says where the AIX lines run. */
static int aix_script_note(struct aix_handle *x, struct vdm_error *err)
{
	if (x->noted)
		return 0;
	x->noted = true;
	char *c[] = { (char *)VDM_SCRIPT_COMMENT, (char *)"AIX steps: run on the partition as root "
		      "(the VIOS steps above reach the VIOS by ssh as padmin)", NULL };
	return vdm_transport_run(x->t, c, -1, NULL, err) < 0 ? -EIO : 0;
}

static const char *aix_known_get(struct aix_handle *x, const char *disk)
{
	for (size_t i = 0; i < x->known.n; i++)
		if (!strcmp(x->known.v[i].disk, disk))
			return x->known.v[i].hdisk;
	return NULL;
}

static void aix_known_set(struct aix_handle *x, const char *disk, const char *hdisk)
{
	for (size_t i = 0; i < x->known.n; i++)
		if (!strcmp(x->known.v[i].disk, disk)) {
			free(x->known.v[i].hdisk);
			x->known.v[i].hdisk = xstrdup(hdisk);
			return;
		}
	struct aix_known_e e = { xstrdup(disk), xstrdup(hdisk) };
	VEC_PUSH(&x->known, e);
}

static bool aix_is_hdisk(const char *s)
{
	return !strncmp(s, "hdisk", 5) && s[5] && strspn(s + 5, "0123456789") == strlen(s + 5);
}

static char *aix_var(const char *disk)
{
	char *v = xasprintf("HD_%s", disk);
	for (char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	return v;
}

/* The name AIX commands take for `disk`: hdiskN itself, the hdisk wait_disk found, or in a
 * script "${HD_disk}". Caller frees. */
static int aix_hdisk(struct aix_handle *x, const char *disk, char **hd, struct vdm_error *err)
{
	if (!aix_name_ok(disk))
		return vdm_err(err, -EINVAL, "aix: disk name '%s' invalid", disk);
	/* a disk renamed with rendev (seen at discovery) is its own name too */
	if (aix_is_hdisk(disk) || (x->seen_valid && words_has(&x->seen, disk))) {
		*hd = xstrdup(disk);
		return 0;
	}
	if (x->scripting) {
		/* the variable exists only once this script's wait_disk line set it */
		CLEANUP_FREE char *v = aix_var(disk);
		if (!words_has(&x->done, v))
			return vdm_err(err, -ENOENT, "aix: disk %s: the script has not found it yet "
				       "(its wait_disk step comes first)", disk);
		*hd = xasprintf("${%s}", v);
		return 0;
	}
	const char *k = aix_known_get(x, disk);
	if (!k)
		return vdm_err(err, -ENOENT, "aix: disk %s: not seen in the partition yet (wait_disk "
			       "first)", disk);
	*hd = xstrdup(k);
	return 0;
}

static int aix_wait_disk(void *vh, const char *disk, int64_t timeout_ms, json_t *facts,
			 struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(disk))
		return vdm_err(err, -EINVAL, "aix: disk name '%s' invalid", disk);
	char *cfgmgr[] = { (char *)"cfgmgr", NULL };
	if (x->scripting) {
		CLEANUP_FREE char *v = aix_var(disk);
		if (words_has(&x->done, v))
			return 0;
		words_add(&x->done, v);
		CLEANUP_FREE char *ref = xasprintf("${%s}", v);
		CLEANUP_FREE char *note = xasprintf("partition: find the new disk %s at the location "
						    "the VIOS gave it (VDM_LOC_ above)", disk);
		CLEANUP_FREE char *loc = xasprintf("${VDM_LOC_%s}", v + 3);
		char *c[] = { (char *)VDM_SCRIPT_COMMENT, note, NULL };
		/* more than one match (no HMC, same LUN behind both VIOS) or none leaves a
		 * value chdev refuses, and the script stops there (set -e) */
		char *cap[] = { (char *)VDM_SCRIPT_CAPTURE, v, (char *)"sh", (char *)"-c",
				(char *)"for d in $(lspv | awk '{print $1}'); do "
					"lscfg -l \"$d\" | grep -qi -- \"$0\" && echo \"$d\"; done",
				loc, NULL };
		char *pv[] = { (char *)"chdev", (char *)"-l", ref, (char *)"-a", (char *)"pv=yes", NULL };
		int rc = aix_do(x, c, NULL, err);
		if (rc == 0) rc = aix_do(x, cfgmgr, NULL, err);
		if (rc == 0) rc = aix_do(x, cap, NULL, err);
		if (rc == 0) rc = aix_do(x, pv, NULL, err);
		return rc;
	}
	const char *k = aix_known_get(x, disk);
	if (k) {
		if (facts)
			json_object_set_new(facts, "hdisk", json_string(k));
		return 0;
	}
	if (!x->seen_valid)
		return vdm_err(err, -ENOENT, "aix: disk %s: the partition's disks before the mapping "
			       "are unknown (lspv failed when the driver opened), so a new one cannot "
			       "be told apart", disk);
	int64_t deadline = vdm_now_ms() + (timeout_ms > 0 ? timeout_ms : AIX_TIMEOUT_MS);
	for (;;) {
		int rc = aix_do(x, cfgmgr, NULL, err);
		if (rc < 0)
			return rc;
		char *out;
		char *lspv[] = { (char *)"lspv", NULL };
		if ((rc = aix_do(x, lspv, &out, err)) < 0)
			return rc;
		aix_pvs pvs = {0};
		rc = aix_parse_lspv(out, &pvs, err);
		free(out);
		const char *cand = NULL;
		int n = 0;
		for (size_t i = 0; rc == 0 && i < pvs.n; i++) {
			int taken = 0;
			for (size_t j = 0; j < x->known.n; j++)
				if (!strcmp(x->known.v[j].hdisk, pvs.v[i].name))
					taken = 1;
			if (!pvs.v[i].pvid && !pvs.v[i].vg && !taken && !words_has(&x->seen, pvs.v[i].name))
				cand = pvs.v[i].name, n++;
		}
		if (rc == 0 && n > 1)
			rc = vdm_err(err, -EEXIST, "aix: %d disks without PVID and volume group appeared "
				     "since discovery: cannot tell which one is %s (map and wait for one "
				     "disk at a time)", n, disk);
		if (rc == 0 && n == 1) {
			char *pv[] = { (char *)"chdev", (char *)"-l", (char *)cand, (char *)"-a",
				       (char *)"pv=yes", NULL };
			rc = aix_do(x, pv, NULL, err);
			if (rc == 0) {
				aix_known_set(x, disk, cand);
				if (facts)
					json_object_set_new(facts, "hdisk", json_string(cand));
			}
			aix_pvs_free(&pvs);
			return rc;
		}
		aix_pvs_free(&pvs);
		if (rc < 0)
			return rc;
		if (vdm_now_ms() >= deadline)
			return vdm_err(err, -ETIMEDOUT, "aix: disk %s did not appear after cfgmgr",
				       disk);
		struct timespec ts = { 2, 0 };
		nanosleep(&ts, NULL);
	}
}

static int aix_add_pv(void *vh, const char *vg, const char *disk, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg))
		return vdm_err(err, -EINVAL, "aix: volume group name '%s' invalid", vg);
	CLEANUP_FREE char *hd = NULL;
	int rc = aix_hdisk(x, disk, &hd, err);
	if (rc < 0)
		return rc;
	if (!x->scripting) {
		char *out, *lspv[] = { (char *)"lspv", NULL };
		if ((rc = aix_do(x, lspv, &out, err)) < 0)
			return rc;
		aix_pvs pvs = {0};
		rc = aix_parse_lspv(out, &pvs, err);
		free(out);
		int in = 0;
		for (size_t i = 0; rc == 0 && i < pvs.n; i++)
			if (!strcmp(pvs.v[i].name, hd)) {
				if (pvs.v[i].vg && !strcmp(pvs.v[i].vg, vg))
					in = 1;
				else if (pvs.v[i].vg)
					rc = vdm_err(err, -EBUSY, "aix: %s (%s) belongs to volume group "
						     "%s, not %s", hd, disk, pvs.v[i].vg, vg);
			}
		aix_pvs_free(&pvs);
		if (rc < 0 || in)
			return rc;
	}
	/* a VG with mirror pools: the disk joins the pool prepare chose for it (extendvg -p,
	 * IBM AIX 7.2 extendvg: https://www.ibm.com/docs/ssw_aix_72/e_commands/extendvg.html) */
	const char *pool = json_string_value(json_object_get(x->disk_pool, disk));
	char *ext[] = { (char *)"extendvg", (char *)vg, hd, NULL };
	char *extp[] = { (char *)"extendvg", (char *)"-p", (char *)pool, (char *)vg, hd, NULL };
	return aix_do(x, pool ? extp : ext, NULL, err);
}

static int aix_remove_pv(void *vh, const char *vg, const char *disk,
			 struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg))
		return vdm_err(err, -EINVAL, "aix: volume group name '%s' invalid", vg);
	CLEANUP_FREE char *hd = NULL;
	int rc = aix_hdisk(x, disk, &hd, err);
	if (rc < 0)
		return rc;
	char *red[] = { (char *)"reducevg", (char *)vg, hd, NULL };
	return aix_do(x, red, NULL, err);
}

/* hd5 is the boot logical volume of rootvg: its new copy must be made bootable. */
static int aix_make_bootable(struct aix_handle *x, const char *newhd, struct vdm_error *err)
{
	CLEANUP_FREE char *dev = xasprintf("/dev/%s", newhd);
	char *bos[] = { (char *)"bosboot", (char *)"-ad", dev, NULL };
	int rc = aix_do(x, bos, NULL, err);
	if (rc < 0)
		return rc;
	if (x->scripting) {
		char *cap[] = { (char *)VDM_SCRIPT_CAPTURE, (char *)"BOOT_OLD", (char *)"sh", (char *)"-c",
				(char *)"lslv -m hd5 | awk 'NR==3 {print $3}'", NULL };
		char *bl[] = { (char *)"bootlist", (char *)"-m", (char *)"normal",
			       (char *)"${BOOT_OLD}", (char *)newhd, NULL };
		rc = aix_do(x, cap, NULL, err);
		return rc < 0 ? rc : aix_do(x, bl, NULL, err);
	}
	char *out, *lslvm[] = { (char *)"lslv", (char *)"-m", (char *)"hd5", NULL };
	if ((rc = aix_do(x, lslvm, &out, err)) < 0)
		return rc;
	struct aix_lvmap m;
	rc = aix_parse_lslv_m(out, &m, err);
	free(out);
	if (rc < 0)
		return rc;
	CLEANUP_FREE char *old = m.lps > 0 && m.pv[0][0] ? xstrdup(m.pv[0][0]) : NULL;
	aix_lvmap_free(&m);
	if (!old || !aix_name_ok(old))
		return vdm_err(err, -EPROTO, "aix: boot LV hd5 has no first copy");
	char *bl[] = { (char *)"bootlist", (char *)"-m", (char *)"normal", old, (char *)newhd, NULL };
	return aix_do(x, bl, NULL, err);
}

/* A mirrored VG must not go offline when the server holding most of its VGDAs fails: like
 * mirrorvg (which does this by default), turn quorum off once per VG, and for rootvg save the
 * change in the boot image (chvg: "run bosboot or savebase after chvg -Q"). */
static int aix_quorum_off(struct aix_handle *x, const char *vg, struct vdm_error *err)
{
	CLEANUP_FREE char *tag = xasprintf("quorum:%s", vg);
	if (words_has(&x->done, tag))
		return 0;
	if (!x->scripting) {
		char *out, *lsvg[] = { (char *)"lsvg", (char *)vg, NULL };
		int rc = aix_do(x, lsvg, &out, err);
		if (rc < 0)
			return rc;
		const char *q = strstr(out, "QUORUM:");
		int off = q && strstr(q, "Disabled") && (!strchr(q, '\n') || strstr(q, "Disabled") < strchr(q, '\n'));
		free(out);
		if (off) {
			words_add(&x->done, tag);
			return 0;
		}
	}
	char *chvg[] = { (char *)"chvg", (char *)"-Qn", (char *)vg, NULL };
	int rc = aix_do(x, chvg, NULL, err);
	if (rc == 0 && !strcmp(vg, "rootvg")) {
		char *sb[] = { (char *)"savebase", NULL };
		rc = aix_do(x, sb, NULL, err);
	}
	if (rc == 0)
		words_add(&x->done, tag);
	return rc;
}

/* syncvg -P 4 -l LV: the stale PPs of LV from its good copy, four LPs at a time (IBM AIX 7.2
 * Commands Reference, syncvg: https://www.ibm.com/docs/sl/ssw_aix_71/s_commands/syncvg.html).
 * Live: started in the background, sync_status follows lslv's STALE PPs. */
static int aix_syncvg(struct aix_handle *x, const char *lv, struct vdm_error *err)
{
	if (x->scripting) {
		char *sync[] = { (char *)"syncvg", (char *)"-P", (char *)"4", (char *)"-l",
				 (char *)lv, NULL };
		return aix_do(x, sync, NULL, err);
	}
	CLEANUP_FREE char *bg = xasprintf("nohup syncvg -P 4 -l %s >/dev/null 2>&1 &", lv);
	char *sync[] = { (char *)"sh", (char *)"-c", bg, NULL };
	return aix_do(x, sync, NULL, err);
}

/* The AIX names of the copy's PVs, one per segment (hds[16], freed by the caller). */
static int aix_copy_hdisks(struct aix_handle *x, const char *lv, const struct vdm_plan_copy *copy,
			   char *hds[16], struct vdm_error *err)
{
	if (!copy || !copy->n_segs || copy->n_segs > 16)
		return vdm_err(err, -EINVAL, "aix: LV %s: bad copy", lv);
	for (size_t i = 0; i < copy->n_segs; i++) {
		int rc = aix_hdisk(x, copy->segs[i].pv, &hds[i], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- mirror pools and super-strict LVs (docs/powervm.md, "Mirror pools") ---- */

static json_t *aix_vg_lv(struct aix_handle *x, const char *lv)
{
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(x->vgj, "lvs"), i, l)
		if (!strcmp(json_string_value(json_object_get(l, "name")) ?: "", lv))
			return l;
	return NULL;
}

/* The mirror pool of an existing PV of the run's VG, as discovered; NULL: none. */
static const char *aix_pv_pool(struct aix_handle *x, const char *pv)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(x->vgj, "pvs"), i, p)
		if (!strcmp(json_string_value(json_object_get(p, "disk")) ?: "", pv))
			return json_string_value(json_object_get(p, "aix_mirror_pool"));
	return NULL;
}

/* Whether the run's VG uses mirror pools: strictness on or super, or a pool on a PV. */
static bool aix_vg_pools(struct aix_handle *x)
{
	size_t i;
	json_t *p;
	if (x->mps != AIX_MP_OFF)
		return true;
	json_array_foreach(json_object_get(x->vgj, "pvs"), i, p)
		if (json_object_get(p, "aix_mirror_pool"))
			return true;
	return false;
}

/* The one mirror pool the PVs of a copy are in (a new disk: the pool prepare chose; an
 * existing PV: its discovered pool), NULL when none is. A copy across two pools, or outside
 * any pool while MIRROR POOL STRICT is on or super ("each logical volume copy created in the
 * volume group must be assigned to a mirror pool", IBM, Mirror Pools:
 * https://www.ibm.com/docs/en/aix/7.2?topic=concepts-mirror-pools), is refused. */
static int aix_copy_pool(struct aix_handle *x, const char *lv, int copyno,
			 const struct vdm_plan_copy *copy, const char **pool, struct vdm_error *err)
{
	*pool = NULL;
	if (!aix_vg_pools(x))
		return 0;
	for (size_t i = 0; i < copy->n_segs; i++) {
		const char *pv = copy->segs[i].pv;
		const char *p = json_string_value(json_object_get(x->disk_pool, pv));
		if (!p)
			p = aix_pv_pool(x, pv);
		if (!p && x->mps != AIX_MP_OFF)
			return vdm_err(err, -EPERM, "aix: LV %s: copy %d would use PV %s, which is in "
				       "no mirror pool, and the volume group's MIRROR POOL STRICT is "
				       "%s: every copy must be in a mirror pool", lv, copyno, pv,
				       x->mps == AIX_MP_SUPER ? "super" : "on");
		if (i > 0 && (!p != !*pool || (p && strcmp(p, *pool))))
			return vdm_err(err, -EPERM, "aix: LV %s: copy %d would span mirror pools %s "
				       "and %s (PV %s): a copy stays in one pool", lv, copyno,
				       *pool ? *pool : "(none)", p ? p : "(none)", pv);
		*pool = p;
	}
	return 0;
}

/* The LV's upper bound if the new copy needs it raised, else 0: with superstrict the bound is
 * the PVs of one copy, otherwise the PVs of the whole LV (IBM AIX 7.2 mklv -u:
 * https://www.ibm.com/docs/ssw_aix_72/m_commands/mklv.html). */
static int64_t aix_copy_upper(struct aix_handle *x, const char *lv, const struct vdm_plan_copy *copy)
{
	json_t *l = aix_vg_lv(x, lv);
	int64_t upper = json_integer_value(json_object_get(l, "aix_upper_bound"));
	if (!l || upper <= 0)
		return 0;
	bool super = !strcmp(json_string_value(json_object_get(l, "aix_strict")) ?: "", "superstrict");
	json_t *seen = json_object();
	int64_t most = 0;
	size_t c, i;
	json_t *segs, *seg;
	json_array_foreach(json_object_get(l, "copies"), c, segs) {
		if (super)
			json_object_clear(seen);
		json_array_foreach(segs, i, seg)
			json_object_set_new(seen, json_string_value(json_object_get(seg, "pv")) ?: "",
					    json_true());
		if ((int64_t)json_object_size(seen) > most)
			most = (int64_t)json_object_size(seen);
	}
	if (super)
		json_object_clear(seen);
	for (i = 0; i < copy->n_segs; i++)
		json_object_set_new(seen, copy->segs[i].pv, json_true());
	if ((int64_t)json_object_size(seen) > most)
		most = (int64_t)json_object_size(seen);
	json_decref(seen);
	return most > upper ? most : 0;
}

/* mklvcopy for the new copy, exactly on the plan's PPs where a map can be written (mklvcopy
 * -m MAPFILE LV COPIES; else on the plan's PVs), in mirror pool `pool` when not NULL
 * (-p copyN=POOL: the synopsis of IBM AIX 7.2 mklvcopy,
 * https://www.ibm.com/docs/ssw_aix_72/m_commands/mklvcopy.htm, takes -m and -p together; the
 * map's PVs are all in that pool); live, lslv -m must then show the copy on the planned PVs
 * with the planned counts, or the run stops. add_copy and replace_copy both come here. */
static int aix_place_copy(struct aix_handle *x, const char *vg, const char *lv, int copies,
			  const struct vdm_plan_copy *copy, char *const hds[16], const char *pool,
			  struct vdm_error *err)
{
	char cs[4];
	snprintf(cs, sizeof cs, "%d", copies);
	CLEANUP_FREE char *map = NULL, *pspec = pool ? xasprintf("copy%d=%s", copies, pool) : NULL;
	int rc = aix_map_write(x->t, &x->map, vg, lv, copy, hds, &map, err);
	if (rc < 0)
		return rc;
	struct vdm_argv argv = VDM_ARGV_INIT(8 + 16);
	vdm_argv_add(&argv, "mklvcopy");
	if (map)
		vdm_argv_addv(&argv, (const char *[]){ "-m", map, NULL });
	if (pspec)
		vdm_argv_addv(&argv, (const char *[]){ "-p", pspec, NULL });
	vdm_argv_addv(&argv, (const char *[]){ lv, cs, NULL });
	/* no map (a script, a PV already in the VG): the plan's PVs, each once; strict
	 * allocation keeps the copy off the PVs of the existing copies */
	for (size_t i = 0; !map && i < copy->n_segs && rc == 0; i++) {
		int dup = 0;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(hds[k], hds[i]))
				dup = 1;
		if (!dup && vdm_argv_add(&argv, hds[i]) < 0)
			rc = vdm_err(err, -E2BIG, "aix: LV %s: copy on too many PVs", lv);
	}
	if (rc == 0)
		rc = aix_do(x, argv.v, NULL, err);
	vdm_argv_free(&argv);
	if (rc == 0 && map && !x->scripting) {
		char *out, *lslvm[] = { (char *)"lslv", (char *)"-m", (char *)lv, NULL };
		if ((rc = aix_do(x, lslvm, &out, err)) == 0) {
			rc = aix_map_confirm(out, copies, copy, (char **)hds, err);
			free(out);
		}
	}
	return rc;
}

/* The pool and the upper bound of a new copy; see aix_copy_pool and aix_copy_upper. */
static int aix_copy_rules(struct aix_handle *x, const char *lv, int copies,
			  const struct vdm_plan_copy *copy, char **pool, int64_t *upper,
			  struct vdm_error *err)
{
	const char *p;
	int rc = aix_copy_pool(x, lv, copies, copy, &p, err);
	if (rc < 0)
		return rc;
	*pool = p ? xstrdup(p) : NULL;
	*upper = aix_copy_upper(x, lv, copy);
	return 0;
}

static int aix_add_copy(void *vh, const char *vg, const char *lv, int copies,
			const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg) || !aix_name_ok(lv))
		return vdm_err(err, -EINVAL, "aix: names '%s'/'%s' invalid", vg, lv);
	if (copies < 2 || copies > 3 || !copy || !copy->n_segs || copy->n_segs > 16)
		return vdm_err(err, -EINVAL, "aix: LV %s: bad copy request (%d copies)", lv, copies);
	if (!x->scripting) {
		char *out, *lslv[] = { (char *)"lslv", (char *)lv, NULL };
		int64_t have, lps, stale;
		int rc = aix_do(x, lslv, &out, err);
		if (rc < 0)
			return rc;
		rc = aix_parse_lslv(out, &have, &lps, &stale, err);
		free(out);
		if (rc < 0)
			return rc;
		if (have >= copies)
			return 0;
	}
	char *hds[16] = {0};
	int rc = aix_copy_hdisks(x, lv, copy, hds, err);
	CLEANUP_FREE char *pool = NULL;
	int64_t upper = 0;
	if (rc == 0)
		rc = aix_copy_rules(x, lv, copies, copy, &pool, &upper, err);
	if (rc == 0)
		rc = aix_quorum_off(x, vg, err);
	if (rc == 0 && upper > 0) {
		/* more PVs than the LV's upper bound allows (per copy when superstrict): raised
		 * first, or mklvcopy refuses (IBM AIX 7.2 chlv -u:
		 * https://www.ibm.com/docs/ssw_aix_72/c_commands/chlv.html) */
		char u[24];
		snprintf(u, sizeof u, "%lld", (long long)upper);
		char *chlv[] = { (char *)"chlv", (char *)"-u", u, (char *)lv, NULL };
		rc = aix_do(x, chlv, NULL, err);
	}
	if (rc == 0)
		rc = aix_place_copy(x, vg, lv, copies, copy, hds, pool, err);
	/* rootvg: the boot LV's new copy is in sync before bosboot writes the boot image to it */
	if (rc == 0 && !strcmp(lv, "hd5")) {
		char *sync[] = { (char *)"syncvg", (char *)"-l", (char *)lv, NULL };
		rc = aix_do(x, sync, NULL, err);
		if (rc == 0)
			rc = aix_make_bootable(x, hds[0], err);
	} else if (rc == 0) {
		rc = aix_syncvg(x, lv, err);
	}
	for (size_t i = 0; i < 16; i++)
		free(hds[i]);
	if (rc < 0)
		vdm_err_prefix(err, "add copy of %s/%s", vg, lv);
	return rc;
}

static int aix_rmlvcopy(struct aix_handle *x, const char *lv, int left,
			const struct vdm_plan_copy *lost, struct vdm_error *err);

static int aix_remove_copy(void *vh, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg) || !aix_name_ok(lv) || !copy || !copy->n_segs || copy->n_segs > 16)
		return vdm_err(err, -EINVAL, "aix: bad remove-copy request for %s", lv);
	int64_t have = 2, lps, stale;
	if (!x->scripting) {
		char *out, *lslv[] = { (char *)"lslv", (char *)lv, NULL };
		int rc = aix_do(x, lslv, &out, err);
		if (rc < 0)
			return rc;
		rc = aix_parse_lslv(out, &have, &lps, &stale, err);
		free(out);
		if (rc < 0)
			return rc;
		if (have <= 1)
			return 0;
		if (have > 3)
			return vdm_err(err, -EPROTO, "aix: lslv %s: %lld copies (AIX keeps at most 3)",
				       lv, (long long)have);
	}
	return aix_rmlvcopy(x, lv, (int)(have - 1), copy, err);
}

static int aix_sync_status(void *vh, const char *vg, const char *lv, double *percent,
			   struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(lv))
		return vdm_err(err, -EINVAL, "aix: LV name '%s' invalid", lv);
	if (x->scripting) {
		*percent = 100.0;
		return 0;
	}
	char *out, *lslv[] = { (char *)"lslv", (char *)lv, NULL };
	int64_t copies, lps, stale;
	int rc = aix_do(x, lslv, &out, err);
	if (rc < 0)
		return rc;
	rc = aix_parse_lslv(out, &copies, &lps, &stale, err);
	free(out);
	if (rc < 0)
		return rc;
	/* stale PPs belong to the copies being synchronised: copies-1 of them per LP */
	int64_t total = lps * (copies > 1 ? copies - 1 : 1);
	*percent = total > 0 ? 100.0 * (double)(total - (stale < total ? stale : total)) / (double)total
			     : 100.0;
	return 0;
}

/* ---- repair (docs/internals/repair.md, "Per client") ---- */

/* The VG's PVs and their PV STATE (lsvg -p); a live partition only. */
static int aix_vg_states(struct aix_handle *x, const char *vg, aix_vgpvs *out,
			 struct vdm_error *err)
{
	char *o, *lsvgp[] = { (char *)"lsvg", (char *)"-p", (char *)vg, NULL };
	int rc = aix_do(x, lsvgp, &o, err);
	if (rc < 0)
		return rc;
	rc = aix_parse_lsvg_p(o, out, err);
	free(o);
	return rc;
}

/* varyonvg on a VG that is varied on already returns its PVMISSING PVs that are back to
 * PVACTIVE, and synchronises stale partitions (IBM AIX 7.2 Commands Reference, varyonvg:
 * https://www.ibm.com/docs/ssw_aix_72/v_commands/varyonvg.html). Once per VG and handle. */
static int aix_varyon(struct aix_handle *x, const char *vg, struct vdm_error *err)
{
	CLEANUP_FREE char *tag = xasprintf("varyon:%s", vg);
	if (words_has(&x->done, tag))
		return 0;
	char *von[] = { (char *)"varyonvg", (char *)vg, NULL };
	int rc = aix_do(x, von, NULL, err);
	if (rc == 0)
		words_add(&x->done, tag);
	return rc;
}

/* A returned disk's stale copy: varyonvg takes the PV back, syncvg brings the PPs up to date.
 * Idempotent: an LV without stale PPs is left alone. */
static int aix_resync_copy(void *vh, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	(void)copy;   /* AIX resyncs every stale PP of the LV, which are the copy's */
	if (!aix_name_ok(vg) || !aix_name_ok(lv))
		return vdm_err(err, -EINVAL, "aix: names '%s'/'%s' invalid", vg, lv);
	if (!x->scripting) {
		char *out, *lslv[] = { (char *)"lslv", (char *)lv, NULL };
		int64_t have, lps, stale;
		int rc = aix_do(x, lslv, &out, err);
		if (rc < 0)
			return rc;
		rc = aix_parse_lslv(out, &have, &lps, &stale, err);
		free(out);
		if (rc < 0)
			return rc;
		if (stale == 0)
			return 0;
	}
	int rc = aix_varyon(x, vg, err);
	if (rc == 0)
		rc = aix_syncvg(x, lv, err);
	if (rc < 0)
		vdm_err_prefix(err, "resync the stale copy of %s/%s", vg, lv);
	return rc;
}

/* rmlvcopy LV N PV...: removes copies until at most N are left, and with PVs named "only
 * copies from that physical volume will be removed" (IBM AIX 7.2 Commands Reference, rmlvcopy:
 * https://ibm.com/docs/ssw_aix_72/r_commands/rmlvcopy.html; it also advises naming the failed
 * disks): the copy on the missing PVs goes, the survivor stays. */
static int aix_rmlvcopy(struct aix_handle *x, const char *lv, int left,
			const struct vdm_plan_copy *lost, struct vdm_error *err)
{
	char cs[8];
	snprintf(cs, sizeof cs, "%d", left);
	struct vdm_argv argv = VDM_ARGV_INIT(3 + 16);
	vdm_argv_addv(&argv, (const char *[]){ "rmlvcopy", lv, cs, NULL });
	char *hds[16] = {0};
	int rc = 0;
	for (size_t i = 0; i < lost->n_segs && rc == 0; i++) {
		rc = aix_hdisk(x, lost->segs[i].pv, &hds[i], err);
		int dup = 0;
		for (size_t k = 0; rc == 0 && k < i; k++)
			if (!strcmp(hds[k], hds[i]))
				dup = 1;
		if (rc == 0 && !dup && vdm_argv_add(&argv, hds[i]) < 0)
			rc = vdm_err(err, -E2BIG, "aix: LV %s: copy on too many PVs", lv);
	}
	if (rc == 0)
		rc = aix_do(x, argv.v, NULL, err);
	vdm_argv_free(&argv);
	for (size_t i = 0; i < 16; i++)
		free(hds[i]);
	return rc;
}

/* Live: whether lslv -m LV still places a PP on one of the PVs of `lost`, and how many copies
 * the LV has. */
static int aix_on_lost(struct aix_handle *x, const char *lv, const struct vdm_plan_copy *lost,
		       int *on, int *copies, struct vdm_error *err)
{
	char *out, *lslvm[] = { (char *)"lslv", (char *)"-m", (char *)lv, NULL };
	int rc = aix_do(x, lslvm, &out, err);
	if (rc < 0)
		return rc;
	struct aix_lvmap m;
	rc = aix_parse_lslv_m(out, &m, err);
	free(out);
	if (rc < 0)
		return rc;
	*on = 0;
	*copies = 0;
	for (int c = 0; c < m.copies; c++) {
		int used = 0;
		for (int64_t lp = 0; lp < m.lps; lp++) {
			const char *pv = m.pv[c][lp];
			if (!pv)
				continue;
			used = 1;
			for (size_t i = 0; i < lost->n_segs; i++)
				if (!strcmp(pv, lost->segs[i].pv))
					*on = 1;
		}
		*copies += used;
	}
	aix_lvmap_free(&m);
	return 0;
}

static int aix_check_lost(const char *lv, const struct vdm_plan_copy *lost, struct vdm_error *err)
{
	if (!lost || !lost->n_segs || lost->n_segs > 16)
		return vdm_err(err, -EINVAL, "aix: LV %s: bad lost copy", lv);
	return 0;
}

/* A surplus lost copy: removed from the missing PVs, `copies` left. */
static int aix_drop_copy(void *vh, const char *vg, const char *lv, int copies,
			 const struct vdm_plan_copy *lost, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg) || !aix_name_ok(lv))
		return vdm_err(err, -EINVAL, "aix: names '%s'/'%s' invalid", vg, lv);
	if (copies < 1 || copies > 2)
		return vdm_err(err, -EINVAL, "aix: LV %s: drop to %d copies", lv, copies);
	int rc = aix_check_lost(lv, lost, err);
	if (rc < 0)
		return rc;
	if (!x->scripting) {
		int on, now;
		if ((rc = aix_on_lost(x, lv, lost, &on, &now, err)) < 0)
			return rc;
		if (!on || now <= copies)
			return 0;
	}
	rc = aix_rmlvcopy(x, lv, copies, lost, err);
	if (rc < 0)
		vdm_err_prefix(err, "drop the lost copy of %s/%s", vg, lv);
	return rc;
}

/* The lost copy goes first (rmlvcopy from the missing PVs: AIX keeps at most 3 copies, and
 * the new one must not count the dead one), then the new copy exactly as a mirror run adds it
 * (mklvcopy -m, syncvg; hd5: bosboot, bootlist with the survivor and the new disk).
 * Idempotent: nothing left on the missing PVs and `copies` copies is done. Once rmlvcopy ran
 * the lost copy's partitions are gone from the VGDA, as with LVM's --repair: an unfinished run
 * from here on is finished by undo, not reversed (apply.h, vdm_run_undo_finishes). */
static int aix_replace_copy(void *vh, const char *vg, const char *lv, int copies,
			    const struct vdm_plan_copy *lost, const struct vdm_plan_copy *copy,
			    struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg) || !aix_name_ok(lv))
		return vdm_err(err, -EINVAL, "aix: names '%s'/'%s' invalid", vg, lv);
	if (copies < 2 || copies > 3)
		return vdm_err(err, -EINVAL, "aix: LV %s: replace to %d copies", lv, copies);
	int rc = aix_check_lost(lv, lost, err), on = 1, now = copies;
	if (rc == 0 && !x->scripting)
		rc = aix_on_lost(x, lv, lost, &on, &now, err);
	if (rc == 0 && on)
		rc = aix_rmlvcopy(x, lv, copies - 1, lost, err);
	if (rc < 0) {
		vdm_err_prefix(err, "replace the lost copy of %s/%s", vg, lv);
		return rc;
	}
	return aix_add_copy(vh, vg, lv, copies, copy, err);
}

/* Missing PVs that hold nothing any more leave the VG: reducevg VG PV. Not -d: the plan says
 * they are empty, and plain reducevg refuses a PV that still holds a partition instead of
 * deleting it. A PV whose hdisk AIX no longer knows is named by its PVID ("reducevg
 * VolumeGroup PVID", IBM AIX 7.2 Commands Reference, reducevg:
 * https://www.ibm.com/docs/ssw_aix_72/r_commands/reducevg.htm). Idempotent: a PV the VG no
 * longer lists is skipped. */
static int aix_remove_missing(void *vh, const char *vg, const char *const *disks, size_t n,
			      struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg))
		return vdm_err(err, -EINVAL, "aix: volume group name '%s' invalid", vg);
	aix_vgpvs st = {0};
	aix_pvs pvs = {0};
	int rc = 0;
	if (!x->scripting) {
		char *out, *lspv[] = { (char *)"lspv", NULL };
		rc = aix_vg_states(x, vg, &st, err);
		if (rc == 0 && (rc = aix_do(x, lspv, &out, err)) == 0) {
			rc = aix_parse_lspv(out, &pvs, err);
			free(out);
		}
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *name = disks[i];
		if (!aix_name_ok(name)) {
			rc = vdm_err(err, -EINVAL, "aix: disk name '%s' invalid", name);
			break;
		}
		if (!x->scripting) {
			const char *pvid = NULL;
			int listed = 0, known = 0;
			for (size_t k = 0; k < pvs.n; k++)
				if (!strcmp(pvs.v[k].name, name))
					known = 1, pvid = pvs.v[k].pvid;
			if (!known)
				pvid = aix_pvid_get(x, name);
			for (size_t k = 0; k < st.n; k++)
				if (!strcmp(st.v[k].name, name) || (pvid && !strcmp(st.v[k].name, pvid)))
					listed = 1;
			if (!listed)
				continue;
			if (!known && !pvid) {
				rc = vdm_err(err, -ENOENT, "aix: %s of %s: AIX no longer knows the disk "
					     "and its PVID is unknown (remove it by hand: reducevg %s "
					     "PVID)", name, vg, vg);
				break;
			}
			if (!known) {
				if (strlen(pvid) != 16 || strspn(pvid, "0123456789abcdefABCDEF") != 16) {
					rc = vdm_err(err, -EPROTO, "aix: %s of %s: PVID '%s' is not 16 hex "
						     "digits", name, vg, pvid);
					break;
				}
				name = pvid;
			}
		}
		char *red[] = { (char *)"reducevg", (char *)vg, (char *)name, NULL };
		rc = aix_do(x, red, NULL, err);
	}
	aix_vgpvs_free(&st);
	aix_pvs_free(&pvs);
	if (rc < 0)
		vdm_err_prefix(err, "remove the missing PVs of %s", vg);
	return rc;
}

/* A disk AIX sees again while the VG still records it missing or removed: chpv -v a makes a
 * removed PV available again (IBM AIX 7.2 Commands Reference, chpv, -v availability:
 * https://www.ibm.com/docs/ssw_aix_72/com.ibm.aix.cmds1/chpv.htm), then
 * varyonvg returns a PVMISSING PV to PVACTIVE (varyonvg, above). No data is written; the
 * stale PPs are for resync_copy. -EAGAIN while the PV is still not active. */
static int aix_restore_pv(void *vh, const char *vg, const char *disk, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg) || !aix_name_ok(disk))
		return vdm_err(err, -EINVAL, "aix: names '%s'/'%s' invalid", vg, disk);
	aix_vgpvs st = {0};
	const char *state = "removed";
	int rc = 0;
	if (!x->scripting) {
		if ((rc = aix_vg_states(x, vg, &st, err)) < 0)
			return rc;
		state = NULL;
		for (size_t k = 0; k < st.n; k++)
			if (!strcmp(st.v[k].name, disk))
				state = st.v[k].state;
		if (!state || !aix_state_lost(state)) {
			aix_vgpvs_free(&st);
			return 0;
		}
	}
	if (!strcasecmp(state, "removed")) {
		char *chpv[] = { (char *)"chpv", (char *)"-v", (char *)"a", (char *)disk, NULL };
		rc = aix_do(x, chpv, NULL, err);
	}
	aix_vgpvs_free(&st);
	if (rc == 0)
		rc = aix_varyon(x, vg, err);
	if (rc < 0 || x->scripting)
		return rc;
	if ((rc = aix_vg_states(x, vg, &st, err)) < 0)
		return rc;
	for (size_t k = 0; k < st.n; k++)
		if (!strcmp(st.v[k].name, disk) && aix_state_lost(st.v[k].state))
			rc = vdm_err(err, -EAGAIN, "aix: %s of %s is still %s after varyonvg",
				     disk, vg, st.v[k].state);
	aix_vgpvs_free(&st);
	return rc;
}

/* The mirror pool a new disk joins: named after the server that gives it (its first path), so
 * "copies on different VIOS" becomes a rule AIX itself keeps (powervm-notes: tagging the disks
 * of each server with their own pool); characters AIX refuses become '_', at most 15. */
static char *aix_new_pool_name(const struct vdm_plan_disk *d)
{
	const char *srv = d->n_paths && d->paths[0] && *d->paths[0] ? d->paths[0] : "vdmirror";
	char *p = xasprintf("%.15s", srv);
	for (char *q = p; *q; q++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-", *q))
			*q = '_';
	return p;
}

/* Whether the new copy's PVs meet a PV of an existing copy (superstrict forbids it: "no
 * partition from one mirror on the same disk as a partition from another mirror", IBM AIX 7.2,
 * Inter-disk settings for logical volume copies:
 * https://www.ibm.com/docs/en/aix/7.2?topic=policies-inter-disk-settings-logical-volume-copies). */
static const char *aix_shared_pv(json_t *lvj, const struct vdm_plan_copy *copy)
{
	size_t c, i;
	json_t *segs, *seg;
	json_array_foreach(json_object_get(lvj, "copies"), c, segs)
		json_array_foreach(segs, i, seg) {
			const char *pv = json_string_value(json_object_get(seg, "pv")) ?: "";
			for (size_t k = 0; k < copy->n_segs; k++)
				if (!strcmp(pv, copy->segs[k].pv))
					return copy->segs[k].pv;
		}
	return NULL;
}

/* prepare (client.h): keeps the run's VG as discovered, chooses each new disk's mirror pool
 * when the VG uses pools, and refuses before anything is made a plan the VG's rules cannot
 * hold: a copy outside a pool or across pools under MIRROR POOL STRICT on/super; under super,
 * a copy in a pool another copy of the LV uses, or more than three pools in the VG (chvg -M
 * s: at most three mirror pools, IBM AIX 7.2 chvg); on a superstrict LV, a new copy on a PV of
 * an existing copy. LVs that already have their copies (a resumed run) are not checked. */
static int aix_prepare(void *vh, const json_t *partition, const struct vdm_plan *plan,
		       struct vdm_error *err)
{
	struct aix_handle *x = vh;
	size_t i;
	json_t *v, *vgj = NULL;
	json_array_foreach(json_object_get(partition, "vgs"), i, v)
		if (!strcmp(json_string_value(json_object_get(v, "name")) ?: "", plan->vg))
			vgj = v;
	json_decref(x->vgj);
	json_decref(x->disk_pool);
	x->vgj = json_incref(vgj);
	x->disk_pool = json_object();
	x->mps = AIX_MP_OFF;
	if (!vgj)
		return 0;
	const char *ms = json_string_value(json_object_get(vgj, "aix_mirror_pool_strict"));
	x->mps = ms && !strcmp(ms, "super") ? AIX_MP_SUPER : ms && !strcmp(ms, "on") ? AIX_MP_ON
											: AIX_MP_OFF;
	json_t *pools = json_object();     /* every pool of the VG after the run */
	json_array_foreach(json_object_get(vgj, "pvs"), i, v) {
		const char *p = json_string_value(json_object_get(v, "aix_mirror_pool"));
		if (p)
			json_object_set_new(pools, p, json_true());
	}
	if (aix_vg_pools(x))
		for (size_t d = 0; d < plan->n_new_disks; d++) {
			char *p = aix_new_pool_name(&plan->new_disks[d]);
			json_object_set_new(x->disk_pool, plan->new_disks[d].name, json_string(p));
			json_object_set_new(pools, p, json_true());
			free(p);
		}
	int rc = 0;
	if (x->mps == AIX_MP_SUPER && json_object_size(pools) > 3)
		rc = vdm_err(err, -EPERM, "aix: volume group %s has MIRROR POOL STRICT super, which "
			     "allows at most 3 mirror pools; the plan's new disks would make %zu "
			     "(a new pool per server of the new disks)", plan->vg,
			     json_object_size(pools));
	for (size_t l = 0; rc == 0 && l < plan->n_lvs; l++) {
		const struct vdm_plan_lv *pl = &plan->lvs[l];
		json_t *lvj = aix_vg_lv(x, pl->name);
		size_t have = json_array_size(json_object_get(lvj, "copies"));
		if (!pl->n_new_copies || !lvj || have >= (size_t)plan->copies)
			continue;
		json_t *cp = json_object_get(lvj, "aix_copy_pools");
		bool superstrict = !strcmp(json_string_value(json_object_get(lvj, "aix_strict")) ?: "",
					   "superstrict");
		const char *taken[3] = { 0 };
		for (size_t c = 0; c < have && c < 3; c++)
			taken[c] = json_string_value(json_array_get(cp, c));
		for (size_t k = 0; rc == 0 && k < pl->n_new_copies && have + k < 3; k++) {
			const struct vdm_plan_copy *copy = &pl->new_copies[k];
			int copyno = (int)(have + k + 1);
			const char *pool, *shared;
			if ((rc = aix_copy_pool(x, pl->name, copyno, copy, &pool, err)) < 0)
				break;
			for (size_t c = 0; x->mps == AIX_MP_SUPER && pool && c < have + k; c++)
				if (taken[c] && !strcmp(taken[c], pool)) {
					rc = vdm_err(err, -EPERM, "aix: LV %s: copy %d would be in "
						     "mirror pool %s like copy %zu, and the volume "
						     "group's MIRROR POOL STRICT is super: each copy in "
						     "its own pool", pl->name, copyno, pool, c + 1);
					break;
				}
			taken[have + k] = pool;
			if (rc == 0 && superstrict && (shared = aix_shared_pv(lvj, copy)))
				rc = vdm_err(err, -EPERM, "aix: LV %s is superstrict: copy %d would use "
					     "PV %s, which holds an existing copy", pl->name, copyno,
					     shared);
		}
	}
	json_decref(pools);
	if (rc < 0)
		vdm_err_prefix(err, "the rules of %s refuse the plan, nothing was created", plan->vg);
	return rc;
}

/* A live partition's disks are listed at once, so that wait_disk can tell a disk mapped later
 * even when this handle did not run the discovery. */
static int aix_open(struct vdm_transport *t, void **handle, struct vdm_error *err)
{
	struct aix_handle *x = xcalloc(1, sizeof *x);
	x->t = t;
	x->scripting = vdm_transport_scripting(t);
	if (!x->scripting) {
		char *out = NULL, *lspv[] = { (char *)"lspv", NULL };
		struct vdm_error e2 = { 0 };
		aix_pvs pvs = { 0 };
		/* a failure here is not fatal (another OS, a driver being tried): wait_disk then
		 * refuses to guess */
		if (aix_do(x, lspv, &out, &e2) == 0 && aix_parse_lspv(out, &pvs, &e2) == 0) {
			for (size_t i = 0; i < pvs.n; i++)
				words_add(&x->seen, pvs.v[i].name);
			x->seen_valid = true;
			aix_pvids_note(x, &pvs);
		}
		free(out);
		aix_pvs_free(&pvs);
	}
	*handle = x;
	return 0;
}

static void aix_close(void *vh)
{
	struct aix_handle *x = vh;
	if (!x)
		return;
	vdm_words_free(&x->seen);
	vdm_words_free(&x->done);
	for (size_t i = 0; i < x->known.n; i++)
		free(x->known.v[i].disk), free(x->known.v[i].hdisk);
	free(x->known.v);
	for (size_t i = 0; i < x->pvids.n; i++)
		free(x->pvids.v[i].disk), free(x->pvids.v[i].hdisk);
	free(x->pvids.v);
	aix_map_state_free(&x->map);
	json_decref(x->vgj);
	json_decref(x->disk_pool);
	free(x);
}

/* The hdisk an earlier wait_disk found for disk, from the journal of another process. */
static int aix_recall(void *vh, const char *disk, const json_t *facts, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	const char *hd = json_string_value(json_object_get(facts, "hdisk"));
	if (!hd)
		return 0;
	if (!aix_name_ok(disk) || !aix_is_hdisk(hd))
		return vdm_err(err, -EINVAL, "aix: journal facts for disk %s: '%s' is not an hdisk",
			       disk, hd);
	if (!x->scripting)
		aix_known_set(x, disk, hd);
	return 0;
}

const struct vdm_client_ops vdm_client_aix = {
	.name = "aix",
	.caps = VDM_CLIENT_AUTOMATED | VDM_CLIENT_SCRIPT,
	.open = aix_open,
	.close = aix_close,
	.recall = aix_recall,
	.discover = aix_discover,
	.wait_disk = aix_wait_disk,
	.add_pv = aix_add_pv,
	.remove_pv = aix_remove_pv,
	.add_copy = aix_add_copy,
	.remove_copy = aix_remove_copy,
	.sync_status = aix_sync_status,
	.resync_copy = aix_resync_copy,
	.replace_copy = aix_replace_copy,
	.drop_copy = aix_drop_copy,
	.remove_missing = aix_remove_missing,
	.restore_pv = aix_restore_pv,
	.prepare = aix_prepare,
};
