/* checker.c: an independent implementation of formats.md's plan rules, for the planner's
 * tests. Deliberately naive (names as strings, exhaustive failure sets) and sharing no code
 * with src/plan or src/model/protect.c, so that a bug there is not repeated here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "checker.h"

#define CMAX 64

struct cprof {                  /* a disk's fate */
	char devs[CMAX][160]; int ndev;   /* "dev:<name>", or "own:pool:<p>" / "own:disk:<d>" */
	const char *pool;       /* NULL: no pool */
	const char *srv[CMAX]; int nsrv;
};

struct cw {
	const json_t *inv, *part, *vg;
	long long ext, ovh, meta;
};

static char *cfail(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s ? s : strdup("checker: out of memory");
}

static const json_t *cfind(const json_t *arr, const char *key, const char *name)
{
	size_t i;
	const json_t *o;
	json_array_foreach(arr, i, o) {
		const json_t *n = json_object_get(o, key);
		if (n && json_is_string(n) && !strcmp(json_string_value(n), name))
			return o;
	}
	return NULL;
}

static const char *cstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return v && json_is_string(v) ? json_string_value(v) : NULL;
}

static long long cint(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);
	return v && json_is_integer(v) ? json_integer_value(v) : dflt;
}

static const json_t *cpool(const struct cw *w, const char *name)
{
	return cfind(json_object_get(w->inv, "pools"), "name", name);
}

/* A pool's devices, or the one device that a pool without `devices` is. Implicit devices get
 * names of their own kind, so that a pool named like a LUN never shares its fate by accident. */
static void cadd_dev(struct cprof *p, const char *kind, const char *name)
{
	if (p->ndev < CMAX)
		snprintf(p->devs[p->ndev++], sizeof p->devs[0], "%s%s", kind, name);
}

static void cprof_pool(const struct cw *w, const char *pool, struct cprof *p)
{
	const json_t *po = cpool(w, pool);
	const json_t *devs = json_object_get(po, "devices");
	p->pool = cstr(po, "name");
	if (devs && json_array_size(devs)) {
		for (size_t i = 0; i < json_array_size(devs); i++)
			cadd_dev(p, "dev:", json_string_value(json_array_get(devs, i)));
	} else {
		cadd_dev(p, "own:pool:", p->pool);
	}
}

static void cprof_disk(const struct cw *w, const char *disk, struct cprof *p)
{
	memset(p, 0, sizeof *p);
	const json_t *d = cfind(json_object_get(w->part, "disks"), "name", disk);
	const char *pool = cstr(d, "pool");
	if (pool)
		cprof_pool(w, pool, p);
	const json_t *devs = json_object_get(d, "devices");
	for (size_t i = 0; devs && i < json_array_size(devs); i++)
		cadd_dev(p, "dev:", json_string_value(json_array_get(devs, i)));
	if (!pool && !(devs && json_array_size(devs)))
		cadd_dev(p, "own:disk:", cstr(d, "name"));
	const json_t *paths = json_object_get(d, "paths");
	for (size_t i = 0; i < json_array_size(paths) && p->nsrv < CMAX; i++)
		p->srv[p->nsrv++] = json_string_value(json_array_get(paths, i));
}

static void cprof_new(const struct cw *w, const char *pool, struct cprof *p)
{
	memset(p, 0, sizeof *p);
	cprof_pool(w, pool, p);
	p->srv[p->nsrv++] = cstr(cpool(w, pool), "server");
}

static const char *cframe_of(const struct cw *w, const char *server)
{
	const json_t *s = cfind(json_object_get(w->inv, "servers"), "name", server);
	const char *f = cstr(s, "frame");
	return f ? f : "";
}

static const char *csite_of(const struct cw *w, const char *frame)
{
	if (!frame[0])
		return "";
	const json_t *f = cfind(json_object_get(w->inv, "frames"), "name", frame);
	const char *s = cstr(f, "site");
	return s ? s : "";
}

/* Components: "L<level>|name". */
struct cset { char *v[256]; int n; };

static void cset_add(struct cset *s, const char *x)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return;
	if (s->n < 256)
		s->v[s->n++] = strdup(x);
}

static void cset_free(struct cset *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

static bool cin(char *const *f, int nf, const char *x)
{
	for (int i = 0; i < nf; i++)
		if (!strcmp(f[i], x))
			return true;
	return false;
}

static bool cdies(const struct cw *w, const struct cprof *p, char *const *f, int nf)
{
	char b[400];
	for (int i = 0; i < p->ndev; i++) {
		snprintf(b, sizeof b, "0|%s", p->devs[i]);
		if (cin(f, nf, b))
			return true;
	}
	if (p->pool) {
		snprintf(b, sizeof b, "1|%s", p->pool);
		if (cin(f, nf, b))
			return true;
	}
	for (int i = 0; i < p->nsrv; i++) {
		const char *fr = cframe_of(w, p->srv[i]);
		const char *st = csite_of(w, fr);
		char s1[300], s2[300], s3[300];
		snprintf(s1, sizeof s1, "2|%s", p->srv[i]);
		snprintf(s2, sizeof s2, "3|%s", fr);
		snprintf(s3, sizeof s3, "4|%s", st);
		if (!cin(f, nf, s1) && !cin(f, nf, s2) && !cin(f, nf, s3))
			return false;
	}
	return p->nsrv > 0;
}

static void cuniverse(const struct cw *w, const struct cprof *p, struct cset *u)
{
	char b[400];
	for (int i = 0; i < p->ndev; i++) {
		snprintf(b, sizeof b, "0|%s", p->devs[i]);
		cset_add(u, b);
	}
	if (p->pool) {
		snprintf(b, sizeof b, "1|%s", p->pool);
		cset_add(u, b);
	}
	for (int i = 0; i < p->nsrv; i++) {
		const char *fr = cframe_of(w, p->srv[i]);
		snprintf(b, sizeof b, "2|%s", p->srv[i]);
		cset_add(u, b);
		snprintf(b, sizeof b, "3|%s", fr);
		cset_add(u, b);
		snprintf(b, sizeof b, "4|%s", csite_of(w, fr));
		cset_add(u, b);
	}
}

/* copies[c] = profiles of the disks of copy c */
struct ccopy { struct cprof d[8]; int n; };

static bool call_die(const struct cw *w, const struct ccopy *cp, int n, char *const *f, int nf)
{
	for (int c = 0; c < n; c++) {
		bool dead = false;
		for (int i = 0; i < cp[c].n && !dead; i++)
			dead = cdies(w, &cp[c].d[i], f, nf);
		if (!dead)
			return false;
	}
	return true;
}

static int cprotection(const struct cw *w, const struct ccopy *cp, int n)
{
	if (n < 2)
		return -1;
	struct cset u = { .n = 0 };
	for (int c = 0; c < n; c++)
		for (int i = 0; i < cp[c].n; i++)
			cuniverse(w, &cp[c].d[i], &u);
	int k = n - 1 > 2 ? 2 : n - 1;
	int reached = -1;
	for (int L = 0; L <= 4; L++) {
		char *cand[256];
		int nc = 0;
		for (int i = 0; i < u.n; i++)
			if (u.v[i][0] - '0' <= L)
				cand[nc++] = u.v[i];
		bool killed = false;
		/* every set of up to k candidates */
		for (int a = 0; a < nc && !killed; a++) {
			char *f1[1] = { cand[a] };
			if (call_die(w, cp, n, f1, 1))
				killed = true;
			for (int b = a + 1; k >= 2 && b < nc && !killed; b++) {
				char *f2[2] = { cand[a], cand[b] };
				if (call_die(w, cp, n, f2, 2))
					killed = true;
			}
		}
		if (killed)
			break;
		reached = L;
	}
	cset_free(&u);
	return reached;
}

static const char *clevel_name(int l)
{
	static const char *const n[] = { "device", "pool", "server", "frame", "site" };
	return l >= 0 && l <= 4 ? n[l] : NULL;
}

static int cexisting_copies(const struct cw *w, const json_t *lv, struct ccopy *cp)
{
	const json_t *copies = json_object_get(lv, "copies");
	int n = 0;
	for (size_t c = 0; c < json_array_size(copies) && n < 3; c++, n++) {
		const json_t *segs = json_array_get(copies, c);
		cp[n].n = 0;
		for (size_t s = 0; s < json_array_size(segs) && cp[n].n < 8; s++) {
			const char *pv = cstr(json_array_get(segs, s), "pv");
			cprof_disk(w, pv, &cp[n].d[cp[n].n++]);
		}
	}
	return n;
}

static bool cworld(const json_t *inv, const char *partition, const char *vg, struct cw *w)
{
	memset(w, 0, sizeof *w);
	w->inv = inv;
	w->part = cfind(json_object_get(inv, "partitions"), "name", partition);
	if (!w->part)
		return false;
	w->vg = cfind(json_object_get(w->part, "vgs"), "name", vg);
	if (!w->vg)
		return false;
	w->ext = cint(w->vg, "extent_mib", 1);
	w->ovh = cint(w->vg, "pv_overhead_mib", 0);
	w->meta = cint(w->vg, "copy_meta_extents", 0);
	return true;
}

int chk_lv_protection(const json_t *inv, const char *partition, const char *vg, const char *lv)
{
	struct cw w;
	if (!cworld(inv, partition, vg, &w))
		return -2;
	const json_t *l = cfind(json_object_get(w.vg, "lvs"), "name", lv);
	struct ccopy cp[3];
	int n = cexisting_copies(&w, l, cp);
	return cprotection(&w, cp, n);
}

static bool crequested(const struct chk_request *req, const char *name)
{
	if (!req->n_lvs)
		return true;
	for (size_t i = 0; i < req->n_lvs; i++)
		if (!strcmp(req->lvs[i], name))
			return true;
	return false;
}

static long long round_up(long long v, long long u) { return u <= 1 ? v : (v + u - 1) / u * u; }

/* Reserve copy_meta_extents for LVs gaining their first mirror, greedily (largest room on a
 * PV of the existing copy); false if one cannot. */
static bool crmeta(const struct cw *w, const struct chk_request *req, const char **pvn,
		   long long *room, int npv)
{
	if (w->meta <= 0)
		return true;
	size_t i;
	const json_t *lv;
	json_array_foreach(json_object_get(w->vg, "lvs"), i, lv) {
		if (!crequested(req, cstr(lv, "name")))
			continue;
		const json_t *copies = json_object_get(lv, "copies");
		/* repair: the surviving copy of a broken mirror needs no new metadata */
		if (json_array_size(copies) != 1 || json_object_get(lv, "_broken_mirror"))
			continue;
		const json_t *segs = json_array_get(copies, 0);
		int best = -1;
		for (size_t s = 0; s < json_array_size(segs); s++) {
			const char *pv = cstr(json_array_get(segs, s), "pv");
			for (int k = 0; k < npv; k++)
				if (!strcmp(pvn[k], pv) && (best < 0 || room[k] > room[best]))
					best = k;
		}
		if (best < 0 || room[best] < w->meta)
			return false;
		room[best] -= w->meta;
	}
	return true;
}

char *chk_plan(const json_t *inv, const json_t *plan, const struct chk_request *req)
{
	struct cw w;
	if (!cworld(inv, req->partition, req->vg, &w))
		return cfail("request names an unknown partition or vg");
	if (!json_is_object(plan))
		return cfail("plan is not an object");
	if (cint(plan, "version", -1) != 1)
		return cfail("version is not 1");
	if (!cstr(plan, "partition") || strcmp(cstr(plan, "partition"), req->partition) ||
	    !cstr(plan, "vg") || strcmp(cstr(plan, "vg"), req->vg))
		return cfail("partition/vg do not match the request");
	if (cint(plan, "copies", -1) != req->copies)
		return cfail("copies %lld, asked %d", cint(plan, "copies", -1), req->copies);
	if (!cstr(plan, "level") || strcmp(cstr(plan, "level"), clevel_name(req->level)))
		return cfail("level does not match the request");
	const json_t *pvs = json_object_get(w.vg, "pvs");
	int npv = (int)json_array_size(pvs);
	const char *pvn[256];
	long long room[256], used[256];
	for (int i = 0; i < npv && i < 256; i++) {
		pvn[i] = cstr(json_array_get(pvs, i), "disk");
		room[i] = cint(json_array_get(pvs, i), "free_extents", 0);
		used[i] = 0;
	}
	/* new disks */
	const json_t *nd = json_object_get(plan, "new_disks");
	if (!json_is_array(nd))
		return cfail("new_disks is not an array");
	long long new_mib = 0;
	size_t i;
	const json_t *d;
	json_array_foreach(nd, i, d) {
		const char *name = cstr(d, "name"), *pool = cstr(d, "pool");
		long long size = cint(d, "size_mib", -1);
		if (!name || !pool || size <= 0)
			return cfail("new_disks[%zu]: name, pool or size_mib missing", i);
		/* formats.md: unique across every partition's disks, within the server's max_name */
		size_t pi;
		const json_t *op;
		json_array_foreach(json_object_get(w.inv, "partitions"), pi, op)
			if (cfind(json_object_get(op, "disks"), "name", name))
				return cfail("new disk %s: name already used by a disk of partition %s",
					     name, cstr(op, "name"));
		for (size_t k = 0; k < i; k++)
			if (!strcmp(cstr(json_array_get(nd, k), "name"), name))
				return cfail("new disk %s listed twice", name);
		const json_t *po = cpool(&w, pool);
		if (!po)
			return cfail("new disk %s: unknown pool %s", name, pool);
		if (size % cint(po, "alloc_mib", 1))
			return cfail("new disk %s: %lld MiB is not a multiple of alloc_mib", name, size);
		const json_t *srv = cfind(json_object_get(w.inv, "servers"), "name", cstr(po, "server"));
		long long max_name = srv ? cint(srv, "max_name", 0) : 0;
		if (max_name > 0 && (long long)strlen(name) > max_name)
			return cfail("new disk %s: longer than max_name %lld of server %s", name, max_name,
				     cstr(po, "server"));
		const json_t *paths = json_object_get(d, "paths");
		if (json_array_size(paths) != 1 ||
		    strcmp(json_string_value(json_array_get(paths, 0)), cstr(po, "server")))
			return cfail("new disk %s: paths must be [its pool's server]", name);
		new_mib += size;
	}
	if (cint(plan, "new_mib", -1) != new_mib)
		return cfail("new_mib %lld, new disks add up to %lld", cint(plan, "new_mib", -1), new_mib);
	long long *nd_used = calloc(json_array_size(nd) + 1, sizeof *nd_used);
	char *err = NULL;
	long long required = 0, reused = 0;
	/* LVs */
	const json_t *lvs = json_object_get(plan, "lvs");
	size_t nreq = 0;
	const json_t *vlv;
	json_array_foreach(json_object_get(w.vg, "lvs"), i, vlv)
		nreq += crequested(req, cstr(vlv, "name"));
	if (!json_is_array(lvs) || json_array_size(lvs) != nreq) {
		err = cfail("lvs[] has %zu entries, %zu LVs were requested", json_array_size(lvs), nreq);
		goto out;
	}
	const json_t *pl;
	json_array_foreach(lvs, i, pl) {
		const char *name = cstr(pl, "name");
		const json_t *lv = name ? cfind(json_object_get(w.vg, "lvs"), "name", name) : NULL;
		if (!lv || !crequested(req, name)) {
			err = cfail("lvs[%zu]: %s is not a requested LV", i, name ? name : "?");
			goto out;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(cstr(json_array_get(lvs, k), "name"), name)) {
				err = cfail("lv %s listed twice", name);
				goto out;
			}
		struct ccopy cp[4];
		int n = cexisting_copies(&w, lv, cp);
		const json_t *nc = json_object_get(pl, "new_copies");
		int want = n >= req->copies ? 0 : req->copies - n;
		if (!json_is_array(nc) || (int)json_array_size(nc) != want) {
			err = cfail("lv %s: %zu new copies, %d needed", name, json_array_size(nc), want);
			goto out;
		}
		long long need = cint(lv, "extents", 0) + w.meta;
		for (int c = 0; c < want; c++) {
			const json_t *segs = json_array_get(nc, (size_t)c);
			long long sum = 0;
			cp[n + c].n = 0;
			for (size_t s = 0; s < json_array_size(segs); s++) {
				const json_t *sg = json_array_get(segs, s);
				const char *pv = cstr(sg, "pv");
				long long e = cint(sg, "extents", -1);
				if (!pv || e <= 0) {
					err = cfail("lv %s: new copy %d: bad segment", name, c);
					goto out;
				}
				sum += e;
				int k;
				for (k = 0; k < npv; k++)
					if (!strcmp(pvn[k], pv))
						break;
				if (k < npv) {
					if (req->no_reuse) {
						err = cfail("lv %s: existing PV %s used with no_reuse", name, pv);
						goto out;
					}
					used[k] += e;
					reused += e;
					if (cp[n + c].n < 8)
						cprof_disk(&w, pv, &cp[n + c].d[cp[n + c].n++]);
				} else {
					size_t j;
					const json_t *dd;
					bool found = false;
					json_array_foreach(nd, j, dd)
						if (!strcmp(cstr(dd, "name"), pv)) {
							nd_used[j] += e;
							found = true;
							if (cp[n + c].n < 8)
								cprof_new(&w, cstr(dd, "pool"), &cp[n + c].d[cp[n + c].n++]);
						}
					if (!found) {
						err = cfail("lv %s: segment on %s, neither a PV of the VG nor a new disk",
							    name, pv);
						goto out;
					}
				}
			}
			if (sum != need) {
				err = cfail("lv %s: new copy %d has %lld extents, needs %lld", name, c, sum, need);
				goto out;
			}
			required += sum;
		}
		int prot = cprotection(&w, cp, n + want);
		const json_t *pj = json_object_get(pl, "protection");
		const char *ps = pj && json_is_string(pj) ? json_string_value(pj) : NULL;
		const char *expect = clevel_name(prot);
		if ((expect == NULL) != (ps == NULL) || (ps && strcmp(ps, expect))) {
			err = cfail("lv %s: protection says %s, the copies give %s", name, ps ? ps : "null",
				    expect ? expect : "null");
			goto out;
		}
		if (want && prot < req->level) {
			err = cfail("lv %s: reaches %s only, %s was asked", name, expect ? expect : "none",
				    clevel_name(req->level));
			goto out;
		}
	}
	/* extents handed out and metadata room on existing PVs */
	for (int k = 0; k < npv; k++) {
		if (used[k] > room[k]) {
			err = cfail("PV %s: %lld extents handed out, %lld free", pvn[k], used[k], room[k]);
			goto out;
		}
		room[k] -= used[k];
	}
	if (!crmeta(&w, req, pvn, room, npv)) {
		err = cfail("no PV of an LV's existing copy keeps the copy_meta_extents its first mirror needs");
		goto out;
	}
	/* new disks: sized to what they hold; pools keep their reserve */
	json_array_foreach(nd, i, d) {
		long long size = cint(d, "size_mib", 0);
		const json_t *po = cpool(&w, cstr(d, "pool"));
		long long holds = (size - w.ovh) / w.ext;
		if (size < w.ovh || holds < nd_used[i]) {
			err = cfail("new disk %s: %lld MiB holds %lld extents, %lld placed", cstr(d, "name"),
				    size, size < w.ovh ? 0 : holds, nd_used[i]);
			goto out;
		}
		if (nd_used[i] == 0) {
			err = cfail("new disk %s holds nothing", cstr(d, "name"));
			goto out;
		}
		if (size != round_up(w.ovh + nd_used[i] * w.ext, cint(po, "alloc_mib", 1))) {
			err = cfail("new disk %s: %lld MiB, what it holds needs %lld", cstr(d, "name"), size,
				    round_up(w.ovh + nd_used[i] * w.ext, cint(po, "alloc_mib", 1)));
			goto out;
		}
	}
	const json_t *pools = json_object_get(plan, "pools");
	const json_t *ip;
	json_array_foreach(json_object_get(inv, "pools"), i, ip) {
		const char *pname = cstr(ip, "name");
		long long sum = 0;
		int ndisks = 0;
		size_t j;
		json_array_foreach(nd, j, d)
			if (!strcmp(cstr(d, "pool"), pname)) {
				sum += cint(d, "size_mib", 0);
				ndisks++;
			}
		const json_t *pp = cfind(pools, "name", pname);
		if (!ndisks) {
			if (pp) {
				err = cfail("pools[] lists %s, which gets no new disk", pname);
				goto out;
			}
			continue;
		}
		if (!pp) {
			err = cfail("pools[] misses %s, which gets new disks", pname);
			goto out;
		}
		long long before = cint(ip, "free_mib", 0), after = before - sum;
		long long size = cint(ip, "size_mib", 0), res = cint(ip, "reserve_pct", 0);
		if (cint(pp, "free_mib_before", -1) != before || cint(pp, "free_mib_after", -1) != after) {
			err = cfail("pool %s: free before/after should be %lld/%lld", pname, before, after);
			goto out;
		}
		if (after < 0 || after * 100 < size * res) {
			err = cfail("pool %s: %lld MiB left, below its %lld%% reserve", pname, after, res);
			goto out;
		}
	}
	if (json_array_size(pools) > json_array_size(nd)) {
		err = cfail("pools[] lists pools without new disks");
		goto out;
	}
	if (cint(plan, "required_mib", -1) != required * w.ext ||
	    cint(plan, "reused_mib", -1) != reused * w.ext) {
		err = cfail("required_mib/reused_mib %lld/%lld, copies say %lld/%lld",
			    cint(plan, "required_mib", -1), cint(plan, "reused_mib", -1), required * w.ext,
			    reused * w.ext);
		goto out;
	}
out:
	free(nd_used);
	return err;
}

/* ---- brute force -------------------------------------------------------------------- */

struct cslot { const json_t *lv; int n_exist; int idx; bool last; };

struct cbrute {
	struct cw w;
	const struct chk_request *req;
	int level;
	struct cslot slots[16]; int nslots;
	int npv; const char *pvn[64]; long long pvfree[64];
	int npool; const json_t *pool[64];
	int choice[16];                 /* < npv: PV; else pool - npv */
	long long pv_used[64], pool_ext[64];
	bool found;
	long long best_reuse; int best_disks;
	long visited, limit;
};

static bool cpool_fits(const struct cbrute *b, int p, long long ext)
{
	if (!ext)
		return true;
	const json_t *po = b->pool[p];
	long long size = round_up(b->w.ovh + ext * b->w.ext, cint(po, "alloc_mib", 1));
	long long after = cint(po, "free_mib", 0) - size;
	return after >= 0 && after * 100 >= cint(po, "size_mib", 0) * cint(po, "reserve_pct", 0);
}

static void cbrute_rec(struct cbrute *b, int s)
{
	if (++b->visited > b->limit)
		return;
	if (s == b->nslots) {
		long long room[64];
		for (int k = 0; k < b->npv; k++)
			room[k] = b->pvfree[k] - b->pv_used[k];
		if (!crmeta(&b->w, b->req, b->pvn, room, b->npv))
			return;
		long long reuse = 0;
		int disks = 0;
		for (int k = 0; k < b->npv; k++)
			reuse += b->pv_used[k];
		for (int p = 0; p < b->npool; p++)
			disks += b->pool_ext[p] > 0;
		reuse *= b->w.ext;
		if (!b->found || reuse > b->best_reuse || (reuse == b->best_reuse && disks < b->best_disks)) {
			b->best_reuse = reuse;
			b->best_disks = disks;
		}
		b->found = true;
		return;
	}
	const struct cslot *sl = &b->slots[s];
	long long need = cint(sl->lv, "extents", 0) + b->w.meta;
	int ntargets = b->npv + b->npool;
	for (int t = 0; t < ntargets; t++) {
		if (t < b->npv) {
			if (b->req->no_reuse || b->pv_used[t] + need > b->pvfree[t] || need == 0)
				continue;
		} else if (!cpool_fits(b, t - b->npv, b->pool_ext[t - b->npv] + need)) {
			continue;
		}
		b->choice[s] = t;
		if (sl->last) {
			/* judge the LV: existing copies plus its new ones (slots s-idx .. s) */
			struct ccopy cp[4];
			int n = cexisting_copies(&b->w, sl->lv, cp);
			for (int k = 0; k <= sl->idx; k++) {
				int tk = b->choice[s - sl->idx + k];
				cp[n + k].n = 1;
				if (tk < b->npv)
					cprof_disk(&b->w, b->pvn[tk], &cp[n + k].d[0]);
				else
					cprof_new(&b->w, cstr(b->pool[tk - b->npv], "name"), &cp[n + k].d[0]);
			}
			if (cprotection(&b->w, cp, n + sl->idx + 1) < b->level)
				continue;
		}
		if (t < b->npv)
			b->pv_used[t] += need;
		else
			b->pool_ext[t - b->npv] += need;
		cbrute_rec(b, s + 1);
		if (t < b->npv)
			b->pv_used[t] -= need;
		else
			b->pool_ext[t - b->npv] -= need;
	}
}

bool chk_brute(const json_t *inv, const struct chk_request *req, int level, long limit,
	       long long *best_reuse_mib, int *best_disks, bool *too_big)
{
	struct cbrute *b = calloc(1, sizeof *b);
	bool found = false;
	*too_big = false;
	if (!cworld(inv, req->partition, req->vg, &b->w))
		goto out;
	b->req = req;
	b->level = level;
	b->limit = limit;
	const json_t *pvs = json_object_get(b->w.vg, "pvs");
	for (size_t i = 0; i < json_array_size(pvs) && b->npv < 64; i++) {
		b->pvn[b->npv] = cstr(json_array_get(pvs, i), "disk");
		b->pvfree[b->npv++] = cint(json_array_get(pvs, i), "free_extents", 0);
	}
	const json_t *pools = json_object_get(inv, "pools");
	for (size_t i = 0; i < json_array_size(pools) && b->npool < 64; i++)
		b->pool[b->npool++] = json_array_get(pools, i);
	size_t i;
	const json_t *lv;
	json_array_foreach(json_object_get(b->w.vg, "lvs"), i, lv) {
		if (!crequested(req, cstr(lv, "name")))
			continue;
		int n = (int)json_array_size(json_object_get(lv, "copies"));
		for (int k = 0; n + k < req->copies; k++) {
			if (b->nslots >= 16) {
				*too_big = true;
				goto out;
			}
			struct cslot *sl = &b->slots[b->nslots++];
			sl->lv = lv;
			sl->n_exist = n;
			sl->idx = k;
			sl->last = n + k + 1 == req->copies;
		}
	}
	cbrute_rec(b, 0);
	if (b->visited > b->limit) {
		*too_big = true;
		goto out;
	}
	found = b->found;
	if (found) {
		*best_reuse_mib = b->best_reuse;
		*best_disks = b->best_disks;
	}
out:
	free(b);
	return found;
}

/* ---- repair plans (formats.md, "Failed, stale and unreachable parts") ----------------- */

static bool cstate_is(const json_t *o, const char *state)
{
	const char *st = cstr(o, "state");
	return st && !strcmp(st, state);
}

static bool cdisk_missing(const struct cw *w, const char *pv)
{
	const json_t *d = cfind(json_object_get(w->part, "disks"), "name", pv);
	return d && cstate_is(d, "missing");
}

/* 0 in sync, 1 stale, 2 lost: any extent on a missing disk is lost, even if stale. */
static int ccopy_state(const struct cw *w, const json_t *lv, size_t c)
{
	const json_t *segs = json_array_get(json_object_get(lv, "copies"), c);
	for (size_t s = 0; s < json_array_size(segs); s++)
		if (cdisk_missing(w, cstr(json_array_get(segs, s), "pv")))
			return 2;
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(lv, "stale"), i, v)
		if (json_integer_value(v) == (json_int_t)c)
			return 1;
	return 0;
}

const char *chk_repair_unfixable(const json_t *inv, const struct chk_request *req)
{
	struct cw w;
	if (!cworld(inv, req->partition, req->vg, &w))
		return NULL;
	size_t i;
	const json_t *lv;
	json_array_foreach(json_object_get(w.vg, "lvs"), i, lv) {
		if (!crequested(req, cstr(lv, "name")))
			continue;
		int sync = 0;
		for (size_t c = 0; c < json_array_size(json_object_get(lv, "copies")); c++)
			sync += ccopy_state(&w, lv, c) == 0;
		if (!sync)
			return cstr(lv, "name");
	}
	return NULL;
}

json_t *chk_repair_world(const json_t *inv, const struct chk_request *req)
{
	json_t *v = json_deep_copy(inv);
	struct cw w;
	if (!cworld(v, req->partition, req->vg, &w))
		return v;
	size_t i;
	json_t *o;
	/* nothing new in an unreachable pool or on an unreachable server */
	json_array_foreach(json_object_get(v, "pools"), i, o) {
		const json_t *srv = cfind(json_object_get(v, "servers"), "name", cstr(o, "server"));
		if (cstate_is(o, "unreachable") || (srv && cstate_is(srv, "unreachable")))
			json_object_set_new(o, "free_mib", json_integer(0));
	}
	/* nor on a missing disk, nor on one reached only through unreachable servers */
	json_array_foreach(json_object_get((json_t *)w.vg, "pvs"), i, o) {
		const json_t *d = cfind(json_object_get(w.part, "disks"), "name", cstr(o, "disk"));
		bool reach = false;
		size_t k;
		const json_t *sp;
		json_array_foreach(json_object_get(d, "paths"), k, sp) {
			const json_t *srv = cfind(json_object_get(v, "servers"), "name", json_string_value(sp));
			reach |= srv && !cstate_is(srv, "unreachable");
		}
		if (cstate_is(d, "missing") || !reach)
			json_object_set_new(o, "free_extents", json_integer(0));
	}
	/* the LVs keep their copies in sync and the stale ones (resynced), not the lost ones */
	json_array_foreach(json_object_get((json_t *)w.vg, "lvs"), i, o) {
		if (!crequested(req, cstr(o, "name")))
			continue;
		json_t *copies = json_object_get(o, "copies"), *kept = json_array();
		size_t n = json_array_size(copies);
		for (size_t c = 0; c < n; c++)
			if (ccopy_state(&w, o, c) != 2)
				json_array_append(kept, json_array_get(copies, c));
		if (n > 1 && json_array_size(kept) == 1)
			json_object_set_new(o, "_broken_mirror", json_true());
		json_object_set_new(o, "copies", kept);
		json_object_del(o, "stale");
	}
	return v;
}

static bool cidx_equal(const json_t *a, const int *want, size_t n)
{
	if (json_array_size(a) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (json_integer_value(json_array_get(a, i)) != want[i])
			return false;
	return true;
}

char *chk_repair_plan(const json_t *inv, const json_t *plan, const struct chk_request *req)
{
	struct cw w;
	if (!cworld(inv, req->partition, req->vg, &w))
		return cfail("request names an unknown partition or vg");
	/* resync and drop, per LV (no wait asked: every lost copy is dropped) */
	size_t i;
	const json_t *pl;
	json_array_foreach(json_object_get(plan, "lvs"), i, pl) {
		const json_t *lv = cfind(json_object_get(w.vg, "lvs"), "name", cstr(pl, "name"));
		if (!lv)
			return cfail("lv %s: not in the vg", cstr(pl, "name"));
		int res[64], drop[64];
		size_t nr = 0, nd = 0, n = json_array_size(json_object_get(lv, "copies"));
		for (size_t c = 0; c < n && c < 64; c++) {
			int st = ccopy_state(&w, lv, c);
			if (st == 1)
				res[nr++] = (int)c;
			else if (st == 2)
				drop[nd++] = (int)c;
		}
		if (!cidx_equal(json_object_get(pl, "resync"), res, nr))
			return cfail("lv %s: resync is not its stale copies on present disks", cstr(lv, "name"));
		if (!cidx_equal(json_object_get(pl, "drop"), drop, nd))
			return cfail("lv %s: drop is not its lost copies", cstr(lv, "name"));
		if (json_array_size(json_object_get(pl, "waiting")))
			return cfail("lv %s: waits, but no wait was asked", cstr(lv, "name"));
	}
	/* remove_pvs: every missing PV that holds nothing once the drops are done */
	const json_t *pvs = json_object_get(w.vg, "pvs");
	const json_t *rp = json_object_get(plan, "remove_pvs");
	size_t nrp = 0;
	for (size_t v = 0; v < json_array_size(pvs); v++) {
		const char *dn = cstr(json_array_get(pvs, v), "disk");
		if (!cdisk_missing(&w, dn))
			continue;
		bool held = false;
		size_t li;
		const json_t *lv;
		json_array_foreach(json_object_get(w.vg, "lvs"), li, lv) {
			bool req_lv = crequested(req, cstr(lv, "name"));
			const json_t *copies = json_object_get(lv, "copies");
			for (size_t c = 0; c < json_array_size(copies); c++) {
				if (req_lv && ccopy_state(&w, lv, c) == 2)
					continue;
				const json_t *segs = json_array_get(copies, c);
				for (size_t sg = 0; sg < json_array_size(segs); sg++)
					held |= !strcmp(cstr(json_array_get(segs, sg), "pv"), dn);
			}
		}
		if (held)
			continue;
		if (nrp >= json_array_size(rp) || strcmp(json_string_value(json_array_get(rp, nrp)), dn))
			return cfail("remove_pvs: %s (missing, empty after the drops) is not next", dn);
		/* delete_later: named, on a server of its paths that is unreachable */
		const json_t *d = cfind(json_object_get(w.part, "disks"), "name", dn);
		const json_t *dl = cfind(json_object_get(plan, "delete_later"), "name", dn);
		bool behind = false;
		size_t k;
		const json_t *sp;
		json_array_foreach(json_object_get(d, "paths"), k, sp) {
			const json_t *srv = cfind(json_object_get(w.inv, "servers"), "name", json_string_value(sp));
			behind |= srv && cstate_is(srv, "unreachable");
		}
		if (behind != (dl != NULL))
			return cfail("delete_later: %s %s", dn, behind ? "missing (its server is unreachable)"
				     : "listed, but its server is reachable");
		if (dl) {
			const json_t *srv = cfind(json_object_get(w.inv, "servers"), "name", cstr(dl, "server"));
			if (!srv || !cstate_is(srv, "unreachable"))
				return cfail("delete_later: %s on %s, not an unreachable server", dn,
					     cstr(dl, "server"));
		}
		nrp++;
	}
	if (nrp != json_array_size(rp))
		return cfail("remove_pvs lists %zu disks, %zu expected", json_array_size(rp), nrp);
	/* the placement: a mirror plan of the kept copies, on what is usable */
	json_t *v = chk_repair_world(inv, req);
	char *why = chk_plan(v, plan, req);
	json_decref(v);
	return why;
}
