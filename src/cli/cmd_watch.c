/* cmd_watch.c: vdmirror watch [--interval S] [--wait-for-return D] PARTITION[/VG]...: a
 * long-running loop that checks each partition's mirrored VGs and repairs them when needed
 * (the session's repair sequence, confirmed in advance), one log line per decision; SIGTERM
 * stops it between steps, the step in flight finishing and being journaled. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "vdmirror/session.h"
#include "vdmirror/util.h"
#include "cli.h"
#include "cli_session.h"

static void watch_usage(FILE *f)
{
	fputs("usage: vdmirror watch [--interval S] [--wait-for-return D] [--level L]\n"
	      "                      [--copies N] [--once] (--lab | --backend NAME --config STR)\n"
	      "                      PARTITION[/VG]...\n\n"
	      "Checks every PARTITION (each VG of it that is mirrored: an LV with two copies or\n"
	      "more; or only VG) every --interval seconds and repairs what a failure broke, as\n"
	      "`vdmirror repair --yes` does: a copy whose disk returned is resynced in place, a\n"
	      "copy lost for longer than --wait-for-return is replaced. One line per decision on\n"
	      "stdout. SIGTERM or SIGINT: stops between steps (the step in flight finishes and is\n"
	      "journaled; the next start resumes the run).\n\n"
	      "  --interval S   seconds between two rounds (default 60)\n"
	      "  --wait-for-return D  replace a lost copy once its disk has been missing this\n"
	      "                 long (default 10m; seconds, or with s, m, h, d)\n"
	      "  --level L      level a repair restores (default server)\n"
	      "  --copies N     in-sync copies per LV (default 2)\n"
	      "  --once         one round, then exit with the worst code of the round\n"
	      "  --lab [--state LABDIR] | --backend NAME --config STR | --vios HOSTS\n\n"
	      "exit codes: 1 bad input (before the first round); 0 stopped by SIGTERM or\n"
	      "SIGINT; with --once: 0 all protected, 2 no valid place for a new copy, 3 not\n"
	      "protected yet (a lost copy waited for), 4 a backend, client or agent failed\n", f);
	cli_backend_help(f);
}

static volatile sig_atomic_t watch_stop;

static void watch_on_term(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static void watch_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void watch_log(const char *fmt, ...)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	va_list ap;
	va_start(ap, fmt);
	printf("%s ", ts);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
}

struct watch_ctx {
	const char *backend, *config;
	struct vdm_request req;
	const char *partition, *vg;
};

/* The session's notes and failures, as log lines. */
static void watch_event(void *arg, const struct vdm_event *ev)
{
	struct watch_ctx *w = arg;
	if (ev->type == VDM_EV_NOTE)
		watch_log("%s/%s: %s", w->partition, w->vg, ev->message);
	else if (ev->type == VDM_EV_STEP_DONE && ev->step)
		watch_log("%s/%s: step %d/%zu %s done", w->partition, w->vg, ev->step->seq,
			  ev->n_steps, vdm_step_kind_name(ev->step->kind));
	else if (ev->type == VDM_EV_STEP_FAIL)
		watch_log("%s/%s: step failed: %s", w->partition, w->vg, ev->message);
	else if (ev->type == VDM_EV_RESUME)
		watch_log("%s/%s: resuming unfinished run %lld", w->partition, w->vg,
			  (long long)ev->run->id);
}

/* One repair of partition/vg; returns the exit code it would have. */
static int watch_one(struct watch_ctx *w)
{
	struct vdm_session_opts so = {
		.backend = w->backend, .config = w->config, .partition = w->partition,
		.vg = w->vg, .stop = &watch_stop, .on_event = watch_event, .event_arg = w,
	};
	cli_session_env(&so);
	struct vdm_error err = { 0 };
	struct vdm_session *s = NULL;
	struct vdm_session_result res = { 0 };
	int code = VDM_EXIT_OK;
	int rc = vdm_session_open(&so, &s, &err);
	if (rc == 0)
		rc = vdm_session_repair(s, &w->req, (int64_t)time(NULL), 0, &res, &err);
	if (rc < 0 && err.kind == VDM_ERR_STOPPED) {
		watch_log("%s/%s: stopped between steps; the journal keeps the run", w->partition,
			  w->vg);
		code = VDM_EXIT_BACKEND;
	} else if (rc < 0 && err.kind == VDM_ERR_NOPLAN) {
		watch_log("%s/%s: cannot repair: no valid place: %s", w->partition, w->vg,
			  res.noplan.message);
		code = VDM_EXIT_NOPLAN;
	} else if (rc < 0) {
		watch_log("%s/%s: failed: %s", w->partition, w->vg, err.msg);
		code = (int)vdm_err_exit_of(&err);
	} else if (res.outcome == VDM_SESSION_VERIFIED) {
		watch_log("%s/%s: ok: protected", w->partition, w->vg);
	} else if (res.outcome == VDM_SESSION_WAITING) {
		watch_log("%s/%s: waiting %lld s more for a lost copy's disk to return",
			  w->partition, w->vg, (long long)res.wait_s);
		code = VDM_EXIT_UNPROTECTED;
	} else {
		watch_log("%s/%s: repaired (run %lld, %.1f s)", w->partition, w->vg,
			  res.run ? (long long)res.run->id : 0LL, res.seconds);
	}
	vdm_session_close(s);
	return code;
}

/* One round over every argument; the worst exit code. */
static int watch_round(struct watch_ctx *w, char **args, int n)
{
	int worst = VDM_EXIT_OK;
	for (int i = 0; i < n && !watch_stop; i++) {
		char part[256];
		snprintf(part, sizeof part, "%s", args[i]);
		char *slash = strchr(part, '/');
		json_t *vgs = NULL;
		if (slash) {
			*slash = '\0';
			vgs = json_pack("[s]", slash + 1);
		} else {
			struct vdm_error err = { 0 };
			if (vdm_session_mirrored_vgs(w->backend, w->config, part, &vgs, &err) < 0) {
				watch_log("%s: discovery failed: %s", part, err.msg);
				worst = VDM_EXIT_BACKEND;
				continue;
			}
			if (!json_array_size(vgs))
				watch_log("%s: no mirrored VG to watch", part);
		}
		size_t k;
		json_t *vg;
		json_array_foreach(vgs, k, vg) {
			if (watch_stop)
				break;
			w->partition = part;
			w->vg = json_string_value(vg);
			int code = watch_one(w);
			if (code > worst)
				worst = code;
		}
		json_decref(vgs);
	}
	return worst;
}

enum { WATCH_INTERVAL = 300, WATCH_ONCE };

struct watch_opts {
	struct cli_request q;
	int64_t interval;
	bool once;
};

static int watch_opt(void *arg, int c, const char *val)
{
	struct watch_opts *wo = arg;
	switch (c) {
	case WATCH_INTERVAL:
		wo->interval = cli_parse_duration(val);
		if (wo->interval < 1)
			return cli_usage_error("watch", "--interval %s: at least 1 second", val);
		return 0;
	case WATCH_ONCE: wo->once = true; return 0;
	default: return cli_request_opt(&wo->q, c, val);
	}
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "interval", required_argument, NULL, WATCH_INTERVAL },
		{ "once", no_argument, NULL, WATCH_ONCE },
		CLI_WAIT_OPTION, CLI_LEVEL_OPTION, CLI_COPIES_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common o = { .cmd = "watch" };
	struct watch_opts wo = { .q = CLI_REQUEST_INIT("watch"), .interval = 60 };
	struct watch_ctx w = { 0 };
	int code = cli_parse(&o, argc, argv, opts, watch_usage, watch_opt, &wo);
	if (code >= 0)
		return code;
	/* accepted by every command that reaches servers, but meaningless here: refused rather
	 * than ignored (one log line per decision; each PARTITION is reached as configured) */
	if (o.json || o.local)
		return cli_usage_error("watch", "%s: not an option of watch",
				       o.json ? "--json" : "--local");
	w.req = wo.q.req;   /* watch has no --lv: nothing to free */
	if (optind >= argc)
		return cli_usage_error("watch", "no PARTITION to watch");
	for (int i = optind; i < argc; i++) {
		char part[256];
		snprintf(part, sizeof part, "%s", argv[i]);
		char *slash = strchr(part, '/');
		if (slash)
			*slash = '\0';
		if (strlen(argv[i]) >= sizeof part || !vdm_name_valid(part) ||
		    (slash && (!vdm_name_valid(slash + 1) || strchr(slash + 1, '/'))))
			return cli_usage_error("watch", "'%s': not PARTITION or PARTITION/VG", argv[i]);
	}
	const char *name;
	CLEANUP_FREE char *config = NULL;
	struct vdm_error err = { 0 };
	if (cli_backend_resolve(&o, &name, &config, &err) < 0)
		return cli_fail("watch", &err);
	w.backend = name;
	w.config = config;

	struct sigaction sa = { .sa_handler = watch_on_term };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	watch_log("watching %d partition(s) every %lld s, replacing copies lost for %lld s",
		  argc - optind, (long long)wo.interval, (long long)w.req.wait_for_return_s);
	code = VDM_EXIT_OK;
	while (!watch_stop) {
		code = watch_round(&w, argv + optind, argc - optind);
		if (wo.once)
			break;
		/* sleep in 1 s slices so that SIGTERM ends the wait at once */
		for (int64_t t = 0; t < wo.interval && !watch_stop; t++) {
			struct timespec ts = { 1, 0 };
			nanosleep(&ts, NULL);
		}
	}
	if (watch_stop) {
		watch_log("stopped (SIGTERM); the journals are consistent");
		return VDM_EXIT_OK;
	}
	return code;
}
