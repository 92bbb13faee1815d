/* test_roundtrips.c: a VG of N LVs costs a constant number of round trips into the partition.
 * The engine runs the real linux-lvm driver over a fake agent transport that counts every
 * request and run, for N = 1, 4, 16 and 40 LVs; the journal must still hold every add_copy
 * step, done, with the times its own command ran; a failing lvconvert in the middle of the
 * batch stops it there, says which LV, and leaves the later steps planned.
 *
 * The transport is a fake ON PURPOSE: a real partition with 40 LVs under TCG would take
 * minutes; the agent's batch request itself runs for real in tests/client/test_agent.c and in
 * the lab (tests/apply/lab-*.sh). The fake answers as the agent does (same reply shapes). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "vdmirror/apply.h"
#include "vdmirror/util.h"

#define MAX_LVS 64

/* The fake partition: rootvg with LVs lv1..lvN, their copies, one new disk. */
struct fake {
	int n_lvs;
	int copies[MAX_LVS + 1];
	int is_pv;
	int fail_lv;          /* lvconvert of this LV exits 5 (0: none) */
	int round_trips;
	int lvconverts;
	int lvs_runs;
	int rate_raises, rate_restores;   /* sync_rate requests */
};

static int lv_index(const char *vglv)
{
	const char *p = strstr(vglv, "/lv");
	return p ? atoi(p + 3) : atoi(strncmp(vglv, "lv", 2) ? "0" : vglv + 2);
}

/* One command, as the guest would run it: exit status, stdout, stderr. */
static int fake_command(struct fake *f, char *const argv[], char **out, char **errtext)
{
	*out = xstrdup("");
	*errtext = xstrdup("");
	size_t n = 0;
	while (argv[n])
		n++;
	const char *last = argv[n - 1];
	if (!strcmp(argv[0], "pvs")) {
		if (!f->is_pv) {
			free(*errtext);
			*errtext = xstrdup("  Failed to find physical volume \"/dev/vdx\".");
			return 5;
		}
		free(*out);
		*out = xstrdup("{\"report\":[{\"pv\":[{\"pv_name\":\"/dev/vdx\",\"vg_name\":\"rootvg\"}]}]}");
		return 0;
	}
	if (!strcmp(argv[0], "vgextend")) {
		if (f->is_pv) {             /* as LVM answers a second vgextend */
			free(*errtext);
			*errtext = xstrdup("  Physical volume '/dev/vdx' is already in volume group "
					   "'rootvg'");
			return 5;
		}
		f->is_pv = 1;
		return 0;
	}
	if (!strcmp(argv[0], "lvconvert")) {
		int i = lv_index(argv[6]);
		f->lvconverts++;
		if (i == f->fail_lv) {
			free(*errtext);
			*errtext = xstrdup("  Insufficient free space: 1 extents needed");
			return 5;
		}
		f->copies[i] = atoi(argv[5]) + 1;
		return 0;
	}
	if (!strcmp(argv[0], "lvs")) {
		f->lvs_runs++;
		bool sync = strstr(argv[4], "sync_percent") != NULL;
		struct strbuf b = STRBUF_INIT(1 << 20);
		strbuf_addf(&b, "{\"report\":[{\"lv\":[");
		int from = 1, to = f->n_lvs;
		if (strchr(last, '/'))
			from = to = lv_index(last);
		for (int i = from; i <= to; i++) {
			if (sync)
				strbuf_addf(&b, "%s{\"lv_name\":\"lv%d\",\"sync_percent\":\"%s\","
					    "\"raid_sync_action\":\"idle\"}", i > from ? "," : "", i,
					    f->copies[i] > 1 ? "100.00" : "");
			else
				strbuf_addf(&b, "%s{\"lv_name\":\"lv%d\",\"segtype\":\"%s\","
					    "\"data_copies\":\"%d\"}", i > from ? "," : "", i,
					    f->copies[i] > 1 ? "raid1" : "linear", f->copies[i]);
		}
		strbuf_addf(&b, "]}]}");
		free(*out);
		*out = strbuf_detach(&b);
		return 0;
	}
	free(*errtext);
	*errtext = xasprintf("fake agent: unexpected command %s", argv[0]);
	return 127;
}

static int fake_run(void *ctx, char *const argv[], int64_t timeout_ms, char **out,
		    struct vdm_error *err)
{
	struct fake *f = ctx;
	f->round_trips++;
	char *e;
	int st = fake_command(f, argv, out, &e);
	if (st != 0 && err) {
		err->code = 0;
		snprintf(err->msg, sizeof err->msg, "%s", e);
	}
	free(e);
	return st;
}

static int fake_request(void *ctx, const json_t *req, json_t **reply, int64_t timeout_ms,
			struct vdm_error *err)
{
	struct fake *f = ctx;
	f->round_trips++;
	const char *op = json_string_value(json_object_get(req, "op"));
	if (!strcmp(op, "wait_disk")) {
		*reply = json_pack("{s:s, s:s, s:i}", "serial",
				   json_string_value(json_object_get(req, "serial")), "name", "vdx",
				   "size_bytes", 1 << 30);
		return 0;
	}
	if (!strcmp(op, "lv_copies")) {
		json_t *rows = json_array();
		size_t i;
		json_t *lv;
		json_array_foreach(json_object_get(req, "lvs"), i, lv)
			json_array_append_new(rows, json_pack("{s:s, s:i}", "name",
				json_string_value(lv), "copies", f->copies[lv_index(json_string_value(lv))]));
		*reply = json_pack("{s:o}", "lvs", rows);
		return 0;
	}
	if (!strcmp(op, "sync_lvs")) {
		json_t *rows = json_array();
		size_t i;
		json_t *lv;
		json_array_foreach(json_object_get(req, "lvs"), i, lv) {
			int k = lv_index(json_string_value(lv));
			json_array_append_new(rows, json_pack("{s:s, s:f, s:s}", "name",
				json_string_value(lv), "percent", f->copies[k] > 1 ? 100.0 : 0.0,
				"action", "idle"));
		}
		*reply = json_pack("{s:o}", "lvs", rows);
		return 0;
	}
	if (!strcmp(op, "sync_rate")) {
		if (json_is_true(json_object_get(req, "restore")))
			f->rate_restores++;
		else
			f->rate_raises++;
		*reply = json_object();
		return 0;
	}
	if (!strcmp(op, "batch")) {
		json_t *results = json_array();
		*reply = json_pack("{s:o}", "results", results);
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(req, "commands"), i, c) {
			char *argv[80];
			size_t k;
			json_t *a;
			json_array_foreach(json_object_get(c, "argv"), k, a)
				argv[k] = (char *)json_string_value(a);
			argv[json_array_size(json_object_get(c, "argv"))] = NULL;
			char *out, *e;
			int st = fake_command(f, argv, &out, &e);
			json_array_append_new(results, json_pack("{s:i, s:s, s:s, s:i, s:i}", "status",
				st, "stdout", out, "stderr", e, "start_ms", (int)i * 10, "end_ms",
				(int)i * 10 + 7));
			free(out), free(e);
			if (st != 0) {
				json_object_set_new(*reply, "failed", json_integer((json_int_t)i));
				break;
			}
		}
		return 0;
	}
	return vdm_err(err, -EIO, "fake agent: %s: unknown op", op);
}

static char tmpdir[256];

static void rm_rf(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", path, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
}

/* The steps apply makes for one new disk and n LVs (a plan's own steps, minus the backend's
 * create/map and the verify, which do not enter the partition). */
static struct vdm_run *begin(struct vdm_journal *j, int n)
{
	json_t *plan = json_pack("{s:s, s:s}", "partition", "lpar1", "vg", "rootvg");
	struct vdm_step *steps = xcalloc((size_t)n + 3, sizeof *steps);
	size_t k = 0;
	steps[k++].args = json_pack("{s:s}", "disk", "lpar1-new1");
	steps[0].kind = VDM_STEP_WAIT_DISK;
	steps[k].kind = VDM_STEP_ADD_PV;
	steps[k++].args = json_pack("{s:s}", "disk", "lpar1-new1");
	json_t *sync = json_array();
	for (int i = 1; i <= n; i++) {
		char lv[16];
		snprintf(lv, sizeof lv, "lv%d", i);
		steps[k].kind = VDM_STEP_ADD_COPY;
		steps[k++].args = json_pack("{s:s, s:i, s:[{s:s, s:i}]}", "lv", lv, "copies", 2,
					    "segments", "pv", "lpar1-new1", "extents", 4);
		json_array_append_new(sync, json_pack("{s:s, s:f}", "name", lv, "mib", 16.0));
	}
	steps[k].kind = VDM_STEP_WAIT_SYNC;
	steps[k++].args = json_pack("{s:o}", "lvs", sync);
	for (size_t i = 0; i < k; i++) {
		steps[i].seq = (int)i + 1;
		steps[i].state = VDM_STEP_PLANNED;
	}
	int64_t id;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_journal_begin(j, plan, steps, k, &id, &err), 0);
	json_decref(plan);
	vdm_steps_free(steps, k);
	struct vdm_run *run = NULL;
	assert_int_equal(vdm_journal_latest(j, &run, &err), 0);
	assert_non_null(run);
	return run;
}

/* Applies n LVs' copies on a fresh fake partition; returns the round trips, leaves the run
 * in *out when asked. */
static int apply_lvs(int n, int fail_lv, int *rc_out, char *msg, size_t msgsize)
{
	struct fake f = { .n_lvs = n, .fail_lv = fail_lv };
	for (int i = 1; i <= n; i++)
		f.copies[i] = 1;
	struct vdm_transport x = { .ctx = &f, .run = fake_run, .request = fake_request,
				   .scheme = "agent" };
	struct vdm_client client;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_client_open("linux-lvm", &x, &client, &err), 0);
	struct vdm_apply_ctx ctx = { .client = &client, .sync_poll_ms = 1 };
	CLEANUP_FREE char *sd = xasprintf("%s/state-%d-%d", tmpdir, n, fail_lv);
	struct vdm_journal *j;
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	struct vdm_run *run = begin(j, n);
	int rc = vdm_apply_run(&ctx, j, run, &err);
	*rc_out = rc;
	snprintf(msg, msgsize, "%s", err.msg);
	vdm_run_free(run);
	/* what the journal says, read back from the file */
	assert_int_equal(vdm_journal_latest(j, &run, &err), 0);
	for (size_t i = 0; i < run->n_steps; i++) {
		const struct vdm_step *s = &run->steps[i];
		if (s->kind != VDM_STEP_ADD_COPY)
			continue;
		int lv = lv_index(json_string_value(json_object_get(s->args, "lv")));
		if (!fail_lv || lv < fail_lv) {
			assert_int_equal(s->state, VDM_STEP_DONE);
			assert_true(s->started_at > 0);
			assert_true(s->finished_at >= s->started_at);
			assert_int_equal(f.copies[lv], 2);
		} else if (lv == fail_lv) {
			assert_int_equal(s->state, VDM_STEP_STARTED);
			assert_non_null(s->error);
			assert_non_null(strstr(s->error, "Insufficient free space"));
		} else {
			assert_int_equal(s->state, VDM_STEP_PLANNED);
			assert_int_equal(f.copies[lv], 1);
		}
	}
	vdm_run_free(run);
	vdm_journal_close(j);
	vdm_client_close(&client);
	/* the resync limit: raised once before the copies, the admin's back on every way out */
	assert_int_equal(f.rate_raises, 1);
	assert_int_equal(f.rate_restores, 1);
	return f.round_trips;
}

static void test_round_trips_constant(void **unused)
{
	(void)unused;
	static const int sizes[] = { 1, 4, 16, 40 };
	int first = -1;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int rc;
		char msg[2048];
		int rt = apply_lvs(sizes[i], 0, &rc, msg, sizeof msg);
		print_message("%d LVs: %d round trips into the partition\n", sizes[i], rt);
		assert_int_equal(rc, 0);
		if (first < 0)
			first = rt;
		assert_int_equal(rt, first);
	}
}

static void test_batch_failure_says_which(void **unused)
{
	(void)unused;
	int rc;
	char msg[2048];
	apply_lvs(10, 4, &rc, msg, sizeof msg);
	assert_int_equal(rc, -EIO);
	assert_non_null(strstr(msg, "rootvg/lv4"));
	assert_non_null(strstr(msg, "Insufficient free space"));
}

/* Script mode has no journal to hold each command's times: the engine does not batch, and
 * the script gets one line per command, in the steps' order. */
static void test_script_mode_one_command_a_step(void **unused)
{
	(void)unused;
	CLEANUP_FREE char *sd = xasprintf("%s/state-script", tmpdir);
	CLEANUP_FREE char *path = xasprintf("%s/mirror.sh", tmpdir);
	CLEANUP_FREE char *addr = xasprintf("script:%s", path);
	struct vdm_error err = { 0 };
	struct vdm_transport x;
	struct vdm_client client;
	assert_int_equal(vdm_transport_open(addr, &x, &err), 0);
	assert_int_equal(vdm_client_open("linux-lvm", &x, &client, &err), 0);
	struct vdm_apply_ctx ctx = { .client = &client, .script = true };
	struct vdm_journal *j;
	assert_int_equal(vdm_journal_open(sd, "lpar1", "rootvg", &j, &err), 0);
	struct vdm_run *run = begin(j, 5);
	vdm_journal_close(j);
	int rc = vdm_apply_run(&ctx, NULL, run, &err);
	if (rc < 0)
		fail_msg("script mode: %s", err.msg);
	for (size_t i = 0; i < run->n_steps; i++)
		assert_int_equal(run->steps[i].state, VDM_STEP_DONE);
	vdm_run_free(run);
	vdm_client_close(&client);
	vdm_transport_close(&x);

	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char *text = xcalloc(1, 1 << 16);
	size_t len = fread(text, 1, (1 << 16) - 1, fp);
	fclose(fp);
	assert_true(len > 0);
	int lvconverts = 0, next = 1;
	for (const char *l = text; (l = strstr(l, "lvconvert ")); l++) {
		char want[32];
		snprintf(want, sizeof want, "rootvg/lv%d ", next);
		const char *eol = strchr(l, '\n');
		const char *at = strstr(l, want);
		assert_true(at && (!eol || at < eol));   /* one LV a line, in order */
		lvconverts++, next++;
	}
	assert_int_equal(lvconverts, 5);
	assert_null(strstr(text, "pvcreate "));          /* vgextend initializes the disk */
	assert_non_null(strstr(text, "vgextend rootvg "));
	free(text);
}

/* add_pv is one vgextend (it initializes the PV: no pvcreate), and done when a resumed run
 * finds the disk in the VG already; add_copy of one LV asks its copies through lv_copies (no
 * lvs run: an lvm start in the guest) and adds nothing the second time. */
static void test_add_pv_and_one_copy(void **unused)
{
	(void)unused;
	struct fake f = { .n_lvs = 1, .copies = { 0, 1 } };
	struct vdm_transport x = { .ctx = &f, .run = fake_run, .request = fake_request,
				   .scheme = "agent" };
	struct vdm_client client;
	struct vdm_error err = { 0 };
	assert_int_equal(vdm_client_open("linux-lvm", &x, &client, &err), 0);
	assert_int_equal(vdm_client_add_pv(&client, "rootvg", "lpar1-new", &err), 0);
	assert_true(f.is_pv);
	assert_int_equal(f.round_trips, 2);          /* wait_disk, vgextend */
	assert_int_equal(vdm_client_add_pv(&client, "rootvg", "lpar1-new", &err), 0);
	struct vdm_plan_segment seg = { "lpar1-new", 4 };
	struct vdm_plan_copy copy = { &seg, 1 };
	assert_int_equal(vdm_client_add_copy(&client, "rootvg", "lv1", 2, &copy, &err), 0);
	assert_int_equal(f.copies[1], 2);
	assert_int_equal(vdm_client_add_copy(&client, "rootvg", "lv1", 2, &copy, &err), 0);
	assert_int_equal(f.lvconverts, 1);
	assert_int_equal(f.lvs_runs, 0);
	vdm_client_close(&client);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/vdm-test-roundtrips.%d", (int)getpid());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips_constant),
		cmocka_unit_test(test_batch_failure_says_which),
		cmocka_unit_test(test_script_mode_one_command_a_step),
		cmocka_unit_test(test_add_pv_and_one_copy),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rm_rf(tmpdir);
	return rc;
}
