/* test_aix_discover.c: the round trips of an AIX discovery do not grow with the LVs, and the
 * combined per-object command that makes it so (aix_each_argv / aix_parse_each). The
 * partition's commands run in a real /bin/sh through the local transport, answered by
 * tests/vios/aix-standin.sh from outputs written here (no AIX here: that is the mock). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>
#include "client/aix.h"
#include "vdmirror/client.h"
#include "vdmirror/transport.h"
#include "vdmirror/util.h"

/* ---- a transport that counts the commands (round trips) it passes on ---- */

struct counting { struct vdm_transport inner; int runs; };

/* A partition whose shell will not run the discovery loop: 1 = the loop exits 1 (a restricted
 * shell's refusal), 2 = it exits 0 with output that is not the loop's; 3 = the output of a
 * loop of more than one object is over the transport's cap (the estimates fell short: a VG of
 * thousands of LVs; one object's output fits, as each did before the loop). */
static int loop_fault;
static int loops_failed;   /* the loops (sh -c ... MARK OBJECT...) loop_fault failed */

static int count_run(void *ctx, char *const argv[], int64_t timeout_ms, char **out,
		     struct vdm_error *err)
{
	struct counting *c = ctx;
	c->runs++;
	if (loop_fault == 3 && !strcmp(argv[0], "sh") && argv[4] && argv[5]) {
		loops_failed++;
		return vdm_err(err, -E2BIG, "local sh: output larger than 4194304 bytes, killed");
	}
	if (loop_fault && loop_fault != 3 && !strcmp(argv[0], "sh")) {
		loops_failed++;
		char *const refuse[] = { (char *)"sh", (char *)"-c",
			(char *)(loop_fault == 1 ? "echo 'sh: -c: restricted' >&2; exit 1"
						 : "echo 'Welcome to AIX'"), NULL };
		return vdm_transport_run(&c->inner, refuse, timeout_ms, out, err);
	}
	return vdm_transport_run(&c->inner, argv, timeout_ms, out, err);
}

static const char *count_stderr(void *ctx)
{
	return vdm_transport_last_stderr(&((struct counting *)ctx)->inner);
}

/* ---- a partition with datavg on nd hdisks (2 to 9) and n LVs of 2 LPs mirrored on hdisk0 and
 * hdisk1 ---- */

/* What the disks are (dual VIOS, the production case): with `dual`, every vSCSI hdisk has a
 * path through vios1 (client slot 11, vscsi0) and one through vios2 (slot 12, vscsi1), the
 * second Failed when `failed`; the last `npiv` hdisks are NPIV disks (slot 31, served by
 * vios1), the `dead` ones before them are behind vios3, which did not answer (slot 41). With
 * `stale`, every LV is open/stale, its copy on hdisk1 out of date (lslv -p: STALE). */
static struct { bool dual, failed; int npiv, dead; bool stale; } fx;

static bool is_npiv(int d, int nd) { return d >= nd - fx.npiv; }
static bool is_dead(int d, int nd) { return !is_npiv(d, nd) && d >= nd - fx.npiv - fx.dead; }

static void put(const char *dir, const char *key, const char *fmt, ...)
{
	char *path = xasprintf("%s/%s.out", dir, key);
	FILE *f = fopen(path, "w");
	free(path);
	assert_non_null(f);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void partition_dir(const char *dir, int n, int nd, const char *strict)
{
	assert_int_equal(mkdir(dir, 0700), 0);
	char lspv[1024] = "", lsvgp[1024] = "";
	for (int d = 0; d < nd; d++) {
		size_t l = strlen(lspv), m = strlen(lsvgp);
		snprintf(lspv + l, sizeof lspv - l, "hdisk%d          00f6db0a0c4e000%d                    "
			 "datavg          active\n", d, d);
		snprintf(lsvgp + m, sizeof lsvgp - m, "hdisk%d            active            159         "
			 "%d         32..0..4..32..32\n", d, d < 2 ? 159 - 2 * n : 159);
	}
	put(dir, "lspv", "%s", lspv);
	for (int d = 0; d < nd; d++) {
		char key[64];
		snprintf(key, sizeof key, "lscfg_-l_hdisk%d", d);
		if (is_npiv(d, nd)) {
			put(dir, key, "  hdisk%d  U8408.E8E.78CB04W-V3-C31-T1-W500507680B21A4C1-L%d000000"
				 "000000000  MPIO FC 2145\n", d, d + 1);
			snprintf(key, sizeof key, "lsattr_-El_hdisk%d_-a_unique_id_-F_value", d);
			put(dir, key, "33213600507680181860C000000000000%02d04214503IBMfcp\n", d);
		} else {
			put(dir, key, "  hdisk%d  U8408.E8E.78CB04W-V3-C%d-T1-L8%d00000000000000  Virtual "
				 "SCSI Disk Drive\n", d, is_dead(d, nd) ? 41 : 11, d + 1);
		}
		snprintf(key, sizeof key, "lspath_-l_hdisk%d", d);
		if (is_dead(d, nd))
			put(dir, key, "Enabled hdisk%d vscsi2\n", d);
		else if (fx.dual)
			put(dir, key, "Enabled hdisk%d vscsi0\n%s hdisk%d vscsi1\n", d,
			    fx.failed ? "Failed " : "Enabled", d);
		snprintf(key, sizeof key, "lspv_hdisk%d", d);
		put(dir, key, "PHYSICAL VOLUME:    hdisk%d                   VOLUME GROUP:     datavg\n"
			 "MIRROR POOL:        vios%d\n", d, d + 1);
	}
	put(dir, "lscfg_-l_vscsi0", "  vscsi0  U8408.E8E.78CB04W-V3-C11-T1  Virtual SCSI Client Adapter\n");
	put(dir, "lscfg_-l_vscsi1", "  vscsi1  U8408.E8E.78CB04W-V3-C12-T1  Virtual SCSI Client Adapter\n");
	put(dir, "lsvg_datavg",
	    "VOLUME GROUP:       datavg                   VG IDENTIFIER:  00f6db0a00004c000000013c6d6a5d7b\n"
	    "VG STATE:           active                   PP SIZE:        64 megabyte(s)\n"
	    "VG PERMISSION:      read/write               TOTAL PPs:      318 (20352 megabytes)\n"
	    "STALE PVs:          0                        STALE PPs:      0\n"
	    "MIRROR POOL STRICT: %s\n", strict);
	put(dir, "lsvg_-p_datavg",
	    "datavg:\n"
	    "PV_NAME           PV STATE          TOTAL PPs   FREE PPs    FREE DISTRIBUTION\n%s",
	    lsvgp);
	char *path = xasprintf("%s/lsvg_-l_datavg.out", dir);
	FILE *f = fopen(path, "w");
	free(path);
	assert_non_null(f);
	fprintf(f, "datavg:\nLV NAME             TYPE       LPs     PPs     PVs  LV STATE      MOUNT POINT\n");
	for (int i = 0; i < n; i++) {
		char key[64];
		fprintf(f, "lv%02d                jfs2       2       4       2    open/%s    /fs%d\n", i,
			fx.stale ? "stale" : "syncd", i);
		snprintf(key, sizeof key, "lslv_-p_hdisk0_lv%02d", i);
		put(dir, key, "hdisk0:lv%02d:/fs%d\nUSED USED 0001 0002 FREE\n", i, i);
		snprintf(key, sizeof key, "lslv_-p_hdisk1_lv%02d", i);
		put(dir, key, "hdisk1:lv%02d:/fs%d\nUSED STALE STALE FREE\n", i, i);
		snprintf(key, sizeof key, "lslv_-m_lv%02d", i);
		put(dir, key, "lv%02d:/fs%d\n"
			 "LP    PP1  PV1               PP2  PV2               PP3  PV3\n"
			 "0001  %04d hdisk0            %04d hdisk1\n"
			 "0002  %04d hdisk0            %04d hdisk1\n", i, i, 2 * i + 1, 2 * i + 1,
			 2 * i + 2, 2 * i + 2);
		snprintf(key, sizeof key, "lslv_lv%02d", i);
		put(dir, key, "LOGICAL VOLUME:     lv%02d                   VOLUME GROUP:   datavg\n"
			 "COPIES:             2                      SCHED POLICY:   parallel\n"
			 "LPs:                2                      PPs:            4\n"
			 "STALE PPs:          0                      BB POLICY:      relocatable\n"
			 "INTRA-POLICY:       middle                 UPPER BOUND:    32\n"
			 "EACH LP COPY ON A SEPARATE PV ?: yes\n", i);
	}
	fclose(f);
}

/* Discovers the partition of n LVs on nd disks through the local transport (or the replay of
 * the same outputs: one command per object), counting round trips; checks what came out. */
static int discover_runs(const char *tmp, int n, int nd, const char *strict, bool replay)
{
	char dir[4096], addr[4200];
	snprintf(dir, sizeof dir, "%s/lpar-%d-%d-%s-%d-%d%d%d%d%d", tmp, n, nd, strict, replay,
		 fx.dual, fx.failed, fx.npiv, fx.dead, fx.stale);
	partition_dir(dir, n, nd, strict);
	setenv("VDM_STANDIN_DIR", dir, 1);
	snprintf(addr, sizeof addr, replay ? "replay:%s" : "local:", dir);
	struct counting c = { .runs = 0 };
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_transport_open(addr, &c.inner, &err), 0);
	struct vdm_transport t = { .ctx = &c, .run = count_run, .last_stderr = count_stderr,
				   .scheme = c.inner.scheme };
	json_t *disks = json_array();
	for (int d = 0; d < nd; d++) {
		char name[16], srv[16];
		snprintf(name, sizeof name, "hdisk%d", d);
		snprintf(srv, sizeof srv, "vios%d", d % 2 + 1);
		if (is_npiv(d, nd) || is_dead(d, nd))
			continue;        /* no VIOS that answered gives them by vSCSI */
		if (fx.dual)
			json_array_append_new(disks, json_pack("{s:s, s:i, s:[s,s], s:{s:[{s:s,s:i},"
				"{s:s,s:i}]}}", "name", name, "size_mib", 10240, "paths", "vios1",
				"vios2", "locator", "paths", "server", "vios1", "client_slot", 11,
				"server", "vios2", "client_slot", 12));
		else
			json_array_append_new(disks, json_pack("{s:s, s:i, s:[s]}", "name", name,
							       "size_mib", 10240, "paths", srv));
	}
	json_t *part = json_pack("{s:s, s:o}", "name", "lpar1", "disks", disks);
	if (fx.npiv)
		json_object_set_new(part, "npiv_locator", json_pack("{s:[{s:s,s:i}]}", "paths",
								    "server", "vios1", "client_slot", 31));
	if (fx.dead)
		json_object_set_new(part, "vios_unreachable", json_pack("{s:[s], s:{s:[{s:s,s:i}]}}",
			"servers", "vios3", "locator", "paths", "server", "vios3", "client_slot", 41));
	struct vdm_client cl = { 0 };
	assert_int_equal(vdm_client_open("aix", &t, &cl, &err), 0);
	int rc = vdm_client_discover(&cl, part, &err);
	if (rc < 0)
		fail_msg("discover: %s", err.msg);
	vdm_client_close(&cl);
	json_t *vg = json_array_get(json_object_get(part, "vgs"), 0);
	json_t *lvs = json_object_get(vg, "lvs");
	assert_int_equal(json_array_size(lvs), (size_t)n);
	for (int i = 0; i < n; i++) {
		json_t *lv = json_array_get(lvs, (size_t)i);
		char name[16];
		snprintf(name, sizeof name, "lv%02d", i);
		assert_string_equal(json_string_value(json_object_get(lv, "name")), name);
		assert_int_equal(json_array_size(json_object_get(lv, "copies")), 2);
		assert_string_equal(json_string_value(json_object_get(lv, "aix_strict")), "yes");
		assert_int_equal(json_integer_value(json_object_get(lv, "aix_upper_bound")), 32);
		if (fx.stale) {
			json_t *st = json_object_get(lv, "stale");
			assert_int_equal(json_array_size(st), 1);
			assert_int_equal(json_integer_value(json_array_get(st, 0)), 1);
		} else {
			assert_null(json_object_get(lv, "stale"));
		}
	}
	json_t *pvs = json_object_get(vg, "pvs");
	assert_int_equal(json_array_size(pvs), (size_t)nd);
	/* each disk as its kind says: both VIOS, or only the one behind its Enabled path; the
	 * NPIV disks by their LUN's id; the disks of the VIOS that did not answer, present */
	for (int d = 0; d < nd; d++) {
		char name[16];
		snprintf(name, sizeof name, "hdisk%d", d);
		json_t *disk = NULL, *v;
		size_t k;
		json_array_foreach(json_object_get(part, "disks"), k, v)
			if (!strcmp(json_string_value(json_object_get(v, "name")), name))
				disk = v;
		assert_non_null(disk);
		json_t *paths = json_object_get(disk, "paths");
		if (is_npiv(d, nd)) {
			assert_non_null(strstr(json_string_value(json_array_get(json_object_get(disk,
				"devices"), 0)), "uid-33213600507680181860C"));
			assert_string_equal(json_string_value(json_array_get(paths, 0)), "vios1");
		} else if (is_dead(d, nd)) {
			assert_string_equal(json_string_value(json_array_get(paths, 0)), "vios3");
			assert_null(json_object_get(disk, "state"));
		} else if (fx.dual) {
			assert_int_equal(json_array_size(paths), fx.failed ? 1 : 2);
			assert_string_equal(json_string_value(json_array_get(paths, 0)), "vios1");
		}
	}
	/* a loop the partition would not run is said once; none otherwise */
	json_t *warn = json_object_get(part, "warnings");
	if (loop_fault == 1 || loop_fault == 2) {
		assert_int_equal(json_array_size(warn), 1);
		assert_non_null(strstr(json_string_value(json_array_get(warn, 0)),
				       loop_fault == 1 ? "restricted" : "not the loop's"));
	} else {
		assert_int_equal(json_array_size(warn), 0);
	}
	if (strcmp(strict, "off")) {
		assert_string_equal(json_string_value(json_object_get(json_array_get(pvs, 1),
								      "aix_mirror_pool")), "vios2");
	} else {
		assert_null(json_object_get(json_array_get(pvs, 1), "aix_mirror_pool"));
	}
	json_decref(part);
	vdm_transport_close(&c.inner);
	return c.runs;
}

struct env { char tmp[64]; char bin[128]; };

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);
	snprintf(e->tmp, sizeof e->tmp, "/tmp/vdm-aixdisc.XXXXXX");
	if (!mkdtemp(e->tmp))
		return -1;
	snprintf(e->bin, sizeof e->bin, "%s/bin", e->tmp);
	mkdir(e->bin, 0700);
	const char *src = getenv("VDM_SOURCE_ROOT");
	if (!src)
		return -1;
	char target[4096], link[4096];
	snprintf(target, sizeof target, "%s/tests/vios/aix-standin.sh", src);
	for (const char *const *c = (const char *const[]){ "lspv", "lsvg", "lslv", "lscfg",
							    "lspath", "lsattr", NULL }; *c; c++) {
		snprintf(link, sizeof link, "%s/%s", e->bin, *c);
		if (symlink(target, link) < 0)
			return -1;
	}
	char path[8192];
	snprintf(path, sizeof path, "%s:%s", e->bin, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	unsetenv("VDM_STANDIN_LOG");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", e->tmp);
	free(e);
	return 0;
}

/* 1 LV and 20 LVs take as many round trips, and so do 2 disks and 8. */
static void round_trips_constant(void **state)
{
	struct env *e = *state;
	for (int s = 0; s < 2; s++) {
		const char *strict = s ? "on" : "off";
		int one = discover_runs(e->tmp, 1, 2, strict, false);
		int many = discover_runs(e->tmp, 20, 2, strict, false);
		int disks = discover_runs(e->tmp, 20, 8, strict, false);
		/* the per-command way, which recordings still take: what every partition took before */
		int one_old = discover_runs(e->tmp, 1, 2, strict, true);
		int many_old = discover_runs(e->tmp, 20, 2, strict, true);
		int disks_old = discover_runs(e->tmp, 20, 8, strict, true);
		print_message("mirror pool strict %s: round trips 1 LV %d, 20 LVs %d, 20 LVs on 8 disks "
			      "%d (one command per object: %d, %d, %d)\n", strict, one, many, disks,
			      one_old, many_old, disks_old);
		assert_int_equal(one, many);
		assert_int_equal(many, disks);
		assert_true(many_old > many);
	}
}

/* A partition whose sh will not run the loop is still discovered, whole, one command per
 * object (what recordings take) after the one refused loop, with a warning; a loop whose
 * output is too big for the transport is asked again one command per object, that time, and
 * the next chunk is a loop again. Both for a partition that only has LVs and for one with
 * multipath, NPIV, dead-VIOS disks and stale LVs (the pre-pass's and lslv -p's objects). */
static void loop_refused_falls_back(void **state)
{
	struct env *e = *state;
	for (loop_fault = 1; loop_fault <= 3; loop_fault++) {
		for (int dual = 0; dual < 2; dual++) {
			int nlv = 18 + loop_fault;   /* each discovery has a folder of its own */
			int nd = dual ? 8 : 2;
			if (dual) {
				fx.dual = fx.failed = fx.stale = true;
				fx.npiv = fx.dead = 2;
			}
			loops_failed = 0;
			int fallback = discover_runs(e->tmp, nlv, nd, "on", false);
			int loops = loops_failed, fault = loop_fault;
			loop_fault = 0;
			int old = discover_runs(e->tmp, nlv, nd, "on", true);
			loop_fault = fault;
			memset(&fx, 0, sizeof fx);
			print_message("loop fault %d, %d disks: round trips %d, %d of them failed "
				      "loops (one command per object: %d)\n", fault, nd, fallback, loops,
				      old);
			if (fault == 3) {
				/* each chunk of more than one object tried once (the next chunk is
				 * not given up), then its objects one by one */
				assert_true(loops > 1);
				assert_int_equal(fallback, old + loops);
			} else {
				assert_int_equal(loops, 1);
				assert_int_equal(fallback, old + 1);
			}
		}
	}
	loop_fault = 0;
}

/* The production case, every disk on two VIOS: 2 multipath disks and 8 take as many round
 * trips, with both paths Enabled or one Failed (its adapter's location then asked once, not
 * per disk), and with NPIV disks and disks of a VIOS that did not answer among them. */
static void multipath_round_trips(void **state)
{
	struct env *e = *state;
	static const struct { bool failed; int npiv, dead; } cases[] = {
		{ false, 0, 0 }, { true, 0, 0 }, { false, 2, 0 }, { false, 0, 2 }, { true, 2, 2 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int extra = cases[i].npiv + cases[i].dead;
		fx.dual = true;
		fx.failed = cases[i].failed;
		fx.npiv = cases[i].npiv;
		fx.dead = cases[i].dead;
		int two = discover_runs(e->tmp, 3, 2 + extra, "off", false);
		int eight = discover_runs(e->tmp, 3, 8, "off", false);
		int two_old = discover_runs(e->tmp, 3, 2 + extra, "off", true);
		int eight_old = discover_runs(e->tmp, 3, 8, "off", true);
		print_message("dual VIOS%s, %d NPIV, %d behind a dead VIOS: round trips %d disks %d, "
			      "8 disks %d (one command per object: %d, %d)\n",
			      fx.failed ? " (a path Failed)" : "", fx.npiv, fx.dead, 2 + extra, two,
			      eight, two_old, eight_old);
		assert_int_equal(two, eight);
		assert_true(eight_old > eight);
	}
	memset(&fx, 0, sizeof fx);
}

/* Stale LVs (a copy out of date after a VIOS came back): which copy, read with lslv -p PV LV,
 * costs one more round trip for the VG whether 2 LVs are stale or 20. */
static void stale_round_trips(void **state)
{
	struct env *e = *state;
	int syncd = discover_runs(e->tmp, 2, 2, "off", false);
	fx.stale = true;
	int two = discover_runs(e->tmp, 2, 2, "off", false);
	int twenty = discover_runs(e->tmp, 20, 2, "off", false);
	int two_old = discover_runs(e->tmp, 2, 2, "off", true);
	int twenty_old = discover_runs(e->tmp, 20, 2, "off", true);
	fx.stale = false;
	print_message("stale LVs: round trips 2 LVs %d, 20 LVs %d (in sync %d; one command per "
		      "object: %d, %d)\n", two, twenty, syncd, two_old, twenty_old);
	assert_int_equal(two, syncd + 1);
	assert_int_equal(two, twenty);
}

/* ---- the combined command and its output ---- */

#define MARK "#vdm-0123456789abcdef"

static void each_argv(void **state)
{
	struct vdm_error err = { 0 };
	struct aix_each it[] = { { .cmd = AIX_EACH_LSLV_M, .name = "hd5" }, { .cmd = AIX_EACH_LSLV, .name = "hd5" },
				 { .cmd = AIX_EACH_LSPV, .name = "hdisk0" } };
	char **av = aix_each_argv(MARK, it, 3, &err);
	assert_non_null(av);
	assert_string_equal(av[0], "sh");
	assert_string_equal(av[1], "-c");
	assert_string_equal(av[3], MARK);
	assert_string_equal(av[4], "m:hd5");
	assert_string_equal(av[5], "l:hd5");
	assert_string_equal(av[6], "p:hdisk0");
	assert_null(av[7]);
	aix_each_argv_free(av);
	/* names the shell must never see: AIX allows none of them */
	const char *bad[] = { "a;rm -rf /", "$(id)", "-x", "a b", "lv\n#vdm", "abcdefghijklmnop", "", "a'b" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct aix_each b = { .cmd = AIX_EACH_LSLV, .name = bad[i] };
		assert_null(aix_each_argv(MARK, &b, 1, &err));
		assert_int_equal(err.code, -EPROTO);
	}
	/* two names (lslv -p PV LV): both checked, both passed as arguments; fixed options
	 * (lsattr's) live in the loop, never in an argument */
	struct aix_each two[] = { { .cmd = AIX_EACH_LSLV_P, .name = "hdisk1", .name2 = "lv00" },
				  { .cmd = AIX_EACH_UNIQUE_ID, .name = "hdisk2" },
				  { .cmd = AIX_EACH_LSPATH, .name = "hdisk3" } };
	av = aix_each_argv(MARK, two, 3, &err);
	assert_non_null(av);
	assert_string_equal(av[4], "s:hdisk1:lv00");
	assert_string_equal(av[5], "u:hdisk2");
	assert_string_equal(av[6], "h:hdisk3");
	aix_each_argv_free(av);
	CLEANUP_FREE char *line = aix_each_line(&two[1]);
	assert_string_equal(line, "lsattr -El hdisk2 -a unique_id -F value");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct aix_each b = { .cmd = AIX_EACH_LSLV_P, .name = "hdisk1", .name2 = bad[i] };
		assert_null(aix_each_argv(MARK, &b, 1, &err));
		assert_int_equal(err.code, -EPROTO);
		assert_non_null(strstr(err.msg, "LV name"));
	}
	struct aix_each noname2 = { .cmd = AIX_EACH_LSLV_P, .name = "hdisk1" };
	assert_null(aix_each_argv(MARK, &noname2, 1, &err));
	struct aix_each colon = { .cmd = AIX_EACH_LSLV_P, .name = "hdisk1:lv0", .name2 = "lv0" };
	assert_null(aix_each_argv(MARK, &colon, 1, &err));
	/* a marker that is not ours */
	assert_null(aix_each_argv("#vdm-x y", it, 1, &err));
	assert_null(aix_each_argv("vdm", it, 1, &err));
}

static void each_parse(void **state)
{
	struct vdm_error err = { 0 };
	struct aix_each it[] = { { .cmd = AIX_EACH_LSLV_M, .name = "lv1" }, { .cmd = AIX_EACH_LSLV, .name = "lv1" } };
	/* the second output lacks its last newline: the marker still ends it */
	assert_int_equal(aix_parse_each(MARK " lslv -m lv1\nA\nB\n" MARK " rc=0\n"
					MARK " lslv lv1\nC" MARK " rc=3\n", MARK, it, 2, &err), 0);
	assert_string_equal(it[0].out, "A\nB\n");
	assert_int_equal(it[0].rc, 0);
	assert_string_equal(it[1].out, "C");
	assert_int_equal(it[1].rc, 3);
	aix_each_free(it, 2);
	/* empty output */
	assert_int_equal(aix_parse_each(MARK " lslv -m lv1\n" MARK " rc=1\n" MARK " lslv lv1\n"
					MARK " rc=0\n", MARK, it, 2, &err), 0);
	assert_string_equal(it[0].out, "");
	aix_each_free(it, 2);
	const char *bad[] = {
		/* cut short: the second object missing, or its status */
		MARK " lslv -m lv1\nA\n" MARK " rc=0\n",
		MARK " lslv -m lv1\nA\n" MARK " rc=0\n" MARK " lslv lv1\nC\n",
		/* another object, another order */
		MARK " lslv lv1\nC\n" MARK " rc=0\n" MARK " lslv -m lv1\nA\n" MARK " rc=0\n",
		MARK " lslv -m lv2\nA\n" MARK " rc=0\n" MARK " lslv lv1\nC\n" MARK " rc=0\n",
		/* an output that holds the marker (a forged end and a forged object) */
		MARK " lslv -m lv1\nA\n" MARK " rc=0\n" MARK " lslv lv1\nX\n" MARK " rc=0\n"
		MARK " rc=0\n" MARK " lslv lv1\nC\n" MARK " rc=0\n",
		MARK " lslv -m lv1\nA " MARK " lslv lv1\n" MARK " rc=0\n" MARK " lslv lv1\nC\n" MARK " rc=0\n",
		/* text before, after, a status out of range or not a number */
		"login banner\n" MARK " lslv -m lv1\nA\n" MARK " rc=0\n" MARK " lslv lv1\nC\n" MARK " rc=0\n",
		MARK " lslv -m lv1\nA\n" MARK " rc=0\n" MARK " lslv lv1\nC\n" MARK " rc=0\nmore\n",
		MARK " lslv -m lv1\nA\n" MARK " rc=256\n" MARK " lslv lv1\nC\n" MARK " rc=0\n",
		MARK " lslv -m lv1\nA\n" MARK " rc=x\n" MARK " lslv lv1\nC\n" MARK " rc=0\n",
		MARK " lslv -m lv1\nA\n" MARK " rc=0",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct aix_each b[] = { { .cmd = AIX_EACH_LSLV_M, .name = "lv1" }, { .cmd = AIX_EACH_LSLV, .name = "lv1" } };
		assert_int_equal(aix_parse_each(bad[i], MARK, b, 2, &err), -EPROTO);
		aix_each_free(b, 2);
	}
}

/* The loop itself in a real shell (the local transport runs it): each object's output and
 * exit status come back in order, a failing object included. With /bin/sh (dash here), and
 * with ksh when installed, the nearest to AIX's /usr/bin/sh (ksh88) this machine has. */
static void each_in_shell(struct env *e, const char *shell)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/shell-%s", e->tmp, shell);
	assert_int_equal(mkdir(dir, 0700), 0);
	put(dir, "lslv_-m_lv1", "map of lv1\n");
	put(dir, "lspv_hdisk0", "MIRROR POOL: None");    /* no last newline */
	put(dir, "lslv_-p_hdisk0_lv1", "hdisk0:lv1:/fs\nSTALE USED\n");
	put(dir, "lsattr_-El_hdisk0_-a_unique_id_-F_value", "3321360050768\n");
	put(dir, "lspath_-l_hdisk0", "Enabled hdisk0 vscsi0\n");
	setenv("VDM_STANDIN_DIR", dir, 1);
	struct aix_each it[] = { { .cmd = AIX_EACH_LSLV_M, .name = "lv1" }, { .cmd = AIX_EACH_LSLV, .name = "lv1" },
				 { .cmd = AIX_EACH_LSPV, .name = "hdisk0" },
				 { .cmd = AIX_EACH_LSLV_P, .name = "hdisk0", .name2 = "lv1" },
				 { .cmd = AIX_EACH_UNIQUE_ID, .name = "hdisk0" },
				 { .cmd = AIX_EACH_LSPATH, .name = "hdisk0" } };
	size_t n = sizeof it / sizeof *it;
	struct vdm_error err = { 0 };
	struct vdm_transport t = { 0 };
	assert_int_equal(vdm_transport_open("local:", &t, &err), 0);
	char **av = aix_each_argv(MARK, it, n, &err);
	free(av[0]);
	av[0] = xstrdup(shell);
	char *out = NULL;
	assert_int_equal(vdm_transport_run(&t, av, 10000, &out, &err), 0);
	aix_each_argv_free(av);
	if (aix_parse_each(out, MARK, it, n, &err) < 0)
		fail_msg("%s: %s", shell, err.msg);
	assert_string_equal(it[0].out, "map of lv1\n");
	assert_int_equal(it[0].rc, 0);
	assert_int_equal(it[1].rc, 127);     /* not recorded: the stand-in fails */
	assert_string_equal(it[2].out, "MIRROR POOL: None");
	assert_int_equal(it[2].rc, 0);
	/* the stand-in answers only the exact command lines: both names and the fixed options
	 * reached the commands as separate words */
	assert_string_equal(it[3].out, "hdisk0:lv1:/fs\nSTALE USED\n");
	assert_string_equal(it[4].out, "3321360050768\n");
	assert_string_equal(it[5].out, "Enabled hdisk0 vscsi0\n");
	for (size_t i = 3; i < n; i++)
		assert_int_equal(it[i].rc, 0);
	aix_each_free(it, n);
	free(out);
	vdm_transport_close(&t);
}

static void each_real_shell(void **state)
{
	each_in_shell(*state, "sh");
	if (access("/usr/bin/ksh", X_OK) == 0 || access("/bin/ksh", X_OK) == 0)
		each_in_shell(*state, "ksh");
	else
		print_message("no ksh here: the loop was run with sh only\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_argv),
		cmocka_unit_test(each_parse),
		cmocka_unit_test_setup_teardown(each_real_shell, setup, teardown),
		cmocka_unit_test_setup_teardown(round_trips_constant, setup, teardown),
		cmocka_unit_test_setup_teardown(loop_refused_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(multipath_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_round_trips, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
