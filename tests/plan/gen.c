/* gen.c: small random inventories with the traps formats.md describes: LUNs shared by pools
 * of different servers, multipath disks, disks straight from a LUN, frames and sites, pools
 * near their reserve, existing mirrors, copy metadata. */
#include <stdio.h>
#include <string.h>
#include "gen.h"

static const char *const luns[] = { "lunA", "lunB", "lunC", "lunD", "lunE" };

json_t *gen_inventory(struct gen_rng *r, struct chk_request *req)
{
	static char lvnames[3][16];
	static const char *lvsel[3];
	json_t *inv = json_object();
	json_object_set_new(inv, "version", json_integer(1));
	int nsites = gen_int(r, 0, 2), nframes = gen_int(r, 0, 3), nservers = gen_int(r, 2, 4);
	json_t *sites = json_array(), *frames = json_array(), *servers = json_array();
	char name[64];
	for (int i = 0; i < nsites; i++) {
		snprintf(name, sizeof name, "site%d", i + 1);
		json_array_append_new(sites, json_pack("{ss}", "name", name));
	}
	for (int i = 0; i < nframes; i++) {
		snprintf(name, sizeof name, "fr%d", i + 1);
		json_t *f = json_pack("{ss}", "name", name);
		if (nsites && gen_int(r, 0, 3)) {
			char s[16];
			snprintf(s, sizeof s, "site%d", gen_int(r, 1, nsites));
			json_object_set_new(f, "site", json_string(s));
		}
		json_array_append_new(frames, f);
	}
	for (int i = 0; i < nservers; i++) {
		snprintf(name, sizeof name, "s%d", i + 1);
		json_t *s = json_pack("{ss}", "name", name);
		if (nframes && gen_int(r, 0, 3)) {
			char f[16];
			snprintf(f, sizeof f, "fr%d", gen_int(r, 1, nframes));
			json_object_set_new(s, "frame", json_string(f));
		}
		json_array_append_new(servers, s);
	}
	json_object_set_new(inv, "sites", sites);
	json_object_set_new(inv, "frames", frames);
	json_object_set_new(inv, "servers", servers);

	int npools = gen_int(r, 2, 5);
	int pool_server[8];
	json_t *pools = json_array();
	for (int i = 0; i < npools; i++) {
		pool_server[i] = gen_int(r, 1, nservers);
		snprintf(name, sizeof name, "s%d/p%d", pool_server[i], i + 1);
		char srv[16];
		snprintf(srv, sizeof srv, "s%d", pool_server[i]);
		int size = gen_int(r, 200, 3000);
		int free_mib = gen_int(r, 0, size);
		static const int allocs[] = { 1, 4, 16, 32 };
		static const int reserves[] = { 0, 0, 10, 20 };
		static const char *const tiers[] = { "nvme", "ssd", "hdd", NULL, "sata" };
		json_t *p = json_pack("{ss ss si si si si}", "name", name, "server", srv, "size_mib", size,
				      "free_mib", free_mib, "reserve_pct", reserves[gen_int(r, 0, 3)],
				      "alloc_mib", allocs[gen_int(r, 0, 3)]);
		const char *tier = tiers[gen_int(r, 0, 4)];
		if (tier)
			json_object_set_new(p, "tier", json_string(tier));
		if (gen_int(r, 0, 1)) {
			json_t *devs = json_array();
			int a = gen_int(r, 0, 4), b = gen_int(r, 0, 4);
			json_array_append_new(devs, json_string(luns[a]));
			if (b != a && gen_int(r, 0, 1))
				json_array_append_new(devs, json_string(luns[b]));
			json_object_set_new(p, "devices", devs);
		}
		json_array_append_new(pools, p);
	}
	json_object_set_new(inv, "pools", pools);

	/* the partition */
	int ndisks = gen_int(r, 1, 4);
	static const int exts[] = { 1, 4, 8 };
	int ext = exts[gen_int(r, 0, 2)], ovh = gen_int(r, 0, 2) * 2, meta = gen_int(r, 0, 2) == 2;
	json_t *disks = json_array(), *pvs = json_array();
	int64_t total[4], freex[4];
	for (int i = 0; i < ndisks; i++) {
		snprintf(name, sizeof name, "d%d", i + 1);
		int size = gen_int(r, 20, 100) * ext + ovh;
		json_t *d = json_pack("{ss si}", "name", name, "size_mib", size);
		json_t *paths = json_array();
		int kind = gen_int(r, 0, 9);
		if (kind < 8) {
			int p = gen_int(r, 0, npools - 1);
			json_object_set_new(d, "pool", json_string(json_string_value(
				json_object_get(json_array_get(pools, (size_t)p), "name"))));
			char srv[16];
			snprintf(srv, sizeof srv, "s%d", pool_server[p]);
			json_array_append_new(paths, json_string(srv));
			if (kind == 7)
				json_object_set_new(d, "devices", json_pack("[s]", luns[gen_int(r, 0, 4)]));
		} else {
			/* straight from a LUN, maybe multipath through two servers */
			if (kind == 9)
				json_object_set_new(d, "devices", json_pack("[s]", luns[gen_int(r, 0, 4)]));
			char srv[16];
			int s1 = gen_int(r, 1, nservers), s2 = gen_int(r, 1, nservers);
			snprintf(srv, sizeof srv, "s%d", s1);
			json_array_append_new(paths, json_string(srv));
			if (s2 != s1) {
				snprintf(srv, sizeof srv, "s%d", s2);
				json_array_append_new(paths, json_string(srv));
			}
		}
		json_object_set_new(d, "paths", paths);
		json_array_append_new(disks, d);
		total[i] = (size - ovh) / ext;
		freex[i] = total[i];
	}
	req->copies = gen_int(r, 0, 9) < 7 ? 2 : 3;
	int nlvs = gen_int(r, 1, 3);
	json_t *lvs = json_array();
	for (int l = 0; l < nlvs; l++) {
		snprintf(lvnames[l], sizeof lvnames[l], "lv%d", l + 1);
		int ncopies = req->copies == 3 && ndisks > 1 && gen_int(r, 0, 2) == 0 ? 2 : 1;
		if (ndisks > 2 && gen_int(r, 0, 9) == 0)
			ncopies = req->copies;  /* already complete */
		int64_t want = gen_int(r, 1, 40);
		int first = gen_int(r, 0, ndisks - 1);
		for (int c = 0; c < ncopies; c++) {
			int d = (first + c) % ndisks;
			if (freex[d] < want)
				want = freex[d];
		}
		if (want <= 0)
			continue;  /* no room left: the inventory simply has fewer LVs */
		json_t *copies = json_array();
		for (int c = 0; c < ncopies; c++) {
			int d = (first + c) % ndisks;
			json_t *segs = json_array();
			snprintf(name, sizeof name, "d%d", d + 1);
			json_array_append_new(segs, json_pack("{ss sI}", "pv", name, "extents", (json_int_t)want));
			freex[d] -= want;
			json_array_append_new(copies, segs);
		}
		json_array_append_new(lvs, json_pack("{ss sI so}", "name", lvnames[l], "extents",
						     (json_int_t)want, "copies", copies));
	}
	for (int i = 0; i < ndisks; i++) {
		snprintf(name, sizeof name, "d%d", i + 1);
		/* sometimes the PV has less free than what is unused (other VGs' view is not ours) */
		json_array_append_new(pvs, json_pack("{ss sI sI}", "disk", name, "total_extents",
						     (json_int_t)total[i], "free_extents",
						     (json_int_t)(freex[i] > 0 ? gen_int(r, 0, 3) ? freex[i] : freex[i] / 2 : 0)));
	}
	json_t *vg = json_pack("{ss si si si so so}", "name", "vg1", "extent_mib", ext,
			       "pv_overhead_mib", ovh, "copy_meta_extents", meta, "pvs", pvs, "lvs", lvs);
	json_t *part = json_pack("{ss ss so s[o]}", "name", "p1", "os", "linux", "disks", disks, "vgs", vg);
	json_object_set_new(inv, "partitions", json_pack("[o]", part));

	req->partition = "p1";
	req->vg = "vg1";
	req->n_lvs = 0;
	req->lvs = NULL;
	if (json_array_size(lvs) > 1 && gen_int(r, 0, 4) == 0) {
		lvsel[0] = json_string_value(json_object_get(json_array_get(lvs,
			(size_t)gen_int(r, 0, (int)json_array_size(lvs) - 1)), "name"));
		req->lvs = lvsel;
		req->n_lvs = 1;
	}
	static const int levels[] = { 0, 1, 2, 2, 2, 3, 4 };
	req->level = levels[gen_int(r, 0, 6)];
	req->no_reuse = gen_int(r, 0, 4) == 0;
	return inv;
}

void gen_break(struct gen_rng *r, json_t *inv)
{
	size_t i, k;
	json_t *o, *v;
	/* servers unreachable, with their pools */
	json_array_foreach(json_object_get(inv, "servers"), i, o)
		if (gen_int(r, 0, 3) == 0)
			json_object_set_new(o, "state", json_string("unreachable"));
	json_array_foreach(json_object_get(inv, "pools"), i, o) {
		json_t *srv = NULL;
		json_array_foreach(json_object_get(inv, "servers"), k, v)
			if (!strcmp(json_string_value(json_object_get(v, "name")),
				    json_string_value(json_object_get(o, "server"))))
				srv = v;
		const char *st = srv ? json_string_value(json_object_get(srv, "state")) : NULL;
		if ((st && !strcmp(st, "unreachable")) || gen_int(r, 0, 7) == 0)
			json_object_set_new(o, "state", json_string("unreachable"));
	}
	/* disks missing: those reached only through unreachable servers, and a few more */
	json_t *part = json_array_get(json_object_get(inv, "partitions"), 0);
	json_array_foreach(json_object_get(part, "disks"), i, o) {
		bool reach = false;
		size_t p;
		json_t *sp;
		json_array_foreach(json_object_get(o, "paths"), p, sp)
			json_array_foreach(json_object_get(inv, "servers"), k, v)
				if (!strcmp(json_string_value(json_object_get(v, "name")), json_string_value(sp)))
					reach |= !json_object_get(v, "state");
		if (!reach || gen_int(r, 0, 5) == 0)
			json_object_set_new(o, "state", json_string("missing"));
	}
	/* stale copies */
	json_t *vg = json_array_get(json_object_get(part, "vgs"), 0);
	json_array_foreach(json_object_get(vg, "lvs"), i, o) {
		size_t n = json_array_size(json_object_get(o, "copies"));
		if (n > 1 && gen_int(r, 0, 2) == 0)
			json_object_set_new(o, "stale", json_pack("[i]", gen_int(r, 0, (int)n - 1)));
	}
}
