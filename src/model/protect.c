/* protect.c: failure components and the protection rule of formats.md. The planner and the
 * audit both call vdm_protection(), so a plan and the check of its result cannot disagree. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vdmirror/protect.h"
#include "vdmirror/util.h"

/* What a component id stands for. Ids are laid out kind by kind, in this order:
 * named devices (sorted by name), implicit pool devices, implicit disk devices, pools,
 * servers, frames + the unnamed frame, sites + the unnamed site. */
enum comp_kind { COMP_DEVICE, COMP_POOL_DEVICE, COMP_DISK_DEVICE, COMP_POOL, COMP_SERVER,
		 COMP_FRAME, COMP_SITE };

struct comp {
	enum comp_kind kind;
	const char *name;         /* device name, pool/server/frame/site name; NULL = unnamed */
	const char *owner;        /* implicit disk device: the partition name */
};

/* Devices named only by hypothetical disks (vdm_faults_profile), each a device of its own. */
struct faults_extra {
	VEC(char *) names;
};

struct vdm_faults {
	const struct vdm_inventory *inv;
	struct comp *comps;
	size_t n_comps;
	char **device_names;      /* sorted, unique; id of device_names[i] is i */
	size_t n_device_names;
	int first_pool_device, first_pool, first_server, first_frame, first_site;
	int unnamed_frame, unnamed_site;
	int *server_frame;        /* by server index: frame component id */
	int *frame_site;          /* by frame component id - first_frame: site component id */
	struct vdm_profile **disks;   /* [partition][disk] */
	struct faults_extra *extra;
};

static int faults_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int faults_intcmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Sorts and removes duplicates in place; returns the new count. */
static size_t faults_sort_unique(int *v, size_t n)
{
	size_t out = 0;
	qsort(v, n, sizeof *v, faults_intcmp);
	for (size_t i = 0; i < n; i++)
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	return out;
}

static int faults_device_id(const struct vdm_faults *f, const char *name)
{
	char **hit = bsearch(&name, f->device_names, f->n_device_names, sizeof(char *),
			     faults_strcmp);
	return hit ? (int)(hit - f->device_names) : -1;
}

/* Ids of a disk's devices: its pool's (or the pool's implicit device), then its own. */
static void faults_fill_profile(const struct vdm_faults *f, int pool, char *const *devices,
				size_t n_devices, int own_device, const int *paths,
				size_t n_paths, struct vdm_profile *out)
{
	const struct vdm_pool *p = pool >= 0 ? &f->inv->pools[pool] : NULL;
	size_t pool_devs = p ? (p->n_devices ? p->n_devices : 1) : 0;
	size_t cap = pool_devs + n_devices + 1, n = 0;

	out->devices = xmalloc(cap * sizeof(int));
	if (p && p->n_devices)
		for (size_t i = 0; i < p->n_devices; i++)
			out->devices[n++] = faults_device_id(f, p->devices[i]);
	else if (p)
		out->devices[n++] = f->first_pool_device + pool; /* the pool's own device */
	for (size_t i = 0; i < n_devices; i++) {
		int id = faults_device_id(f, devices[i]);
		if (id < 0) {
			/* a device nobody else names: give it an id of its own past every other */
			struct faults_extra *x = f->extra;
			size_t k;
			for (k = 0; k < x->names.n; k++)
				if (!strcmp(x->names.v[k], devices[i]))
					break;
			if (k == x->names.n)
				VEC_PUSH(&x->names, xstrdup(devices[i]));
			id = (int)f->n_comps + (int)k;
		}
		out->devices[n++] = id;
	}
	if (!p && n_devices == 0)
		out->devices[n++] = own_device;
	out->n_devices = faults_sort_unique(out->devices, n);
	out->pool = p ? f->first_pool + pool : -1;
	out->servers = xmalloc((n_paths ? n_paths : 1) * sizeof(int));
	for (size_t i = 0; i < n_paths; i++)
		out->servers[i] = f->first_server + paths[i];
	out->n_servers = faults_sort_unique(out->servers, n_paths);
}

struct vdm_faults *vdm_faults_new(const struct vdm_inventory *inv)
{
	struct vdm_faults *f = xcalloc(1, sizeof *f);
	f->inv = inv;
	f->extra = xcalloc(1, sizeof *f->extra);

	/* named devices of pools and disks, sorted and unique */
	VEC(char *) names = { 0 };
	size_t n_disks = 0;
	for (size_t i = 0; i < inv->n_pools; i++)
		for (size_t k = 0; k < inv->pools[i].n_devices; k++)
			VEC_PUSH(&names, inv->pools[i].devices[k]);
	for (size_t p = 0; p < inv->n_partitions; p++) {
		const struct vdm_partition *part = &inv->partitions[p];
		n_disks += part->n_disks;
		for (size_t d = 0; d < part->n_disks; d++)
			for (size_t k = 0; k < part->disks[d].n_devices; k++)
				VEC_PUSH(&names, part->disks[d].devices[k]);
	}
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), faults_strcmp);
	size_t nd = 0;
	for (size_t i = 0; i < names.n; i++)
		if (nd == 0 || strcmp(names.v[nd - 1], names.v[i]))
			names.v[nd++] = names.v[i];
	f->device_names = names.v;
	f->n_device_names = nd;

	f->first_pool_device = (int)nd;
	f->first_pool = (int)(nd + inv->n_pools + n_disks);
	f->first_server = f->first_pool + (int)inv->n_pools;
	f->first_frame = f->first_server + (int)inv->n_servers;
	f->unnamed_frame = f->first_frame + (int)inv->n_frames;
	f->first_site = f->unnamed_frame + 1;
	f->unnamed_site = f->first_site + (int)inv->n_sites;
	f->n_comps = (size_t)f->unnamed_site + 1;
	f->comps = xcalloc(f->n_comps, sizeof *f->comps);

	size_t id = 0;
	for (size_t i = 0; i < nd; i++)
		f->comps[id++] = (struct comp){ COMP_DEVICE, f->device_names[i], NULL };
	for (size_t i = 0; i < inv->n_pools; i++)
		f->comps[id++] = (struct comp){ COMP_POOL_DEVICE, inv->pools[i].name, NULL };
	f->disks = xcalloc(inv->n_partitions ? inv->n_partitions : 1, sizeof *f->disks);
	size_t first_disk_dev = id;
	for (size_t p = 0; p < inv->n_partitions; p++)
		for (size_t d = 0; d < inv->partitions[p].n_disks; d++)
			f->comps[id++] = (struct comp){ COMP_DISK_DEVICE,
				inv->partitions[p].disks[d].name, inv->partitions[p].name };
	for (size_t i = 0; i < inv->n_pools; i++)
		f->comps[id++] = (struct comp){ COMP_POOL, inv->pools[i].name, NULL };
	for (size_t i = 0; i < inv->n_servers; i++)
		f->comps[id++] = (struct comp){ COMP_SERVER, inv->servers[i].name, NULL };
	for (size_t i = 0; i < inv->n_frames; i++)
		f->comps[id++] = (struct comp){ COMP_FRAME, inv->frames[i].name, NULL };
	f->comps[id++] = (struct comp){ COMP_FRAME, NULL, NULL };
	for (size_t i = 0; i < inv->n_sites; i++)
		f->comps[id++] = (struct comp){ COMP_SITE, inv->sites[i].name, NULL };
	f->comps[id++] = (struct comp){ COMP_SITE, NULL, NULL };

	f->server_frame = xcalloc(inv->n_servers ? inv->n_servers : 1, sizeof(int));
	for (size_t i = 0; i < inv->n_servers; i++)
		f->server_frame[i] = inv->servers[i].frame >= 0
			? f->first_frame + inv->servers[i].frame : f->unnamed_frame;
	f->frame_site = xcalloc(inv->n_frames + 1, sizeof(int));
	for (size_t i = 0; i < inv->n_frames; i++)
		f->frame_site[i] = inv->frames[i].site >= 0
			? f->first_site + inv->frames[i].site : f->unnamed_site;
	f->frame_site[inv->n_frames] = f->unnamed_site;

	size_t disk_dev = first_disk_dev;
	for (size_t p = 0; p < inv->n_partitions; p++) {
		const struct vdm_partition *part = &inv->partitions[p];
		f->disks[p] = xcalloc(part->n_disks ? part->n_disks : 1, sizeof(struct vdm_profile));
		for (size_t d = 0; d < part->n_disks; d++, disk_dev++) {
			const struct vdm_disk *dk = &part->disks[d];
			faults_fill_profile(f, dk->pool, dk->devices, dk->n_devices, (int)disk_dev,
					    dk->paths, dk->n_paths, &f->disks[p][d]);
		}
	}
	return f;
}

void vdm_profile_release(struct vdm_profile *p)
{
	free(p->devices);
	free(p->servers);
	memset(p, 0, sizeof *p);
}

void vdm_faults_free(struct vdm_faults *f)
{
	if (!f)
		return;
	for (size_t p = 0; p < f->inv->n_partitions; p++) {
		for (size_t d = 0; d < f->inv->partitions[p].n_disks; d++)
			vdm_profile_release(&f->disks[p][d]);
		free(f->disks[p]);
	}
	for (size_t i = 0; i < f->extra->names.n; i++)
		free(f->extra->names.v[i]);
	free(f->extra->names.v);
	free(f->extra);
	free(f->disks);
	free(f->server_frame);
	free(f->frame_site);
	free(f->device_names);
	free(f->comps);
	free(f);
}

const struct vdm_profile *vdm_faults_disk(const struct vdm_faults *f, int partition, int disk)
{
	return &f->disks[partition][disk];
}

void vdm_faults_profile(const struct vdm_faults *f, int pool, char *const *devices,
			size_t n_devices, const int *paths, size_t n_paths,
			struct vdm_profile *out)
{
	/* a hypothetical disk with neither pool nor devices is a device nobody else has */
	int own = -1;
	if (pool < 0 && n_devices == 0) {
		char *anon = xasprintf("(new disk %zu)", f->extra->names.n);
		VEC_PUSH(&f->extra->names, anon);
		own = (int)f->n_comps + (int)f->extra->names.n - 1;
	}
	faults_fill_profile(f, pool, devices, n_devices, own, paths, n_paths, out);
}

enum vdm_level vdm_component_level(const struct vdm_faults *f, int id)
{
	if (id < 0 || (size_t)id >= f->n_comps)
		return VDM_LEVEL_DEVICE;      /* the hypothetical devices past the table */
	switch (f->comps[id].kind) {
	case COMP_DEVICE:
	case COMP_POOL_DEVICE:
	case COMP_DISK_DEVICE:
		return VDM_LEVEL_DEVICE;
	case COMP_POOL:
		return VDM_LEVEL_POOL;
	case COMP_SERVER:
		return VDM_LEVEL_SERVER;
	case COMP_FRAME:
		return VDM_LEVEL_FRAME;
	case COMP_SITE:
		break;
	}
	return VDM_LEVEL_SITE;
}

const char *vdm_component_name(const struct vdm_faults *f, int id, char *buf, size_t size)
{
	if (id < 0 || (size_t)id >= f->n_comps) {
		size_t k = (size_t)id - f->n_comps;
		snprintf(buf, size, "device %s", id >= 0 && k < f->extra->names.n
			 ? f->extra->names.v[k] : "(unknown)");
		return buf;
	}
	const struct comp *c = &f->comps[id];
	switch (c->kind) {
	case COMP_DEVICE:
		snprintf(buf, size, "device %s", c->name);
		break;
	case COMP_POOL_DEVICE:
		snprintf(buf, size, "device of pool %s", c->name);
		break;
	case COMP_DISK_DEVICE:
		snprintf(buf, size, "device of disk %s/%s", c->owner, c->name);
		break;
	case COMP_POOL:
		snprintf(buf, size, "pool %s", c->name);
		break;
	case COMP_SERVER:
		snprintf(buf, size, "server %s", c->name);
		break;
	case COMP_FRAME:
		snprintf(buf, size, "frame %s", c->name ? c->name : "(unnamed)");
		break;
	case COMP_SITE:
		snprintf(buf, size, "site %s", c->name ? c->name : "(unnamed)");
		break;
	}
	return buf;
}

static bool faults_failed(const struct vdm_failset *failed, int id)
{
	for (int i = 0; i < failed->n; i++)
		if (failed->ids[i] == id)
			return true;
	return false;
}

/* A server is lost when it fails, or its frame, or its frame's site. */
static bool faults_server_lost(const struct vdm_faults *f, int server_id,
			       const struct vdm_failset *failed)
{
	int frame = f->server_frame[server_id - f->first_server];
	int site = f->frame_site[frame - f->first_frame];
	return faults_failed(failed, server_id) || faults_failed(failed, frame) ||
	       faults_failed(failed, site);
}

bool vdm_disk_survives(const struct vdm_faults *f, const struct vdm_profile *p,
		       const struct vdm_failset *failed)
{
	for (size_t i = 0; i < p->n_devices; i++)
		if (faults_failed(failed, p->devices[i]))
			return false;
	if (p->pool >= 0 && faults_failed(failed, p->pool))
		return false;
	/* multipath: the disk is reachable while any one of its servers is */
	for (size_t i = 0; i < p->n_servers; i++)
		if (!faults_server_lost(f, p->servers[i], failed))
			return true;
	return p->n_servers == 0;
}

static bool faults_copy_survives(const struct vdm_faults *f, const struct vdm_copy_disks *c,
				 const struct vdm_failset *failed)
{
	for (size_t i = 0; i < c->n; i++)
		if (!vdm_disk_survives(f, c->disks[i], failed))
			return false;
	return true;
}

/* Every component whose failure matters to these copies, sorted. */
static size_t faults_universe(const struct vdm_faults *f, const struct vdm_copy_disks *copies,
			      size_t n_copies, int **out)
{
	VEC(int) u = { 0 };
	for (size_t c = 0; c < n_copies; c++)
		for (size_t i = 0; i < copies[c].n; i++) {
			const struct vdm_profile *p = copies[c].disks[i];
			for (size_t k = 0; k < p->n_devices; k++)
				VEC_PUSH(&u, p->devices[k]);
			if (p->pool >= 0)
				VEC_PUSH(&u, p->pool);
			for (size_t k = 0; k < p->n_servers; k++) {
				int frame = f->server_frame[p->servers[k] - f->first_server];
				VEC_PUSH(&u, p->servers[k]);
				VEC_PUSH(&u, frame);
				VEC_PUSH(&u, f->frame_site[frame - f->first_frame]);
			}
		}
	*out = u.v;
	return u.n ? faults_sort_unique(u.v, u.n) : 0;
}

/* Looks for k components among cand[from..], added to *set (which holds those chosen so far),
 * whose failure together kills every copy. Failures are monotone: sets of exactly k suffice. */
static bool faults_find_kill(const struct vdm_faults *f, const struct vdm_copy_disks *copies,
			     size_t n_copies, const int *cand, size_t n_cand, size_t from, int k,
			     struct vdm_failset *set)
{
	if (set->n == k) {
		for (size_t c = 0; c < n_copies; c++)
			if (faults_copy_survives(f, &copies[c], set))
				return false;
		return true;
	}
	for (size_t i = from; i < n_cand; i++) {
		set->ids[set->n++] = cand[i];
		if (faults_find_kill(f, copies, n_copies, cand, n_cand, i + 1, k, set))
			return true;
		set->n--;
	}
	return false;
}

enum vdm_level vdm_protection(const struct vdm_faults *f, const struct vdm_copy_disks *copies,
			      size_t n_copies, struct vdm_failset *why)
{
	if (why)
		why->n = 0;
	if (n_copies < 2)
		return VDM_LEVEL_NONE;
	/* c copies must survive c-1 failures; past VDM_MAX_FAILED+1 copies the examined failures
	 * are capped there (formats.md asks for at most three copies). */
	int k = (int)n_copies - 1 > VDM_MAX_FAILED ? VDM_MAX_FAILED : (int)n_copies - 1;

	int *u;
	size_t nu = faults_universe(f, copies, n_copies, &u);
	int *cand = xmalloc((nu ? nu : 1) * sizeof(int));
	enum vdm_level reached = VDM_LEVEL_NONE;

	for (int level = VDM_LEVEL_DEVICE; level <= VDM_LEVEL_SITE; level++) {
		size_t nc = 0;
		for (size_t i = 0; i < nu; i++)
			if ((int)vdm_component_level(f, u[i]) <= level)
				cand[nc++] = u[i];
		struct vdm_failset set = { 0 };
		if (faults_find_kill(f, copies, n_copies, cand, nc, 0,
				     (size_t)k > nc ? (int)nc : k, &set)) {
			if (why)
				*why = set;
			break;
		}
		reached = (enum vdm_level)level;
	}
	free(cand);
	free(u);
	return reached;
}

enum vdm_copy_state vdm_copy_state(const struct vdm_inventory *inv, int partition, int vg,
				   int lv, size_t c, int *disk)
{
	const struct vdm_partition *part = &inv->partitions[partition];
	const struct vdm_vg *g = &part->vgs[vg];
	const struct vdm_lv *l = &g->lvs[lv];
	const struct vdm_copy *cp = &l->copies[c];
	if (disk)
		*disk = -1;
	for (size_t s = 0; s < cp->n_segs; s++) {
		int d = g->pvs[cp->segs[s].pv].disk;
		if (part->disks[d].missing) {
			if (disk)
				*disk = d;
			return VDM_COPY_LOST;
		}
	}
	return l->stale && l->stale[c] ? VDM_COPY_STALE : VDM_COPY_IN_SYNC;
}

const char *vdm_copy_state_text(const struct vdm_inventory *inv, int partition, int vg, int lv,
				size_t c, char *buf, size_t size)
{
	int d;
	enum vdm_copy_state st = vdm_copy_state(inv, partition, vg, lv, c, &d);
	buf[0] = '\0';
	if (st == VDM_COPY_STALE) {
		const struct vdm_lv *l = &inv->partitions[partition].vgs[vg].lvs[lv];
		if (l->resync_percent && l->resync_percent[c] >= 0)
			snprintf(buf, size, "stale: resyncing %d %%", l->resync_percent[c]);
		else
			snprintf(buf, size, "stale: out of date, resync needed");
	} else if (st == VDM_COPY_LOST) {
		const struct vdm_disk *dk = &inv->partitions[partition].disks[d];
		bool all_gone = true;
		for (size_t k = 0; k < dk->n_paths; k++)
			all_gone &= inv->servers[dk->paths[k]].unreachable;
		if (all_gone)
			snprintf(buf, size, "lost: disk %s is missing (server %s unreachable)", dk->name,
				 inv->servers[dk->paths[0]].name);
		else
			snprintf(buf, size, "lost: disk %s is missing (disk gone)", dk->name);
	}
	return buf;
}

enum vdm_level vdm_lv_protection(const struct vdm_faults *f, int partition, int vg, int lv,
				 struct vdm_failset *why)
{
	const struct vdm_partition *part = &f->inv->partitions[partition];
	const struct vdm_vg *g = &part->vgs[vg];
	const struct vdm_lv *l = &g->lvs[lv];
	struct vdm_copy_disks *copies = xcalloc(l->n_copies ? l->n_copies : 1, sizeof *copies);
	const struct vdm_profile **all = xcalloc(l->n_copies * (g->n_pvs + 1) + 1, sizeof *all);
	size_t used = 0;

	size_t n = 0;
	for (size_t c = 0; c < l->n_copies; c++) {
		const struct vdm_copy *cp = &l->copies[c];
		if (vdm_copy_state(f->inv, partition, vg, lv, c, NULL) != VDM_COPY_IN_SYNC)
			continue;   /* a lost or stale copy protects nothing */
		copies[n].disks = &all[used];
		for (size_t s = 0; s < cp->n_segs; s++) {
			const struct vdm_profile *p =
				vdm_faults_disk(f, partition, g->pvs[cp->segs[s].pv].disk);
			bool seen = false;
			for (size_t i = 0; i < copies[n].n; i++)
				seen |= copies[n].disks[i] == p;
			if (!seen) {
				all[used++] = p;
				copies[n].n++;
			}
		}
		n++;
	}
	enum vdm_level level = vdm_protection(f, copies, n, why);
	free(all);
	free(copies);
	return level;
}
