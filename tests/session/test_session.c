/* test_session.c: the session API (session.h) on the recorded PowerVM system
 * tests/vios/fixtures/system1 (a replay of documented command outputs: PowerVM cannot run
 * here, so the replay is the mock, and it says so). Script mode: plan + run through the one
 * engine into a script, WAIT_DISK included, nothing journaled; live mode on a system that
 * cannot be changed: the failed run is journaled, resumed, refused to apply over, undone;
 * a stop request between steps; the error kinds of the refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "vdmirror/session.h"
#include "vdmirror/util.h"

struct seen {
	int plans, resumes, notes, declines_asked;
	int starts[VDM_STEP_KIND_COUNT], dones[VDM_STEP_KIND_COUNT], fails[VDM_STEP_KIND_COUNT];
	int undone;
	bool answer;
};

static void on_event(void *arg, const struct vdm_event *ev)
{
	struct seen *s = arg;
	switch (ev->type) {
	case VDM_EV_PLAN:
		assert_non_null(ev->plan);
		assert_non_null(ev->inventory);
		s->plans++;
		break;
	case VDM_EV_RESUME: assert_non_null(ev->run); s->resumes++; break;
	case VDM_EV_NOTE: assert_non_null(ev->message); s->notes++; break;
	case VDM_EV_STEP_START: s->starts[ev->step->kind]++; break;
	case VDM_EV_STEP_DONE: s->dones[ev->step->kind]++; break;
	case VDM_EV_STEP_FAIL: s->fails[ev->step->kind]++; break;
	case VDM_EV_UNDO_DONE: s->undone++; break;
	default: break;
	}
}

static bool confirm(void *arg, const char *question)
{
	struct seen *s = arg;
	assert_non_null(question);
	s->declines_asked++;
	return s->answer;
}

static char *sys1(void)
{
	const char *root = getenv("VDM_SOURCE_ROOT");
	return xasprintf("%s/tests/vios/fixtures/system1", root ? root : ".");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return xstrdup("");
	char *s = xcalloc(1, 1 << 20);
	size_t n = fread(s, 1, (1 << 20) - 1, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static const struct vdm_request req2 = { .copies = 2, .level = VDM_LEVEL_SERVER };

static struct vdm_session_opts opts_for(const char *dir, const char *state, const char *script,
					struct seen *seen)
{
	struct vdm_session_opts o = {
		.backend = "vios", .config = dir, .partition = "lpar1", .vg = "rootvg",
		.state_dir = state, .script = script, .on_event = on_event, .event_arg = seen,
		.confirm = confirm, .confirm_arg = seen,
	};
	return o;
}

static void script_mode(void **unused)
{
	CLEANUP_FREE char *dir = sys1();
	char tmp[] = "/tmp/vdm-session-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	CLEANUP_FREE char *script = xasprintf("%s/mirror.sh", tmp);
	CLEANUP_FREE char *state = xasprintf("%s/state", tmp);
	struct seen seen = { .answer = true };
	struct vdm_session_opts o = opts_for(dir, state, script, &seen);
	struct vdm_session *s;
	struct vdm_error err = { 0 };
	struct vdm_session_result res;
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	int rc = vdm_session_mirror(s, &req2, 0, &res, &err);
	if (rc < 0)
		fail_msg("mirror: %s", err.msg);
	assert_int_equal(res.outcome, VDM_SESSION_SCRIPTED);
	assert_int_equal(seen.plans, 1);
	assert_int_equal(seen.declines_asked, 1);
	/* the one engine ran every step, WAIT_DISK included, into the script */
	assert_true(seen.starts[VDM_STEP_CREATE_DISK] >= 1);
	assert_int_equal(seen.dones[VDM_STEP_WAIT_DISK], seen.dones[VDM_STEP_CREATE_DISK]);
	assert_int_equal(seen.dones[VDM_STEP_ADD_PV], seen.dones[VDM_STEP_CREATE_DISK]);
	assert_true(seen.dones[VDM_STEP_ADD_COPY] >= 1);
	assert_int_equal(seen.dones[VDM_STEP_VERIFY], 1);
	vdm_session_close(s);
	CLEANUP_FREE char *text = slurp(script);
	assert_non_null(strstr(text, "padmin@vios2 'ioscli mkbdsp -sp "));
	assert_null(strstr(text, "padmin@vios1 'ioscli mkbdsp"));
	assert_non_null(strstr(text, "cfgmgr"));          /* WAIT_DISK's lines */
	assert_non_null(strstr(text, "extendvg rootvg"));
	assert_non_null(strstr(text, "mklvcopy "));
	/* nothing journaled: nothing happened */
	struct stat st;
	assert_int_equal(stat(state, &st), -1);
	unlink(script);
	rmdir(tmp);
}

static void dry_run_and_decline(void **unused)
{
	CLEANUP_FREE char *dir = sys1();
	char tmp[] = "/tmp/vdm-session-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	CLEANUP_FREE char *state = xasprintf("%s/state", tmp);
	struct seen seen = { .answer = false };
	struct vdm_session_opts o = opts_for(dir, state, NULL, &seen);
	struct vdm_session *s;
	struct vdm_error err = { 0 };
	struct vdm_session_result res;
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	assert_int_equal(vdm_session_mirror(s, &req2, VDM_MIRROR_DRY_RUN, &res, &err), 0);
	assert_int_equal(res.outcome, VDM_SESSION_DRY_RUN);
	assert_int_equal(seen.plans, 1);
	assert_int_equal(seen.declines_asked, 0);
	struct stat st;
	assert_int_equal(stat(state, &st), -1);        /* a dry run opens no journal */
	/* "no" to the question: nothing begun, kind DECLINED, exit 1 */
	assert_true(vdm_session_mirror(s, &req2, 0, &res, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_DECLINED);
	assert_int_equal(vdm_err_exit_of(&err), VDM_EXIT_INPUT);
	assert_int_equal(seen.declines_asked, 1);
	assert_int_equal(seen.starts[VDM_STEP_CREATE_DISK], 0);
	const struct vdm_run *run;
	assert_int_equal(vdm_session_latest(s, &run, &err), 0);
	assert_null(run);
	vdm_session_close(s);
	CLEANUP_FREE char *cmd = xasprintf("rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

/* Live mode on a recorded system, which refuses every change: the run fails at its first
 * step and stays in the journal; the same mirror resumes it; apply is refused over it; undo
 * reverses the started step (deleting a disk that is not there succeeds) and ends it. */
static void run_fail_resume_undo(void **unused)
{
	CLEANUP_FREE char *dir = sys1();
	char tmp[] = "/tmp/vdm-session-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	CLEANUP_FREE char *state = xasprintf("%s/state", tmp);
	struct seen seen = { .answer = true };
	struct vdm_session_opts o = opts_for(dir, state, NULL, &seen);
	struct vdm_session *s;
	struct vdm_error err = { 0 };
	struct vdm_session_result res;
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	assert_true(vdm_session_mirror(s, &req2, 0, &res, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_BACKEND);
	assert_non_null(strstr(err.msg, "cannot be changed"));
	assert_true(res.ran);
	assert_non_null(res.run);
	assert_string_equal(res.run->status, "failed");
	assert_int_equal(res.run->steps[0].state, VDM_STEP_STARTED);
	assert_int_equal(seen.fails[VDM_STEP_CREATE_DISK], 1);
	int64_t id = res.run->id;
	vdm_session_close(s);

	/* a fresh session (a new process would see the same journal): resumed, not re-planned */
	seen = (struct seen){ .answer = true };
	struct vdm_request req3 = { .copies = 3, .level = VDM_LEVEL_SERVER };
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	assert_true(vdm_session_mirror(s, &req3, 0, &res, &err) < 0);
	assert_int_equal(seen.resumes, 1);
	assert_int_equal(seen.notes, 1);            /* asked for 3 copies, the run has 2 */
	assert_int_equal(seen.plans, 0);
	assert_true(res.resumed);
	assert_int_equal(res.run->id, id);
	vdm_session_close(s);

	/* apply is refused while that run is unfinished */
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	struct vdm_plan *plan;
	struct vdm_noplan np;
	assert_int_equal(vdm_session_discover(s, NULL, &err), 0);
	assert_int_equal(vdm_session_plan(s, &req2, &plan, &np, &err), 0);
	assert_true(vdm_session_apply(s, plan, &res, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_BUSY);
	assert_int_equal(vdm_err_exit_of(&err), VDM_EXIT_INPUT);
	vdm_plan_free(plan);
	/* undo: the started create is reversed, the run ends undone */
	assert_int_equal(vdm_session_undo_latest(s, &res, &err), 0);
	assert_int_equal(res.outcome, VDM_SESSION_UNDONE);
	assert_string_equal(res.run->status, "undone");
	vdm_session_close(s);
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	assert_int_equal(vdm_session_undo_latest(s, &res, &err), 0);
	assert_int_equal(res.outcome, VDM_SESSION_NOTHING_TO_UNDO);
	/* --resume with nothing unfinished: NOT_FOUND, exit 1 */
	assert_true(vdm_session_mirror(s, &req2, VDM_MIRROR_RESUME_ONLY, &res, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_NOT_FOUND);
	vdm_session_close(s);
	CLEANUP_FREE char *cmd = xasprintf("rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

/* A stop request (watch's SIGTERM) ends the run between steps, the journal keeping it
 * unfinished: the next session resumes it. */
static void stop_between_steps(void **unused)
{
	CLEANUP_FREE char *dir = sys1();
	char tmp[] = "/tmp/vdm-session-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	CLEANUP_FREE char *state = xasprintf("%s/state", tmp);
	struct seen seen = { .answer = true };
	static volatile sig_atomic_t stop = 1;
	struct vdm_session_opts o = opts_for(dir, state, NULL, &seen);
	o.stop = &stop;
	struct vdm_session *s;
	struct vdm_error err = { 0 };
	struct vdm_session_result res;
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	assert_true(vdm_session_mirror(s, &req2, 0, &res, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_STOPPED);
	assert_int_equal(seen.starts[VDM_STEP_CREATE_DISK], 0);
	assert_true(vdm_run_unfinished(res.run));
	assert_int_equal(res.run->steps[0].state, VDM_STEP_PLANNED);
	vdm_session_close(s);
	stop = 0;
	seen = (struct seen){ .answer = true };
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	assert_true(vdm_session_mirror(s, &req2, 0, &res, &err) < 0);   /* read-only: fails */
	assert_int_equal(seen.resumes, 1);
	assert_int_equal(seen.starts[VDM_STEP_CREATE_DISK], 1);
	vdm_session_close(s);
	CLEANUP_FREE char *cmd = xasprintf("rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

static void refusals(void **unused)
{
	CLEANUP_FREE char *dir = sys1();
	struct seen seen = { .answer = true };
	struct vdm_session_opts o = opts_for(dir, "/nonexistent", NULL, &seen);
	struct vdm_session *s = NULL;
	struct vdm_error err = { 0 };
	struct vdm_session_result res;

	o.backend = "nosuch";
	assert_true(vdm_session_open(&o, &s, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_NOT_FOUND);
	o.backend = "vios";
	o.config = "vios1;port=x";
	assert_true(vdm_session_open(&o, &s, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_INPUT);
	assert_int_equal(vdm_err_exit_of(&err), VDM_EXIT_INPUT);
	o.config = dir;
	o.partition = "a b";
	assert_true(vdm_session_open(&o, &s, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_INPUT);

	/* unknown partition and VG: NOT_FOUND (exit 1), from the kind, not the text */
	o.partition = "lpar9";
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	assert_true(vdm_session_mirror(s, &req2, VDM_MIRROR_DRY_RUN, &res, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "lpar9"));
	vdm_session_close(s);
	o.partition = "lpar1";
	o.vg = "novg";
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	assert_true(vdm_session_mirror(s, &req2, VDM_MIRROR_DRY_RUN, &res, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "novg"));
	vdm_session_close(s);

	/* no valid plan: NOPLAN with the reason, exit 2 */
	o.vg = "rootvg";
	struct vdm_request req = { .copies = 3, .level = VDM_LEVEL_SERVER };
	assert_int_equal(vdm_session_open(&o, &s, &err), 0);
	assert_int_equal(vdm_session_mirror(s, &req, VDM_MIRROR_DRY_RUN, &res, &err), -ENOSPC);
	assert_int_equal(err.kind, VDM_ERR_NOPLAN);
	assert_int_equal(vdm_err_exit_of(&err), VDM_EXIT_NOPLAN);
	assert_true(res.noplan.message[0] != '\0');
	vdm_session_close(s);
}

/* watch's choice of VGs (vdm_session_mirrored_vgs): only a VG with an LV of two copies. The
 * recorded lpar1 has none; the same system with hd5 mirrored onto hdisk2 (a copy of the
 * recording, lslv -m hd5 rewritten) has rootvg, and datavg stays out. */
static void mirrored_vgs(void **unused)
{
	CLEANUP_FREE char *dir = sys1();
	struct vdm_error err = { 0 };
	json_t *names = NULL;
	assert_int_equal(vdm_session_mirrored_vgs("vios", dir, "lpar1", &names, &err), 0);
	assert_int_equal(json_array_size(names), 0);
	json_decref(names);

	char tmp[] = "/tmp/vdm-session-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	CLEANUP_FREE char *cp = xasprintf("cp -r %s/. %s", dir, tmp);
	assert_int_equal(system(cp), 0);
	CLEANUP_FREE char *lslv = xasprintf("%s/lpar1/lslv_-m_hd5.out", tmp);
	FILE *f = fopen(lslv, "w");
	assert_non_null(f);
	fputs("hd5:N/A\nLP    PP1  PV1               PP2  PV2               PP3  PV3\n"
	      "0001  0001 hdisk0          0300 hdisk2\n", f);
	fclose(f);
	assert_int_equal(vdm_session_mirrored_vgs("vios", tmp, "lpar1", &names, &err), 0);
	assert_int_equal(json_array_size(names), 1);
	assert_string_equal(json_string_value(json_array_get(names, 0)), "rootvg");
	json_decref(names);
	CLEANUP_FREE char *rm = xasprintf("rm -rf %s", tmp);
	assert_int_equal(system(rm), 0);

	assert_true(vdm_session_mirrored_vgs("vios", dir, "a b", &names, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_INPUT);
	assert_null(names);
	assert_true(vdm_session_mirrored_vgs("nosuch", dir, "lpar1", &names, &err) < 0);
	assert_int_equal(err.kind, VDM_ERR_NOT_FOUND);
	assert_null(names);
}

/* The kinds and their exit codes (README, "Exit codes"). */
static void kinds(void **unused)
{
	struct vdm_error err = { 0 };
	static const struct { enum vdm_err_kind k; enum vdm_exit x; } t[] = {
		{ VDM_ERR_INPUT, 1 }, { VDM_ERR_NOT_FOUND, 1 }, { VDM_ERR_BUSY, 1 },
		{ VDM_ERR_DECLINED, 1 }, { VDM_ERR_NOPLAN, 2 }, { VDM_ERR_STALE, 2 },
		{ VDM_ERR_UNPROTECTED, 3 }, { VDM_ERR_BACKEND, 4 }, { VDM_ERR_STOPPED, 4 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		vdm_err_kind(&err, -EIO, t[i].k, "x");
		assert_int_equal(vdm_err_exit_of(&err), t[i].x);
		assert_int_equal(err.exit_code, t[i].x);
		vdm_err_prefix(&err, "context");         /* context keeps the kind */
		assert_int_equal(err.kind, t[i].k);
	}
	/* unclassified: from the code, as before kinds existed */
	vdm_err(&err, -ENOENT, "x");
	assert_int_equal(vdm_err_exit_of(&err), VDM_EXIT_INPUT);
	vdm_err(&err, -ENOSPC, "x");
	assert_int_equal(vdm_err_exit_of(&err), VDM_EXIT_NOPLAN);
	vdm_err(&err, -EIO, "x");
	assert_int_equal(vdm_err_exit_of(&err), VDM_EXIT_BACKEND);
	vdm_err_exit(&err, -EDOM, VDM_EXIT_UNPROTECTED, "x");
	assert_int_equal(err.kind, VDM_ERR_UNPROTECTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(script_mode),
		cmocka_unit_test(dry_run_and_decline),
		cmocka_unit_test(run_fail_resume_undo),
		cmocka_unit_test(stop_between_steps),
		cmocka_unit_test(refusals),
		cmocka_unit_test(mirrored_vgs),
		cmocka_unit_test(kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
