/* cli_session.c: the front-end half of vdmirror mirror, apply and undo (cli_session.h):
 * session options from the command line and the environment, the confirmation, the progress
 * display and the result lines. The sequence itself is the library's (session.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vdmirror/util.h"
#include "cli_session.h"

void cli_json_event(json_t *ev)
{
	char *s = json_dumps(ev, JSON_COMPACT);
	if (s) {
		puts(s);
		fflush(stdout);
		free(s);
	}
	json_decref(ev);
}

const char *cli_state_dir(void)
{
	const char *env = getenv("VDMIRROR_STATE");
	return env && *env ? env : NULL;
}

/* ---- confirmation ---- */

static bool cli_confirm(void *arg, const char *question)
{
	struct cli_run *r = arg;
	if (r->o->yes)
		return true;
	if (!isatty(0)) {
		fprintf(stderr, "vdmirror %s: refusing to change anything without --yes: no terminal"
			" to ask for confirmation\n", r->o->cmd);
		return false;
	}
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	char line[32];
	if (!fgets(line, sizeof line, stdin) || (strcmp(line, "y\n") && strcmp(line, "yes\n"))) {
		fprintf(stderr, "vdmirror %s: not confirmed; nothing changed\n", r->o->cmd);
		return false;
	}
	return true;
}

/* ---- the session ---- */

int cli_sync_rate_opt(struct cli_run *r, const char *v)
{
	if (!strcmp(v, "unlimited")) {
		r->sync_rate_kib = 0;
		return 0;
	}
	if (!strcmp(v, "keep")) {
		r->sync_rate_kib = -1;
		return 0;
	}
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	bool ok = end != v && errno == 0 && n > 0 && n <= 1000000000LL / 1024;
	if (ok && (*end == 'K' || *end == 'k'))
		r->sync_rate_kib = n, end++;
	else if (ok && (*end == 'M' || *end == 'm' || !*end))
		r->sync_rate_kib = n * 1024, end += *end != '\0';
	else
		ok = false;
	if (ok && !*end)
		return 0;
	return cli_usage_error(r->o->cmd, "--sync-rate %s: want unlimited, keep, or MiB/s (100,"
			       " 100M, 512K)", v);
}

void cli_session_env(struct vdm_session_opts *so)
{
	const char *stall = getenv("VDMIRROR_SYNC_STALL_S");
	const char *fault = getenv("VDMIRROR_FAULT");
	so->state_dir = cli_state_dir();
	so->fault = fault && *fault ? fault : NULL;
	so->sync_stall_ms = stall && atoi(stall) > 0 ? (int64_t)atoi(stall) * 1000 : 0;
}

int cli_run_opt(void *arg, int c, const char *val)
{
	struct cli_run *r = arg;
	switch (c) {
	case CLI_OPT_SCRIPT: r->script = val; return 0;
	case CLI_OPT_DRY_RUN: r->flags |= VDM_MIRROR_DRY_RUN; return 0;
	case CLI_OPT_RESUME: r->flags |= VDM_MIRROR_RESUME_ONLY; return 0;
	case CLI_OPT_SYNC_RATE: return cli_sync_rate_opt(r, val);
	default: return r->q ? cli_request_opt(r->q, c, val) : -1;
	}
}

int cli_session_open(struct cli_run *r, const char *partition, const char *vg,
		     struct vdm_session **s, struct vdm_error *err)
{
	const char *name;
	CLEANUP_FREE char *config = NULL;
	int rc = cli_backend_resolve(r->o, &name, &config, err);
	if (rc == 0)
		rc = cli_backend_local(r->o, name, partition, &config, err);
	if (rc < 0)
		return rc;
	struct vdm_session_opts so = {
		.backend = name, .config = config, .partition = partition, .vg = vg,
		.script = r->script, .on_event = cli_on_event, .event_arg = r,
		.confirm = cli_confirm, .confirm_arg = r, .stop = r->stop,
		.sync_rate_kib = r->sync_rate_kib,
	};
	cli_session_env(&so);
	return vdm_session_open(&so, s, err);
}

/* ---- results ---- */

int cli_session_fail(struct cli_run *r, const struct vdm_error *err)
{
	if (r->o->json)
		cli_json_event(json_pack("{s:s, s:b, s:i, s:s}", "event", "result", "ok", 0,
					 "exit", (int)vdm_err_exit_of(err), "error", err->msg));
	return cli_fail(r->o->cmd, err);
}

static void cli_end_bar(struct cli_run *r)
{
	if (r->bar_shown) {
		putchar('\n');
		r->bar_shown = false;
	}
}

/* vdmirror mirror on a VG that has its copies already: verified, exit 0 or 3. */
static int cli_report_verified(struct cli_run *r, const struct vdm_session_result *res, int rc,
			       const struct vdm_error *err)
{
	int code = rc < 0 ? (int)vdm_err_exit_of(err) : VDM_EXIT_OK;
	const char *level = json_string_value(json_object_get(res->plan, "level"));
	if (r->o->json) {
		json_t *j = json_pack("{s:s, s:b, s:i, s:s?, s:[]}", "event", "result", "ok", rc == 0,
				      "exit", code, "level", level, "created");
		if (rc < 0)
			json_object_set_new(j, "error", json_string(err->msg));
		cli_json_event(j);
	} else if (rc == 0) {
		printf("nothing to create: every LV already has its copies, protected at level %s"
		       " (verified on a fresh discovery)\n", level ? level : "?");
	}
	if (rc < 0)
		fprintf(stderr, "vdmirror %s: %s\n", r->o->cmd, err->msg);
	return code;
}

/* A run that went to its end or failed on the way: the result, timings, created disks. */
static int cli_report_done(struct cli_run *r, const struct vdm_session_result *res, int rc,
			   const struct vdm_error *err)
{
	const struct vdm_run *run = res->run;
	cli_end_bar(r);
	int code = rc < 0 ? (int)vdm_err_exit_of(err) : VDM_EXIT_OK;
	double total = res->seconds, sync = res->sync_seconds;
	json_t *created = json_array();
	for (size_t i = 0; i < run->n_steps; i++)
		if (run->steps[i].kind == VDM_STEP_CREATE_DISK)
			json_array_append(created, run->steps[i].args);
	const char *level = json_string_value(json_object_get(run->plan, "level"));

	if (r->o->json) {
		json_t *j = json_pack("{s:s, s:b, s:i, s:I, s:s, s:s, s:s?, s:f, s:f, s:f, s:o}",
				      "event", "result", "ok", rc == 0, "exit", code,
				      "run", (json_int_t)run->id, "partition", run->partition,
				      "vg", run->vg, "level", level, "seconds", total,
				      "sync_seconds", sync, "overhead_seconds", total - sync,
				      "created", created);
		if (rc < 0)
			json_object_set_new(j, "error", json_string(err->msg));
		cli_json_event(j);
	} else {
		if (rc == 0) {
			printf("%s/%s: every LV protected at level %s, verified on a fresh discovery\n",
			       run->partition, run->vg, level ? level : "?");
			/* the sync starts with the first new copy; what is left of it once the
			 * last copy is made is the wait */
			printf("time to protection %.1f s (waiting for the sync %.1f s, everything "
			       "else %.1f s)\n", total, sync, total - sync);
			for (size_t i = 0; i < json_array_size(created); i++) {
				json_t *d = json_array_get(created, i);
				printf("created %s: %lld MiB in pool %s\n",
				       json_string_value(json_object_get(d, "disk")),
				       (long long)json_integer_value(json_object_get(d, "size_mib")),
				       json_string_value(json_object_get(d, "pool")));
			}
		}
		json_decref(created);
	}
	if (rc < 0) {
		fprintf(stderr, "vdmirror %s: %s\n", r->o->cmd, err->msg);
		if (code != VDM_EXIT_UNPROTECTED)
			fprintf(stderr, "vdmirror %s: the journal keeps run %lld: run the same command"
				" again (or with --resume) to continue, or vdmirror undo %s %s\n",
				r->o->cmd, (long long)run->id, run->partition, run->vg);
	}
	fflush(stdout);
	return code;
}

int cli_report_run(struct cli_run *r, const struct vdm_session_result *res, int rc,
		   const struct vdm_error *err)
{
	if (res->outcome == VDM_SESSION_VERIFIED)
		return cli_report_verified(r, res, rc, err);
	if (rc < 0 && err->kind == VDM_ERR_DECLINED) {
		if (r->o->json)   /* the confirmation said why on stderr; a script reads this */
			cli_json_event(json_pack("{s:s, s:b, s:i, s:s}", "event", "result", "ok", 0,
						 "exit", VDM_EXIT_INPUT, "error", err->msg));
		return VDM_EXIT_INPUT;
	}
	if (rc < 0 && err->kind == VDM_ERR_NOPLAN && res->noplan.message[0]) {
		const char *best = vdm_level_name(res->noplan.best_level);
		if (r->o->json)
			cli_json_event(json_pack("{s:s, s:i, s:s, s:s?}", "event", "noplan",
						 "version", 1, "error", res->noplan.message,
						 "best_level", best));
		fprintf(stderr, "vdmirror %s: no valid plan: %s (strongest level reachable: %s);"
			" nothing changed\n", r->o->cmd, res->noplan.message, best ? best : "none");
		return VDM_EXIT_NOPLAN;
	}
	if (rc < 0 && (!res->ran || res->outcome == VDM_SESSION_SCRIPTED || !res->run))
		return cli_session_fail(r, err);
	switch (res->outcome) {
	case VDM_SESSION_DRY_RUN:
		if (!r->o->json)
			printf("dry run: nothing changed\n");
		return VDM_EXIT_OK;
	case VDM_SESSION_SCRIPTED:
		printf("commands written to %s; nothing was changed\n", r->script);
		return VDM_EXIT_OK;
	default:
		return cli_report_done(r, res, rc, err);
	}
}

int cli_report_undo(struct cli_run *r, const char *partition, const char *vg,
		    const struct vdm_session_result *res, int rc, const struct vdm_error *err)
{
	if (rc == 0 && res->outcome == VDM_SESSION_NOTHING_TO_UNDO) {
		if (r->o->json)   /* a script reads the same result line as after an undo */
			cli_json_event(json_pack("{s:s, s:b, s:i, s:s}", "event", "result", "ok", 1,
						 "exit", VDM_EXIT_OK, "outcome", "nothing_to_undo"));
		else
			printf("%s/%s: nothing to undo%s\n", partition, vg, res->run ? " (newest run"
			       " already undone)" : " (no run in the journal)");
		return VDM_EXIT_OK;
	}
	if (!res->ran)
		return cli_session_fail(r, err);
	const struct vdm_run *run = res->run;
	int code = rc < 0 ? (int)vdm_err_exit_of(err) : VDM_EXIT_OK;
	cli_end_bar(r);
	if (r->o->json) {
		json_t *j = json_pack("{s:s, s:b, s:i, s:I}", "event", "result", "ok", rc == 0,
				      "exit", code, "run", (json_int_t)run->id);
		if (rc < 0)
			json_object_set_new(j, "error", json_string(err->msg));
		cli_json_event(j);
	} else if (rc == 0 && res->outcome == VDM_SESSION_DONE) {
		printf("%s/%s: run %lld could not be undone (it had begun replacing lost copies):"
		       " finished and verified instead\n", run->partition, run->vg,
		       (long long)run->id);
	} else if (rc == 0) {
		printf("%s/%s: run %lld undone: its disks unmapped and deleted, the VG as before\n",
		       run->partition, run->vg, (long long)run->id);
	}
	if (rc < 0)
		fprintf(stderr, "vdmirror %s: %s\nvdmirror %s: run the same command again to"
			" finish the undo\n", r->o->cmd, err->msg, r->o->cmd);
	return code;
}
