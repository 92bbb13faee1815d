/* cli_progress.c: what vdmirror mirror, apply and undo show while the session works: a bar on
 * a terminal, plain lines otherwise, one JSON event per line with --json. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "vdmirror/util.h"
#include "cli_session.h"

/* ---- progress ---- */

static void cli_step_desc(const struct vdm_step *s, char *buf, size_t size)
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

static void cli_fmt_secs(double s, char *buf, size_t size)
{
	if (s < 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%d:%02d", (int)s / 60, (int)s % 60);
}

/* The session's own events: the plan, a resumed run, a note. */
static void cli_session_event(struct cli_run *r, const struct vdm_event *ev)
{
	switch (ev->type) {
	case VDM_EV_PLAN:
		if (r->o->json) {
			cli_json_event(json_pack("{s:s, s:o}", "event", "plan", "plan",
						 vdm_plan_to_json(ev->plan)));
			return;
		}
		cli_print_plan(ev->inventory, ev->plan);
		break;
	case VDM_EV_RESUME: {
		const struct vdm_run *run = ev->run;
		size_t done = 0;
		for (size_t k = 0; k < run->n_steps; k++)
			done += run->steps[k].state == VDM_STEP_DONE;
		if (!r->o->json)
			printf("resuming run %lld of %s/%s: %zu of %zu steps done before (the plan"
			       " is the journal's)\n", (long long)run->id, run->partition, run->vg,
			       done, run->n_steps);
		break;
	}
	case VDM_EV_NOTE:
		fprintf(stderr, "vdmirror %s: note: %s\n", r->o->cmd, ev->message);
		break;
	default:
		break;
	}
	fflush(stdout);
}

void cli_on_event(void *arg, const struct vdm_event *ev)
{
	struct cli_run *r = arg;
	const struct vdm_step *s = ev->step;
	if (!s) {
		cli_session_event(r, ev);
		return;
	}
	if (r->script)
		return;   /* nothing runs: the script is the output */
	int64_t now = vdm_now_ms();
	bool tty = isatty(1);
	char desc[512];
	cli_step_desc(s, desc, sizeof desc);

	if (r->o->json) {
		static const char *const names[] = { "step_start", "step_done", "step_skip",
						     "step_failed", "sync", "undo_start", "undo_done" };
		if ((size_t)ev->type >= sizeof names / sizeof names[0])
			return;
		json_t *j = json_pack("{s:s, s:i, s:i, s:s, s:O}", "event", names[ev->type],
				      "seq", s->seq, "of", (int)ev->n_steps,
				      "kind", vdm_step_kind_name(s->kind), "args", s->args);
		if (ev->type == VDM_EV_STEP_FAIL)
			json_object_set_new(j, "error", json_string(ev->message ? ev->message : ""));
		if (ev->type == VDM_EV_UNDO_DONE && ev->message)
			json_object_set_new(j, "kept", json_string(ev->message));
		if (ev->type == VDM_EV_SYNC) {
			json_object_set_new(j, "percent", json_real(ev->percent));
			json_object_set_new(j, "mib_done", json_real(ev->mib_done));
			json_object_set_new(j, "mib_total", json_real(ev->mib_total));
			json_object_set_new(j, "mib_per_s", json_real(ev->mib_per_s));
			json_object_set_new(j, "eta_s", ev->eta_s < 0 ? json_null()
								     : json_real(ev->eta_s));
		}
		cli_json_event(j);
		return;
	}
	switch (ev->type) {
	case VDM_EV_STEP_START:
	case VDM_EV_UNDO_START:
		if (tty) {
			printf("[%2d/%zu] %s%s ...", s->seq, ev->n_steps,
			       ev->type == VDM_EV_UNDO_START ? "undo: " : "", desc);
			r->bar_shown = true;
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
		if (ev->type == VDM_EV_UNDO_DONE && ev->message)
			printf(" (kept: %s)", ev->message);   /* why undo left a disk alone */
		putchar('\n');
		r->bar_shown = false;
		break;
	}
	case VDM_EV_STEP_SKIP:
		printf("[%2d/%zu] %s: done before, skipped\n", s->seq, ev->n_steps, desc);
		break;
	case VDM_EV_STEP_FAIL:
		printf("%s[%2d/%zu] %s: FAILED\n", tty ? "\r\033[K" : "", s->seq, ev->n_steps, desc);
		r->bar_shown = false;
		break;
	case VDM_EV_SYNC: {
		char eta[32];
		cli_fmt_secs(ev->eta_s, eta, sizeof eta);
		if (tty) {
			char bar[31];
			int fill = (int)(ev->percent * 30 / 100);
			for (int i = 0; i < 30; i++)
				bar[i] = i < fill ? '#' : '.';
			bar[30] = '\0';
			printf("\r\033[K        sync [%s] %5.1f%%  %.0f/%.0f MiB  %.1f MiB/s  %s left",
			       bar, ev->percent, ev->mib_done, ev->mib_total, ev->mib_per_s, eta);
			r->bar_shown = true;
		} else if (now - r->last_line_ms >= 5000 || ev->percent >= 100 ||
			   ev->percent - r->last_pct >= 10) {
			printf("        sync %5.1f%%  %.0f/%.0f MiB  %.1f MiB/s  %s left\n",
			       ev->percent, ev->mib_done, ev->mib_total, ev->mib_per_s, eta);
			r->last_line_ms = now;
			r->last_pct = ev->percent;
		}
		break;
	}
	default:
		break;
	}
	fflush(stdout);
}

