/* session.c: the one mirror sequence (session.h): backend, client driver and journal of one
 * partition+VG; discover, plan or re-check, journal, run or resume, undo, verify. The front
 * ends (cli/cmd_mirror.c, cmd_apply.c, cmd_undo.c; later repair and watch) only wire options,
 * answer the confirmation and show the events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vdmirror/discover.h"
#include "vdmirror/session.h"
#include "vdmirror/util.h"

struct vdm_session {
	struct vdm_session_opts o;
	struct vdm_backend backend;
	bool backend_open;
	struct vdm_transport exec;        /* the partition's live transport */
	struct vdm_transport script;      /* script mode: the backend and the driver write here */
	bool script_done;                 /* the scripted run completed: keep the script */
	struct vdm_client client;         /* the driver that reported the VG, open on a transport */
	char *vg_client;                  /* driver that reported the VG in the last discovery */
	struct vdm_journal *journal;
	struct vdm_inventory *inv;        /* last discovery */
	json_t *inv_doc;                  /* ... as discovered: drivers' own fields (prepare) */
	struct vdm_run *run;              /* begun, resumed or loaded */
	json_t *plan_json;                /* the plan of a verify-only session */
	int64_t t_sync_start, t_sync_end;
};

static void session_emit(struct vdm_session *s, const struct vdm_event *ev)
{
	if (s->o.on_event)
		s->o.on_event(s->o.event_arg, ev);
}

int vdm_session_open(const struct vdm_session_opts *opts, struct vdm_session **out,
		     struct vdm_error *err)
{
	if (!opts->backend)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "which storage servers? give a"
				    " backend and its configuration");
	if (!vdm_name_valid(opts->partition) || !vdm_name_valid(opts->vg))
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "'%s %s': not valid names",
				    opts->partition ? opts->partition : "",
				    opts->vg ? opts->vg : "");
	struct vdm_session *s = xcalloc(1, sizeof *s);
	s->o = *opts;
	int rc = vdm_backend_open(opts->backend, opts->config ? opts->config : "", &s->backend,
				  err);
	if (rc == 0) {
		s->backend_open = true;
		if (opts->script) {
			CLEANUP_FREE char *addr = xasprintf("script:%s", opts->script);
			rc = vdm_transport_open(addr, &s->script, err);
			if (rc < 0)
				vdm_err_set_kind(err, VDM_ERR_INPUT);
			else
				rc = vdm_backend_script_to(&s->backend, &s->script, err);
		}
	}
	if (rc < 0) {
		vdm_session_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* The driver first (it borrows a transport), then the partition's transport. */
static void session_exec_close(struct vdm_session *s)
{
	vdm_client_close(&s->client);
	vdm_transport_close(&s->exec);
}

void vdm_session_close(struct vdm_session *s)
{
	if (!s)
		return;
	session_exec_close(s);
	if (s->backend_open)
		vdm_backend_close(&s->backend);
	if (s->script.ctx) {
		vdm_transport_close(&s->script);   /* after the backend that borrowed it */
		/* a script this session created but did not finish (dry run, no plan, a failure)
		 * is not left behind to be run, nor to block the next run's name */
		if (!s->script_done)
			unlink(s->o.script);
	}
	vdm_journal_close(s->journal);
	vdm_inventory_free(s->inv);
	json_decref(s->inv_doc);
	vdm_run_free(s->run);
	json_decref(s->plan_json);
	free(s->vg_client);
	free(s);
}

/* Any failure of something outside (backend, client, agent, journal) that its code did not
 * classify is a backend failure (exit 4). */
static int session_backend_fail(struct vdm_error *err, int rc)
{
	if (err->kind == VDM_ERR_UNSET)
		vdm_err_set_kind(err, VDM_ERR_BACKEND);
	return rc;
}

static int session_journal(struct vdm_session *s, struct vdm_error *err)
{
	if (s->journal)
		return 0;
	int rc = vdm_journal_open(s->o.state_dir, s->o.partition, s->o.vg, &s->journal, err);
	return rc < 0 ? session_backend_fail(err, rc) : 0;
}

/* ---- discovery ---- */

/* The driver vdm_discover named for the session's VG ("client" field beside formats v1). */
static void session_keep_client(struct vdm_session *s, json_t *doc)
{
	free(s->vg_client);
	s->vg_client = NULL;
	size_t i, v;
	json_t *part, *vg;
	json_array_foreach(json_object_get(doc, "partitions"), i, part) {
		const char *name = json_string_value(json_object_get(part, "name"));
		if (!name || strcmp(name, s->o.partition))
			continue;
		json_array_foreach(json_object_get(part, "vgs"), v, vg) {
			const char *vname = json_string_value(json_object_get(vg, "name"));
			const char *client = json_string_value(json_object_get(vg, "client"));
			if (vname && client && !strcmp(vname, s->o.vg))
				s->vg_client = xstrdup(client);
		}
	}
}

int vdm_session_discover(struct vdm_session *s, const struct vdm_inventory **inv,
			 struct vdm_error *err)
{
	json_t *doc = NULL;
	/* the partition's transport takes one client at a time: discovery opens its own */
	session_exec_close(s);
	vdm_inventory_free(s->inv);
	s->inv = NULL;
	int rc = vdm_discover(&s->backend, s->o.partition, &doc, err);
	if (rc < 0 && err->kind == VDM_ERR_NOT_FOUND)
		return vdm_err_kind(err, rc, VDM_ERR_NOT_FOUND, "partition %s: not found by the"
				    " discovery; nothing changed", s->o.partition);
	if (rc < 0) {
		vdm_err_prefix(err, "discovery");
		return session_backend_fail(err, rc);
	}
	session_keep_client(s, doc);
	/* missing_since from the state folder (formats.md, repair); not kept is no failure */
	struct vdm_error merr = { 0 };
	(void)vdm_missing_since(doc, s->o.state_dir, (int64_t)time(NULL), &merr);
	rc = vdm_inventory_parse_json(doc, "discovered inventory", &s->inv, err);
	json_decref(s->inv_doc);
	s->inv_doc = doc;
	if (rc < 0) {
		/* our own discovery wrote it: not the user's input */
		vdm_err_set_kind(err, VDM_ERR_BACKEND);
		return rc;
	}
	if (vdm_find_partition(s->inv, s->o.partition) < 0)
		return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "partition %s: not found by"
				    " the discovery", s->o.partition);
	if (inv)
		*inv = s->inv;
	return 0;
}

/* The partition's transport for the run: the live one its backend names, or in script mode
 * the script; the driver is the one the last discovery says reported the VG. */
static int session_client_ready(struct vdm_session *s, struct vdm_error *err)
{
	int rc;
	if (!s->inv && (rc = vdm_session_discover(s, NULL, err)) < 0)
		return rc;
	/* open since the last discovery (which closes it): kept, so that prepare and the run
	 * share one login to the partition */
	if (s->client.ops)
		return 0;
	session_exec_close(s);
	if (!s->vg_client || !vdm_client_find(s->vg_client))
		return vdm_err_kind(err, -ENOENT, VDM_ERR_BACKEND, "partition %s: no client driver"
				    " reports VG %s", s->o.partition, s->o.vg);
	struct vdm_transport *t = &s->script;
	if (!s->o.script) {
		CLEANUP_FREE char *addr = NULL;
		if ((rc = vdm_backend_client_address(&s->backend, s->o.partition, &addr, err)) < 0)
			return session_backend_fail(err, rc);
		if ((rc = vdm_transport_open(addr, &s->exec, err)) < 0) {
			vdm_err_prefix(err, "partition %s", s->o.partition);
			vdm_err_set_kind(err, VDM_ERR_BACKEND);
			return rc;
		}
		t = &s->exec;
	}
	if ((rc = vdm_client_open(s->vg_client, t, &s->client, err)) < 0) {
		vdm_err_prefix(err, "partition %s", s->o.partition);
		vdm_err_set_kind(err, VDM_ERR_BACKEND);
		return rc;
	}
	return 0;
}

/* ---- plans ---- */

/* The driver's own check of the plan against the VG's rules (client.h, prepare), on the
 * partition object of the last discovery; a refusal is "no valid plan" (exit 2). */
static int session_client_prepare(struct vdm_session *s, const struct vdm_plan *plan,
				  struct vdm_error *err)
{
	size_t i;
	json_t *part, *mine = NULL;
	json_array_foreach(json_object_get(s->inv_doc, "partitions"), i, part) {
		const char *name = json_string_value(json_object_get(part, "name"));
		if (name && !strcmp(name, s->o.partition))
			mine = part;
	}
	if (!mine)
		return 0;
	int rc = vdm_client_prepare(&s->client, mine, plan, err);
	if (rc < 0 && err->kind == VDM_ERR_UNSET)
		vdm_err_set_kind(err, VDM_ERR_NOPLAN);
	return rc;
}

/* Before a run is begun: the driver ready and its prepare said yes. */
static int session_client_accepts(struct vdm_session *s, const struct vdm_plan *plan,
				  struct vdm_error *err)
{
	int rc = session_client_ready(s, err);
	return rc < 0 ? rc : session_client_prepare(s, plan, err);
}

int vdm_session_plan(struct vdm_session *s, const struct vdm_request *req,
		     struct vdm_plan **plan, struct vdm_noplan *np, struct vdm_error *err)
{
	int rc;
	if (!s->inv && (rc = vdm_session_discover(s, NULL, err)) < 0)
		return rc;
	struct vdm_request r = *req;
	r.partition = s->o.partition;
	r.vg = s->o.vg;
	return vdm_plan_make(s->inv, &r, plan, np, err);
}

int vdm_session_check_plan(struct vdm_session *s, const struct vdm_plan *plan,
			   struct vdm_error *err)
{
	if (strcmp(plan->partition, s->o.partition) || strcmp(plan->vg, s->o.vg))
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "the plan is for %s/%s, the session"
				    " for %s/%s", plan->partition, plan->vg, s->o.partition,
				    s->o.vg);
	int rc;
	if (!s->inv && (rc = vdm_session_discover(s, NULL, err)) < 0)
		return rc;
	return vdm_plan_check_live(s->inv, plan, err);
}

/* ---- runs ---- */

int vdm_session_latest(struct vdm_session *s, const struct vdm_run **run, struct vdm_error *err)
{
	if (s->o.script)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "script mode keeps no journal");
	int rc = session_journal(s, err);
	if (rc < 0)
		return rc;
	vdm_run_free(s->run);
	s->run = NULL;
	rc = vdm_journal_latest(s->journal, &s->run, err);
	if (rc < 0)
		return session_backend_fail(err, rc);
	*run = s->run;
	return 0;
}

/* Makes steps (taken) of plan the session's run. */
static int session_begin_steps(struct vdm_session *s, const struct vdm_plan *plan,
			       struct vdm_step *steps, size_t n, struct vdm_error *err);

int vdm_session_begin(struct vdm_session *s, const struct vdm_plan *plan, struct vdm_error *err)
{
	struct vdm_step *steps;
	size_t n;
	int rc = vdm_steps_from_plan(plan, &steps, &n, err);
	if (rc < 0)
		return rc;
	return session_begin_steps(s, plan, steps, n, err);
}

static int session_begin_steps(struct vdm_session *s, const struct vdm_plan *plan,
			       struct vdm_step *steps, size_t n, struct vdm_error *err)
{
	int rc;
	vdm_run_free(s->run);
	s->run = NULL;
	if (s->o.script) {
		/* nothing happens, so nothing is journaled: the run lives in memory */
		struct vdm_run *run = xcalloc(1, sizeof *run);
		run->partition = xstrdup(plan->partition);
		run->vg = xstrdup(plan->vg);
		run->plan = vdm_plan_to_json(plan);
		run->status = xstrdup("running");
		run->steps = steps;
		run->n_steps = n;
		s->run = run;
		return 0;
	}
	if ((rc = session_journal(s, err)) < 0) {
		vdm_steps_free(steps, n);
		return rc;
	}
	json_t *pj = vdm_plan_to_json(plan);
	int64_t id;
	rc = vdm_journal_begin(s->journal, pj, steps, n, &id, err);
	vdm_steps_free(steps, n);
	json_decref(pj);
	if (rc == 0)
		rc = vdm_journal_latest(s->journal, &s->run, err);
	return rc < 0 ? session_backend_fail(err, rc) : 0;
}

int vdm_session_verify(struct vdm_session *s, const json_t *plan_json, struct vdm_error *err)
{
	struct vdm_plan *plan = NULL;
	int rc = vdm_plan_from_json(plan_json, "journal", &plan, err);
	if (rc < 0)
		return session_backend_fail(err, rc);
	if ((rc = vdm_session_discover(s, NULL, err)) == 0)
		rc = vdm_plan_verify_inventory(s->inv, plan, err);
	vdm_plan_free(plan);
	return rc;
}

/* The engine's verify step reads only what it must: the storage side of the partition and,
 * at the same time, the VG read again by the run's own driver on the run's open transport
 * (vdm_discover_vg: no second connection, no other partition, no other driver). Without an
 * open driver, a whole discovery (vdm_session_verify). The run changed the world: the
 * session's last discovery is dropped, whoever needs one next discovers again. */
static int session_verify_cb(void *arg, const json_t *plan_json, struct vdm_error *err)
{
	struct vdm_session *s = arg;
	if (!s->client.ops || s->o.script)
		return vdm_session_verify(s, plan_json, err);
	struct vdm_plan *plan = NULL;
	int rc = vdm_plan_from_json(plan_json, "journal", &plan, err);
	if (rc < 0)
		return session_backend_fail(err, rc);
	vdm_inventory_free(s->inv);
	s->inv = NULL;
	json_t *doc = NULL;
	struct vdm_inventory *inv = NULL;
	rc = vdm_discover_vg(&s->backend, &s->client, s->o.partition, s->o.vg, &doc, err);
	if (rc == 0)
		rc = vdm_inventory_parse_json(doc, "verify", &inv, err);
	json_decref(doc);
	if (rc < 0) {
		vdm_err_prefix(err, "verify");
		vdm_plan_free(plan);
		return session_backend_fail(err, rc);
	}
	rc = vdm_plan_verify_inventory(inv, plan, err);
	vdm_inventory_free(inv);
	vdm_plan_free(plan);
	return rc;
}

static void session_engine_event(void *arg, const struct vdm_event *ev)
{
	struct vdm_session *s = arg;
	if (ev->step && ev->step->kind == VDM_STEP_WAIT_SYNC) {
		int64_t now = vdm_now_ms();
		if (ev->type == VDM_EV_STEP_START && !s->t_sync_start)
			s->t_sync_start = now;
		if (ev->type == VDM_EV_STEP_DONE)
			s->t_sync_end = now;
	}
	session_emit(s, ev);
}

static void session_ctx(struct vdm_session *s, struct vdm_apply_ctx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->backend = &s->backend;
	ctx->client = &s->client;
	ctx->script = s->o.script != NULL;
	ctx->verify = session_verify_cb;
	ctx->verify_arg = s;
	ctx->on_event = session_engine_event;
	ctx->event_arg = s;
	ctx->wait_disk_timeout_ms = s->o.wait_disk_timeout_ms;
	ctx->sync_stall_ms = s->o.sync_stall_ms;
	ctx->fault = s->o.fault;
	ctx->stop = s->o.stop;
	ctx->sync_rate_kib = s->o.sync_rate_kib;
}

/* Runs s->run and fills the timing part of res (may be NULL). */
static int session_run(struct vdm_session *s, struct vdm_session_result *res,
		       struct vdm_error *err)
{
	if (!s->run)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "%s/%s: no run to go on with",
				    s->o.partition, s->o.vg);
	int rc = session_client_ready(s, err);
	if (rc < 0)
		return rc;
	struct vdm_plan *plan = NULL;
	if ((rc = vdm_plan_from_json(s->run->plan, "run", &plan, err)) < 0)
		return session_backend_fail(err, rc);
	rc = session_client_prepare(s, plan, err);
	vdm_plan_free(plan);
	if (rc < 0)
		return rc;
	struct vdm_apply_ctx ctx;
	session_ctx(s, &ctx);
	s->t_sync_start = s->t_sync_end = 0;
	int64_t t0 = vdm_now_ms();
	if (res)
		res->ran = true;
	rc = vdm_apply_run(&ctx, s->o.script ? NULL : s->journal, s->run, err);
	if (rc == 0 && s->o.script)
		s->script_done = true;
	if (res) {
		res->run = s->run;
		res->plan = s->run->plan;
		res->seconds = (double)(vdm_now_ms() - t0) / 1000.0;
		res->sync_seconds = s->t_sync_end > s->t_sync_start
			? (double)(s->t_sync_end - s->t_sync_start) / 1000.0 : 0;
		res->outcome = s->o.script ? VDM_SESSION_SCRIPTED : VDM_SESSION_DONE;
	}
	return rc < 0 ? session_backend_fail(err, rc) : 0;
}

int vdm_session_run(struct vdm_session *s, struct vdm_error *err)
{
	return session_run(s, NULL, err);
}

/* Does undoing run need the partition's client (a client step started or done)? */
static bool session_undo_needs_client(const struct vdm_run *run)
{
	for (size_t i = 0; i < run->n_steps; i++) {
		const struct vdm_step *st = &run->steps[i];
		if ((st->kind == VDM_STEP_ADD_PV || st->kind == VDM_STEP_ADD_COPY ||
		     st->kind == VDM_STEP_REPLACE_COPY) &&
		    (st->state == VDM_STEP_DONE || st->state == VDM_STEP_STARTED))
			return true;
	}
	return false;
}

int vdm_session_undo(struct vdm_session *s, struct vdm_error *err)
{
	int rc;
	const struct vdm_run *latest;
	if (s->o.script)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "undo cannot be written as a script");
	if (!s->run && (rc = vdm_session_latest(s, &latest, err)) < 0)
		return rc;
	if (!s->run)
		return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "%s/%s: no run to undo",
				    s->o.partition, s->o.vg);
	if ((rc = session_journal(s, err)) < 0)
		return rc;
	if (session_undo_needs_client(s->run)) {
		if ((rc = vdm_session_discover(s, NULL, err)) < 0 ||
		    (rc = session_client_ready(s, err)) < 0)
			return rc;
	}
	struct vdm_apply_ctx ctx;
	session_ctx(s, &ctx);
	rc = vdm_apply_undo(&ctx, s->journal, s->run, err);
	return rc < 0 ? session_backend_fail(err, rc) : 0;
}

/* ---- whole sequences ---- */

static int session_confirm(struct vdm_session *s, const char *question, struct vdm_error *err)
{
	if (!s->o.confirm || s->o.confirm(s->o.confirm_arg, question))
		return 0;
	return vdm_err_kind(err, -ECANCELED, VDM_ERR_DECLINED, "not confirmed; nothing changed");
}

static void session_show_plan(struct vdm_session *s, const struct vdm_plan *plan)
{
	struct vdm_event ev = { .type = VDM_EV_PLAN, .plan = plan, .inventory = s->inv };
	session_emit(s, &ev);
}

/* Resumes the unfinished s->run as journaled. */
static int session_resume(struct vdm_session *s, const struct vdm_request *req,
			  struct vdm_session_result *res, struct vdm_error *err)
{
	struct vdm_event ev = { .type = VDM_EV_RESUME, .run = s->run };
	session_emit(s, &ev);
	const char *jl = json_string_value(json_object_get(s->run->plan, "level"));
	int jc = (int)json_integer_value(json_object_get(s->run->plan, "copies"));
	if ((jl && strcmp(jl, vdm_level_name(req->level))) || jc != req->copies) {
		char note[256];
		snprintf(note, sizeof note, "the unfinished run was planned for %d copies at level"
			 " %s; it is finished as planned (undo it to plan anew)", jc, jl ? jl : "?");
		struct vdm_event nev = { .type = VDM_EV_NOTE, .message = note };
		session_emit(s, &nev);
	}
	res->resumed = true;
	return session_run(s, res, err);
}

/* A plan that adds nothing (every LV has its copies): its only step would be the verify. */
static bool session_plan_empty(const struct vdm_plan *plan)
{
	for (size_t i = 0; i < plan->n_lvs; i++)
		if (plan->lvs[i].n_new_copies)
			return false;
	return plan->n_new_disks == 0;
}

/* The journal's newest run of the session's VG, as mirror and repair both start: none in
 * script mode or a dry run; a half-undone run is refused (finish the undo first); with
 * VDM_MIRROR_RESUME_ONLY, no unfinished run is an error. *resuming: the run has work left. */
static int session_previous_run(struct vdm_session *s, unsigned flags,
				const struct vdm_run **run, bool *resuming, struct vdm_error *err)
{
	int rc;
	*run = NULL;
	*resuming = false;
	if (!s->o.script && !(flags & VDM_MIRROR_DRY_RUN) &&
	    (rc = vdm_session_latest(s, run, err)) < 0)
		return rc;
	if (*run && !strcmp((*run)->status, "undoing"))
		return vdm_err_kind(err, -EBUSY, VDM_ERR_BUSY, "run %lld of %s/%s is half undone;"
				    " finish it with vdmirror undo %s %s", (long long)(*run)->id,
				    s->o.partition, s->o.vg, s->o.partition, s->o.vg);
	*resuming = vdm_run_unfinished(*run);
	if ((flags & VDM_MIRROR_RESUME_ONLY) && !*resuming)
		return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "no unfinished run of %s/%s to"
				    " resume", s->o.partition, s->o.vg);
	return 0;
}

int vdm_session_mirror(struct vdm_session *s, const struct vdm_request *req, unsigned flags,
		       struct vdm_session_result *res, struct vdm_error *err)
{
	memset(res, 0, sizeof *res);
	const struct vdm_run *run = NULL;
	bool resuming;
	int rc = session_previous_run(s, flags, &run, &resuming, err);
	if (rc < 0)
		return rc;
	/* a discovery first in every case: it finds unknown names and a dead agent before
	 * anything changes */
	if ((rc = vdm_session_discover(s, NULL, err)) < 0)
		return rc;
	int pi = vdm_find_partition(s->inv, s->o.partition);
	if (vdm_find_vg(&s->inv->partitions[pi], s->o.vg) < 0)
		return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "partition %s has no volume"
				    " group %s", s->o.partition, s->o.vg);
	if (resuming)
		return session_resume(s, req, res, err);

	struct vdm_plan *plan = NULL;
	rc = vdm_session_plan(s, req, &plan, &res->noplan, err);
	if (rc < 0)
		return rc;
	session_show_plan(s, plan);
	if (flags & VDM_MIRROR_DRY_RUN) {
		res->outcome = VDM_SESSION_DRY_RUN;
		vdm_plan_free(plan);
		return 0;
	}
	if ((rc = session_confirm(s, "Create these disks and mirror onto them?", err)) < 0) {
		vdm_plan_free(plan);
		return rc;
	}
	if (!s->o.script && session_plan_empty(plan)) {
		/* nothing to create: only the check, not journaled, so that undo still finds the
		 * run that made the mirror */
		json_decref(s->plan_json);
		s->plan_json = vdm_plan_to_json(plan);
		vdm_plan_free(plan);
		res->outcome = VDM_SESSION_VERIFIED;
		res->plan = s->plan_json;
		return vdm_session_verify(s, s->plan_json, err);
	}
	if ((rc = session_client_accepts(s, plan, err)) == 0)
		rc = vdm_session_begin(s, plan, err);
	vdm_plan_free(plan);
	return rc < 0 ? rc : session_run(s, res, err);
}

int vdm_session_apply(struct vdm_session *s, const struct vdm_plan *plan,
		      struct vdm_session_result *res, struct vdm_error *err)
{
	memset(res, 0, sizeof *res);
	const struct vdm_run *run = NULL;
	int rc;
	if (!s->o.script && (rc = vdm_session_latest(s, &run, err)) < 0)
		return rc;
	if (run && (vdm_run_unfinished(run) || !strcmp(run->status, "undoing")))
		return vdm_err_kind(err, -EBUSY, VDM_ERR_BUSY, "run %lld of %s/%s is unfinished:"
				    " continue it (vdmirror mirror %s %s --resume) or undo it first",
				    (long long)run->id, s->o.partition, s->o.vg, s->o.partition,
				    s->o.vg);
	if ((rc = vdm_session_discover(s, NULL, err)) < 0 ||
	    (rc = vdm_session_check_plan(s, plan, err)) < 0)
		return rc;
	session_show_plan(s, plan);
	if ((rc = session_confirm(s, "Apply this plan?", err)) < 0 ||
	    (rc = session_client_accepts(s, plan, err)) < 0 ||
	    (rc = vdm_session_begin(s, plan, err)) < 0)
		return rc;
	return session_run(s, res, err);
}

int vdm_session_undo_latest(struct vdm_session *s, struct vdm_session_result *res,
			    struct vdm_error *err)
{
	memset(res, 0, sizeof *res);
	const struct vdm_run *run;
	int rc = vdm_session_latest(s, &run, err);
	if (rc < 0)
		return rc;
	res->run = run;
	if (!run || !strcmp(run->status, "undone")) {
		res->outcome = VDM_SESSION_NOTHING_TO_UNDO;
		return 0;
	}
	if (vdm_run_undo_finishes(run)) {
		/* going back is refused by LVM while the VG has a missing PV, and a replaced copy
		 * cannot come back; finishing leaves a consistent VG and every disk in use or on
		 * delete_later (apply.h) */
		char note[512];
		snprintf(note, sizeof note, "run %lld had begun replacing lost copies: its new disk"
			 " cannot leave a VG that has a missing PV, and a replaced copy cannot come"
			 " back, so undo finishes the run instead (the new copies stay, the missing"
			 " disks leave the VG)", (long long)run->id);
		struct vdm_event ev = { .type = VDM_EV_NOTE, .message = note };
		session_emit(s, &ev);
		if ((rc = vdm_session_discover(s, NULL, err)) < 0)
			return rc;
		res->resumed = true;
		return session_run(s, res, err);
	}
	res->outcome = VDM_SESSION_UNDONE;
	res->ran = true;
	return vdm_session_undo(s, err);
}

/* ---- repair ---- */

typedef VEC(struct vdm_delete_later) del_vec;
typedef VEC(struct vdm_plan_later) later_vec;

/* What to do with the delete_later disks of the newest run (its plan JSON): those whose server
 * is back and that hold nothing and that a run of this journal created go to *del (strings
 * owned by the json of `latest`); those still behind an unreachable server go to *carry; the
 * rest is kept with a note. */
static int session_cleanup_list(struct vdm_session *s, const struct vdm_run *latest,
				del_vec *del, later_vec *carry,
				char ***pools, size_t *n_pools, struct vdm_error *err)
{
	if (!latest || s->o.script)
		return 0;
	int pi = vdm_find_partition(s->inv, s->o.partition);
	const struct vdm_partition *p = &s->inv->partitions[pi];
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(latest->plan, "delete_later"), i, e) {
		const char *disk = json_string_value(json_object_get(e, "name"));
		const char *server = json_string_value(json_object_get(e, "server"));
		if (!disk || !server || !vdm_name_valid(disk) || !vdm_name_valid(server))
			continue;
		int si = vdm_find_server(s->inv, server);
		char note[512];
		if (si >= 0 && s->inv->servers[si].unreachable) {
			struct vdm_plan_later l = { xstrdup(disk), xstrdup(server) };
			VEC_PUSH(carry, l);
			continue;
		}
		/* holds something: a PV of a VG of the partition that is not missing */
		int di = vdm_find_disk(p, disk);
		bool used = false;
		for (size_t v = 0; di >= 0 && v < p->n_vgs; v++)
			for (size_t k = 0; k < p->vgs[v].n_pvs; k++)
				used |= p->vgs[v].pvs[k].disk == di &&
					p->vgs[v].pvs[k].free_extents < p->vgs[v].pvs[k].total_extents;
		char *pool = NULL;
		int made = vdm_journal_disk_made(s->journal, disk, &pool, err);
		if (made < 0)
			return session_backend_fail(err, made);
		if (used || !made) {
			snprintf(note, sizeof note, "disk %s on %s (back again) kept: %s", disk, server,
				 used ? "the partition still has extents on it" :
				 "vdmirror did not create it; delete it by hand once you are sure it"
				 " holds nothing");
			struct vdm_event ev = { .type = VDM_EV_NOTE, .message = note };
			session_emit(s, &ev);
			free(pool);
			continue;
		}
		*pools = xrealloc(*pools, (*n_pools + 1) * sizeof **pools);
		(*pools)[(*n_pools)++] = pool;
		struct vdm_delete_later d = { disk, pool, server };
		VEC_PUSH(del, d);
		snprintf(note, sizeof note, "disk %s on %s (back again, empty) will be deleted: a"
			 " repair left it there when %s was unreachable", disk, server, server);
		struct vdm_event ev = { .type = VDM_EV_NOTE, .message = note };
		session_emit(s, &ev);
	}
	return 0;
}

/* Anything for a run to do: a resync, a drop, a new copy or disk, a PV to remove, a delete. */
static bool session_repair_empty(const struct vdm_plan *plan, size_t n_deletes)
{
	for (size_t i = 0; i < plan->n_lvs; i++)
		if (plan->lvs[i].n_new_copies || plan->lvs[i].n_resync || plan->lvs[i].n_drop)
			return false;
	return plan->n_new_disks == 0 && plan->n_remove_pvs == 0 && n_deletes == 0;
}

static void session_wait_note(struct vdm_session *s, const struct vdm_plan *plan,
			      const struct vdm_request *req)
{
	struct strbuf lvs = STRBUF_INIT(256);
	for (size_t i = 0; i < plan->n_lvs; i++)
		if (plan->lvs[i].n_waiting)
			strbuf_addf(&lvs, "%s%s", lvs.len ? ", " : "", plan->lvs[i].name);
	char note[1024];
	snprintf(note, sizeof note, "LV %s: a lost copy is waiting for its disk to return: not"
		 " replaced for %lld s more (--wait-for-return %lld s); a disk that returns costs"
		 " a resync, not a new copy", lvs.s ? lvs.s : "?", (long long)plan->wait_s,
		 (long long)req->wait_for_return_s);
	strbuf_free(&lvs);
	struct vdm_event ev = { .type = VDM_EV_NOTE, .message = note };
	session_emit(s, &ev);
}

/* Disks of the partition that are missing although every server they are reached through
 * answers: most likely a server just back, whose first I/Os still fail (docs/internals/lab.md:
 * 0.3-2.5 s after a restore). */
static size_t session_returning(const struct vdm_inventory *inv, int pi, const char **names,
				size_t max)
{
	const struct vdm_partition *p = &inv->partitions[pi];
	size_t n = 0;
	for (size_t d = 0; d < p->n_disks; d++) {
		bool reachable = p->disks[d].missing && p->disks[d].n_paths > 0;
		for (size_t k = 0; reachable && k < p->disks[d].n_paths; k++)
			reachable = !inv->servers[p->disks[d].paths[k]].unreachable;
		if (reachable && n < max)
			names[n++] = p->disks[d].name;
	}
	return n;
}

/* Asks the driver to take the returning disks back into the VG (LVM keeps a PV that failed
 * flagged missing in its metadata even once the device reads again). Failures are not
 * fatal: the next discovery says what is still missing. */
static void session_restore_pvs(struct vdm_session *s, const char *const *names, size_t n)
{
	struct vdm_error e2 = { 0 };
	char **copy = xcalloc(n ? n : 1, sizeof *copy);
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(names[i]);   /* the next discovery frees the inventory */
	if (session_client_ready(s, &e2) == 0)
		for (size_t i = 0; i < n; i++)
			if (vdm_client_restore_pv(&s->client, s->o.vg, copy[i], &e2) < 0) {
				char note[2700];
				snprintf(note, sizeof note, "disk %s is back but could not be taken"
					 " back yet: %s", copy[i], e2.msg);
				struct vdm_event ev = { .type = VDM_EV_NOTE, .message = note };
				session_emit(s, &ev);
			}
	for (size_t i = 0; i < n; i++)
		free(copy[i]);
	free(copy);
}

int vdm_session_repair(struct vdm_session *s, const struct vdm_request *req, int64_t now,
		       unsigned flags, struct vdm_session_result *res, struct vdm_error *err)
{
	memset(res, 0, sizeof *res);
	const struct vdm_run *run = NULL;
	bool resuming;
	int rc = session_previous_run(s, flags, &run, &resuming, err);
	if (rc < 0)
		return rc;
	/* right after a server returns, the partition's view may be half-way for a few seconds
	 * (a PV read again by the kernel but not yet by LVM): a failed discovery is tried again,
	 * up to 5 times 2 s apart, before repair gives up */
	for (int tries = 0; (rc = vdm_session_discover(s, NULL, err)) < 0; tries++) {
		if (tries >= 5 || err->kind != VDM_ERR_BACKEND || (s->o.stop && *s->o.stop))
			return rc;
		nanosleep(&(struct timespec){ 2, 0 }, NULL);
	}
	int pi = vdm_find_partition(s->inv, s->o.partition);
	/* a disk of a server that answers again is taken back and looked at again (the returning
	 * rule, vdm_client_returning_try) before it is planned as lost: a returned copy costs a
	 * resync, a lost one a new copy */
	const char *back[16];
	size_t n_back;
	for (int tries = 0; !resuming && !s->o.script &&
	     (n_back = session_returning(s->inv, pi, back, 16)) > 0 &&
	     vdm_client_returning_try(tries); tries++) {
		session_restore_pvs(s, back, n_back);
		if ((rc = vdm_session_discover(s, NULL, err)) < 0)
			return rc;
		pi = vdm_find_partition(s->inv, s->o.partition);
	}
	if (vdm_find_vg(&s->inv->partitions[pi], s->o.vg) < 0)
		return vdm_err_kind(err, -ENOENT, VDM_ERR_NOT_FOUND, "partition %s has no volume"
				    " group %s", s->o.partition, s->o.vg);
	if (resuming) {
		struct vdm_event ev = { .type = VDM_EV_RESUME, .run = s->run };
		session_emit(s, &ev);
		res->resumed = true;
		return session_run(s, res, err);
	}

	del_vec del = { 0 };
	later_vec carry = { 0 };
	char **pools = NULL;
	size_t n_pools = 0;
	struct vdm_plan *plan = NULL;
	struct vdm_step *steps = NULL;
	size_t n = 0;
	if (!(flags & VDM_MIRROR_DRY_RUN) &&
	    (rc = session_cleanup_list(s, run, &del, &carry, &pools, &n_pools,
				       err)) < 0)
		goto out;
	struct vdm_request r = *req;
	r.partition = s->o.partition;
	r.vg = s->o.vg;
	if ((rc = vdm_plan_repair(s->inv, &r, now, &plan, &res->noplan, err)) < 0)
		goto out;
	/* still-away disks of the last run stay on the list for the next repair */
	for (size_t i = 0; i < carry.n; i++) {
		bool dup = false;
		for (size_t k = 0; k < plan->n_delete_later; k++)
			dup |= !strcmp(plan->delete_later[k].name, carry.v[i].name);
		if (dup) {
			free(carry.v[i].name), free(carry.v[i].server);
			continue;
		}
		plan->delete_later = xrealloc(plan->delete_later, (plan->n_delete_later + 1) *
					      sizeof *plan->delete_later);
		plan->delete_later[plan->n_delete_later++] = carry.v[i];
	}
	carry.n = 0;
	res->wait_s = plan->wait_s;
	session_show_plan(s, plan);
	if (plan->wait_s > 0)
		session_wait_note(s, plan, req);
	if (flags & VDM_MIRROR_DRY_RUN) {
		res->outcome = VDM_SESSION_DRY_RUN;
		goto out;
	}
	if (session_repair_empty(plan, del.n)) {
		json_decref(s->plan_json);
		s->plan_json = vdm_plan_to_json(plan);
		res->plan = s->plan_json;
		if (plan->wait_s > 0) {
			res->outcome = VDM_SESSION_WAITING;
			goto out;
		}
		res->outcome = VDM_SESSION_VERIFIED;
		rc = vdm_session_verify(s, s->plan_json, err);
		goto out;
	}
	if ((rc = session_confirm(s, "Repair the mirror as planned?", err)) < 0)
		goto out;
	if ((rc = vdm_steps_from_repair(plan, s->inv, del.v, del.n, &steps, &n, err)) < 0)
		goto out;
	rc = session_begin_steps(s, plan, steps, n, err);
	steps = NULL;
	if (rc == 0)
		rc = session_run(s, res, err);
out:
	vdm_plan_free(plan);
	for (size_t i = 0; i < carry.n; i++)
		free(carry.v[i].name), free(carry.v[i].server);
	free(carry.v);
	free(del.v);
	for (size_t i = 0; i < n_pools; i++)
		free(pools[i]);
	free(pools);
	return rc;
}

int vdm_session_mirrored_vgs(const char *backend, const char *config, const char *partition,
			     json_t **names, struct vdm_error *err)
{
	*names = NULL;
	if (!vdm_name_valid(partition))
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "partition '%s': not a valid name",
				    partition ? partition : "");
	struct vdm_backend b;
	int rc = vdm_backend_open(backend, config ? config : "", &b, err);
	if (rc < 0)
		return rc;
	json_t *doc = NULL;
	rc = vdm_discover(&b, partition, &doc, err);
	vdm_backend_close(&b);
	if (rc < 0)
		return rc;
	*names = json_array();
	size_t i, v, l;
	json_t *p, *vg, *lv;
	json_array_foreach(json_object_get(doc, "partitions"), i, p)
		json_array_foreach(json_object_get(p, "vgs"), v, vg) {
			bool mirrored = false;
			json_array_foreach(json_object_get(vg, "lvs"), l, lv)
				mirrored |= json_array_size(json_object_get(lv, "copies")) >= 2;
			if (mirrored)
				json_array_append(*names, json_object_get(vg, "name"));
		}
	json_decref(doc);
	return 0;
}
