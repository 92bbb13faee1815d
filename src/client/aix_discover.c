/* aix_discover.c: the aix driver's discovery: the partition's hdisks matched to the backend's
 * disks, and each varied-on volume group read into formats v1 (lspv, lsvg, lslv). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "vdmirror/client.h"
#include "vdmirror/model.h"
#include "vdmirror/warnings.h"
#include "aix.h"
#include "aix_map.h"
#include "aix_priv.h"

/* ---- discovery ---- */

#define AIX_EACH_MAX 256            /* objects per command: about 4 KB of arguments */
#define AIX_EACH_BUDGET (1 << 20)   /* output per command: a quarter of the transport's cap */

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

/* Objects of the discovery loop asked once each and looked up by command and names (which
 * the set keeps: q[].name points into `names`). */
typedef struct { VEC(struct aix_each) q; VEC(int64_t) est; vdm_words names; } aix_each_set;
static int aix_each_check(const struct aix_each *e, struct vdm_error *err);
static size_t aix_each_want_est(aix_each_set *set, enum aix_each_cmd cmd, const char *name,
				const char *name2, int64_t est);
static const struct aix_each *aix_each_get(struct aix_handle *x, aix_each_set *set,
					   enum aix_each_cmd cmd, const char *name,
					   const char *name2);

/* What is known of hdisk pv's backing: the backend disk (aix_find_disk_for: d, NULL when
 * none), found from its PVID and its lscfg -l location (cfg; cfgout its output, NULL when it
 * failed) read into slot and lun (owned); amb: several backing devices had that LUN. */
struct aix_match { json_t *d; const char *cfgout; int64_t slot; char *lun; int amb; };

static void aix_match_free(struct aix_match *m) { free(m->lun); }
#define CLEANUP_MATCH __attribute__((cleanup(aix_match_free)))

static void aix_match(json_t *disks, const struct aix_pv *pv, const struct aix_each *cfg,
		      struct aix_match *m)
{
	*m = (struct aix_match){ .slot = -1, .cfgout = cfg->rc == 0 ? cfg->out : NULL };
	if (m->cfgout) {
		struct vdm_error e2;
		aix_parse_lscfg(m->cfgout, &m->slot, &m->lun, &e2);
	}
	m->d = aix_find_disk_for(disks, pv->name, pv->pvid, m->slot, m->lun, &m->amb);
}

/* A disk the VIOS give through two or more servers is multipath only while AIX has those
 * paths Enabled: keep in `paths` only the servers behind Enabled paths (client adapter slot
 * -> server through the HMC's client slots), so the protection is never overestimated.
 * lsp: the disk's `lspath -l` (asked with the others'); the `lscfg -l` of an adapter is asked
 * once per discovery (adapters, in `ads`: a few per partition, whatever the disks). */
static int aix_check_paths(struct aix_handle *x, const char *pname, const char *hdisk, json_t *d,
			   const struct aix_each *lsp, aix_each_set *ads, struct vdm_error *err)
{
	json_t *paths = json_object_get(d, "paths");
	if (json_array_size(paths) < 2)
		return 0;
	int rc = aix_each_check(lsp, err);
	if (rc < 0)
		return rc;
	aix_paths ap = {0};
	rc = aix_parse_lspath(lsp->out, &ap, err);
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
		const struct aix_each *cfg = aix_each_get(x, ads, AIX_EACH_LSCFG, ap.v[i].parent,
							  NULL);
		int64_t slot = -1;
		if ((rc = aix_each_check(cfg, err)) < 0)
			break;
		rc = aix_parse_lscfg_slot(cfg->out, &slot, err);
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
bool aix_state_lost(const char *state)
{
	return state && (!strcasecmp(state, "missing") || !strcasecmp(state, "removed"));
}

/* Which copies of a stale LV (lsvg -l: open/stale) are out of date: lslv -p PV LV, the
 * allocation map of LV's PPs on PV (IBM AIX 7.1 Commands Reference, lslv:
 * https://www.ibm.com/docs/ssw_aix_71/com.ibm.aix.cmds3/lslv.htm), marks a stale PP "STALE"
 * (the word is from AIX documentation of -p, not seen in a published output: docs/powervm.md).
 * A copy with a PV in `lost` is lost, which says more than stale (formats.md): not asked.
 * lslvp: the lslv -p objects, asked of every PV of the VG's stale LVs' copies beforehand
 * (aix_stale_ask); read here in the order they were once asked one by one.
 * *out: the 0-based indexes into `copies`; *progress: NULL, or lvs[].resync_percent (formats.md
 * 7.1) when lslv's STALE PPs can only be the one stale copy's (no other copy stale or lost: a
 * lost copy's PPs are stale too) and are 1 to its LPs, the rest of that copy being in sync.
 * That lslv (lslv_out, read with the LV's allocation) is optional: when it says nonsense (the
 * partition's word), the copy is only stale, with a warning on `partition`. */
static int aix_stale_copies(struct aix_handle *x, json_t *partition, const char *pname,
			    const char *lv, const char *lslv_out, json_t *copies, json_t *lost,
			    aix_each_set *lslvp, json_t **out, json_t **progress,
			    struct vdm_error *err)
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
			const struct aix_each *q = aix_each_get(x, lslvp, AIX_EACH_LSLV_P, pv, lv);
			int rc = aix_each_check(q, err);
			if (rc < 0)
				return rc;
			is_stale = strstr(q->out, "STALE") != NULL;
		}
		if (is_stale)
			json_array_append_new(*out, json_integer((json_int_t)c));
	}
	if (json_array_size(*out) != 1 || any_lost)
		return 0;
	struct vdm_error lerr = { 0 };
	int64_t ncopies, lps, stale;
	if (aix_parse_lslv(lslv_out, &ncopies, &lps, &stale, &lerr) < 0)
		return 0;
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

/* Queues in lslvp `lslv -p PV LV` of each PV of each copy of stale LV lv (its lslv -m in
 * lslv_m) that has no PV in `lost`: what aix_stale_copies may read, so the VG's stale LVs
 * take one round trip together. A map that does not parse asks nothing (aix_stale_copies is
 * not reached); a name the loop may not carry is left to it (it says why). est: the size of a
 * PV's map, from its PPs in lsvg -p. */
static void aix_stale_ask(const char *lv, const char *lslv_m, json_t *lost, const aix_vgpvs *vpv,
			  aix_each_set *lslvp)
{
	struct aix_lvmap m;
	struct vdm_error e = { 0 };
	if (aix_parse_lslv_m(lslv_m, &m, &e) < 0)
		return;
	for (int c = 0; c < m.copies; c++) {
		bool is_lost = false;
		for (int64_t lp = 0; lp < m.lps && !is_lost; lp++)
			is_lost = m.pv[c][lp] && json_object_get(lost, m.pv[c][lp]);
		for (int64_t lp = 0; lp < m.lps && !is_lost; lp++) {
			const char *pv = m.pv[c][lp];
			if (!pv || !aix_name_ok(pv) || !aix_name_ok(lv) ||
			    (lp && m.pv[c][lp - 1] && !strcmp(m.pv[c][lp - 1], pv)))
				continue;
			int64_t est = AIX_EACH_BUDGET;   /* a PV lsvg -p did not list: alone */
			for (size_t k = 0; k < vpv->n; k++)
				if (!strcmp(vpv->v[k].name, pv) && vpv->v[k].total < AIX_EACH_BUDGET / 8)
					est = (vpv->v[k].total + 10) * 8 + 512;
			aix_each_want_est(lslvp, AIX_EACH_LSLV_P, pv, lv, est);
		}
	}
	aix_lvmap_free(&m);
}

/* lslv LV (its output in out): the LV's allocation rules into its inventory object (fields of
 * this driver beside formats v1): "aix_strict" no|yes|superstrict, "aix_upper_bound", and
 * "aix_copy_pools" (one entry per copy 1..3, null for none) when any copy is in a mirror pool. */
static int aix_lv_alloc(const char *lv, const char *out, json_t *jlv, struct vdm_error *err)
{
	struct aix_lvalloc a;
	int rc = aix_parse_lslv_alloc(out, &a, err);
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

/* lspv PV of each PV of a VG with mirror pools (it[0..n), in the order of jpvs):
 * "aix_mirror_pool" on the PV when it has one. */
static int aix_pv_pools(json_t *jpvs, const struct aix_each *it, size_t n, struct vdm_error *err)
{
	size_t i;
	json_t *pv;
	json_array_foreach(jpvs, i, pv) {
		const char *name = json_string_value(json_object_get(pv, "disk"));
		char *pool = NULL;
		if (i >= n || !name || strcmp(name, it[i].name))
			return vdm_err(err, -EPROTO, "aix: PV %s: no lspv output", name ? name : "?");
		int rc = aix_parse_lspv_pool(it[i].out, &pool, err);
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

/* A marker no output holds: "#vdm-" and 16 hex digits from /dev/urandom (else from the clock
 * and the pid: it only has to be absent from what lslv and lspv print). */
static void aix_each_mark(char mark[32])
{
	uint64_t r = 0;
	FILE *f = fopen("/dev/urandom", "re");
	if (!f || fread(&r, sizeof r, 1, f) != 1) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16);
	}
	if (f)
		fclose(f);
	snprintf(mark, 32, "#vdm-%016llx", (unsigned long long)r);
}

/* The first line of a failed object's stderr (the loop's stderr is all of its objects'):
 * what aix_failed quotes, kept for a caller that judges the failure itself. */
static void aix_each_note(struct aix_each *e, const char *eo)
{
	int l = (int)strcspn(eo ? eo : "", "\n");
	free(e->errout);
	e->errout = e->rc ? xasprintf("%.*s", l > 300 ? 300 : l, eo ? eo : "") : NULL;
}

/* 0 when object e ran and exited 0; else its error as aix_do words it (a command that could
 * not be run: the transport's error, kept by a tolerant run). */
static int aix_each_check(const struct aix_each *e, struct vdm_error *err)
{
	if (e->rc < 0)
		return vdm_err(err, e->rc, "%s", e->errout ? e->errout : "command not run");
	if (e->rc == 0)
		return 0;
	CLEANUP_FREE char *cmd = aix_each_line(e);
	return aix_failed(cmd, e->rc, e->errout, e->out, err);
}

/* Runs the command of each object it[0..n) (names checked by the caller), filling it[].out:
 * in one remote command per AIX_EACH_MAX objects or AIX_EACH_BUDGET bytes of output (est[]:
 * each output's size at most, as far as known), so the round trips of a discovery do not grow
 * with the LVs. A recorded partition (replay) holds one output per command line: there, one
 * command per object. So is a partition whose shell cannot run the loop (its exit status is
 * not 0, or its output is not the loop's: a restricted shell, a shell that parses it
 * otherwise; the loop is confirmed on ksh93, bash and dash, not on AIX's own ksh88): the
 * discovery then goes on one command per object, as before the loop, and says why once.
 * Any object's non-zero exit is an error, as each was before, unless `tolerant`: then it[].rc
 * and it[].errout say it (a negative rc for one that could not run alone, e.g. not recorded),
 * and the caller judges each object it uses as aix_do would (aix_each_check) or lets it
 * only degrade. A combined command of several objects whose output passes the cap (-E2BIG: the
 * estimates fell short) has its objects asked again one command each, that once; one that
 * cannot be run at all (SSH, a timeout) is an error. */
static int aix_each_run(struct aix_handle *x, struct aix_each *it, size_t n, const int64_t *est,
			bool tolerant, struct vdm_error *err)
{
	bool replay = x->t->scheme && !strcmp(x->t->scheme, "replay");
	bool too_big = false;   /* this chunk's output passed the transport's cap: one by one */
	for (size_t i = 0; i < n;) {
		bool one_by_one = replay || x->each_broken[0] || too_big;
		size_t k = i;
		int64_t sum = 0;
		while (k < n && k - i < AIX_EACH_MAX && (k == i || sum + est[k] <= AIX_EACH_BUDGET))
			sum += est[k++];
		int rc = 0;
		if (one_by_one) {
			for (size_t j = i; rc == 0 && j < k; j++) {
				char *av[8], *o = NULL;
				aix_each_cmd_argv(&it[j], av);
				rc = vdm_transport_run(x->t, av, AIX_TIMEOUT_MS, &o, err);
				if (rc < 0 && tolerant) {      /* e.g. not recorded: as a failed one */
					free(o);
					o = NULL;
					it[j].rc = rc;
					it[j].errout = xstrdup(err->msg);
					memset(err, 0, sizeof *err);
					rc = 0;
				} else if (rc < 0) {
					break;
				} else {
					it[j].rc = rc;
					aix_each_note(&it[j], vdm_transport_last_stderr(x->t));
				}
				it[j].out = o ? o : xstrdup("");
				if (!tolerant)
					rc = aix_each_check(&it[j], err);
			}
		} else {
			char mark[32], *o = NULL;
			aix_each_mark(mark);
			char **av = aix_each_argv(mark, it + i, k - i, err);
			if (!av)
				return err->code ? err->code : -EINVAL;
			rc = vdm_transport_run(x->t, av, AIX_TIMEOUT_MS + (int64_t)(k - i) * 2000, &o,
					       err);
			aix_each_argv_free(av);
			const char *eo = rc >= 0 ? vdm_transport_last_stderr(x->t) : NULL;
			if (rc > 0) {
				int l = (int)strcspn(eo ? eo : "", "\n");
				snprintf(x->each_broken, sizeof x->each_broken, "exit %d%s%.*s", rc,
					 l ? ": " : "", l > 160 ? 160 : l, eo ? eo : "");
			} else if (rc == 0 &&
				   aix_parse_each(o ? o : "", mark, it + i, k - i, err) < 0) {
				snprintf(x->each_broken, sizeof x->each_broken, "%.200s", err->msg);
			}
			free(o);
			/* the same objects again, one command each: when the loop is broken, or
			 * when the estimates fell short and the output passed the transport's cap (a
			 * VG of thousands of LVs; each fitted alone before the loop). Any other
			 * transport failure is the partition's, not the loop's: it stays an error. */
			too_big = rc == -E2BIG && k - i > 1;
			if (too_big || (rc >= 0 && x->each_broken[0])) {
				aix_each_free(it + i, k - i);
				memset(err, 0, sizeof *err);
				continue;
			}
			for (size_t j = i; rc == 0 && j < k; j++)
				aix_each_note(&it[j], eo);
			for (size_t j = i; rc == 0 && !tolerant && j < k; j++)
				rc = aix_each_check(&it[j], err);
		}
		if (rc < 0)
			return rc;
		i = k;
		too_big = false;
	}
	return 0;
}

/* The objects set->q.v[from..n) in one combined command (tolerant: each is judged where it
 * is used). */
static int aix_each_run_set(struct aix_handle *x, aix_each_set *set, size_t from,
			    struct vdm_error *err)
{
	if (from >= set->q.n)
		return 0;
	return aix_each_run(x, set->q.v + from, set->q.n - from, set->est.v + from, true, err);
}

static const char *aix_each_name(aix_each_set *set, const char *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < set->names.n; i++)
		if (!strcmp(set->names.v[i], s))
			return set->names.v[i];
	VEC_PUSH(&set->names, xstrdup(s));
	return set->names.v[set->names.n - 1];
}

/* Queues object cmd NAME [NAME2] in set unless it is there; returns its index. Its output is
 * taken to be under 4 KB (lspath, lsattr, lscfg), unless aix_each_want_est says more. */
static size_t aix_each_want(aix_each_set *set, enum aix_each_cmd cmd, const char *name,
			    const char *name2)
{
	return aix_each_want_est(set, cmd, name, name2, 4096);
}

static size_t aix_each_want_est(aix_each_set *set, enum aix_each_cmd cmd, const char *name,
				const char *name2, int64_t est)
{
	name = aix_each_name(set, name);
	name2 = aix_each_name(set, name2);
	for (size_t i = 0; i < set->q.n; i++)   /* names interned: equal names, equal pointers */
		if (set->q.v[i].cmd == cmd && set->q.v[i].name == name && set->q.v[i].name2 == name2)
			return i;
	VEC_PUSH(&set->q, ((struct aix_each){ .cmd = cmd, .name = name, .name2 = name2 }));
	VEC_PUSH(&set->est, est);
	return set->q.n - 1;
}

/* Object cmd NAME [NAME2] of set, run: asked with the others beforehand (aix_each_run_set),
 * else now, alone (a disk the pre-pass could not foresee). One that could not be run at all
 * comes back failed (rc < 0, errout the cause), so each caller keeps its own rule. The
 * pointer holds until the set grows. */
static const struct aix_each *aix_each_get(struct aix_handle *x, aix_each_set *set,
					   enum aix_each_cmd cmd, const char *name,
					   const char *name2)
{
	size_t n = set->q.n, i = aix_each_want(set, cmd, name, name2);
	if (i == n) {
		struct vdm_error e = { 0 };
		if (aix_each_run_set(x, set, i, &e) < 0) {
			set->q.v[i].rc = e.code < 0 ? e.code : -EIO;
			set->q.v[i].errout = xstrdup(e.msg);
		}
	}
	return &set->q.v[i];
}

static void aix_each_set_free(aix_each_set *set)
{
	aix_each_free(set->q.v, set->q.n);
	free(set->q.v);
	free(set->est.v);
	vdm_words_free(&set->names);
	memset(set, 0, sizeof *set);
}

int aix_discover(void *vh, json_t *partition, struct vdm_error *err)
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

	/* which backend disk is which hdisk: PVID for whole LUNs, else slot + LUN; the location
	 * of every hdisk in a VG in one command (one that fails is only a disk without one) */
	struct aix_each *cfg = xcalloc(pvs.n + 1, sizeof *cfg);
	int64_t *cfg_est = xcalloc(pvs.n + 1, sizeof *cfg_est);
	size_t ncfg = 0;
	for (size_t i = 0; rc == 0 && i < pvs.n; i++) {
		if (!pvs.v[i].vg)
			continue;
		if (!aix_name_ok(pvs.v[i].name)) {
			rc = vdm_err(err, -EPROTO, "aix: disk name '%s' unusable", pvs.v[i].name);
			break;
		}
		cfg_est[ncfg] = 4096;
		cfg[ncfg++] = (struct aix_each){ .cmd = AIX_EACH_LSCFG, .name = pvs.v[i].name };
	}
	if (rc == 0)
		rc = aix_each_run(x, cfg, ncfg, cfg_est, true, err);
	/* what the loop below will ask of each disk, asked of all in one more command (each
	 * judged where it is used, as when it ran alone): `lspath -l` of a multipath disk or of
	 * one behind a VIOS that did not answer, lsattr of an NPIV disk. The same rules decide it
	 * there; a disk this pass could not foresee is asked alone (aix_each_get). */
	aix_each_set pre = {0}, ads = {0};
	for (size_t i = 0, c = 0; rc == 0 && i < pvs.n; i++) {
		if (!pvs.v[i].vg)
			continue;
		CLEANUP_MATCH struct aix_match m;
		aix_match(disks, &pvs.v[i], &cfg[c++], &m);
		if (!m.d && !m.amb && m.cfgout && aix_npiv_asks(partition, m.cfgout))
			aix_each_want(&pre, AIX_EACH_UNIQUE_ID, pvs.v[i].name, NULL);
		if ((m.d && !aix_state_lost(pvs.v[i].state) &&
		     json_array_size(json_object_get(m.d, "paths")) >= 2) ||
		    aix_unreach_asks(partition, m.slot, m.d))
			aix_each_want(&pre, AIX_EACH_LSPATH, pvs.v[i].name, NULL);
	}
	if (rc == 0)
		rc = aix_each_run_set(x, &pre, 0, err);
	for (size_t i = 0, c = 0; rc == 0 && i < pvs.n; i++) {
		if (!pvs.v[i].vg)
			continue;
		CLEANUP_MATCH struct aix_match m;
		aix_match(disks, &pvs.v[i], &cfg[c++], &m);
		/* not a vSCSI disk: an NPIV disk is kept with what is known */
		if (!m.d && !m.amb && m.cfgout &&
		    (rc = aix_npiv_disk(partition, pvs.v[i].name, pvs.v[i].pvid, m.cfgout,
					aix_npiv_asks(partition, m.cfgout)
					? aix_each_get(x, &pre, AIX_EACH_UNIQUE_ID, pvs.v[i].name,
						       NULL)
					: NULL, err)) > 0) {
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
		const struct aix_each *lsp = aix_unreach_asks(partition, m.slot, m.d)
			? aix_each_get(x, &pre, AIX_EACH_LSPATH, pvs.v[i].name, NULL) : NULL;
		json_t *d = aix_unreach_disk(partition, pname, pvs.v[i].name, pvs.v[i].pvid, m.slot,
					     m.lun, m.d, lsp);
		if (!d) {
			/* reported, not fatal: only the VG being planned must be understood, and a
			 * VG with a disk not understood is left out below */
			vdm_warn(partition, "aix %s: %s (volume group %s, LUN %s): %s; volume group "
				 "%s left out", pname, pvs.v[i].name, pvs.v[i].vg, m.lun ? m.lun : "?",
				 m.amb ? "several VIOS backing devices have this LUN; configure the "
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
		if (json_array_size(json_object_get(d, "paths")) >= 2 &&
		    (rc = aix_check_paths(x, pname, pvs.v[i].name, d,
					  aix_each_get(x, &pre, AIX_EACH_LSPATH, pvs.v[i].name,
						       NULL), &ads, err)) < 0)
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
	/* lsvg, lsvg -p and lsvg -l of every VG read below (varied on, every disk understood),
	 * in one command; vgq[3 * k ...] for the k-th such VG in lspv's order */
	json_t *vg_asked = json_object();
	struct aix_each *vgq = xcalloc(3 * pvs.n + 1, sizeof *vgq);
	int64_t *vgq_est = xcalloc(3 * pvs.n + 1, sizeof *vgq_est);
	size_t nvgq = 0;
	for (size_t i = 0; rc == 0 && i < pvs.n; i++) {
		const char *vg = pvs.v[i].vg;
		if (!vg || json_object_get(vg_asked, vg) || !json_object_get(vg_active, vg) ||
		    json_object_get(vg_unknown, vg) || !aix_name_ok(vg))
			continue;
		json_object_set_new_nocheck(vg_asked, vg, json_true());
		static const enum aix_each_cmd q[] = { AIX_EACH_LSVG, AIX_EACH_LSVG_P, AIX_EACH_LSVG_L };
		for (int c = 0; c < 3; c++) {
			vgq[nvgq] = (struct aix_each){ .cmd = q[c], .name = vg };
			vgq_est[nvgq++] = c == 2 ? 65536 : 4096;   /* lsvg -l: a line per LV */
		}
	}
	json_decref(vg_asked);
	if (rc == 0)
		rc = aix_each_run(x, vgq, nvgq, vgq_est, false, err);
	for (size_t i = 0, vgk = 0; rc == 0 && i < pvs.n; i++) {
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
		aix_vgpvs vpv = {0};
		aix_lvs lvs = {0};
		enum aix_mp_strict mps = AIX_MP_OFF;
		if (3 * vgk + 2 >= nvgq || strcmp(vgq[3 * vgk].name, vg)) {
			rc = vdm_err(err, -EPROTO, "aix %s: volume group %s was not read", pname, vg);
			break;
		}
		const struct aix_each *q = vgq + 3 * vgk++;
		rc = aix_parse_lsvg(q[0].out, &pp, &stale, err);
		if (rc == 0)
			rc = aix_parse_mp_strict(q[0].out, &mps, err);
		if (rc == 0)
			rc = aix_parse_lsvg_p(q[1].out, &vpv, err);
		if (rc == 0)
			rc = aix_parse_lsvg_l(q[2].out, &lvs, err);
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
		/* lslv -m and lslv of every LV, lspv of every PV when lsvg says the VG has mirror
		 * pools: one remote command (aix_each_run), then parsed LV by LV as before */
		size_t nlv = rc == 0 ? lvs.n : 0, npv = mps != AIX_MP_OFF ? vpv.n : 0;
		struct aix_each *each = xcalloc(2 * nlv + vpv.n + 1, sizeof *each);
		int64_t *est = xcalloc(2 * nlv + vpv.n + 1, sizeof *est);
		for (size_t k = 0; rc == 0 && k < nlv; k++) {
			if (!aix_name_ok(lvs.v[k].name)) {
				rc = vdm_err(err, -EPROTO, "aix: LV name '%s' unusable", lvs.v[k].name);
				break;
			}
			/* lslv -m: a line per LP of at most three "PP PV" pairs */
			each[2 * k] = (struct aix_each){ .cmd = AIX_EACH_LSLV_M, .name = lvs.v[k].name };
			est[2 * k] = lvs.v[k].lps < 0 || lvs.v[k].lps > AIX_EACH_BUDGET / 80
				     ? AIX_EACH_BUDGET : (lvs.v[k].lps + 2) * 80;
			each[2 * k + 1] = (struct aix_each){ .cmd = AIX_EACH_LSLV, .name = lvs.v[k].name };
			est[2 * k + 1] = 4096;
		}
		for (size_t k = 0; rc == 0 && k < vpv.n; k++) {
			if (!aix_name_ok(vpv.v[k].name))
				rc = vdm_err(err, -EPROTO, "aix: PV name '%s' unusable", vpv.v[k].name);
			each[2 * nlv + k] = (struct aix_each){ .cmd = AIX_EACH_LSPV, .name = vpv.v[k].name };
			est[2 * nlv + k] = 4096;
		}
		if (rc == 0)
			rc = aix_each_run(x, each, 2 * nlv + npv, est, false, err);
		/* lslv -p of the PVs of the stale LVs' copies: one more command when there are any */
		aix_each_set lslvp = {0};
		for (size_t k = 0; rc == 0 && k < nlv; k++)
			if (lvs.v[k].stale)
				aix_stale_ask(lvs.v[k].name, each[2 * k].out, lost, &vpv, &lslvp);
		if (rc == 0)
			rc = aix_each_run_set(x, &lslvp, 0, err);
		for (size_t k = 0; rc == 0 && k < nlv; k++) {
			struct aix_lvmap m;
			rc = aix_parse_lslv_m(each[2 * k].out, &m, err);
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
				rc = aix_stale_copies(x, partition, pname, lvs.v[k].name,
						      each[2 * k + 1].out, copies, lost, &lslvp,
						      &stale_c, &progress, err);
			json_t *jlv = json_pack("{s:s,s:I,s:o,s:s}", "name", lvs.v[k].name,
				"extents", (json_int_t)lvs.v[k].lps, "copies", copies,
				"aix_type", lvs.v[k].type);
			if (rc == 0 && (rc = aix_lv_alloc(lvs.v[k].name, each[2 * k + 1].out, jlv,
							  err)) < 0)
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
		/* a VG with mirror pools (strictness on, or an LV copy in a pool): each PV's pool;
		 * asked above with the LVs when lsvg said so, else now (one more command) */
		if (rc == 0 && mps == AIX_MP_OFF && any_pool && vpv.n)
			rc = aix_each_run(x, each + 2 * nlv, vpv.n, est + 2 * nlv, false, err);
		if (rc == 0 && (mps != AIX_MP_OFF || any_pool))
			rc = aix_pv_pools(jpvs, each + 2 * nlv, vpv.n, err);
		aix_each_set_free(&lslvp);
		aix_each_free(each, 2 * nlv + vpv.n);
		free(each);
		free(est);
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
	if (rc == 0 && x->each_broken[0])
		vdm_warn(partition, "aix %s: the partition's sh did not run vdmirror's discovery loop "
			 "(%s): asked one command per object instead (more round trips, same result)",
			 pname, x->each_broken);
	json_decref(vgs);
	json_decref(vg_seen);
	json_decref(vg_active);
	json_decref(vg_unknown);
	json_decref(renamed);
	aix_each_set_free(&pre);
	aix_each_set_free(&ads);
	aix_each_free(cfg, ncfg);
	free(cfg);
	free(cfg_est);
	aix_each_free(vgq, nvgq);
	free(vgq);
	free(vgq_est);
	aix_pvs_free(&pvs);
	return rc;
}

