/* aix.c: the "aix" client mirror driver: AIX LVM seen through lspv/lsvg/lslv/lscfg, mirror
 * steps as extendvg/mklvcopy/syncvg (+ bosboot/bootlist for rootvg), the mirror pool rules of
 * prepare, open/close; discovery is in aix_discover.c, the repair steps in aix_repair.c.
 * Command formats: IBM AIX documentation, summarised in ../shared/docs/powervm-notes.md and
 * docs/internals/vios.md. */
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
#include "aix_priv.h"

/* ---- running commands ---- */

void aix_pvids_note(struct aix_handle *x, const aix_pvs *pvs)
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

const char *aix_pvid_get(struct aix_handle *x, const char *hdisk)
{
	for (size_t k = 0; k < x->pvids.n; k++)
		if (!strcmp(x->pvids.v[k].disk, hdisk))
			return x->pvids.v[k].hdisk;
	return NULL;
}

static int aix_script_note(struct aix_handle *x, struct vdm_error *err);

int aix_failed(const char *cmd, int status, const char *errout, const char *out,
	       struct vdm_error *err)
{
	const char *src = errout && *errout ? errout : out ? out : "";
	int n = (int)strcspn(src, "\n");
	return vdm_err(err, strstr(src, "0516-404") ? -ENOSPC : -EIO,
		       "aix: '%s' failed (exit %d)%s%.*s", cmd, status, n ? ": " : "",
		       n > 300 ? 300 : n, src);
}

int aix_do(struct aix_handle *x, char *const argv[], char **out, struct vdm_error *err)
{
	char *o = NULL;
	if (x->scripting && aix_script_note(x, err) < 0)
		return -EIO;
	int rc = vdm_transport_run(x->t, argv, AIX_TIMEOUT_MS, &o, err);
	if (rc > 0) {
		CLEANUP_FREE char *cmd = vdm_shell_join(argv);
		rc = aix_failed(cmd, rc, vdm_transport_last_stderr(x->t), o, err);
	}
	if (rc < 0 || !out)
		free(o);
	else
		*out = o ? o : xstrdup("");
	return rc < 0 ? rc : 0;
}

/* lslv LV: its COPIES, LPs and STALE PPs. */
int aix_lslv_counts(struct aix_handle *x, const char *lv, int64_t *copies, int64_t *lps,
		    int64_t *stale, struct vdm_error *err)
{
	char *out, *lslv[] = { (char *)"lslv", (char *)lv, NULL };
	int rc = aix_do(x, lslv, &out, err);
	if (rc < 0)
		return rc;
	rc = aix_parse_lslv(out, copies, lps, stale, err);
	free(out);
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
int aix_hdisk(struct aix_handle *x, const char *disk, char **hd, struct vdm_error *err)
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
int aix_syncvg(struct aix_handle *x, const char *lv, struct vdm_error *err)
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

int aix_add_copy(void *vh, const char *vg, const char *lv, int copies,
		 const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg) || !aix_name_ok(lv))
		return vdm_err(err, -EINVAL, "aix: names '%s'/'%s' invalid", vg, lv);
	if (copies < 2 || copies > 3 || !copy || !copy->n_segs || copy->n_segs > 16)
		return vdm_err(err, -EINVAL, "aix: LV %s: bad copy request (%d copies)", lv, copies);
	if (!x->scripting) {
		int64_t have, lps, stale;
		int rc = aix_lslv_counts(x, lv, &have, &lps, &stale, err);
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


static int aix_remove_copy(void *vh, const char *vg, const char *lv,
			   const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	if (!aix_name_ok(vg) || !aix_name_ok(lv) || !copy || !copy->n_segs || copy->n_segs > 16)
		return vdm_err(err, -EINVAL, "aix: bad remove-copy request for %s", lv);
	int64_t have = 2, lps, stale;
	if (!x->scripting) {
		int rc = aix_lslv_counts(x, lv, &have, &lps, &stale, err);
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
	int64_t copies, lps, stale;
	int rc = aix_lslv_counts(x, lv, &copies, &lps, &stale, err);
	if (rc < 0)
		return rc;
	/* stale PPs belong to the copies being synchronised: copies-1 of them per LP */
	int64_t total = lps * (copies > 1 ? copies - 1 : 1);
	*percent = total > 0 ? 100.0 * (double)(total - (stale < total ? stale : total)) / (double)total
			     : 100.0;
	return 0;
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
