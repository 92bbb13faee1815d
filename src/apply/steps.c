/* steps.c: the apply engine: each step (built by steps_build.c) runs through the backend or the
 * client driver, recorded in the journal before and after; undo reverses the finished ones,
 * last first. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vdmirror/apply.h"
#include "vdmirror/util.h"

/* ---- fault injection (tests only) ---- */

/* Where the process dies: after the "started" record, after the step ran but before its
 * "done" record (the case idempotent steps exist for), or after the "done" record. */
enum apply_fault_at { FAULT_STARTED, FAULT_RAN, FAULT_DONE };

struct apply_fault {
	bool on;
	enum apply_fault_at at;
	enum vdm_step_kind kind;
	int nth;
};

static void apply_fault_parse(struct apply_fault *f, const char *env)
{
	memset(f, 0, sizeof *f);
	if (!env || !*env)
		return;
	char buf[64];
	snprintf(buf, sizeof buf, "%s", env);
	char *save = NULL, *tok = strtok_r(buf, ":", &save);
	if (!tok || vdm_step_kind_parse(tok, &f->kind) < 0) {
		fprintf(stderr, "vdmirror: VDMIRROR_FAULT=%s: unknown step kind, ignored\n", env);
		return;
	}
	f->nth = 1;
	while ((tok = strtok_r(NULL, ":", &save))) {
		if (!strcmp(tok, "done"))
			f->at = FAULT_DONE;
		else if (!strcmp(tok, "ran"))
			f->at = FAULT_RAN;
		else if (atoi(tok) > 0)
			f->nth = atoi(tok);
	}
	f->on = true;
}

/* The n-th step of its kind, counted over the whole run, so the same fault names the same step
 * whether the run is fresh or resumed. */
static int apply_kind_index(const struct vdm_run *run, size_t i)
{
	int k = 0;
	for (size_t s = 0; s <= i; s++)
		if (run->steps[s].kind == run->steps[i].kind)
			k++;
	return k;
}

static void apply_fault_point(const struct apply_fault *f, const struct vdm_run *run, size_t i,
			      enum apply_fault_at at)
{
	static const char *const what[] = { "recorded started", "ran (not yet recorded done)",
					    "recorded done" };
	if (!f->on || f->at != at || run->steps[i].kind != f->kind ||
	    apply_kind_index(run, i) != f->nth)
		return;
	fprintf(stderr, "vdmirror: VDMIRROR_FAULT: dying after step %d %s %s\n",
		run->steps[i].seq, vdm_step_kind_name(f->kind), what[at]);
	fflush(NULL);
	_exit(99);
}

/* ---- running steps ---- */

static void apply_emit(struct vdm_apply_ctx *ctx, struct vdm_event *ev)
{
	if (ctx->on_event)
		ctx->on_event(ctx->event_arg, ev);
}

static void apply_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *arg_str(const struct vdm_step *s, const char *key)
{
	return json_string_value(json_object_get(s->args, key));
}

/* The segments of an add_copy step as a plan copy (arrays borrowed from the args). */
static int apply_copy_from_args(const struct vdm_step *s, struct vdm_plan_copy *c,
				struct vdm_error *err)
{
	json_t *segs = json_object_get(s->args, "segments");
	size_t n = json_array_size(segs);
	if (!n)
		return vdm_err(err, -EINVAL, "step %d add_copy: no segments", s->seq);
	c->segs = xcalloc(n, sizeof *c->segs);
	c->n_segs = n;
	for (size_t i = 0; i < n; i++) {
		json_t *seg = json_array_get(segs, i);
		c->segs[i].pv = (char *)json_string_value(json_object_get(seg, "pv"));
		c->segs[i].extents = json_integer_value(json_object_get(seg, "extents"));
		if (!c->segs[i].pv) {
			free(c->segs);
			c->segs = NULL;
			return vdm_err(err, -EINVAL, "step %d add_copy: segment %zu without pv",
				       s->seq, i);
		}
	}
	return 0;
}

static int apply_wait_sync(struct vdm_apply_ctx *ctx, const struct vdm_run *run,
			   const struct vdm_step *s, struct vdm_error *err)
{
	json_t *lvs = json_object_get(s->args, "lvs");
	size_t n = json_array_size(lvs);
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += json_number_value(json_object_get(json_array_get(lvs, i), "mib"));
	int64_t poll = ctx->sync_poll_ms > 0 ? ctx->sync_poll_ms : 500;
	int64_t stall = ctx->sync_stall_ms > 0 ? ctx->sync_stall_ms : 300000;
	int64_t t0 = vdm_now_ms(), last_progress = t0;
	double first_done = -1, best = -1;
	/* The sync began with the first add_copy, not with this step: measure the rate from
	 * there (journal times are wall clock), so a sync mostly done before the first poll
	 * still shows its real speed. Falls back to this step's own start after a resume. */
	int64_t wall0 = 0, wall_now_at_t0 = s->started_at;
	for (size_t i = 0; i < run->n_steps; i++)
		if (run->steps[i].kind == VDM_STEP_ADD_COPY && run->steps[i].started_at > 0 &&
		    (!wall0 || run->steps[i].started_at < wall0))
			wall0 = run->steps[i].started_at;
	bool from_copy = wall0 > 0 && wall_now_at_t0 > wall0 && wall_now_at_t0 - wall0 < 600000;

	/* one query for every LV per poll when the driver has it: constant round trips */
	const char **names = xcalloc(n ? n : 1, sizeof *names);
	double *pcts = xcalloc(n ? n : 1, sizeof *pcts);
	for (size_t i = 0; i < n; i++)
		names[i] = json_string_value(json_object_get(json_array_get(lvs, i), "name"));
	bool all = n > 0 && vdm_client_has_sync_status_all(ctx->client);
	for (;;) {
		double done = 0, min_pct = 100;
		int64_t asked = vdm_now_ms();
		if (all) {
			/* the driver may wait for the end itself: then no sleep below */
			int rc = vdm_client_sync_status_all(ctx->client, run->vg, n, names, poll,
							    pcts, err);
			if (rc < 0) {
				free(names), free(pcts);
				vdm_err_prefix(err, "sync of VG %s", run->vg);
				return rc;
			}
		}
		for (size_t i = 0; i < n; i++) {
			json_t *lv = json_array_get(lvs, i);
			const char *name = names[i];
			double pct = pcts[i];
			int rc = all ? 0 : vdm_client_sync_status(ctx->client, run->vg, name, &pct, err);
			if (rc < 0) {
				free(names), free(pcts);
				vdm_err_prefix(err, "sync of LV %s/%s", run->vg, name);
				return rc;
			}
			if (pct < min_pct)
				min_pct = pct;
			done += json_number_value(json_object_get(lv, "mib")) * pct / 100.0;
		}
		int64_t now = vdm_now_ms();
		if (first_done < 0)
			first_done = done;
		if (done > best) {
			best = done;
			last_progress = now;
		}
		double secs = (double)(now - t0) / 1000.0, rate;
		if (from_copy)
			rate = done / ((double)(now - t0 + wall_now_at_t0 - wall0) / 1000.0);
		else
			rate = secs > 0.2 ? (done - first_done) / secs : 0;
		struct vdm_event ev = { .type = VDM_EV_SYNC, .step = s, .n_steps = run->n_steps,
			.percent = total > 0 ? done * 100.0 / total : min_pct, .mib_done = done,
			.mib_total = total, .mib_per_s = rate,
			.eta_s = rate > 0 ? (total - done) / rate : -1 };
		if (min_pct >= 100.0) {
			ev.percent = 100, ev.eta_s = 0;
			apply_emit(ctx, &ev);
			free(names), free(pcts);
			return 0;
		}
		apply_emit(ctx, &ev);
		if (now - last_progress > stall) {
			free(names), free(pcts);
			return vdm_err(err, -ETIMEDOUT, "sync of VG %s: no progress for %lld s"
				       " (stuck at %.1f%%)", run->vg, (long long)(stall / 1000),
				       ev.percent);
		}
		int64_t waited = all ? vdm_now_ms() - asked : 0;
		if (waited < poll)
			apply_sleep_ms(poll - waited);
	}
}

/* Records a step's new state; without a journal (script mode: nothing happened that a resume
 * or an undo would need to know) only in memory. */
static int apply_record(struct vdm_journal *j, struct vdm_run *run, struct vdm_step *s,
			enum vdm_step_state state, const char *error, struct vdm_error *err)
{
	if (j)
		return vdm_journal_step(j, run->id, s, state, error, err);
	s->state = state;
	return 0;
}

static int apply_record_run(struct vdm_journal *j, struct vdm_run *run, const char *status,
			    struct vdm_error *err)
{
	if (j)
		return vdm_journal_run_status(j, run, status, err);
	free(run->status);
	run->status = xstrdup(status);
	return 0;
}

/* Creates a new disk as this run's own: recorded "creating" before the backend call, "created"
 * after it; a name the server already has is adopted only when this run made it (recorded
 * "created" by an earlier attempt, or after a crash in between: the server shows this run's
 * tag), otherwise recorded "foreign" and refused with -EEXIST. */
static int apply_create(struct vdm_apply_ctx *ctx, struct vdm_journal *j,
			const struct vdm_run *run, const struct vdm_step *s, struct vdm_error *err)
{
	const char *disk = arg_str(s, "disk"), *pool = arg_str(s, "pool");
	int64_t size_mib = json_integer_value(json_object_get(s->args, "size_mib"));
	if (!j)         /* script mode: the script's reader runs it; nothing to record */
		return vdm_backend_create_disk(ctx->backend, pool, disk, size_mib, err);
	enum vdm_disk_own own;
	int rc = vdm_journal_disk_get(j, run->id, disk, &own, err);
	if (rc == 0 && own != VDM_DISK_CREATED)
		rc = vdm_journal_disk_set(j, run->id, pool, disk, VDM_DISK_CREATING, err);
	if (rc < 0)
		return rc;
	CLEANUP_FREE char *tag = vdm_run_owner_tag(run);
	vdm_backend_set_owner(ctx->backend, tag);
	rc = vdm_backend_create_disk(ctx->backend, pool, disk, size_mib, err);
	if (rc == -EEXIST && own == VDM_DISK_CREATED)
		rc = 0;
	else if (rc == -EEXIST && own == VDM_DISK_CREATING) {
		struct vdm_error e2 = { 0 };
		if (vdm_backend_disk_owned(ctx->backend, pool, disk, tag, &e2) == 1)
			rc = 0;
	}
	if (rc == 0)
		return vdm_journal_disk_set(j, run->id, pool, disk, VDM_DISK_CREATED, err);
	if (rc == -EEXIST) {
		char cause[sizeof err->msg];
		snprintf(cause, sizeof cause, "%s", err->msg);
		vdm_journal_disk_set(j, run->id, pool, disk, VDM_DISK_FOREIGN, NULL);
		return vdm_err_exit(err, -EEXIST, VDM_EXIT_BACKEND, "create disk %s in pool %s: the "
				    "name is taken by a disk this run did not create%s (%s); vdmirror "
				    "never adopts a foreign disk: undo this run (it deletes only what it "
				    "made) and plan again", disk, pool, own == VDM_DISK_CREATING ?
				    ", or cannot prove it did (a crash came between the create and its "
				    "record; the server keeps no owner tag)" : "", cause);
	}
	return rc;
}

/* A list of disk names (step args) as a copy whose segments name them (borrowed strings). */
static int apply_disks_copy(const struct vdm_step *s, const char *key, struct vdm_plan_copy *c,
			    struct vdm_error *err)
{
	json_t *a = json_object_get(s->args, key);
	size_t n = json_array_size(a);
	if (!n)
		return vdm_err(err, -EINVAL, "step %d %s: no %s", s->seq,
			       vdm_step_kind_name(s->kind), key);
	c->segs = xcalloc(n, sizeof *c->segs);
	c->n_segs = n;
	for (size_t i = 0; i < n; i++) {
		c->segs[i].pv = (char *)json_string_value(json_array_get(a, i));
		if (!c->segs[i].pv) {
			free(c->segs);
			c->segs = NULL;
			return vdm_err(err, -EINVAL, "step %d: %s[%zu] is not a name", s->seq, key, i);
		}
	}
	return 0;
}

/* The client half of a repair: resync a stale copy, replace or drop a lost one, remove the
 * missing PVs. */
static int apply_repair_step(struct vdm_apply_ctx *ctx, const struct vdm_run *run,
			     const struct vdm_step *s, struct vdm_error *err)
{
	const char *lv = arg_str(s, "lv");
	int copies = (int)json_integer_value(json_object_get(s->args, "copies"));
	struct vdm_plan_copy a = { 0 }, b = { 0 };
	int rc;
	switch (s->kind) {
	case VDM_STEP_RESYNC_COPY:
		if ((rc = apply_disks_copy(s, "pvs", &a, err)) == 0)
			rc = vdm_client_resync_copy(ctx->client, run->vg, lv, &a, err);
		break;
	case VDM_STEP_REPLACE_COPY:
		if ((rc = apply_disks_copy(s, "lost", &a, err)) == 0 &&
		    (rc = apply_copy_from_args(s, &b, err)) == 0)
			rc = vdm_client_replace_copy(ctx->client, run->vg, lv, copies, &a, &b, err);
		break;
	case VDM_STEP_DROP_COPY:
		if ((rc = apply_disks_copy(s, "lost", &a, err)) == 0)
			rc = vdm_client_drop_copy(ctx->client, run->vg, lv, copies, &a, err);
		break;
	default: {      /* VDM_STEP_REMOVE_MISSING */
		if ((rc = apply_disks_copy(s, "disks", &a, err)) < 0)
			break;
		const char **names = xcalloc(a.n_segs, sizeof *names);
		for (size_t i = 0; i < a.n_segs; i++)
			names[i] = a.segs[i].pv;
		rc = vdm_client_remove_missing(ctx->client, run->vg, names, a.n_segs, err);
		free(names);
		lv = NULL;
	}
	}
	free(a.segs);
	free(b.segs);
	if (rc < 0 && lv)
		vdm_err_prefix(err, "partition %s: %s of LV %s/%s", run->partition,
			       vdm_step_kind_name(s->kind), run->vg, lv);
	else if (rc < 0)
		vdm_err_prefix(err, "partition %s: remove missing PVs from VG %s", run->partition,
			       run->vg);
	return rc;
}

/* The verify step checks the LVs its args name (a repair leaves out the LVs still waiting for
 * a disk to return): the run's plan with only those LVs. */
static int apply_verify(struct vdm_apply_ctx *ctx, const struct vdm_run *run,
			const struct vdm_step *s, struct vdm_error *err)
{
	if (!ctx->verify)
		return vdm_err(err, -ENOTSUP, "verify: no discovery wired to check the result");
	json_t *want = json_object_get(s->args, "lvs");
	json_t *plan = json_deep_copy(run->plan), *lvs = json_array(), *lv;
	size_t i;
	json_array_foreach(json_object_get(run->plan, "lvs"), i, lv) {
		const char *name = json_string_value(json_object_get(lv, "name"));
		bool keep = !want;
		for (size_t k = 0; name && k < json_array_size(want); k++)
			keep |= !strcmp(name, json_string_value(json_array_get(want, k)) ?: "");
		if (keep)
			json_array_append(lvs, lv);
	}
	json_object_set_new(plan, "lvs", lvs);
	int rc = json_array_size(lvs) ? ctx->verify(ctx->verify_arg, plan, err) : 0;
	json_decref(plan);
	return rc;
}

static int apply_step(struct vdm_apply_ctx *ctx, struct vdm_journal *j, const struct vdm_run *run,
		      struct vdm_step *s, struct vdm_error *err)
{
	const char *disk = arg_str(s, "disk"), *pool = arg_str(s, "pool");
	/* a script's reader waits for the sync and checks the result: nothing here to wait on */
	if (ctx->script &&
	    (s->kind == VDM_STEP_WAIT_SYNC || s->kind == VDM_STEP_VERIFY))
		return 0;
	switch (s->kind) {
	case VDM_STEP_CREATE_DISK:
		return apply_create(ctx, j, run, s, err);
	case VDM_STEP_MAP_DISK:
		return vdm_backend_map_disk(ctx->backend, run->partition, pool, disk, err);
	case VDM_STEP_WAIT_DISK: {
		int64_t t = ctx->wait_disk_timeout_ms > 0 ? ctx->wait_disk_timeout_ms : 60000;
		/* what the driver learns (AIX: the hdisk) is journaled with the step */
		json_t *facts = json_object();
		int rc = vdm_client_wait_disk(ctx->client, disk, t, facts, err);
		json_decref(s->facts);
		s->facts = rc == 0 && json_object_size(facts) ? json_incref(facts) : NULL;
		json_decref(facts);
		if (rc < 0)
			vdm_err_prefix(err, "partition %s: wait for disk %s", run->partition, disk);
		return rc;
	}
	case VDM_STEP_ADD_PV: {
		int rc = vdm_client_add_pv(ctx->client, run->vg, disk, err);
		if (rc < 0)
			vdm_err_prefix(err, "partition %s: add PV %s to VG %s", run->partition,
				       disk, run->vg);
		return rc;
	}
	case VDM_STEP_ADD_COPY: {
		struct vdm_plan_copy c = { 0 };
		int rc = apply_copy_from_args(s, &c, err);
		if (rc < 0)
			return rc;
		const char *lv = arg_str(s, "lv");
		rc = vdm_client_add_copy(ctx->client, run->vg, lv,
				(int)json_integer_value(json_object_get(s->args, "copies")), &c, err);
		free(c.segs);
		if (rc < 0)
			vdm_err_prefix(err, "partition %s: add copy of LV %s/%s", run->partition,
				       run->vg, lv);
		return rc;
	}
	case VDM_STEP_WAIT_SYNC:
		return apply_wait_sync(ctx, run, s, err);
	case VDM_STEP_VERIFY:
		return apply_verify(ctx, run, s, err);
	case VDM_STEP_RESYNC_COPY:
	case VDM_STEP_REPLACE_COPY:
	case VDM_STEP_DROP_COPY:
	case VDM_STEP_REMOVE_MISSING:
		return apply_repair_step(ctx, run, s, err);
	case VDM_STEP_DELETE_DISK: {
		/* the session chose it: a disk a run of this journal created, its server back, no
		 * extent on it; unmapped first (the backend refuses to delete a mapped disk) */
		int rc = vdm_backend_unmap_disk(ctx->backend, run->partition, disk, err);
		if (rc == 0 || rc == -ENOENT)
			rc = vdm_backend_delete_disk(ctx->backend, pool, disk, err);
		if (rc == -ENOENT)
			rc = 0;               /* deleted before: idempotent */
		if (rc < 0)
			vdm_err_prefix(err, "delete disk %s left by an earlier repair", disk);
		return rc;
	}
	default:
		return vdm_err(err, -EINVAL, "step %d: unknown kind", s->seq);
	}
}

static void apply_step_fail(struct vdm_apply_ctx *ctx, struct vdm_journal *j,
			    struct vdm_run *run, size_t i, int rc, struct vdm_error *err)
{
	struct vdm_error jerr = { 0 };
	/* The step stays "started": it may have half happened; resume re-runs it, undo reverses
	 * it. Only the error text is added. A create refused because the name is someone else's
	 * did nothing: back to "planned", so that undo never touches that disk. */
	enum vdm_step_state st = run->steps[i].kind == VDM_STEP_CREATE_DISK && rc == -EEXIST
				 ? VDM_STEP_PLANNED : VDM_STEP_STARTED;
	apply_record(j, run, &run->steps[i], st, err->msg, &jerr);
	apply_record_run(j, run, "failed", &jerr);
	struct vdm_event ev = { .type = VDM_EV_STEP_FAIL, .step = &run->steps[i],
				.n_steps = run->n_steps, .message = err->msg };
	apply_emit(ctx, &ev);
}

/* Hands the driver what earlier steps of the run learned (a resume or an undo in a process
 * that did not run them). */
static int apply_recall(struct vdm_apply_ctx *ctx, const struct vdm_run *run,
			struct vdm_error *err)
{
	for (size_t i = 0; i < run->n_steps; i++) {
		const struct vdm_step *s = &run->steps[i];
		if (!s->facts || s->kind != VDM_STEP_WAIT_DISK)
			continue;
		int rc = vdm_client_recall(ctx->client, arg_str(s, "disk"), s->facts, err);
		if (rc < 0) {
			vdm_err_prefix(err, "run %lld step %d", (long long)run->id, s->seq);
			return rc;
		}
	}
	return 0;
}

/* ---- consecutive add_copy steps in one go (the client's add_copies) ----
 *
 * A VG of N LVs must not cost N round trips into the partition: the add_copy steps that follow
 * each other (not done yet, one per LV) go to the driver together, which sends every lvconvert
 * in one agent batch. Each step is still journaled "started" before the batch leaves and "done"
 * with the times the partition reports for its own command; after a failure the failing step
 * keeps "started" with its error (resume retries it) and the ones that never ran go back to
 * "planned". */

static size_t apply_copy_batch_len(const struct vdm_run *run, size_t i)
{
	size_t k = i;
	for (; k < run->n_steps && k - i < VDM_BATCH_MAX; k++) {
		const struct vdm_step *s = &run->steps[k];
		if (s->kind != VDM_STEP_ADD_COPY ||
		    (s->state != VDM_STEP_PLANNED && s->state != VDM_STEP_STARTED))
			break;
		/* a second copy of the same LV needs the first in place: next batch */
		bool again = false;
		for (size_t m = i; m < k; m++)
			again |= !strcmp(arg_str(&run->steps[m], "lv") ?: "", arg_str(s, "lv") ?: "");
		if (again)
			break;
	}
	return k - i;
}

static int apply_copy_batch(struct vdm_apply_ctx *ctx, struct vdm_journal *j,
			    struct vdm_run *run, size_t i, size_t len,
			    const struct apply_fault *fault, struct vdm_error *err)
{
	struct vdm_plan_copy *copies = xcalloc(len, sizeof *copies);
	struct vdm_copy_req *reqs = xcalloc(len, sizeof *reqs);
	struct vdm_batch_result *res = xcalloc(len, sizeof *res);
	size_t done = 0, k;
	int rc = 0;
	for (k = 0; k < len && rc == 0; k++) {
		struct vdm_step *s = &run->steps[i + k];
		rc = apply_copy_from_args(s, &copies[k], err);
		reqs[k].lv = arg_str(s, "lv");
		reqs[k].copies = (int)json_integer_value(json_object_get(s->args, "copies"));
		reqs[k].copy = &copies[k];
	}
	if (rc < 0) {
		done = k - 1;  /* the step whose arguments are bad is the failing one */
		goto fail_no_run;
	}
	for (k = 0; k < len; k++) {
		struct vdm_step *s = &run->steps[i + k];
		if ((rc = vdm_journal_step(j, run->id, s, VDM_STEP_STARTED, NULL, err)) < 0)
			goto out;
		apply_fault_point(fault, run, i + k, FAULT_STARTED);
		struct vdm_event ev = { .type = VDM_EV_STEP_START, .step = s,
					.n_steps = run->n_steps };
		apply_emit(ctx, &ev);
	}
	vdm_err_clear(err);
	rc = vdm_client_add_copies(ctx->client, run->vg, len, reqs, res, &done, err);
	struct vdm_error save = *err;
	for (k = 0; k < done; k++) {
		if (res[k].status != 0)
			break;
		struct vdm_step *s = &run->steps[i + k];
		apply_fault_point(fault, run, i + k, FAULT_RAN);
		int jr = vdm_journal_step_done_at(j, run->id, s, res[k].started_at,
						  res[k].finished_at, err);
		if (jr < 0) {
			rc = jr;
			goto out;
		}
		apply_fault_point(fault, run, i + k, FAULT_DONE);
		struct vdm_event ev = { .type = VDM_EV_STEP_DONE, .step = s,
					.n_steps = run->n_steps };
		apply_emit(ctx, &ev);
	}
	*err = save;
	if (rc == 0 && k < len)
		rc = vdm_err(err, -EPROTO, "add copies: the client finished %zu of %zu LVs", k, len);
	if (rc < 0) {
		/* the failing step: the one that reported a failure, else (transport lost, nothing
		 * known) the first not done; those after it did not run when the driver said so */
		if (k < done)
			for (size_t m = k + 1; m < len; m++) {
				struct vdm_error jerr = { 0 };
				vdm_journal_step(j, run->id, &run->steps[i + m], VDM_STEP_PLANNED,
						 NULL, &jerr);
			}
		done = k;
fail_no_run:;
		struct vdm_step *s = &run->steps[i + done];
		if (!err->msg[0])
			vdm_err(err, rc, "step %d add_copy failed: %s", s->seq, strerror(-rc));
		vdm_err_prefix(err, "partition %s: add copy of LV %s/%s", run->partition, run->vg,
			       arg_str(s, "lv") ?: "?");
		if (s->state != VDM_STEP_STARTED) {
			struct vdm_error jerr = { 0 };
			vdm_journal_step(j, run->id, s, VDM_STEP_STARTED, NULL, &jerr);
		}
		apply_step_fail(ctx, j, run, i + done, rc, err);
	}
out:
	for (k = 0; k < len; k++)
		free(copies[k].segs);
	free(copies), free(reqs);
	vdm_batch_results_free(res, len);
	free(res);
	return rc;
}

/* Raises (or puts back) the partition's resync limit around the sync we start. A partition
 * without the agent, or a driver without the slot, keeps its limits: the sync is slower, the
 * mirror as good, so a failure here is not a reason to stop. */
static void apply_sync_limit(struct vdm_apply_ctx *ctx, bool restore, bool *raised)
{
	if (ctx->sync_rate_kib < 0 || !ctx->client || ctx->script || *raised == !restore)
		return;
	struct vdm_error e = { 0 };
	if (vdm_client_sync_rate(ctx->client, ctx->sync_rate_kib, restore, &e) == 0 || restore)
		*raised = !restore;
}

static int apply_run_steps(struct vdm_apply_ctx *ctx, struct vdm_journal *j,
			   struct vdm_run *run, bool *raised, struct vdm_error *err);

int vdm_apply_run(struct vdm_apply_ctx *ctx, struct vdm_journal *j, struct vdm_run *run,
		  struct vdm_error *err)
{
	bool raised = false;
	int rc = apply_run_steps(ctx, j, run, &raised, err);
	apply_sync_limit(ctx, true, &raised);
	return rc;
}

static int apply_run_steps(struct vdm_apply_ctx *ctx, struct vdm_journal *j,
			   struct vdm_run *run, bool *raised, struct vdm_error *err)
{
	struct apply_fault fault;
	apply_fault_parse(&fault, ctx->fault);
	int rc;

	if ((rc = apply_recall(ctx, run, err)) < 0)
		return rc;
	if (strcmp(run->status, "running")) {
		rc = apply_record_run(j, run, "running", err);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < run->n_steps; i++) {
		struct vdm_step *s = &run->steps[i];
		struct vdm_event ev = { .step = s, .n_steps = run->n_steps };
		if (s->state == VDM_STEP_DONE) {
			ev.type = VDM_EV_STEP_SKIP;
			apply_emit(ctx, &ev);
			continue;
		}
		if (s->state == VDM_STEP_UNDONE)
			return vdm_err(err, -EINVAL, "run %lld: step %d was undone; start a new run",
				       (long long)run->id, s->seq);
		if (ctx->stop && *ctx->stop)
			return vdm_err_kind(err, -EINTR, VDM_ERR_STOPPED, "run %lld of %s/%s: stopped"
					    " before step %d; resume continues it", (long long)run->id,
					    run->partition, run->vg, s->seq);
		if (s->kind == VDM_STEP_ADD_COPY)
			apply_sync_limit(ctx, false, raised);
		/* a batch journals each step with its own command's times: not in script mode
		 * (no journal; the script gets one command a step) */
		size_t len;
		if (s->kind == VDM_STEP_ADD_COPY && j && !ctx->script &&
		    vdm_client_has_add_copies(ctx->client) && (len = apply_copy_batch_len(run, i)) > 1) {
			if ((rc = apply_copy_batch(ctx, j, run, i, len, &fault, err)) < 0)
				return rc;
			i += len - 1;
			continue;
		}
		rc = apply_record(j, run, s, VDM_STEP_STARTED, NULL, err);
		if (rc < 0)
			return rc;
		apply_fault_point(&fault, run, i, FAULT_STARTED);
		ev.type = VDM_EV_STEP_START;
		apply_emit(ctx, &ev);

		vdm_err_clear(err);
		rc = apply_step(ctx, j, run, s, err);
		if (rc < 0) {
			if (!err->msg[0])
				vdm_err(err, rc, "step %d %s failed: %s", s->seq,
					vdm_step_kind_name(s->kind), strerror(-rc));
			apply_step_fail(ctx, j, run, i, rc, err);
			return rc;
		}
		apply_fault_point(&fault, run, i, FAULT_RAN);
		rc = apply_record(j, run, s, VDM_STEP_DONE, NULL, err);
		if (rc < 0)
			return rc;
		apply_fault_point(&fault, run, i, FAULT_DONE);
		ev.type = VDM_EV_STEP_DONE;
		apply_emit(ctx, &ev);
		if (s->kind == VDM_STEP_WAIT_SYNC)
			apply_sync_limit(ctx, true, raised);
	}
	return apply_record_run(j, run, "done", err);
}

/* ---- undo ---- */

bool vdm_run_undo_finishes(const struct vdm_run *run)
{
	if (!vdm_run_unfinished(run))
		return false;
	bool lost = false, begun = false;
	for (size_t i = 0; i < run->n_steps; i++) {
		const struct vdm_step *s = &run->steps[i];
		bool gives_up = s->kind == VDM_STEP_REPLACE_COPY || s->kind == VDM_STEP_DROP_COPY ||
				s->kind == VDM_STEP_REMOVE_MISSING;
		lost |= gives_up;
		begun |= (gives_up || s->kind == VDM_STEP_ADD_PV) &&
			 (s->state == VDM_STEP_STARTED || s->state == VDM_STEP_DONE);
	}
	return lost && begun;
}

/* Deletes a new disk only when it is this run's (apply_create); *kept says why not. */
static int apply_uncreate(struct vdm_apply_ctx *ctx, struct vdm_journal *j,
			  const struct vdm_run *run, const struct vdm_step *s, char **kept,
			  struct vdm_error *err)
{
	const char *disk = arg_str(s, "disk"), *pool = arg_str(s, "pool");
	enum vdm_disk_own own;
	int rc = vdm_journal_disk_get(j, run->id, disk, &own, err);
	if (rc < 0)
		return rc;
	if (own == VDM_DISK_CREATING) {
		/* cut off between the create call and its answer: the server's tag decides */
		CLEANUP_FREE char *tag = vdm_run_owner_tag(run);
		rc = vdm_backend_disk_owned(ctx->backend, pool, disk, tag, err);
		if (rc < 0 && rc != -ENOTSUP)
			return rc;
		if (rc == 1)
			own = VDM_DISK_CREATED;
	}
	if (own == VDM_DISK_NONE && s->state == VDM_STEP_STARTED)
		return 0;   /* the record comes before the call: the create never ran */
	if (own != VDM_DISK_CREATED) {
		*kept = xasprintf("disk %s in pool %s kept: the journal does not show this run "
				  "created it%s", disk, pool, own == VDM_DISK_CREATING ?
				  " (a crash came between the create and its record, and the server "
				  "keeps no owner tag: check it and delete it by hand if it is new)" :
				  own == VDM_DISK_NONE ? " (a run from before vdmirror recorded what it "
				  "creates: delete it by hand if it is this run's)" : "");
		return 0;
	}
	return vdm_backend_delete_disk(ctx->backend, pool, disk, err);
}

static int apply_unstep(struct vdm_apply_ctx *ctx, struct vdm_journal *j,
			const struct vdm_run *run, const struct vdm_step *s, char **kept,
			struct vdm_error *err)
{
	const char *disk = arg_str(s, "disk");
	int rc = 0;
	switch (s->kind) {
	case VDM_STEP_CREATE_DISK:
		return apply_uncreate(ctx, j, run, s, kept, err);
	case VDM_STEP_MAP_DISK:
		return vdm_backend_unmap_disk(ctx->backend, run->partition, disk, err);
	case VDM_STEP_ADD_PV:
		rc = vdm_client_remove_pv(ctx->client, run->vg, disk, err);
		if (rc < 0)
			vdm_err_prefix(err, "partition %s: remove PV %s from VG %s", run->partition,
				       disk, run->vg);
		return rc;
	case VDM_STEP_ADD_COPY:
	case VDM_STEP_REPLACE_COPY: {
		/* both take the new copy out again; for a replacement the lost copy cannot come
		 * back, which leaves the LV as the failure left it (its surviving copies untouched) */
		struct vdm_plan_copy c = { 0 };
		rc = apply_copy_from_args(s, &c, err);
		if (rc < 0)
			return rc;
		const char *lv = arg_str(s, "lv");
		rc = vdm_client_remove_copy(ctx->client, run->vg, lv, &c, err);
		free(c.segs);
		if (rc < 0)
			vdm_err_prefix(err, "partition %s: remove the %s copy of LV %s/%s",
				       run->partition, s->kind == VDM_STEP_ADD_COPY ? "new"
				       : "replacement", run->vg, lv);
		return rc;
	}
	case VDM_STEP_RESYNC_COPY:
	case VDM_STEP_DROP_COPY:
	case VDM_STEP_REMOVE_MISSING:
	case VDM_STEP_DELETE_DISK:
		*kept = xasprintf("%s is not reversed: it removed nothing that held data",
				  vdm_step_kind_name(s->kind));
		return 0;
	default:
		return 0;   /* waits and checks change nothing */
	}
}

int vdm_apply_undo(struct vdm_apply_ctx *ctx, struct vdm_journal *j, struct vdm_run *run,
		   struct vdm_error *err)
{
	if (vdm_run_undo_finishes(run))
		return vdm_err(err, -EBUSY, "run %lld of %s/%s has begun changing a VG with a missing"
			       " PV (add_pv, replace_copy, drop_copy or remove_missing): it can only be"
			       " finished", (long long)run->id, run->partition, run->vg);
	int rc = apply_recall(ctx, run, err);
	if (rc < 0)
		return rc;
	rc = vdm_journal_run_status(j, run, "undoing", err);
	if (rc < 0)
		return rc;
	for (size_t k = run->n_steps; k-- > 0;) {
		struct vdm_step *s = &run->steps[k];
		if (s->state != VDM_STEP_DONE && s->state != VDM_STEP_STARTED)
			continue;
		struct vdm_event ev = { .type = VDM_EV_UNDO_START, .step = s,
					.n_steps = run->n_steps };
		apply_emit(ctx, &ev);
		vdm_err_clear(err);
		CLEANUP_FREE char *kept = NULL;
		rc = apply_unstep(ctx, j, run, s, &kept, err);
		if (rc < 0) {
			if (!err->msg[0])
				vdm_err(err, rc, "undo of step %d %s failed: %s", s->seq,
					vdm_step_kind_name(s->kind), strerror(-rc));
			vdm_err_prefix(err, "undo of step %d %s", s->seq,
				       vdm_step_kind_name(s->kind));
			return rc;
		}
		rc = vdm_journal_step(j, run->id, s, VDM_STEP_UNDONE, kept, err);
		if (rc < 0)
			return rc;
		ev.type = VDM_EV_UNDO_DONE;
		ev.message = kept;
		apply_emit(ctx, &ev);
	}
	return vdm_journal_run_status(j, run, "undone", err);
}
