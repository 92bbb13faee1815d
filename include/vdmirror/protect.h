/* protect.h: failure components and the protection rules of formats.md, in one place.
 *
 * Both the planner (judging a new copy) and the audit (`vdmirror check`) call these
 * functions, so a plan and the check of its result can never disagree.
 *
 * Components are numbered once per inventory: every physical device (named in a pool's or a
 * disk's `devices`, plus one implicit device for each pool without `devices` and each disk
 * with neither pool nor devices), every pool, server, frame (plus the unnamed frame) and
 * site (plus the unnamed site). A disk is reduced to a profile: the components whose failure
 * alone kills it (devices, pool) and the servers it is reached through (all of which must be
 * dead, each by itself, its frame or its site, for the disk to die). */
#ifndef VDMIRROR_PROTECT_H
#define VDMIRROR_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include "vdmirror/model.h"

struct vdm_faults;

/* A disk's failure profile. Arrays are owned by whoever built the profile: the ones from
 * vdm_faults_disk() live as long as the vdm_faults; vdm_faults_profile() fills a caller's
 * struct whose arrays the caller frees with vdm_profile_release(). */
struct vdm_profile {
	int *devices;             /* component ids of level device, sorted, unique */
	size_t n_devices;
	int pool;                 /* component id, -1 when the disk has no pool */
	int *servers;             /* component ids of the path servers, sorted, unique */
	size_t n_servers;
};

/* At most 4 simultaneous failures are examined (formats.md: 3 copies, any two). */
#define VDM_MAX_FAILED 4
struct vdm_failset {
	int n;
	int ids[VDM_MAX_FAILED];  /* component ids */
};

/* One copy of an LV: the profiles of the disks holding its extents. */
struct vdm_copy_disks {
	const struct vdm_profile *const *disks;
	size_t n;
};

/* Builds the component index of an inventory. The inventory must outlive the result. */
struct vdm_faults *vdm_faults_new(const struct vdm_inventory *inv);
void vdm_faults_free(struct vdm_faults *f);

/* Profile of an existing disk of a partition (indices as in the inventory). */
const struct vdm_profile *vdm_faults_disk(const struct vdm_faults *f, int partition, int disk);

/* Profile of a hypothetical disk: in `pool` (index or -1) with extra `devices` (names, may be
 * new ones: a device not known to the inventory counts as a device of its own) reached through
 * `paths` (server indices). Used by the planner for disks it has not created yet. */
void vdm_faults_profile(const struct vdm_faults *f, int pool, char *const *devices,
			size_t n_devices, const int *paths, size_t n_paths,
			struct vdm_profile *out);
void vdm_profile_release(struct vdm_profile *p);

/* Level of component id (VDM_LEVEL_DEVICE..VDM_LEVEL_SITE). */
enum vdm_level vdm_component_level(const struct vdm_faults *f, int id);
/* Human name: "device lun-100", "pool vios1/sp", "server vios1", "frame (unnamed)",
 * "device of pool vios1/sp". Returns buf. */
const char *vdm_component_name(const struct vdm_faults *f, int id, char *buf, size_t size);

/* THE rule: does a disk with profile p survive the failure of every component in failed? */
bool vdm_disk_survives(const struct vdm_faults *f, const struct vdm_profile *p,
		       const struct vdm_failset *failed);

/* Protection level of an LV with these copies: the strongest level L such that any
 * n_copies-1 components of levels up to L may fail at once and at least one copy keeps all of
 * its disks. VDM_LEVEL_NONE for a single copy, or when even one device failure (two for three
 * copies) kills every copy. When the result is below VDM_LEVEL_SITE and why is not NULL,
 * *why receives a set of failures one level higher that kills every copy (the reason the LV is
 * not stronger). */
enum vdm_level vdm_protection(const struct vdm_faults *f, const struct vdm_copy_disks *copies,
			      size_t n_copies, struct vdm_failset *why);

/* formats.md, "Failed, stale and unreachable parts": a copy with an extent on a missing disk
 * is lost (even if also listed as stale); a copy listed in lvs[].stale otherwise is stale;
 * either protects nothing. */
enum vdm_copy_state { VDM_COPY_IN_SYNC, VDM_COPY_STALE, VDM_COPY_LOST };
/* State of copy c of an LV; for a lost copy, *disk (if not NULL) receives its first missing
 * disk (index into the partition's disks), else -1. */
enum vdm_copy_state vdm_copy_state(const struct vdm_inventory *inv, int partition, int vg,
				   int lv, size_t c, int *disk);
/* Why a copy does not count, in words: "lost: disk hdisk1 is missing (server vios1
 * unreachable)", "stale: resyncing 42 %" (lvs[].resync_percent known), "stale: out of date,
 * resync needed"; "" for a copy in sync. Returns buf. */
const char *vdm_copy_state_text(const struct vdm_inventory *inv, int partition, int vg, int lv,
				size_t c, char *buf, size_t size);

/* Protection of an existing LV of a partition's VG, as the inventory says it is today:
 * only copies in sync count. */
enum vdm_level vdm_lv_protection(const struct vdm_faults *f, int partition, int vg, int lv,
				 struct vdm_failset *why);

#endif
