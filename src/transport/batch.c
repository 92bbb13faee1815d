/* batch.c: several commands for one machine in one round trip: the agent's "batch" request
 * when the transport serves it, else one run per command (SSH, script mode, an older agent),
 * with the same results either way (include/vdmirror/transport.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include "transport_priv.h"

#define BATCH_SLACK_MS 5000   /* transport time on top of the commands' own deadlines */

static int64_t batch_wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static char *batch_cmdline(const char *const argv[])
{
	struct strbuf b = STRBUF_INIT(400);
	for (size_t i = 0; argv[i]; i++)
		strbuf_addf(&b, "%s%s", i ? " " : "", argv[i]);
	return strbuf_detach(&b);
}

/* The message of the command that stopped a batch, as lnx_run words it. */
static int batch_fail(const char *const argv[], const struct vdm_batch_result *r,
		      struct vdm_error *err)
{
	CLEANUP_FREE char *cmd = batch_cmdline(argv);
	const char *why = r->err_text ? r->err_text : "";
	size_t l = strlen(why);
	while (l > 0 && (why[l - 1] == '\n' || why[l - 1] == ' '))
		l--;
	if (r->status < 0)
		return vdm_err(err, -EIO, "`%s`: %.*s", cmd, (int)(l > 1000 ? 1000 : l), why);
	return vdm_err(err, -EIO, "`%s`: exit %d%s%.*s", cmd, r->status, l ? ": " : "",
		       (int)(l > 1000 ? 1000 : l), why);
}

/* One run per command: what a transport without the batch request gets. */
static int batch_one_by_one(struct vdm_transport *t, const char *const *const cmds[], size_t n,
			    int64_t timeout_ms, struct vdm_batch_result *res, size_t *n_done,
			    struct vdm_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct vdm_batch_result *r = &res[i];
		struct vdm_error e = { 0 };
		r->started_at = batch_wall_ms();
		r->status = vdm_transport_run(t, (char *const *)cmds[i], timeout_ms, &r->out, &e);
		r->finished_at = batch_wall_ms();
		if (r->status < 0 && *n_done == 0 && i == 0) {
			/* the transport itself failed before anything ran */
			*err = e;
			return r->status;
		}
		*n_done = i + 1;
		if (r->status != 0) {
			const char *eo = vdm_transport_last_stderr(t);
			r->err_text = xstrdup(eo && *eo ? eo : e.msg);
			if (r->status < 0)
				r->status = -1;
			return batch_fail(cmds[i], r, err);
		}
	}
	return 0;
}

int vdm_transport_batch(struct vdm_transport *t, const char *const *const cmds[], size_t n,
			int64_t timeout_ms, struct vdm_batch_result *res, size_t *n_done,
			struct vdm_error *err)
{
	*n_done = 0;
	memset(res, 0, n * sizeof *res);
	if (n == 0)
		return 0;
	if (timeout_ms <= 0)
		timeout_ms = 120000;
	/* only the agent serves "batch"; the script transport writes one command a line */
	if (!t->request || vdm_transport_scripting(t) || n > VDM_BATCH_MAX)
		return batch_one_by_one(t, cmds, n, timeout_ms, res, n_done, err);

	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *av = json_array();
		for (size_t k = 0; cmds[i][k]; k++)
			json_array_append_new(av, json_string(cmds[i][k]));
		json_array_append_new(list, json_pack("{s:o, s:I}", "argv", av, "timeout_ms",
						      (json_int_t)timeout_ms));
	}
	json_t *req = json_pack("{s:s, s:o}", "op", "batch", "commands", list);
	json_t *reply = NULL;
	int64_t sent = batch_wall_ms();
	struct vdm_error e = { 0 };
	int rc = vdm_transport_request(t, req, &reply, timeout_ms * (int64_t)n + BATCH_SLACK_MS, &e);
	json_decref(req);
	if (rc < 0) {
		/* an agent from before the batch request: nothing ran, go one by one */
		if (strstr(e.msg, "unknown op"))
			return batch_one_by_one(t, cmds, n, timeout_ms, res, n_done, err);
		*err = e;
		return rc;
	}
	json_t *results = json_object_get(reply, "results");
	size_t got = json_array_size(results);
	if (got == 0 || got > n) {
		json_decref(reply);
		return vdm_err(err, -EPROTO, "batch of %zu commands: the agent reported %zu results",
			       n, got);
	}
	for (size_t i = 0; i < got; i++) {
		json_t *o = json_array_get(results, i);
		struct vdm_batch_result *r = &res[i];
		json_t *st = json_object_get(o, "status");
		r->status = json_is_integer(st) ? (int)json_integer_value(st) : -1;
		r->out = xstrdup(json_string_value(json_object_get(o, "stdout")) ?: "");
		const char *et = json_string_value(json_object_get(o, json_is_integer(st) ? "stderr"
										     : "error"));
		r->err_text = xstrdup(et ? et : (json_is_integer(st) ? "" : "did not run"));
		/* the agent counts from when the request arrived: close enough to when it left */
		r->started_at = sent + json_integer_value(json_object_get(o, "start_ms"));
		r->finished_at = sent + json_integer_value(json_object_get(o, "end_ms"));
	}
	*n_done = got;
	json_t *failed = json_object_get(reply, "failed");
	if (json_is_integer(failed)) {
		json_int_t f = json_integer_value(failed);
		json_decref(reply);
		if (f < 0 || (size_t)f != got - 1)
			return vdm_err(err, -EPROTO, "batch: the agent says command %lld failed, "
				       "after %zu results", (long long)f, got);
		if (res[f].status == 0)
			res[f].status = -1;
		return batch_fail(cmds[f], &res[f], err);
	}
	json_decref(reply);
	if (got != n)
		return vdm_err(err, -EPROTO, "batch of %zu commands: %zu results and no failure",
			       n, got);
	return 0;
}

void vdm_batch_results_free(struct vdm_batch_result *res, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(res[i].out);
		free(res[i].err_text);
		res[i].out = res[i].err_text = NULL;
	}
}
