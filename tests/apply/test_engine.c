/* test_engine.c: unit tests of the apply journal and step engine: records, lock, steps from a
 * plan, a full run, a crash (VDMIRROR_FAULT, in a forked child) at every step followed by
 * resume or by undo, a failing step, a failing sync.
 *
 * The backend and the client here are fakes ON PURPOSE: this suite must run in a second and
 * without the lab; the real qemu backend and agent are exercised by the lab suite
 * (tests/apply/lab-*.sh). The fakes keep their "world" (disks, maps, PVs, copies, pool free
 * space) in files, so it survives the forked child's death like real storage would. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>
#include "vdmirror/apply.h"
#include "vdmirror/util.h"

static char tmpdir[256];

/* ---- the fake world: one file per object under tmpdir/world ---- */

static char *wpath(const char *kind, const char *name)
{
	return xasprintf("%s/world/%s%s%s", tmpdir, kind, name ? "/" : "", name ? name : "");
}

static void wlog(const char *fmt, ...)
{
	CLEANUP_FREE char *p = wpath("log", NULL);
	FILE *f = fopen(p, "a");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static bool wexists(const char *kind, const char *name)
{
	CLEANUP_FREE char *p = wpath(kind, name);
	return access(p, F_OK) == 0;
}

static void wput(const char *kind, const char *name, long v)
{
	CLEANUP_FREE char *p = wpath(kind, name);
	FILE *f = fopen(p, "w");
	fprintf(f, "%ld\n", v);
	fclose(f);
}

static long wget(const char *kind, const char *name)
{
	CLEANUP_FREE char *p = wpath(kind, name);
	FILE *f = fopen(p, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void wdel(const char *kind, const char *name)
{
	CLEANUP_FREE char *p = wpath(kind, name);
	unlink(p);
}

static int wcount(const char *kind)
{
	CLEANUP_FREE char *p = wpath(kind, NULL);
	DIR *d = opendir(p);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

/* How many log lines start with prefix. */
static int wlog_count(const char *prefix)
{
	CLEANUP_FREE char *p = wpath("log", NULL);
	FILE *f = fopen(p, "r");
	char line[512];
	int n = 0;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, prefix, strlen(prefix)))
			n++;
	if (f)
		fclose(f);
	return n;
}

static void rm_rf(const char *path)
{
	char *argv[] = { "rm", "-rf", (char *)path, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
}

static void world_reset(void)
{
	rm_rf(tmpdir);
	mkdir(tmpdir, 0700);
	const char *dirs[] = { "world", "world/disks", "world/maps", "world/pvs", "world/copies",
			       "world/sync", "world/owner" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		CLEANUP_FREE char *p = xasprintf("%s/%s", tmpdir, dirs[i]);
		mkdir(p, 0700);
	}
	wput("pool_free", NULL, 10000);
}

/* ---- fake backend (the backend.h contract: create is exclusive unless the owner tag matches) */

static char fb_owner_tag[256];

/* The owner tag a disk carries ("" when none). */
static void fb_tag_of(const char *disk, char *out, size_t size)
{
	CLEANUP_FREE char *p = wpath("owner", disk);
	FILE *f = fopen(p, "r");
	out[0] = '\0';
	if (f) {
		if (!fgets(out, (int)size, f))
			out[0] = '\0';
		fclose(f);
	}
}

static void fb_set_tag(const char *disk, const char *tag)
{
	CLEANUP_FREE char *p = wpath("owner", disk);
	FILE *f = fopen(p, "w");
	fputs(tag, f);
	fclose(f);
}

static void fb_set_owner(void *st, const char *owner)
{
	snprintf(fb_owner_tag, sizeof fb_owner_tag, "%s", owner ? owner : "");
}

static int fb_disk_owned(void *st, const char *pool, const char *disk, const char *owner,
			 struct vdm_error *err)
{
	char tag[256];
	fb_tag_of(disk, tag, sizeof tag);
	return wexists("disks", disk) && tag[0] && !strcmp(tag, owner);
}

static int fb_create(void *st, const char *pool, const char *disk, int64_t size,
		     struct vdm_error *err)
{
	wlog("create %s", disk);
	if (wexists("disks", disk))
		return fb_disk_owned(st, pool, disk, fb_owner_tag, err) == 1 ? 0
			: vdm_err(err, -EEXIST, "fake: disk %s already exists", disk);
	wput("disks", disk, (long)size);
	if (fb_owner_tag[0])
		fb_set_tag(disk, fb_owner_tag);
	wput("pool_free", NULL, wget("pool_free", NULL) - (long)size);
	return 0;
}

static int fb_delete(void *st, const char *pool, const char *disk, struct vdm_error *err)
{
	wlog("delete %s", disk);
	if (wexists("maps", disk))
		return vdm_err(err, -EBUSY, "fake: disk %s still mapped", disk);
	if (!wexists("disks", disk))
		return 0;
	wput("pool_free", NULL, wget("pool_free", NULL) + wget("disks", disk));
	wdel("disks", disk);
	wdel("owner", disk);
	return 0;
}

static int fb_map(void *st, const char *part, const char *pool, const char *disk,
		  struct vdm_error *err)
{
	wlog("map %s", disk);
	if (!wexists("disks", disk))
		return vdm_err(err, -ENOENT, "fake: map %s: no such disk", disk);
	wput("maps", disk, 1);
	return 0;
}

static int fb_unmap(void *st, const char *part, const char *disk, struct vdm_error *err)
{
	wlog("unmap %s", disk);
	if (wexists("pvs", disk))
		return vdm_err(err, -EBUSY, "fake: unmap %s: still a PV", disk);
	wdel("maps", disk);
	return 0;
}

static const struct vdm_backend_ops fake_backend_ops = {
	.name = "fake", .caps = VDM_BACKEND_PROVISION | VDM_BACKEND_MAP,
	.create_disk = fb_create, .delete_disk = fb_delete,
	.map_disk = fb_map, .unmap_disk = fb_unmap,
	.set_owner = fb_set_owner, .disk_owned = fb_disk_owned,
};

/* ---- fake client ---- */

static int fc_wait(void *h, const char *disk, int64_t t, json_t *facts, struct vdm_error *err)
{
	wlog("wait %s", disk);
	return wexists("maps", disk) ? 0 : vdm_err(err, -ETIMEDOUT, "fake: %s not seen", disk);
}

static int fc_add_pv(void *h, const char *vg, const char *disk, struct vdm_error *err)
{
	wlog("add_pv %s", disk);
	if (!wexists("maps", disk))
		return vdm_err(err, -ENOENT, "fake: pvcreate %s: no such device", disk);
	wput("pvs", disk, 1);
	return 0;
}

static int fc_remove_pv(void *h, const char *vg, const char *disk,
			struct vdm_error *err)
{
	wlog("remove_pv %s", disk);
	wdel("pvs", disk);
	return 0;
}

static int fc_add_copy(void *h, const char *vg, const char *lv, int copies,
		       const struct vdm_plan_copy *c, struct vdm_error *err)
{
	wlog("add_copy %s %d", lv, copies);
	if (wexists("fail_add_copy", NULL)) {
		wdel("fail_add_copy", NULL);
		return vdm_err(err, -EIO, "fake: lvconvert %s: device busy", lv);
	}
	for (size_t i = 0; i < c->n_segs; i++)
		if (!wexists("pvs", c->segs[i].pv))
			return vdm_err(err, -ENOENT, "fake: %s is not a PV", c->segs[i].pv);
	CLEANUP_FREE char *name = xasprintf("%s.%d", lv, copies);
	wput("copies", name, 1);
	wput("sync", lv, 0);
	return 0;
}

static int fc_remove_copy(void *h, const char *vg, const char *lv,
			  const struct vdm_plan_copy *c, struct vdm_error *err)
{
	wlog("remove_copy %s", lv);
	for (int k = 2; k <= 3; k++) {
		CLEANUP_FREE char *name = xasprintf("%s.%d", lv, k);
		wdel("copies", name);
	}
	return 0;
}

/* Each poll moves the sync 50 points on. */
static int fc_sync(void *h, const char *vg, const char *lv, double *pct,
		   struct vdm_error *err)
{
	if (wexists("fail_sync", NULL))
		return vdm_err(err, -EIO, "fake: leg on server s1 failed");
	long v = wget("sync", lv);
	if (v < 0)
		return vdm_err(err, -ENOENT, "fake: LV %s has no mirror", lv);
	v = v + 50 > 100 ? 100 : v + 50;
	wput("sync", lv, v);
	*pct = (double)v;
	return 0;
}

static const struct vdm_client_ops fake_client_ops = {
	.name = "fake", .caps = VDM_CLIENT_AUTOMATED,
	.wait_disk = fc_wait, .add_pv = fc_add_pv, .remove_pv = fc_remove_pv,
	.add_copy = fc_add_copy, .remove_copy = fc_remove_copy, .sync_status = fc_sync,
};

static int fake_verify(void *arg, const json_t *plan, struct vdm_error *err)
{
	wlog("verify");
	/* "done" had its two copies before the plan; the other two must have gained one */
	const char *check[] = { "root", "data" };
	assert_string_equal(json_string_value(json_object_get(plan, "vg")), "rootvg");
	for (size_t i = 0; i < 2; i++) {
		const char *lv = check[i];
		CLEANUP_FREE char *name = xasprintf("%s.2", lv);
		if (!wexists("copies", name))
			return vdm_err_exit(err, -EDOM, VDM_EXIT_UNPROTECTED,
					    "LV %s: one copy only", lv);
	}
	return 0;
}

/* ---- a plan: two new disks, two LVs, each one new copy ---- */

static struct vdm_plan_segment segs_a[] = { { "lpar1-rootvg-m1", 40 } };
static struct vdm_plan_segment segs_b[] = { { "lpar1-rootvg-m1", 10 }, { "lpar1-rootvg-m2", 20 } };
static struct vdm_plan_copy copy_a = { segs_a, 1 }, copy_b = { segs_b, 2 };
static struct vdm_plan_disk disks[] = {
	{ "lpar1-rootvg-m1", "s2/pool", 1700, NULL, 0 },
	{ "lpar1-rootvg-m2", "s3/pool", 700, NULL, 0 },
};
static struct vdm_plan_lv lvs[] = {
	{ "root", VDM_LEVEL_SERVER, &copy_a, 1, NULL, 0, NULL, 0, NULL, 0 },
	{ "data", VDM_LEVEL_SERVER, &copy_b, 1, NULL, 0, NULL, 0, NULL, 0 },
	{ "done", VDM_LEVEL_SERVER, NULL, 0, NULL, 0, NULL, 0, NULL, 0 },
};
static struct vdm_plan test_plan = {
	"lpar1", "rootvg", 2, VDM_LEVEL_SERVER, 2240, 0, 2400,
	disks, 2, lvs, 3, NULL, 0, NULL, 0, NULL, 0, 0,
};

/* The plan JSON the journal stores: only what the engine and fake_verify read. */
static json_t *test_plan_json(void)
{
	return json_pack("{s:i, s:s, s:s, s:i, s:s, s:[{s:s}, {s:s}, {s:s}]}", "version", 1,
			 "partition", "lpar1", "vg", "rootvg", "copies", 2, "level", "server",
			 "lvs", "name", "root", "name", "data", "name", "done");
}

static struct vdm_backend fake_backend = { &fake_backend_ops, NULL };
static struct vdm_client fake_client = { &fake_client_ops, NULL };

static struct vdm_apply_ctx make_ctx(void)
{
	struct vdm_apply_ctx ctx = { 0 };
	ctx.backend = &fake_backend;
	ctx.client = &fake_client;
	ctx.verify = fake_verify;
	ctx.sync_poll_ms = 1;
	return ctx;
}

static char *state_dir(void)
{
	return xasprintf("%s/state", tmpdir);
}

/* Starts a fresh run of test_plan in the journal; returns it loaded. */
static struct vdm_run *begin_run(struct vdm_journal *j)
{
	struct vdm_step *steps;
	size_t n;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_steps_from_plan(&test_plan, &steps, &n, &err), 0);
	json_t *pj = test_plan_json();
	int64_t id;
	assert_int_equal(vdm_journal_begin(j, pj, steps, n, &id, &err), 0);
	json_decref(pj);
	vdm_steps_free(steps, n);
	struct vdm_run *run;
	assert_int_equal(vdm_journal_latest(j, &run, &err), 0);
	assert_non_null(run);
	assert_int_equal(run->id, id);
	return run;
}

/* ---- tests ---- */

static void test_journal_path(void **unused)
{
	CLEANUP_FREE char *p = vdm_journal_path("/st", "lpar/1", "root+vg");
	assert_string_equal(p, "/st/lpar%2F1+root%2Bvg.journal");
	/* the library reads no environment: $VDMIRROR_STATE is the CLI's to pass */
	setenv("VDMIRROR_STATE", "/elsewhere", 1);
	assert_string_equal(vdm_state_dir(NULL), "/var/lib/vdmirror");
	assert_string_equal(vdm_state_dir("/given"), "/given");
	unsetenv("VDMIRROR_STATE");
	assert_string_equal(vdm_state_dir(NULL), "/var/lib/vdmirror");
}

static void test_steps_from_plan(void **unused)
{
	struct vdm_step *s;
	size_t n;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_steps_from_plan(&test_plan, &s, &n, &err), 0);
	const char *want[] = { "create_disk", "map_disk", "wait_disk", "add_pv",
			       "create_disk", "map_disk", "wait_disk", "add_pv",
			       "add_copy", "add_copy", "wait_sync", "verify" };
	assert_int_equal(n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(vdm_step_kind_name(s[i].kind), want[i]);
		assert_int_equal(s[i].seq, (int)i + 1);
	}
	assert_int_equal(json_integer_value(json_object_get(s[0].args, "size_mib")), 1700);
	assert_string_equal(json_string_value(json_object_get(s[4].args, "pool")), "s3/pool");
	/* data's copy: two segments on two disks, 2 copies after */
	json_t *segs = json_object_get(s[9].args, "segments");
	assert_int_equal(json_array_size(segs), 2);
	assert_int_equal(json_integer_value(json_object_get(s[9].args, "copies")), 2);
	/* 2240 MiB for 70 extents: 32 MiB each; root 40 extents = 1280 MiB */
	json_t *sl = json_object_get(s[10].args, "lvs");
	assert_int_equal(json_array_size(sl), 2);
	assert_true(json_number_value(json_object_get(json_array_get(sl, 0), "mib")) == 1280.0);
	assert_int_equal(json_array_size(json_object_get(s[11].args, "lvs")), 3);
	assert_string_equal(json_string_value(json_object_get(s[11].args, "level")), "server");
	vdm_steps_free(s, n);
}

static void test_journal_records(void **unused)
{
	world_reset();
	CLEANUP_FREE char *sd = state_dir();
	struct vdm_journal *j, *j2;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	struct vdm_run *none;
	assert_int_equal(vdm_journal_latest(j, &none, &err), 0);
	assert_null(none);

	/* a second opener is refused while the first holds the lock */
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j2, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "another vdmirror run"));

	struct vdm_run *run = begin_run(j);
	assert_string_equal(run->status, "running");
	assert_int_equal(run->n_steps, 12);
	assert_int_equal(run->steps[0].state, VDM_STEP_PLANNED);
	assert_string_equal(json_string_value(json_object_get(run->plan, "vg")), "rootvg");
	assert_int_equal(vdm_journal_step(j, run->id, &run->steps[0], VDM_STEP_STARTED, NULL,
					  &err), 0);
	assert_true(run->steps[0].started_at > 0);
	assert_int_equal(vdm_journal_step(j, run->id, &run->steps[0], VDM_STEP_DONE, NULL, &err), 0);
	assert_int_equal(vdm_journal_step(j, run->id, &run->steps[1], VDM_STEP_STARTED, "boom",
					  &err), 0);
	assert_int_equal(vdm_journal_run_status(j, run, "failed", &err), 0);
	vdm_run_free(run);
	vdm_journal_close(j);

	/* everything is back after a reopen */
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	assert_int_equal(vdm_journal_latest(j, &run, &err), 0);
	assert_string_equal(run->status, "failed");
	assert_true(vdm_run_unfinished(run));
	assert_int_equal(run->steps[0].state, VDM_STEP_DONE);
	assert_true(run->steps[0].finished_at >= run->steps[0].started_at);
	assert_int_equal(run->steps[1].state, VDM_STEP_STARTED);
	assert_string_equal(run->steps[1].error, "boom");
	assert_int_equal(run->steps[2].state, VDM_STEP_PLANNED);
	assert_int_equal(run->steps[10].kind, VDM_STEP_WAIT_SYNC);

	/* a step that does not exist is an error, not a silent no-op */
	struct vdm_step ghost = { .seq = 99 };
	assert_int_equal(vdm_journal_step(j, run->id, &ghost, VDM_STEP_DONE, NULL, &err), -ENOENT);
	vdm_run_free(run);
	vdm_journal_close(j);
}

static void check_world_mirrored(void)
{
	assert_int_equal(wcount("disks"), 2);
	assert_int_equal(wcount("maps"), 2);
	assert_int_equal(wcount("pvs"), 2);
	assert_true(wexists("copies", "root.2"));
	assert_true(wexists("copies", "data.2"));
	assert_int_equal(wget("pool_free", NULL), 10000 - 2400);
}

static void check_world_empty(void)
{
	assert_int_equal(wcount("disks"), 0);
	assert_int_equal(wcount("maps"), 0);
	assert_int_equal(wcount("pvs"), 0);
	assert_int_equal(wcount("copies"), 0);
	assert_int_equal(wget("pool_free", NULL), 10000);
}

static int events_sync, events_done;
static void count_events(void *arg, const struct vdm_event *ev)
{
	if (ev->type == VDM_EV_SYNC)
		events_sync++;
	if (ev->type == VDM_EV_STEP_DONE)
		events_done++;
}

static void test_apply_full(void **unused)
{
	world_reset();
	CLEANUP_FREE char *sd = state_dir();
	struct vdm_journal *j;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	struct vdm_run *run = begin_run(j);
	struct vdm_apply_ctx ctx = make_ctx();
	ctx.on_event = count_events;
	events_sync = events_done = 0;
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), 0);
	assert_string_equal(run->status, "done");
	assert_int_equal(events_done, 12);
	assert_true(events_sync >= 2);
	check_world_mirrored();
	assert_int_equal(wlog_count("create "), 2);
	assert_int_equal(wlog_count("verify"), 1);
	for (size_t i = 0; i < run->n_steps; i++)
		assert_int_equal(run->steps[i].state, VDM_STEP_DONE);

	/* running it again repeats nothing */
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), 0);
	assert_int_equal(wlog_count("create "), 2);
	assert_int_equal(wlog_count("add_copy "), 2);

	/* undo of a finished run puts everything back */
	assert_int_equal(vdm_apply_undo(&ctx, j, run, &err), 0);
	assert_string_equal(run->status, "undone");
	check_world_empty();
	vdm_run_free(run);
	vdm_journal_close(j);
}

/* Runs the plan in a child that dies at the fault; returns the child's exit status. */
static int run_child_with_fault(const char *fault)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CLEANUP_FREE char *sd = state_dir();
		struct vdm_journal *j;
		struct vdm_error err = { 0 };
		if (vdm_journal_open(sd, "lpar1", "rootvg", &j, &err) < 0)
			_exit(2);
		struct vdm_run *run = begin_run(j);
		struct vdm_apply_ctx ctx = make_ctx();
		ctx.fault = fault;
		int rc = vdm_apply_run(&ctx, j, run, &err);
		_exit(rc < 0 ? 3 : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* For every step and both fault points: crash, check the journal says where, resume, check
 * the world is exactly the full run's and no finished step ran twice. */
static void test_fault_each_step_resume(void **unused)
{
	struct vdm_step *steps;
	size_t n;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_steps_from_plan(&test_plan, &steps, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		/* 0: die after "started", 1: after the step ran, 2: after "done" */
		for (int at = 0; at <= 2; at++) {
			int nth = 0;
			for (size_t k = 0; k <= i; k++)
				nth += steps[k].kind == steps[i].kind;
			char fault[64];
			snprintf(fault, sizeof fault, "%s:%d%s", vdm_step_kind_name(steps[i].kind),
				 nth, at == 2 ? ":done" : at == 1 ? ":ran" : "");
			world_reset();
			assert_int_equal(run_child_with_fault(fault), 99);

			CLEANUP_FREE char *sd = state_dir();
			struct vdm_journal *j;
			struct vdm_run *run;
			assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
			assert_int_equal(vdm_journal_latest(j, &run, &err), 0);
			assert_true(vdm_run_unfinished(run));
			assert_int_equal(run->steps[i].state, at == 2 ? VDM_STEP_DONE : VDM_STEP_STARTED);
			for (size_t k = 0; k < i; k++)
				assert_int_equal(run->steps[k].state, VDM_STEP_DONE);
			for (size_t k = i + 1; k < n; k++)
				assert_int_equal(run->steps[k].state, VDM_STEP_PLANNED);

			struct vdm_apply_ctx ctx = make_ctx();
			assert_int_equal(vdm_apply_run(&ctx, j, run, &err), 0);
			assert_string_equal(run->status, "done");
			check_world_mirrored();
			/* only a step that ran without its "done" record runs again; every other
			 * one exactly once */
			assert_int_equal(wlog_count("create lpar1-rootvg-m1"), at == 1 && i == 0 ? 2 : 1);
			assert_int_equal(wlog_count("map lpar1-rootvg-m2"), at == 1 && i == 5 ? 2 : 1);
			assert_int_equal(wlog_count("add_copy root"), at == 1 && i == 8 ? 2 : 1);
			assert_int_equal(wlog_count("add_copy data"), at == 1 && i == 9 ? 2 : 1);
			assert_int_equal(wlog_count("verify"), at == 1 && i == 11 ? 2 : 1);
			vdm_run_free(run);
			vdm_journal_close(j);
		}
	}
	vdm_steps_free(steps, n);
}

/* Crash at every step, then undo: nothing is left, the pool has its space back exactly. */
static void test_fault_each_step_undo(void **unused)
{
	struct vdm_step *steps;
	size_t n;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_steps_from_plan(&test_plan, &steps, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		int nth = 0;
		for (size_t k = 0; k <= i; k++)
			nth += steps[k].kind == steps[i].kind;
		char fault[64];
		snprintf(fault, sizeof fault, "%s:%d", vdm_step_kind_name(steps[i].kind), nth);
		world_reset();
		assert_int_equal(run_child_with_fault(fault), 99);
		CLEANUP_FREE char *sd = state_dir();
		struct vdm_journal *j;
		struct vdm_run *run;
		assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
		assert_int_equal(vdm_journal_latest(j, &run, &err), 0);
		struct vdm_apply_ctx ctx = make_ctx();
		assert_int_equal(vdm_apply_undo(&ctx, j, run, &err), 0);
		assert_string_equal(run->status, "undone");
		assert_false(vdm_run_unfinished(run));
		check_world_empty();
		/* every disk this run made was deleted: no "kept" note anywhere */
		for (size_t k = 0; k < run->n_steps; k++)
			assert_null(run->steps[k].error);
		vdm_run_free(run);
		vdm_journal_close(j);
	}
	vdm_steps_free(steps, n);
}

static void test_step_failure_then_resume(void **unused)
{
	world_reset();
	wput("fail_add_copy", NULL, 1);
	CLEANUP_FREE char *sd = state_dir();
	struct vdm_journal *j;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	struct vdm_run *run = begin_run(j);
	struct vdm_apply_ctx ctx = make_ctx();
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), -EIO);
	assert_non_null(strstr(err.msg, "add copy of LV rootvg/root"));
	assert_non_null(strstr(err.msg, "device busy"));
	assert_string_equal(run->status, "failed");
	assert_int_equal(run->steps[8].state, VDM_STEP_STARTED);
	assert_non_null(strstr(run->steps[8].error, "device busy"));
	assert_false(wexists("copies", "root.2"));
	/* the fake fails only once: resuming finishes */
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), 0);
	assert_null(run->steps[8].error);
	check_world_mirrored();
	vdm_run_free(run);
	vdm_journal_close(j);
}

static void test_sync_failure_reported(void **unused)
{
	world_reset();
	wput("fail_sync", NULL, 1);
	CLEANUP_FREE char *sd = state_dir();
	struct vdm_journal *j;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	struct vdm_run *run = begin_run(j);
	struct vdm_apply_ctx ctx = make_ctx();
	assert_true(vdm_apply_run(&ctx, j, run, &err) < 0);
	assert_non_null(strstr(err.msg, "sync of LV rootvg/root"));
	assert_non_null(strstr(err.msg, "server s1 failed"));
	assert_string_equal(run->status, "failed");
	assert_int_equal(run->steps[10].kind, VDM_STEP_WAIT_SYNC);
	assert_int_equal(run->steps[11].state, VDM_STEP_PLANNED);
	vdm_run_free(run);
	vdm_journal_close(j);
}

static void test_verify_failure_exit3(void **unused)
{
	world_reset();
	CLEANUP_FREE char *sd = state_dir();
	struct vdm_journal *j;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	struct vdm_run *run = begin_run(j);
	struct vdm_apply_ctx ctx = make_ctx();
	/* one copy vanishes before verify runs: the run must not end "done" */
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), 0);
	wdel("copies", "data.2");
	run->steps[11].state = VDM_STEP_PLANNED;
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), -EDOM);
	assert_int_equal(err.exit_code, VDM_EXIT_UNPROTECTED);
	assert_non_null(strstr(err.msg, "LV data"));
	assert_string_equal(run->status, "failed");
	vdm_run_free(run);
	vdm_journal_close(j);
}

/* Issue 9, findings 1 and 2: a disk of the planned name and size already on the server,
 * unmapped and mapped (to another partition), must not be adopted by mirror nor deleted by
 * undo; the refused create leaves no step that undo would reverse. */
static void foreign_disk_case(bool mapped)
{
	world_reset();
	wput("disks", "lpar1-rootvg-m1", 1700);       /* exactly what the plan wants */
	fb_set_tag("lpar1-rootvg-m1", "someone-else");
	if (mapped)
		wput("maps", "lpar1-rootvg-m1", 2);
	CLEANUP_FREE char *sd = state_dir();
	struct vdm_journal *j;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	struct vdm_run *run = begin_run(j);
	struct vdm_apply_ctx ctx = make_ctx();
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "lpar1-rootvg-m1"));
	assert_non_null(strstr(err.msg, "did not create"));
	assert_int_equal(run->steps[0].state, VDM_STEP_PLANNED);
	assert_int_equal(wlog_count("map lpar1-rootvg-m1"), 0);
	enum vdm_disk_own own;
	assert_int_equal(vdm_journal_disk_get(j, run->id, "lpar1-rootvg-m1", &own, &err), 0);
	assert_int_equal(own, VDM_DISK_FOREIGN);
	/* resume refuses again, the same way */
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), -EEXIST);
	assert_int_equal(vdm_apply_undo(&ctx, j, run, &err), 0);
	assert_int_equal(wlog_count("delete"), 0);
	assert_int_equal(wlog_count("unmap"), 0);
	assert_int_equal(wget("disks", "lpar1-rootvg-m1"), 1700);
	assert_int_equal(wexists("maps", "lpar1-rootvg-m1"), mapped);
	vdm_run_free(run);
	vdm_journal_close(j);
}

static void test_foreign_disk_unmapped(void **unused)
{
	foreign_disk_case(false);
}

static void test_foreign_disk_mapped(void **unused)
{
	foreign_disk_case(true);
}

/* A crash between the create call and its "created" record (simulated: the record put back to
 * "creating"): undo deletes the disk only if the server shows this run's tag on it. */
static void crash_window_case(bool ours)
{
	world_reset();
	assert_int_equal(run_child_with_fault("create_disk:1:ran"), 99);
	if (!ours)
		fb_set_tag("lpar1-rootvg-m1", "someone-else");
	CLEANUP_FREE char *sd = state_dir();
	struct vdm_journal *j;
	struct vdm_run *run;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	assert_int_equal(vdm_journal_latest(j, &run, &err), 0);
	enum vdm_disk_own own;
	assert_int_equal(vdm_journal_disk_get(j, run->id, "lpar1-rootvg-m1", &own, &err), 0);
	assert_int_equal(own, VDM_DISK_CREATED);
	assert_int_equal(vdm_journal_disk_set(j, run->id, "s2/pool", "lpar1-rootvg-m1",
					      VDM_DISK_CREATING, &err), 0);
	struct vdm_apply_ctx ctx = make_ctx();
	assert_int_equal(vdm_apply_undo(&ctx, j, run, &err), 0);
	assert_int_equal(wexists("disks", "lpar1-rootvg-m1"), !ours);
	if (!ours)
		assert_non_null(strstr(run->steps[0].error, "kept"));
	vdm_run_free(run);
	vdm_journal_close(j);
}

static void test_crash_window_ours(void **unused)
{
	crash_window_case(true);
}

static void test_crash_window_foreign(void **unused)
{
	crash_window_case(false);
}

/* Issue 9, item 9: a damaged journal blocked mirror and undo with no way out named; the
 * message must say which file to move aside. */
static void test_damaged_journal_hint(void **unused)
{
	world_reset();
	CLEANUP_FREE char *sd = state_dir();
	struct vdm_journal *j;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	vdm_journal_close(j);
	CLEANUP_FREE char *path = vdm_journal_path(sd, "lpar1", "rootvg");
	FILE *f = fopen(path, "r+");
	assert_non_null(f);
	fputs("this is no longer an SQLite file, whatever it was", f);
	fclose(f);
	assert_true(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err) < 0);
	CLEANUP_FREE char *mv = xasprintf("mv '%s' '%s.damaged'", path, path);
	if (!strstr(err.msg, mv))
		fail_msg("no recovery hint in: %s", err.msg);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/vdm-test-engine.%d", (int)getpid());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_path),
		cmocka_unit_test(test_steps_from_plan),
		cmocka_unit_test(test_journal_records),
		cmocka_unit_test(test_apply_full),
		cmocka_unit_test(test_fault_each_step_resume),
		cmocka_unit_test(test_fault_each_step_undo),
		cmocka_unit_test(test_step_failure_then_resume),
		cmocka_unit_test(test_sync_failure_reported),
		cmocka_unit_test(test_verify_failure_exit3),
		cmocka_unit_test(test_foreign_disk_unmapped),
		cmocka_unit_test(test_foreign_disk_mapped),
		cmocka_unit_test(test_crash_window_ours),
		cmocka_unit_test(test_crash_window_foreign),
		cmocka_unit_test(test_damaged_journal_hint),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rm_rf(tmpdir);
	return rc;
}
