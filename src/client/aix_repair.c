/* aix_repair.c: the aix driver's repair steps (docs/internals/repair.md, "Per client"): resync,
 * drop or replace a copy, remove a lost PV, restore a PV that came back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "vdmirror/client.h"
#include "vdmirror/model.h"
#include "vdmirror/warnings.h"
#include "aix.h"
#include "aix_map.h"
#include "aix_priv.h"

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
int aix_resync_copy(void *vh, const char *vg, const char *lv,
		    const struct vdm_plan_copy *copy, struct vdm_error *err)
{
	struct aix_handle *x = vh;
	(void)copy;   /* AIX resyncs every stale PP of the LV, which are the copy's */
	if (!aix_name_ok(vg) || !aix_name_ok(lv))
		return vdm_err(err, -EINVAL, "aix: names '%s'/'%s' invalid", vg, lv);
	if (!x->scripting) {
		int64_t have, lps, stale;
		int rc = aix_lslv_counts(x, lv, &have, &lps, &stale, err);
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
int aix_rmlvcopy(struct aix_handle *x, const char *lv, int left,
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
int aix_drop_copy(void *vh, const char *vg, const char *lv, int copies,
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
int aix_replace_copy(void *vh, const char *vg, const char *lv, int copies,
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
int aix_remove_missing(void *vh, const char *vg, const char *const *disks, size_t n,
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
int aix_restore_pv(void *vh, const char *vg, const char *disk, struct vdm_error *err)
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

