/* aix.h: inside the AIX client driver: parsed forms of the AIX LVM commands and their parsers,
 * reachable alone by unit tests and fuzz targets. Same error contract as vios.h. */
#ifndef VDMIRROR_AIX_H
#define VDMIRROR_AIX_H

#include <stdbool.h>
#include <stdint.h>
#include "vdmirror/error.h"
#include "vdmirror/util.h"
#include <jansson.h>

/* lspv: hdisk0 00f6db0a0c4e1f4d rootvg active ; pvid NULL for "none", vg NULL for "None",
 * state NULL when lspv prints none (a VG that is not varied on). Any device name is taken
 * (rendev names such as EMC_3451_0DEF, up to 15 characters). */
struct aix_pv { char *name, *pvid, *vg, *state; };
typedef VEC(struct aix_pv) aix_pvs;

/* lsvg -p VG */
struct aix_vgpv { char *name, *state; int64_t total, free; };
typedef VEC(struct aix_vgpv) aix_vgpvs;

/* lsvg -l VG */
/* stale: LV STATE says "stale" (open/stale, closed/stale): some PP of a copy is out of date */
struct aix_lv { char *name, *type; int64_t lps, pps, pvs; bool stale; };
typedef VEC(struct aix_lv) aix_lvs;

/* lslv -m LV: for each copy (1..3), the PV of each LP in LP order (NULL where absent) */
struct aix_lvmap { int64_t lps; int copies; char **pv[3]; };

int aix_parse_lspv(const char *text, aix_pvs *out, struct vdm_error *err);
/* lsvg VG: PP SIZE in MiB, and STALE PPs (-1 when absent) */
int aix_parse_lsvg(const char *text, int64_t *pp_mib, int64_t *stale_pps, struct vdm_error *err);
int aix_parse_lsvg_p(const char *text, aix_vgpvs *out, struct vdm_error *err);
int aix_parse_lsvg_l(const char *text, aix_lvs *out, struct vdm_error *err);
int aix_parse_lslv_m(const char *text, struct aix_lvmap *out, struct vdm_error *err);
/* lslv LV: COPIES, LPs, STALE PPs */
int aix_parse_lslv(const char *text, int64_t *copies, int64_t *lps, int64_t *stale,
		   struct vdm_error *err);
/* lscfg -l hdiskN: location code's client slot (-C11) and LUN (-L8100000000000000, as
 * "0x8100000000000000"); *lun freed by the caller */
int aix_parse_lscfg(const char *text, int64_t *slot, char **lun, struct vdm_error *err);

/* lspath -l hdiskN: one "STATUS NAME PARENT" line per path (Enabled, Failed, Missing...) */
struct aix_path { char *status, *parent; };
typedef VEC(struct aix_path) aix_paths;
int aix_parse_lspath(const char *text, aix_paths *out, struct vdm_error *err);
/* lscfg -l vscsiN: the client adapter's slot (location ...-C12-T1) */
int aix_parse_lscfg_slot(const char *text, int64_t *slot, struct vdm_error *err);
void aix_paths_free(aix_paths *v);

/* lsattr -El DISK -a unique_id -F value: the LUN's identifier (one word, [A-Za-z0-9._:-],
 * at most 128 characters); *uid freed by the caller. */
int aix_parse_unique_id(const char *text, char **uid, struct vdm_error *err);

/* aix_npiv.c: a disk of the partition that no VIOS gives by vSCSI. When its location
 * (`lscfg -l` output in lscfg_out) is behind a virtual FC client adapter (-C<slot>-T1-W...),
 * appends to the partition's disks a disk named `name` whose device is the LUN's unique id
 * ("uid-<id>", so two disks on one LUN share it), whose paths are the VIOS serving that
 * adapter slot (the backend's "npiv_locator" paths of that client slot) and whose "locator"
 * holds those paths and `pvid` (NULL: none), and returns 1; returns 0 when it is not an NPIV
 * disk or no VIOS is known to serve that slot (never a guess); negative when its
 * `lsattr -El NAME -a unique_id -F value` (uid: that object, run by the caller's discovery
 * loop; NULL: not asked) failed or says nonsense. aix_npiv_asks says whether that lsattr is
 * needed (same rule). */
struct aix_each;
bool aix_npiv_asks(json_t *partition, const char *lscfg_out);
int aix_npiv_disk(json_t *partition, const char *name, const char *pvid, const char *lscfg_out,
		  const struct aix_each *uid, struct vdm_error *err);

/* Allocation rules (IBM AIX 7.2, "Mirror Pools":
 * https://www.ibm.com/docs/en/aix/7.2?topic=concepts-mirror-pools; lslv:
 * https://www.ibm.com/docs/ssw_aix_72/com.ibm.aix.cmds3/lslv.htm). */
enum aix_mp_strict { AIX_MP_OFF, AIX_MP_ON, AIX_MP_SUPER };
/* lsvg VG: "MIRROR POOL STRICT: off|on|super"; absent (AIX before 6.1.1) = off. -EPROTO for
 * any other value. */
int aix_parse_mp_strict(const char *lsvg_text, enum aix_mp_strict *out, struct vdm_error *err);
/* lslv LV: "EACH LP COPY ON A SEPARATE PV ?: no|yes|yes (superstrict)" (strict 0, 1, 2),
 * "UPPER BOUND: N" (-1 when not printed), "COPY n MIRROR POOL: NAME|None" (pool[n-1], NULL for None or absent). */
struct aix_lvalloc { int strict; int64_t upper; char *pool[3]; };
int aix_parse_lslv_alloc(const char *text, struct aix_lvalloc *out, struct vdm_error *err);
void aix_lvalloc_free(struct aix_lvalloc *a);
/* lspv PV: "MIRROR POOL: NAME|None"; *pool NULL for None or when the field is absent. */
int aix_parse_lspv_pool(const char *text, char **pool, struct vdm_error *err);
/* A mirror pool name AIX takes: 1..15 of [A-Za-z0-9_.-] (IBM, "Mirror Pools", above). */
bool aix_pool_name_ok(const char *s);

/* aix_unreach.c: hdisk's disk when a VIOS did not answer discovery (the partition's
 * "vios_unreachable", written by the vios backend); `found` is what the live VIOS's disks
 * matched (NULL: none). Without a dead VIOS, returns found. Otherwise: found when the match
 * is sure (name, PVID, or LUN on the hdisk's client slot); NULL with a warning when it was by
 * LUN alone (the dead VIOS may serve that LUN too); when nothing matched and the HMC names a
 * dead VIOS behind the hdisk's client slot, a new disk appended to the partition's disks (its
 * path: that VIOS; its devices: every device the live VIOS see; "missing" when `lspath -l`
 * (the object `lspath`, run by the caller's discovery loop; NULL: not asked) shows no Enabled
 * path, else present unless the caller finds it missing); else NULL with a warning.
 * aix_unreach_asks says whether that lspath is needed (same rule). */
bool aix_unreach_asks(json_t *partition, int64_t slot, const json_t *found);
json_t *aix_unreach_disk(json_t *partition, const char *pname, const char *hdisk,
			 const char *pvid, int64_t slot, const char *lun, json_t *found,
			 const struct aix_each *lspath);

/* Discovery asks `lscfg -l` of every hdisk in a VG in ONE remote command, `lspath -l` of every
 * multipath hdisk and `lsattr` of every NPIV hdisk in one more, `lsvg`, `lsvg -p` and `lsvg -l`
 * of every VG it reads in another, and `lslv -m` and `lslv` of every LV of a VG (and `lspv` of
 * every PV in a VG with mirror pools) in one per VG (`lslv -p PV LV` of the stale LVs in one
 * more), so its round trips do not grow with the disks and LVs: `sh -c LOOP MARK K:NAME...`
 * (K:NAME:NAME2 for the two names of lslv -p) runs each object's command and prints, for each
 * in order,
 *     MARK CMDLINE\n<its stdout>MARK rc=N\n
 * (CMDLINE as aix_each_line says; MARK "#vdm-" + random hex, chosen per run, so no command's
 * output holds it; stderr stays the command's stderr). docs/powervm.md says what is assumed. */
enum aix_each_cmd {
	AIX_EACH_LSLV_M, AIX_EACH_LSLV, AIX_EACH_LSPV, AIX_EACH_LSCFG,
	AIX_EACH_LSVG, AIX_EACH_LSVG_P, AIX_EACH_LSVG_L,
	AIX_EACH_LSPATH,        /* lspath -l HDISK */
	AIX_EACH_UNIQUE_ID,     /* lsattr -El HDISK -a unique_id -F value */
	AIX_EACH_LSLV_P,        /* lslv -p PV LV (name: the PV, name2: the LV) */
};
struct aix_each {
	enum aix_each_cmd cmd;
	const char *name;       /* an AIX LV, PV, VG or device name (borrowed) */
	int rc;                 /* after the run: its exit status; negative: it could not be run
				 * (the transport's error code, in a tolerant run only) */
	char *out;              /* after the run: its stdout (owned; aix_each_free) */
	const char *name2;      /* the second name (the LV of lslv -p), NULL for the others */
	char *errout;           /* after a failed run (rc != 0): the first line of its stderr (of
				 * the loop's, in a loop), or the transport's message (owned) */
};
/* The object's command line ("lslv -p hdisk1 lv00"; owned): the loop's header, and how errors
 * name the command. */
char *aix_each_line(const struct aix_each *e);
/* The object's command alone (argv[0..8), borrowed from e and static strings): what a recorded
 * partition answers. */
void aix_each_cmd_argv(const struct aix_each *e, char *argv[8]);
/* The argv of that command for it[0..n) (owned: aix_each_argv_free); NULL with *err set when
 * a name is not an AIX name ([A-Za-z0-9][A-Za-z0-9._-]{0,14}: -EPROTO), for a marker not of
 * the form above, or for more than 4096 objects. */
char **aix_each_argv(const char *mark, const struct aix_each *it, size_t n, struct vdm_error *err);
void aix_each_argv_free(char **av);
/* Splits its output into it[i].out and it[i].rc: every object once, in order, nothing before,
 * between or after; -EPROTO otherwise (cut short, a marker inside an output). */
int aix_parse_each(const char *text, const char *mark, struct aix_each *it, size_t n,
		   struct vdm_error *err);
void aix_each_free(struct aix_each *it, size_t n);

void aix_pvs_free(aix_pvs *v);
void aix_vgpvs_free(aix_vgpvs *v);
void aix_lvs_free(aix_lvs *v);
void aix_lvmap_free(struct aix_lvmap *m);

#endif
