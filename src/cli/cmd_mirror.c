/* cmd_mirror.c: vdmirror mirror (discover, plan, confirm, apply, verify, with resume), and the
 * machinery that vdmirror apply and vdmirror undo share with it (mirror.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vdmirror/discover.h"
#include "vdmirror/util.h"
#include "cli.h"
#include "mirror.h"
#include "cli_lab.h"

/* ---- options shared by mirror, apply, undo ---- */

/* --sync-rate: "unlimited" (0), "keep" (-1: the partition's limits stay as the admin set
 * them), or a rate in MiB/s with an optional K or M suffix; into KiB/s. */
static int mirror_parse_sync_rate(const char *v, int64_t *kib)
{
	if (!strcmp(v, "unlimited")) {
		*kib = 0;
		return 0;
	}
	if (!strcmp(v, "keep")) {
		*kib = -1;
		return 0;
	}
	char *end;
	long long n = strtoll(v, &end, 10);
	if (end == v || n <= 0 || n > 1000000000LL / 1024)
		return -1;
	if (*end == 'K' || *end == 'k')
		*kib = n, end++;
	else if (*end == 'M' || *end == 'm' || !*end)
		*kib = n * 1024, end += *end != '\0';
	else
		return -1;
	return *end ? -1 : 0;
}

int mirror_common_opt(struct mirror_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
#define NEED_ARG() do { if (*i + 1 >= argc) \
		return cli_usage_error(o->cmd, "%s needs a value", a) + 1; } while (0)
	if (!strcmp(a, "--lab")) {
		o->lab = true;
	} else if (!strcmp(a, "--backend")) {
		NEED_ARG();
		o->backend = argv[++*i];
	} else if (!strcmp(a, "--config")) {
		NEED_ARG();
		o->config = argv[++*i];
	} else if (!strcmp(a, "--state")) {
		NEED_ARG();
		o->lab_state = argv[++*i];
		o->lab = true;
	} else if (!strcmp(a, "--json")) {
		o->json = true;
	} else if (!strcmp(a, "--yes") || !strcmp(a, "-y")) {
		o->yes = true;
	} else if (!strcmp(a, "--sync-rate")) {
		NEED_ARG();
		if (mirror_parse_sync_rate(argv[++*i], &o->sync_rate_kib) < 0)
			return cli_usage_error(o->cmd, "--sync-rate %s: want unlimited, keep, or "
					       "MiB/s (100, 100M, 512K)", argv[*i]) + 1;
	} else {
		return 0;
	}
	return 1;
#undef NEED_ARG
}

/* ---- backend, discovery, client ---- */

int mirror_backend_open(struct mirror_env *e, struct vdm_error *err)
{
	struct mirror_opts *o = e->o;
	const char *name = o->backend, *config = o->config;
	CLEANUP_FREE char *dflt = NULL;
	if (o->lab) {
		/* the lab's storage servers: the qemu backend on the lab's state folder (or its
		 * config file, as vdmirror inventory --lab takes it) */
		if (o->backend)
			return vdm_err_exit(err, -EINVAL, VDM_EXIT_INPUT,
					    "--lab and --backend exclude each other");
		name = "qemu";
		if (o->lab_state)
			config = o->lab_state;
		if (!config && !(config = dflt = cli_lab_default_state()))
			return vdm_err_exit(err, -EINVAL, VDM_EXIT_INPUT,
					    "no lab state folder found: give --state DIR");
	}
	if (!name)
		return vdm_err_exit(err, -EINVAL, VDM_EXIT_INPUT,
				    "which storage servers? give --lab, or --backend NAME --config STR");
	int rc = vdm_backend_open(name, config ? config : "", &e->backend, err);
	if (rc < 0) {
		if (rc == -ENOENT && !vdm_backend_find(name))
			err->exit_code = VDM_EXIT_INPUT;
		return rc;
	}
	e->backend_open = true;
	if (o->script) {
		rc = vdm_backend_script_to(&e->backend, o->script, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Remembers which driver reported each VG of the discovered partition (vdm_discover's
 * "client" fields), so picking the driver later costs no second discovery. */
static void mirror_keep_clients(struct mirror_env *e, json_t *doc, const char *partition)
{
	json_decref(e->vg_clients);
	e->vg_clients = json_object();
	size_t i, v;
	json_t *part, *vg;
	json_array_foreach(json_object_get(doc, "partitions"), i, part) {
		const char *name = json_string_value(json_object_get(part, "name"));
		if (!partition || !name || strcmp(name, partition))
			continue;
		json_array_foreach(json_object_get(part, "vgs"), v, vg) {
			json_t *vname = json_object_get(vg, "name"), *client = json_object_get(vg, "client");
			if (json_is_string(vname) && json_is_string(client))
				json_object_set(e->vg_clients, json_string_value(vname), client);
		}
	}
}

int mirror_discover(struct mirror_env *e, const char *partition, struct vdm_inventory **inv,
		    struct vdm_error *err)
{
	json_t *doc = NULL;
	/* the partition's transport takes one client at a time: discovery opens its own */
	if (e->exec_open) {
		vdm_exec_close(&e->exec);
		e->exec_open = false;
	}
	int rc = vdm_discover(&e->backend, partition, &doc, err);
	if (rc == -ENOENT && partition && !strncmp(err->msg, "discover: no partition", 22))
		return vdm_err_exit(err, rc, VDM_EXIT_INPUT, "partition %s: not found by the"
				    " discovery; nothing changed", partition);
	if (rc < 0) {
		if (!err->exit_code)
			err->exit_code = VDM_EXIT_BACKEND;
		vdm_err_prefix(err, "discovery");
		return rc;
	}
	rc = vdm_inventory_parse_json(doc, "discovered inventory", inv, err);
	mirror_keep_clients(e, doc, partition);
	json_decref(doc);
	if (rc < 0)
		err->exit_code = VDM_EXIT_BACKEND;   /* our own discovery wrote it: not user input */
	return rc;
}

static const char *const mirror_drivers[] = { "linux-lvm", "linux-md", "aix", "ibmi" };

/* The driver is the one whose discovery of the partition reports vg. */
static int mirror_pick_client(struct mirror_env *e, const struct vdm_inventory *inv,
			      const char *partition, const char *vg, struct vdm_error *err)
{
	json_t *all = vdm_inventory_to_json(inv);
	json_t *parts = json_object_get(all, "partitions"), *p = NULL;
	for (size_t i = 0; i < json_array_size(parts); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(parts, i), "name")),
			    partition))
			p = json_array_get(parts, i);
	struct vdm_error derr = { 0 };
	int found = -1;
	for (size_t k = 0; p && k < sizeof mirror_drivers / sizeof mirror_drivers[0]; k++) {
		const struct vdm_client_ops *ops = vdm_client_find(mirror_drivers[k]);
		if (!ops || !ops->discover)
			continue;
		json_t *copy = json_deep_copy(p);
		json_object_set_new(copy, "vgs", json_array());
		vdm_err_clear(&derr);
		if (ops->discover(&e->exec, copy, &derr) == 0) {
			json_t *vgs = json_object_get(copy, "vgs");
			for (size_t v = 0; v < json_array_size(vgs); v++)
				if (!strcmp(json_string_value(json_object_get(json_array_get(vgs, v),
									    "name")), vg))
					found = (int)k;
		}
		json_decref(copy);
		if (found >= 0) {
			e->client = ops;
			break;
		}
	}
	json_decref(all);
	if (found < 0)
		return vdm_err_exit(err, -ENOENT, VDM_EXIT_BACKEND,
				    "partition %s: no client driver reports VG %s%s%s", partition, vg,
				    derr.msg[0] ? " (last error: " : "", derr.msg[0] ? derr.msg : "");
	return 0;
}

/* Opens the partition's transport: the live one its backend names, or, when live is false
 * and the run writes a script, the script transport. */
static int mirror_client_transport(struct mirror_env *e, const char *partition, bool live,
				   struct vdm_error *err)
{
	CLEANUP_FREE char *addr = NULL;
	int rc;
	if (e->exec_open) {
		vdm_exec_close(&e->exec);
		e->exec_open = false;
	}
	if (!live && e->o->script) {
		addr = xasprintf("script:%s", e->o->script);
	} else {
		rc = vdm_backend_client_address(&e->backend, partition, &addr, err);
		if (rc < 0) {
			err->exit_code = VDM_EXIT_BACKEND;
			return rc;
		}
	}
	rc = vdm_exec_open(addr, &e->exec, err);
	if (rc < 0) {
		vdm_err_prefix(err, "partition %s", partition);
		err->exit_code = VDM_EXIT_BACKEND;
		return rc;
	}
	e->exec_open = true;
	return 0;
}

int mirror_client_open(struct mirror_env *e, const char *partition, const char *vg,
		       struct vdm_error *err)
{
	return mirror_client_transport(e, partition, false, err);
}

int mirror_client_ready(struct mirror_env *e, const struct vdm_inventory *inv,
			       const char *partition, const char *vg, struct vdm_error *err)
{
	/* The driver is the one whose discovery reported the VG: known from the last discovery,
	 * else asked of the partition's live transport (in script mode too: a script transport
	 * runs nothing, so it could not tell). */
	const char *known = json_string_value(json_object_get(e->vg_clients, vg));
	if (known && (e->client = vdm_client_find(known)))
		return mirror_client_transport(e, partition, false, err);
	int rc = mirror_client_transport(e, partition, true, err);
	if (rc < 0)
		return rc;
	rc = mirror_pick_client(e, inv, partition, vg, err);
	if (rc < 0 || !e->o->script)
		return rc;
	return mirror_client_transport(e, partition, false, err);
}

void mirror_env_close(struct mirror_env *e)
{
	if (e->exec_open)
		vdm_exec_close(&e->exec);
	if (e->backend_open)
		vdm_backend_close(&e->backend);
	vdm_journal_close(e->journal);
	json_decref(e->vg_clients);
	e->vg_clients = NULL;
	e->exec_open = e->backend_open = false;
	e->journal = NULL;
}

/* ---- printing ---- */

void mirror_json_event(json_t *ev)
{
	char *s = json_dumps(ev, JSON_COMPACT);
	if (s) {
		puts(s);
		fflush(stdout);
		free(s);
	}
	json_decref(ev);
}

void mirror_print_plan(struct mirror_env *e, const struct vdm_inventory *inv,
		       const struct vdm_plan *plan)
{
	if (e->o->json) {
		json_t *ev = json_pack("{s:s, s:o}", "event", "plan", "plan", vdm_plan_to_json(plan));
		mirror_json_event(ev);
		return;
	}
	cli_print_plan(inv, plan);
	fflush(stdout);
}

int mirror_confirm(struct mirror_env *e, const char *question)
{
	if (e->o->yes)
		return 0;
	if (!isatty(0)) {
		fprintf(stderr, "vdmirror %s: refusing to change anything without --yes: no terminal"
			" to ask for confirmation\n", e->o->cmd);
		return VDM_EXIT_INPUT;
	}
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	char line[32];
	if (!fgets(line, sizeof line, stdin) || (strcmp(line, "y\n") && strcmp(line, "yes\n"))) {
		fprintf(stderr, "vdmirror %s: not confirmed; nothing changed\n", e->o->cmd);
		return VDM_EXIT_INPUT;
	}
	return 0;
}

/* ---- progress ---- */

static void mirror_step_desc(const struct vdm_step *s, char *buf, size_t size)
{
	const json_t *a = s->args;
	const char *disk = json_string_value(json_object_get(a, "disk"));
	const char *pool = json_string_value(json_object_get(a, "pool"));
	switch (s->kind) {
	case VDM_STEP_CREATE_DISK:
		snprintf(buf, size, "create disk %s (%lld MiB) in pool %s", disk,
			 (long long)json_integer_value(json_object_get(a, "size_mib")), pool);
		break;
	case VDM_STEP_MAP_DISK:
		snprintf(buf, size, "map disk %s to the partition", disk);
		break;
	case VDM_STEP_WAIT_DISK:
		snprintf(buf, size, "wait until the partition sees %s", disk);
		break;
	case VDM_STEP_ADD_PV:
		snprintf(buf, size, "add %s to the volume group", disk);
		break;
	case VDM_STEP_ADD_COPY: {
		json_t *segs = json_object_get(a, "segments");
		int n = snprintf(buf, size, "add copy %lld of LV %s on",
				 (long long)json_integer_value(json_object_get(a, "copies")),
				 json_string_value(json_object_get(a, "lv")));
		for (size_t i = 0; i < json_array_size(segs) && n > 0 && (size_t)n < size; i++)
			n += snprintf(buf + n, size - (size_t)n, "%s%s", i ? "," : " ",
				      json_string_value(json_object_get(json_array_get(segs, i),
									"pv")));
		break;
	}
	case VDM_STEP_WAIT_SYNC:
		snprintf(buf, size, "wait for the sync of %zu LV(s)",
			 json_array_size(json_object_get(a, "lvs")));
		break;
	case VDM_STEP_VERIFY:
		snprintf(buf, size, "verify: fresh discovery, every LV at level %s",
			 json_string_value(json_object_get(a, "level")));
		break;
	default:
		snprintf(buf, size, "%s", vdm_step_kind_name(s->kind));
	}
}

static void mirror_fmt_secs(double s, char *buf, size_t size)
{
	if (s < 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%d:%02d", (int)s / 60, (int)s % 60);
}

static void mirror_on_event(void *arg, const struct vdm_event *ev)
{
	struct mirror_env *e = arg;
	const struct vdm_step *s = ev->step;
	int64_t now = vdm_now_ms();
	bool tty = isatty(1);
	char desc[512];
	mirror_step_desc(s, desc, sizeof desc);

	if (s->kind == VDM_STEP_WAIT_SYNC) {
		if (ev->type == VDM_EV_STEP_START && !e->t_sync_start)
			e->t_sync_start = now;
		if (ev->type == VDM_EV_STEP_DONE)
			e->t_sync_end = now;
	}
	if (e->o->json) {
		static const char *const names[] = { "step_start", "step_done", "step_skip",
						     "step_failed", "sync", "undo_start", "undo_done" };
		json_t *j = json_pack("{s:s, s:i, s:i, s:s, s:O}", "event", names[ev->type],
				      "seq", s->seq, "of", (int)ev->n_steps,
				      "kind", vdm_step_kind_name(s->kind), "args", s->args);
		if (ev->type == VDM_EV_STEP_FAIL)
			json_object_set_new(j, "error", json_string(ev->message ? ev->message : ""));
		if (ev->type == VDM_EV_SYNC) {
			json_object_set_new(j, "percent", json_real(ev->percent));
			json_object_set_new(j, "mib_done", json_real(ev->mib_done));
			json_object_set_new(j, "mib_total", json_real(ev->mib_total));
			json_object_set_new(j, "mib_per_s", json_real(ev->mib_per_s));
			json_object_set_new(j, "eta_s", ev->eta_s < 0 ? json_null()
								     : json_real(ev->eta_s));
		}
		mirror_json_event(j);
		return;
	}
	switch (ev->type) {
	case VDM_EV_STEP_START:
	case VDM_EV_UNDO_START:
		if (tty) {
			printf("[%2d/%zu] %s%s ...", s->seq, ev->n_steps,
			       ev->type == VDM_EV_UNDO_START ? "undo: " : "", desc);
			e->bar_shown = true;
		} else if (s->kind == VDM_STEP_WAIT_SYNC && ev->type == VDM_EV_STEP_START) {
			printf("[%2d/%zu] %s\n", s->seq, ev->n_steps, desc);
		}
		break;
	case VDM_EV_STEP_DONE:
	case VDM_EV_UNDO_DONE: {
		double secs = s->finished_at > s->started_at && ev->type == VDM_EV_STEP_DONE
			? (double)(s->finished_at - s->started_at) / 1000.0 : -1;
		printf("%s[%2d/%zu] %s%s: %s", tty ? "\r\033[K" : "", s->seq, ev->n_steps,
		       ev->type == VDM_EV_UNDO_DONE ? "undo: " : "", desc,
		       ev->type == VDM_EV_UNDO_DONE ? "undone" : "done");
		if (secs >= 0)
			printf(" (%.1f s)", secs);
		putchar('\n');
		e->bar_shown = false;
		break;
	}
	case VDM_EV_STEP_SKIP:
		printf("[%2d/%zu] %s: done before, skipped\n", s->seq, ev->n_steps, desc);
		break;
	case VDM_EV_STEP_FAIL:
		printf("%s[%2d/%zu] %s: FAILED\n", tty ? "\r\033[K" : "", s->seq, ev->n_steps, desc);
		e->bar_shown = false;
		break;
	case VDM_EV_SYNC: {
		char eta[32];
		mirror_fmt_secs(ev->eta_s, eta, sizeof eta);
		if (tty) {
			char bar[31];
			int fill = (int)(ev->percent * 30 / 100);
			for (int i = 0; i < 30; i++)
				bar[i] = i < fill ? '#' : '.';
			bar[30] = '\0';
			printf("\r\033[K        sync [%s] %5.1f%%  %.0f/%.0f MiB  %.1f MiB/s  %s left",
			       bar, ev->percent, ev->mib_done, ev->mib_total, ev->mib_per_s, eta);
			e->bar_shown = true;
		} else if (now - e->last_line_ms >= 5000 || ev->percent >= 100 ||
			   ev->percent - e->last_pct >= 10) {
			printf("        sync %5.1f%%  %.0f/%.0f MiB  %.1f MiB/s  %s left\n",
			       ev->percent, ev->mib_done, ev->mib_total, ev->mib_per_s, eta);
			e->last_line_ms = now;
			e->last_pct = ev->percent;
		}
		break;
	}
	}
	fflush(stdout);
}

/* ---- running ---- */

/* The verify step: a fresh discovery, then the protection rules on every LV of the plan. */
static int mirror_verify(void *arg, const json_t *plan_json, struct vdm_error *err)
{
	struct mirror_env *e = arg;
	struct vdm_plan *plan = NULL;
	struct vdm_inventory *inv = NULL;
	int rc = vdm_plan_from_json(plan_json, "journal", &plan, err);
	if (rc < 0)
		return rc;
	if (e->exec_open && e->client) {
		/* the run's own transport and driver: the storage side and this VG, no more */
		json_t *doc = NULL;
		rc = vdm_discover_vg(&e->backend, &e->exec, e->client, plan->partition, plan->vg,
				     &doc, err);
		if (rc == 0)
			rc = vdm_inventory_parse_json(doc, "verify", &inv, err);
		json_decref(doc);
		if (rc < 0 && !err->exit_code)
			err->exit_code = VDM_EXIT_BACKEND;
	} else {
		rc = mirror_discover(e, plan->partition, &inv, err);
	}
	if (rc == 0)
		rc = vdm_plan_verify_inventory(inv, plan, err);
	vdm_inventory_free(inv);
	vdm_plan_free(plan);
	return rc;
}

/* vdmirror mirror on a VG that has its copies already: verify, print, exit 0 or 3. */
static int mirror_verify_only(struct mirror_env *e, const json_t *plan_json)
{
	struct vdm_error err = { 0 };
	int rc = mirror_verify(e, plan_json, &err);
	int code = rc < 0 ? (err.exit_code ? err.exit_code : VDM_EXIT_BACKEND) : VDM_EXIT_OK;
	const char *level = json_string_value(json_object_get(plan_json, "level"));
	if (e->o->json) {
		json_t *j = json_pack("{s:s, s:b, s:i, s:s?, s:[]}", "event", "result", "ok", rc == 0,
				      "exit", code, "level", level, "created");
		if (rc < 0)
			json_object_set_new(j, "error", json_string(err.msg));
		mirror_json_event(j);
	} else if (rc == 0) {
		printf("nothing to create: every LV already has its copies, protected at level %s"
		       " (verified on a fresh discovery)\n", level ? level : "?");
	}
	if (rc < 0)
		fprintf(stderr, "vdmirror %s: %s\n", e->o->cmd, err.msg);
	return code;
}

static void mirror_apply_ctx(struct mirror_env *e, struct vdm_apply_ctx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->backend = &e->backend;
	ctx->exec = &e->exec;
	ctx->client = e->client;
	ctx->verify = mirror_verify;
	ctx->verify_arg = e;
	ctx->on_event = mirror_on_event;
	ctx->event_arg = e;
	ctx->sync_rate_kib = e->o->sync_rate_kib;
	const char *stall = getenv("VDMIRROR_SYNC_STALL_S");
	if (stall && atoi(stall) > 0)
		ctx->sync_stall_ms = (int64_t)atoi(stall) * 1000;
}

int mirror_run(struct mirror_env *e, struct vdm_run *run)
{
	struct vdm_apply_ctx ctx;
	struct vdm_error err = { 0 };
	mirror_apply_ctx(e, &ctx);
	e->t_start = vdm_now_ms();
	int rc = vdm_apply_run(&ctx, e->journal, run, &err);
	if (e->bar_shown) {
		putchar('\n');
		e->bar_shown = false;
	}
	double total = (double)(vdm_now_ms() - e->t_start) / 1000.0;
	double sync = e->t_sync_end > e->t_sync_start
		? (double)(e->t_sync_end - e->t_sync_start) / 1000.0 : 0;
	int code = rc < 0 ? (err.exit_code ? err.exit_code : VDM_EXIT_BACKEND) : VDM_EXIT_OK;
	json_t *created = json_array();
	for (size_t i = 0; i < run->n_steps; i++)
		if (run->steps[i].kind == VDM_STEP_CREATE_DISK)
			json_array_append(created, run->steps[i].args);
	const char *level = json_string_value(json_object_get(run->plan, "level"));

	if (e->o->json) {
		json_t *j = json_pack("{s:s, s:b, s:i, s:I, s:s, s:s, s:s?, s:f, s:f, s:f, s:o}",
				      "event", "result", "ok", rc == 0, "exit", code,
				      "run", (json_int_t)run->id, "partition", run->partition,
				      "vg", run->vg, "level", level, "seconds", total,
				      "sync_seconds", sync, "overhead_seconds", total - sync,
				      "created", created);
		if (rc < 0)
			json_object_set_new(j, "error", json_string(err.msg));
		mirror_json_event(j);
	} else {
		if (rc == 0) {
			printf("%s/%s: every LV protected at level %s, verified on a fresh discovery\n",
			       run->partition, run->vg, level ? level : "?");
			printf("time to protection %.1f s (sync %.1f s, everything else %.1f s)\n",
			       total, sync, total - sync);
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
		fprintf(stderr, "vdmirror %s: %s\n", e->o->cmd, err.msg);
		if (code != VDM_EXIT_UNPROTECTED)
			fprintf(stderr, "vdmirror %s: the journal keeps run %lld: run the same command"
				" again (or with --resume) to continue, or vdmirror undo %s %s\n",
				e->o->cmd, (long long)run->id, run->partition, run->vg);
	}
	fflush(stdout);
	return code;
}

int mirror_undo(struct mirror_env *e, struct vdm_run *run)
{
	struct vdm_apply_ctx ctx;
	struct vdm_error err = { 0 };
	mirror_apply_ctx(e, &ctx);
	int rc = vdm_apply_undo(&ctx, e->journal, run, &err);
	if (e->bar_shown)
		putchar('\n');
	if (e->o->json) {
		json_t *j = json_pack("{s:s, s:b, s:I}", "event", "result", "ok", rc == 0,
				      "run", (json_int_t)run->id);
		if (rc < 0)
			json_object_set_new(j, "error", json_string(err.msg));
		mirror_json_event(j);
	} else if (rc == 0) {
		printf("%s/%s: run %lld undone: its disks unmapped and deleted, the VG as before\n",
		       run->partition, run->vg, (long long)run->id);
	}
	if (rc < 0) {
		fprintf(stderr, "vdmirror %s: %s\nvdmirror %s: run the same command again to"
			" finish the undo\n", e->o->cmd, err.msg, e->o->cmd);
		return err.exit_code ? err.exit_code : VDM_EXIT_BACKEND;
	}
	return VDM_EXIT_OK;
}

/* ---- vdmirror mirror ---- */

static void mirror_usage(FILE *f)
{
	fputs("usage: vdmirror mirror PARTITION VG [--level L] [--copies N] [--lv LV]...\n"
	      "                       [--yes] [--dry-run] [--resume] [--json]\n"
	      "                       (--lab | --backend NAME --config STR) [--script FILE]\n"
	      "                       [--state LABDIR]\n\n"
	      "Discovers the storage servers and the partition, plans where each new copy goes\n"
	      "(no two copies sharing a device, pool, server, frame or site up to --level),\n"
	      "shows the plan, asks (unless --yes), then creates and maps the new disks, has\n"
	      "the partition add them and mirror onto them, waits for the sync and verifies the\n"
	      "protection on a fresh discovery. Every step is journaled in the state folder\n"
	      "($VDMIRROR_STATE, default /var/lib/vdmirror): after a crash, the same\n"
	      "command continues where it stopped; vdmirror undo removes what a run created.\n\n"
	      "  --level L      device, pool, server (default), frame, site\n"
	      "  --copies N     copies each LV ends with: 2 (default) or 3\n"
	      "  --lv LV        only these LVs (repeatable; default every LV of the VG)\n"
	      "  --yes, -y      do not ask (needed without a terminal)\n"
	      "  --dry-run      discover, plan and show the plan; change nothing\n"
	      "  --resume       only continue an unfinished run; fail when there is none\n"
	      "  --json         one JSON event per line on stdout (plan, steps, sync, result)\n"
	      "  --lab [--state LABDIR | --config LABCONFIG]  the local lab (backend qemu),\n"
	      "                 default state folder lab/state/default\n"
	      "  --backend NAME --config STR   another storage backend (qemu, vios)\n"
	      "  --script FILE  write the storage and client commands to FILE instead\n"
	      "  --sync-rate R  the partition's resync limit while our sync runs: unlimited\n"
	      "                 (default), keep (the admin's), or MiB/s (100, 512K); the\n"
	      "                 admin's limits come back afterwards, also after a crash\n\n"
	      "exit codes: 0 every LV at the level, 1 bad input or not confirmed, 2 no valid\n"
	      "plan, 3 verify found an LV below the level, 4 a backend, client or agent failed\n"
	      "debugging: VDMIRROR_FAULT=STEP[:N][:ran|:done] dies at a step (tests only)\n", f);
}

static int mirror_fail(struct mirror_env *e, const struct vdm_error *err)
{
	if (e->o->json) {
		json_t *j = json_pack("{s:s, s:b, s:s}", "event", "result", "ok", 0,
				      "error", err->msg);
		mirror_json_event(j);
	}
	int code = cli_fail(e->o->cmd, err);
	mirror_env_close(e);
	return code;
}

/* Script mode: the steps that change something are written to the script, nothing is
 * journaled (nothing happened), waits and verification are left to the admin. */
static int mirror_script(struct mirror_env *e, const struct vdm_plan *plan)
{
	struct vdm_step *steps;
	size_t n;
	struct vdm_error err = { 0 };
	int rc = vdm_steps_from_plan(plan, &steps, &n, &err);
	if (rc < 0)
		return mirror_fail(e, &err);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct vdm_step *s = &steps[i];
		const char *disk = json_string_value(json_object_get(s->args, "disk"));
		const char *pool = json_string_value(json_object_get(s->args, "pool"));
		switch (s->kind) {
		case VDM_STEP_CREATE_DISK:
			rc = vdm_backend_create_disk(&e->backend, pool, disk,
				json_integer_value(json_object_get(s->args, "size_mib")), &err);
			break;
		case VDM_STEP_MAP_DISK:
			rc = vdm_backend_map_disk(&e->backend, plan->partition, pool, disk, &err);
			break;
		case VDM_STEP_ADD_PV:
			rc = e->client->add_pv(&e->exec, plan->vg, disk, &err);
			break;
		case VDM_STEP_ADD_COPY: {
			json_t *segs = json_object_get(s->args, "segments");
			struct vdm_plan_copy c = { xcalloc(json_array_size(segs) + 1, sizeof *c.segs),
						   json_array_size(segs) };
			for (size_t k = 0; k < c.n_segs; k++) {
				json_t *sg = json_array_get(segs, k);
				c.segs[k].pv = (char *)json_string_value(json_object_get(sg, "pv"));
				c.segs[k].extents = json_integer_value(json_object_get(sg, "extents"));
			}
			rc = e->client->add_copy(&e->exec, plan->vg,
				json_string_value(json_object_get(s->args, "lv")),
				(int)json_integer_value(json_object_get(s->args, "copies")), &c, &err);
			free(c.segs);
			break;
		}
		default:
			break;
		}
	}
	vdm_steps_free(steps, n);
	if (rc < 0)
		return mirror_fail(e, &err);
	printf("commands written to %s; nothing was changed\n", e->o->script);
	mirror_env_close(e);
	return VDM_EXIT_OK;
}

int cmd_mirror(int argc, char **argv)
{
	struct mirror_opts o = { .cmd = "mirror" };
	struct mirror_env e = { .o = &o };
	const char *partition = NULL, *vg = NULL;
	VEC(const char *) lvs = { 0 };
	struct vdm_request req = { .copies = 2, .level = VDM_LEVEL_SERVER };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int c = mirror_common_opt(&o, argc, argv, &i);
		if (c > 1)
			return c - 1;
		if (c == 1)
			continue;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			mirror_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--level") && i + 1 < argc) {
			if (vdm_level_parse(argv[++i], &req.level) < 0)
				return cli_usage_error("mirror", "--level %s: not one of device, pool,"
						       " server, frame, site", argv[i]);
		} else if (!strcmp(a, "--copies") && i + 1 < argc) {
			req.copies = atoi(argv[++i]);
			if (req.copies != 2 && req.copies != 3)
				return cli_usage_error("mirror", "--copies %s: must be 2 or 3", argv[i]);
		} else if (!strcmp(a, "--lv") && i + 1 < argc) {
			VEC_PUSH(&lvs, argv[++i]);
		} else if (!strcmp(a, "--script") && i + 1 < argc) {
			o.script = argv[++i];
		} else if (!strcmp(a, "--dry-run")) {
			o.dry_run = true;
		} else if (!strcmp(a, "--resume")) {
			o.resume = true;
		} else if (a[0] == '-') {
			free(lvs.v);
			return cli_usage_error("mirror", "unknown option %s (or it needs a value)", a);
		} else if (!partition) {
			partition = a;
		} else if (!vg) {
			vg = a;
		} else {
			free(lvs.v);
			return cli_usage_error("mirror", "unexpected argument %s", a);
		}
	}
	if (!partition || !vg) {
		free(lvs.v);
		return cli_usage_error("mirror", "PARTITION and VG are required");
	}
	if (!vdm_name_valid(partition) || !vdm_name_valid(vg)) {
		free(lvs.v);
		return cli_usage_error("mirror", "'%s %s': not valid names", partition, vg);
	}
	req.partition = partition;
	req.vg = vg;
	req.lvs = lvs.v;
	req.n_lvs = lvs.n;

	struct vdm_error err = { 0 };
	struct vdm_inventory *inv = NULL;
	struct vdm_plan *plan = NULL;
	struct vdm_run *run = NULL;
	int rc, code;

	if ((rc = mirror_backend_open(&e, &err)) < 0)
		goto fail;
	if (!o.script && !o.dry_run) {
		if ((rc = vdm_journal_open(o.state_dir, partition, vg, &e.journal, &err)) < 0) {
			err.exit_code = VDM_EXIT_BACKEND;
			goto fail;
		}
		if ((rc = vdm_journal_latest(e.journal, &run, &err)) < 0)
			goto fail;
	}
	if (run && !strcmp(run->status, "undoing")) {
		rc = vdm_err_exit(&err, -EBUSY, VDM_EXIT_INPUT, "run %lld of %s/%s is half undone;"
				  " finish it with vdmirror undo %s %s", (long long)run->id,
				  partition, vg, partition, vg);
		goto fail;
	}
	bool resuming = vdm_run_unfinished(run);
	if (o.resume && !resuming) {
		rc = vdm_err_exit(&err, -ENOENT, VDM_EXIT_INPUT, "no unfinished run of %s/%s to"
				  " resume", partition, vg);
		goto fail;
	}

	/* A discovery first in every case: it finds unknown names and a dead agent before
	 * anything changes. */
	if ((rc = mirror_discover(&e, partition, &inv, &err)) < 0)
		goto fail;
	int pi = vdm_find_partition(inv, partition);
	if (pi < 0) {
		rc = vdm_err_exit(&err, -ENOENT, VDM_EXIT_INPUT, "partition %s: not found by the"
				  " discovery", partition);
		goto fail;
	}
	if (vdm_find_vg(&inv->partitions[pi], vg) < 0) {
		rc = vdm_err_exit(&err, -ENOENT, VDM_EXIT_INPUT, "partition %s has no volume group"
				  " %s", partition, vg);
		goto fail;
	}

	if (resuming) {
		size_t done = 0;
		for (size_t k = 0; k < run->n_steps; k++)
			done += run->steps[k].state == VDM_STEP_DONE;
		if (!o.json)
			printf("resuming run %lld of %s/%s: %zu of %zu steps done before (the plan"
			       " is the journal's)\n", (long long)run->id, partition, vg, done,
			       run->n_steps);
		const char *jl = json_string_value(json_object_get(run->plan, "level"));
		int jc = (int)json_integer_value(json_object_get(run->plan, "copies"));
		if ((jl && strcmp(jl, vdm_level_name(req.level))) || jc != req.copies)
			fprintf(stderr, "vdmirror mirror: note: the unfinished run was planned for %d"
				" copies at level %s; it is finished as planned (undo it to plan"
				" anew)\n", jc, jl ? jl : "?");
		if ((rc = mirror_client_ready(&e, inv, partition, vg, &err)) < 0)
			goto fail;
	} else {
		struct vdm_noplan np = { 0 };
		rc = vdm_plan_make(inv, &req, &plan, &np, &err);
		if (rc == -ENOSPC) {
			const char *best = vdm_level_name(np.best_level);
			if (o.json)
				mirror_json_event(json_pack("{s:s, s:i, s:s, s:s?}", "event", "noplan",
							    "version", 1, "error", np.message,
							    "best_level", best));
			fprintf(stderr, "vdmirror mirror: no valid plan: %s (strongest level"
				" reachable: %s); nothing changed\n", np.message, best ? best : "none");
			mirror_env_close(&e);
			vdm_inventory_free(inv);
			free(lvs.v);
			return VDM_EXIT_NOPLAN;
		}
		if (rc < 0)
			goto fail;
		mirror_print_plan(&e, inv, plan);
		if (o.dry_run) {
			if (!o.json)
				printf("dry run: nothing changed\n");
			code = VDM_EXIT_OK;
			goto out;
		}
		if ((code = mirror_confirm(&e, "Create these disks and mirror onto them?")) != 0)
			goto out;
		if ((rc = mirror_client_ready(&e, inv, partition, vg, &err)) < 0)
			goto fail;
		if (o.script) {
			code = mirror_script(&e, plan);
			vdm_plan_free(plan);
			vdm_inventory_free(inv);
			free(lvs.v);
			return code;
		}
		struct vdm_step *steps;
		size_t n;
		int64_t id;
		json_t *pj = vdm_plan_to_json(plan);
		rc = vdm_steps_from_plan(plan, &steps, &n, &err);
		if (rc == 0 && n == 1) {
			/* Nothing to create: only the check. Not journaled, so that undo still
			 * finds the run that made the mirror. */
			vdm_steps_free(steps, n);
			code = mirror_verify_only(&e, pj);
			json_decref(pj);
			goto out;
		}
		if (rc == 0) {
			rc = vdm_journal_begin(e.journal, pj, steps, n, &id, &err);
			vdm_steps_free(steps, n);
		}
		json_decref(pj);
		vdm_run_free(run);
		run = NULL;
		if (rc < 0 || (rc = vdm_journal_latest(e.journal, &run, &err)) < 0)
			goto fail;
	}
	vdm_inventory_free(inv);
	inv = NULL;
	code = mirror_run(&e, run);
out:
	vdm_run_free(run);
	vdm_plan_free(plan);
	vdm_inventory_free(inv);
	mirror_env_close(&e);
	free(lvs.v);
	return code;
fail:
	vdm_run_free(run);
	vdm_plan_free(plan);
	vdm_inventory_free(inv);
	free(lvs.v);
	return mirror_fail(&e, &err);
}
