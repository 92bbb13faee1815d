/* test_repair_steps.c: the steps of a repair plan (vdm_steps_from_repair): their order, the
 * disk names they carry instead of copy indexes, the copy counts, and what a waiting copy
 * leaves out. Plans come from the real planner on inventories written here (' for "). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "vdmirror/apply.h"
#include "vdmirror/plan.h"
#include "vdmirror/util.h"

#define NOW 1796042400   /* 2026-11-30T12:40:00Z */

#define HEAD(s1state) "{'version':1,'servers':[{'name':'vios1'" s1state "},{'name':'vios2'}," \
	"{'name':'vios3'}],'pools':[" \
	"{'name':'vios1/sp','server':'vios1','size_mib':100000,'free_mib':50000" s1state "}," \
	"{'name':'vios2/sp','server':'vios2','size_mib':100000,'free_mib':50000}," \
	"{'name':'vios3/sp','server':'vios3','size_mib':100000,'free_mib':50000}],"
#define DOWN ",'state':'unreachable'"
#define DISKS(d1state) "'partitions':[{'name':'lpar1','disks':[" \
	"{'name':'d1','size_mib':10000,'pool':'vios1/sp','paths':['vios1']" d1state "}," \
	"{'name':'d2','size_mib':10000,'pool':'vios2/sp','paths':['vios2']}],"
#define VG(lvs) "'vgs':[{'name':'vg','extent_mib':32,'pv_overhead_mib':4,'pvs':[" \
	"{'disk':'d1','total_extents':300,'free_extents':100}," \
	"{'disk':'d2','total_extents':300,'free_extents':100}],'lvs':[" lvs "]}]}]}"
#define MIRRORED(name, ext) "{'name':'" name "','extents':" #ext ",'copies':[[{'pv':'d1','extents':" \
	#ext "}],[{'pv':'d2','extents':" #ext "}]]"

struct rs {
	struct vdm_inventory *inv;
	struct vdm_plan *plan;
	struct vdm_step *steps;
	size_t n;
};

static void rs_make(struct rs *r, const char *text, int64_t wait_s)
{
	memset(r, 0, sizeof *r);
	char *t = strdup(text);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	struct vdm_error err = { 0 };
	struct vdm_noplan np;
	if (vdm_inventory_parse_string(t, strlen(t), "test", &r->inv, &err) != 0)
		fail_msg("inventory: %s", err.msg);
	free(t);
	struct vdm_request req = { .partition = "lpar1", .vg = "vg", .copies = 2,
				   .level = VDM_LEVEL_SERVER, .wait_for_return_s = wait_s };
	if (vdm_plan_repair(r->inv, &req, NOW, &r->plan, &np, &err) != 0)
		fail_msg("repair plan: %s", err.msg);
	if (vdm_steps_from_repair(r->plan, r->inv, NULL, 0, &r->steps, &r->n, &err) != 0)
		fail_msg("steps: %s", err.msg);
}

static void rs_free(struct rs *r)
{
	vdm_steps_free(r->steps, r->n);
	vdm_plan_free(r->plan);
	vdm_inventory_free(r->inv);
}

/* "kind kind ..." of the steps */
static char *rs_kinds(const struct rs *r)
{
	static char buf[1024];
	buf[0] = '\0';
	for (size_t i = 0; i < r->n; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "",
			 vdm_step_kind_name(r->steps[i].kind));
	return buf;
}

static const char *sarg(const struct vdm_step *s, const char *key)
{
	return json_string_value(json_object_get(s->args, key));
}

/* vios1 dead: the lost copy on d1 is replaced on a new disk of vios3 in one step that names
 * the lost disk, the LV keeps 2 copies; then the missing PV leaves the VG; a plan without the
 * inventory is refused. */
static void test_lost_copy_steps(void **unused)
{
	struct rs r;
	rs_make(&r, HEAD(DOWN) DISKS(",'state':'missing','missing_since':'2026-11-30T10:00:00Z'")
		VG(MIRRORED("a", 100) "}"), 0);
	assert_string_equal(rs_kinds(&r), "create_disk map_disk wait_disk add_pv replace_copy "
			    "wait_sync remove_missing verify");
	const struct vdm_step *rep = &r.steps[4];
	assert_string_equal(sarg(rep, "lv"), "a");
	assert_int_equal(json_integer_value(json_object_get(rep->args, "copies")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(rep->args, "lost"), 0)),
			    "d1");
	const char *newpv = json_string_value(json_object_get(json_array_get(
		json_object_get(rep->args, "segments"), 0), "pv"));
	assert_string_equal(newpv, sarg(&r.steps[0], "disk"));
	assert_string_equal(sarg(&r.steps[0], "pool"), "vios3/sp");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r.steps[6].args,
			    "disks"), 0)), "d1");
	struct vdm_step *s;
	size_t n;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_steps_from_plan(r.plan, &s, &n, &err), -EINVAL);
	rs_free(&r);
}

/* A stale copy: one resync step naming its disk, a sync wait, no disk, nothing removed. */
static void test_stale_copy_steps(void **unused)
{
	struct rs r;
	rs_make(&r, HEAD("") DISKS("") VG(MIRRORED("a", 100) ",'stale':[1]}"), 0);
	assert_string_equal(rs_kinds(&r), "resync_copy wait_sync verify");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r.steps[0].args, "pvs"),
			    0)), "d2");
	rs_free(&r);
}

/* A copy still waiting for its disk: nothing is changed for it, the missing PVs stay (LVM
 * refuses --removemissing while an LV uses one), and the verify leaves that LV out. */
static void test_waiting_copy_steps(void **unused)
{
	struct rs r;
	rs_make(&r, HEAD(DOWN) DISKS(",'state':'missing','missing_since':'2026-11-30T12:35:00Z'")
		VG(MIRRORED("a", 100) "}"), 600);
	assert_string_equal(rs_kinds(&r), "verify");
	assert_int_equal(json_array_size(json_object_get(r.steps[0].args, "lvs")), 0);
	assert_true(r.plan->wait_s > 0);
	rs_free(&r);
}

/* delete_later disks the caller found empty on a server that is back: deleted after the
 * client steps, before the verify. */
static void test_delete_later_steps(void **unused)
{
	struct rs r;
	rs_make(&r, HEAD("") DISKS("") VG(MIRRORED("a", 100) ",'stale':[1]}"), 0);
	vdm_steps_free(r.steps, r.n);
	struct vdm_delete_later d = { "lpar1-vg-m1", "vios1/sp", "vios1" };
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_steps_from_repair(r.plan, r.inv, &d, 1, &r.steps, &r.n, &err), 0);
	assert_string_equal(rs_kinds(&r), "resync_copy wait_sync delete_disk verify");
	assert_string_equal(sarg(&r.steps[2], "disk"), "lpar1-vg-m1");
	rs_free(&r);
}

/* ---- a run of repair steps on fakes: what the driver and the backend are asked, in order;
 * a failing replace resumed; undo. Fakes on purpose: the lab tests (tests/apply/lab-repair-*)
 * run the real thing, this must run in a second. ---- */

static char calls[4096];
static int fail_replace;

static void call(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void call(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = strlen(calls);
	vsnprintf(calls + n, sizeof calls - n, fmt, ap);
	va_end(ap);
	strncat(calls, ";", sizeof calls - strlen(calls) - 1);
}

static int fb_create(void *st, const char *pool, const char *disk, int64_t size,
		     struct vdm_error *err) { call("create %s %s", pool, disk); return 0; }
static int fb_delete(void *st, const char *pool, const char *disk, struct vdm_error *err)
{ call("delete %s", disk); return 0; }
static int fb_map(void *st, const char *part, const char *pool, const char *disk,
		  struct vdm_error *err) { call("map %s", disk); return 0; }
static int fb_unmap(void *st, const char *part, const char *disk, struct vdm_error *err)
{ call("unmap %s", disk); return 0; }
static const struct vdm_backend_ops fb_ops = {
	.name = "fake", .create_disk = fb_create, .delete_disk = fb_delete, .map_disk = fb_map,
	.unmap_disk = fb_unmap,
};

static int fc_wait(void *h, const char *disk, int64_t t, json_t *facts, struct vdm_error *err)
{ call("wait %s", disk); return 0; }
static int fc_add_pv(void *h, const char *vg, const char *disk, struct vdm_error *err)
{ call("add_pv %s", disk); return 0; }
static int fc_remove_pv(void *h, const char *vg, const char *disk, struct vdm_error *err)
{ call("remove_pv %s", disk); return 0; }
static int fc_remove_copy(void *h, const char *vg, const char *lv,
			  const struct vdm_plan_copy *c, struct vdm_error *err)
{ call("remove_copy %s %s", lv, c->segs[0].pv); return 0; }
static int fc_sync(void *h, const char *vg, const char *lv, double *pct, struct vdm_error *err)
{ *pct = 100; return 0; }
static int fc_resync(void *h, const char *vg, const char *lv, const struct vdm_plan_copy *c,
		     struct vdm_error *err) { call("resync %s %s", lv, c->segs[0].pv); return 0; }
static int fc_replace(void *h, const char *vg, const char *lv, int copies,
		      const struct vdm_plan_copy *lost, const struct vdm_plan_copy *c,
		      struct vdm_error *err)
{
	if (fail_replace && fail_replace--)
		return vdm_err(err, -EIO, "fake: lvconvert --repair %s: device busy", lv);
	call("replace %s %d %s->%s", lv, copies, lost->segs[0].pv, c->segs[0].pv);
	return 0;
}
static int fail_remove_missing;
static int fc_remove_missing(void *h, const char *vg, const char *const *d, size_t n,
			     struct vdm_error *err)
{
	if (fail_remove_missing && fail_remove_missing--)
		return vdm_err(err, -EIO, "fake: vgreduce --removemissing %s: I/O error", vg);
	call("remove_missing %s n=%zu", d[0], n);
	return 0;
}
static const struct vdm_client_ops fc_ops = {
	.name = "fake", .wait_disk = fc_wait, .add_pv = fc_add_pv, .remove_pv = fc_remove_pv,
	.remove_copy = fc_remove_copy, .sync_status = fc_sync, .resync_copy = fc_resync,
	.replace_copy = fc_replace, .remove_missing = fc_remove_missing,
};

static int fake_verify(void *arg, const json_t *plan, struct vdm_error *err)
{
	call("verify %zu", json_array_size(json_object_get(plan, "lvs")));
	return 0;
}

/* vios1 dead (d1 lost: a's copy replaced on vios3), b's copy on d2 stale (resynced): the
 * driver sees resync, then the new disk, the replace naming the lost disk, remove_missing,
 * verify; a replace that fails is resumed from that step only; undo takes the new copy out
 * (never the surviving one), the new PV, the map and the disk, and keeps d1. */
static void test_repair_run_resume_undo(void **unused)
{
	struct rs r;
	rs_make(&r, HEAD(DOWN) DISKS(",'state':'missing','missing_since':'2026-11-30T10:00:00Z'")
		VG(MIRRORED("a", 100) "}, {'name':'b','extents':10,'copies':[[{'pv':'d2','extents':10}],"
		   "[{'pv':'d2','extents':10}]],'stale':[1]}"), 0);
	char dir[] = "/tmp/vdm-repair-steps.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct vdm_journal *j;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(dir, "lpar1", "vg", &j, &err), 0);
	json_t *pj = vdm_plan_to_json(r.plan);
	int64_t id;
	assert_int_equal(vdm_journal_begin(j, pj, r.steps, r.n, &id, &err), 0);
	json_decref(pj);
	struct vdm_run *run;
	assert_int_equal(vdm_journal_latest(j, &run, &err), 0);
	struct vdm_backend b = { &fb_ops, NULL };
	struct vdm_client c = { &fc_ops, NULL };
	struct vdm_apply_ctx ctx = { .backend = &b, .client = &c, .verify = fake_verify,
				     .sync_poll_ms = 1 };
	const char *disk = json_string_value(json_object_get(r.steps[1].args, "disk"));

	calls[0] = '\0';
	fail_replace = 1;
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), -EIO);
	assert_non_null(strstr(err.msg, "replace_copy of LV vg/a"));
	assert_string_equal(run->status, "failed");
	char want[1024];
	snprintf(want, sizeof want, "resync b d2;create vios3/sp %s;map %s;wait %s;add_pv %s;",
		 disk, disk, disk, disk);
	assert_string_equal(calls, want);
	calls[0] = '\0';
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), 0);
	snprintf(want, sizeof want, "replace a 2 d1->%s;remove_missing d1 n=1;verify 2;", disk);
	assert_string_equal(calls, want);
	assert_string_equal(run->status, "done");

	calls[0] = '\0';
	assert_int_equal(vdm_apply_undo(&ctx, j, run, &err), 0);
	snprintf(want, sizeof want, "remove_copy a %s;remove_pv %s;unmap %s;delete %s;", disk,
		 disk, disk, disk);
	assert_string_equal(calls, want);
	assert_string_equal(run->status, "undone");
	vdm_run_free(run);
	vdm_journal_close(j);
	CLEANUP_FREE char *rm = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(rm), 0);
	rs_free(&r);
}

/* Which runs undo finishes instead of reversing (vdm_run_undo_finishes): an unfinished repair
 * of a lost copy once the VG is touched (add_pv: LVM refuses to vgreduce it again while a PV
 * is missing; replace_copy, drop_copy, remove_missing: the lost copy is given up) started or
 * ran; not before (create, map, wait: reversed as in a mirror run), not a finished run, not a
 * mirror run. */
static void test_undo_decision(void **unused)
{
	struct rs r;
	rs_make(&r, HEAD(DOWN) DISKS(",'state':'missing','missing_since':'2026-11-30T10:00:00Z'")
		VG(MIRRORED("a", 100) "}"), 0);
	/* create_disk map_disk wait_disk add_pv replace_copy wait_sync remove_missing verify */
	struct vdm_run run = { .id = 7, .partition = "lpar1", .vg = "vg", .status = "failed",
			       .steps = r.steps, .n_steps = r.n };
	assert_false(vdm_run_undo_finishes(&run));              /* nothing ran */
	for (size_t i = 0; i < 3; i++) {
		r.steps[i].state = VDM_STEP_STARTED;
		assert_false(vdm_run_undo_finishes(&run));      /* a fault at create..wait_disk */
		r.steps[i].state = VDM_STEP_DONE;
		assert_false(vdm_run_undo_finishes(&run));
	}
	for (size_t i = 3; i < r.n; i++) {
		r.steps[i].state = VDM_STEP_STARTED;
		assert_true(vdm_run_undo_finishes(&run));       /* add_pv and later */
		r.steps[i].state = VDM_STEP_DONE;
		assert_true(vdm_run_undo_finishes(&run));
	}
	run.status = "running";                                   /* a crash, not a failure */
	assert_true(vdm_run_undo_finishes(&run));
	run.status = "done";                                      /* finished: reversed */
	assert_false(vdm_run_undo_finishes(&run));
	run.status = "undoing";
	assert_false(vdm_run_undo_finishes(&run));
	rs_free(&r);

	/* a surplus lost copy dropped: the same */
	rs_make(&r, HEAD(DOWN) DISKS(",'state':'missing','missing_since':'2026-11-30T10:00:00Z'")
		VG(MIRRORED("a", 100) "}"), 0);
	r.steps[4].kind = VDM_STEP_DROP_COPY;
	r.steps[4].state = VDM_STEP_STARTED;
	run = (struct vdm_run){ .status = "failed", .steps = r.steps, .n_steps = r.n };
	assert_true(vdm_run_undo_finishes(&run));
	rs_free(&r);

	/* a mirror run: every step reversible, add_pv included (no missing PV) */
	rs_make(&r, HEAD("") DISKS("") VG("{'name':'a','extents':100,'copies':[[{'pv':'d1',"
					  "'extents':100}]]}"), 0);
	for (size_t i = 0; i < r.n; i++)
		r.steps[i].state = VDM_STEP_DONE;
	run = (struct vdm_run){ .status = "failed", .steps = r.steps, .n_steps = r.n };
	assert_false(vdm_run_undo_finishes(&run));
	rs_free(&r);
}

/* A repair whose remove_missing failed after the lost copy was replaced: undo refuses it
 * without asking the driver or the backend anything (going back would need `lvconvert -m` on
 * a VG with a missing PV, which LVM refuses, and the lost copy is gone anyway), the run stays
 * "failed", and the resume the session runs instead finishes it from remove_missing on. */
static void test_repair_undo_after_replace(void **unused)
{
	struct rs r;
	rs_make(&r, HEAD(DOWN) DISKS(",'state':'missing','missing_since':'2026-11-30T10:00:00Z'")
		VG(MIRRORED("a", 100) "}"), 0);
	char dir[] = "/tmp/vdm-repair-undo.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct vdm_journal *j;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_open(dir, "lpar1", "vg", &j, &err), 0);
	json_t *pj = vdm_plan_to_json(r.plan);
	int64_t id;
	assert_int_equal(vdm_journal_begin(j, pj, r.steps, r.n, &id, &err), 0);
	json_decref(pj);
	struct vdm_run *run;
	assert_int_equal(vdm_journal_latest(j, &run, &err), 0);
	struct vdm_backend b = { &fb_ops, NULL };
	struct vdm_client c = { &fc_ops, NULL };
	struct vdm_apply_ctx ctx = { .backend = &b, .client = &c, .verify = fake_verify,
				     .sync_poll_ms = 1 };
	calls[0] = '\0';
	fail_remove_missing = 1;
	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), -EIO);
	assert_string_equal(run->status, "failed");
	assert_true(vdm_run_undo_finishes(run));

	calls[0] = '\0';
	assert_int_equal(vdm_apply_undo(&ctx, j, run, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "can only be finished"));
	assert_string_equal(calls, "");
	assert_string_equal(run->status, "failed");
	vdm_run_free(run);
	assert_int_equal(vdm_journal_latest(j, &run, &err), 0);   /* the journal agrees */
	assert_string_equal(run->status, "failed");
	for (size_t i = 0; i < run->n_steps; i++)
		assert_int_not_equal(run->steps[i].state, VDM_STEP_UNDONE);

	assert_int_equal(vdm_apply_run(&ctx, j, run, &err), 0);
	assert_string_equal(calls, "remove_missing d1 n=1;verify 1;");
	assert_string_equal(run->status, "done");
	vdm_run_free(run);
	vdm_journal_close(j);
	CLEANUP_FREE char *rm = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(rm), 0);
	rs_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_copy_steps),
		cmocka_unit_test(test_stale_copy_steps),
		cmocka_unit_test(test_waiting_copy_steps),
		cmocka_unit_test(test_delete_later_steps),
		cmocka_unit_test(test_repair_run_resume_undo),
		cmocka_unit_test(test_undo_decision),
		cmocka_unit_test(test_repair_undo_after_replace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
