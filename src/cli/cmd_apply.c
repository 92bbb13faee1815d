/* cmd_apply.c: vdmirror apply PLAN.json: applies a saved plan after checking it against a
 * fresh discovery (refused, with nothing changed, when the world moved under it). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vdmirror/util.h"
#include "cli.h"
#include "mirror.h"

static void apply_usage(FILE *f)
{
	fputs("usage: vdmirror apply PLAN.json [--yes] [--json] (--lab | --backend NAME --config STR)\n"
	      "                      [--state LABDIR]\n\n"
	      "Applies a plan saved with `vdmirror plan --json` (formats.md). A fresh discovery\n"
	      "comes first: the plan is refused, and nothing changes, when a partition, VG or LV\n"
	      "it names is gone or changed, a PV it uses lacks the free extents, a new disk's\n"
	      "name is taken or a pool no longer has the room. Then as vdmirror mirror: journal,\n"
	      "steps, sync, verify; resume with vdmirror mirror PARTITION VG --resume.\n\n"
	      "exit codes: 0 every LV at the level, 1 bad input, 2 the plan is no longer valid,\n"
	      "3 verify found an LV below the level, 4 a backend, client or agent failed\n", f);
}

int cmd_apply(int argc, char **argv)
{
	struct mirror_opts o = { .cmd = "apply" };
	struct mirror_env e = { .o = &o };
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		int c = mirror_common_opt(&o, argc, argv, &i);
		if (c > 1)
			return c - 1;
		if (c == 1)
			continue;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			apply_usage(stdout);
			return 0;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("apply", "unknown option %s", argv[i]);
		if (file)
			return cli_usage_error("apply", "unexpected argument %s", argv[i]);
		file = argv[i];
	}
	if (!file)
		return cli_usage_error("apply", "PLAN.json is required");

	struct vdm_error err = { 0 };
	struct vdm_plan *plan = NULL;
	struct vdm_inventory *inv = NULL;
	struct vdm_run *run = NULL;
	int rc = vdm_plan_parse_file(file, &plan, &err), code;
	if (rc < 0)
		return cli_fail("apply", &err);

	if ((rc = mirror_backend_open(&e, &err)) < 0)
		goto fail;
	if ((rc = vdm_journal_open(o.state_dir, plan->partition, plan->vg, &e.journal, &err)) < 0) {
		err.exit_code = VDM_EXIT_BACKEND;
		goto fail;
	}
	if ((rc = vdm_journal_latest(e.journal, &run, &err)) < 0)
		goto fail;
	if (run && (vdm_run_unfinished(run) || !strcmp(run->status, "undoing"))) {
		rc = vdm_err_exit(&err, -EBUSY, VDM_EXIT_INPUT, "run %lld of %s/%s is unfinished:"
				  " continue it (vdmirror mirror %s %s --resume) or undo it first",
				  (long long)run->id, plan->partition, plan->vg, plan->partition,
				  plan->vg);
		goto fail;
	}
	vdm_run_free(run);
	run = NULL;
	if ((rc = mirror_discover(&e, plan->partition, &inv, &err)) < 0)
		goto fail;
	if ((rc = vdm_plan_check_live(inv, plan, &err)) < 0)
		goto fail;
	mirror_print_plan(&e, inv, plan);
	if ((code = mirror_confirm(&e, "Apply this plan?")) != 0)
		goto out;
	if ((rc = mirror_client_ready(&e, inv, plan->partition, plan->vg, &err)) < 0)
		goto fail;
	struct vdm_step *steps;
	size_t n;
	int64_t id;
	json_t *pj = vdm_plan_to_json(plan);
	rc = vdm_steps_from_plan(plan, &steps, &n, &err);
	if (rc == 0) {
		rc = vdm_journal_begin(e.journal, pj, steps, n, &id, &err);
		vdm_steps_free(steps, n);
	}
	json_decref(pj);
	if (rc < 0 || (rc = vdm_journal_latest(e.journal, &run, &err)) < 0)
		goto fail;
	vdm_inventory_free(inv);
	inv = NULL;
	code = mirror_run(&e, run);
out:
	vdm_run_free(run);
	vdm_plan_free(plan);
	vdm_inventory_free(inv);
	mirror_env_close(&e);
	return code;
fail:
	if (o.json)
		mirror_json_event(json_pack("{s:s, s:b, s:s}", "event", "result", "ok", 0,
					    "error", err.msg));
	code = cli_fail("apply", &err);
	vdm_run_free(run);
	vdm_plan_free(plan);
	vdm_inventory_free(inv);
	mirror_env_close(&e);
	return code;
}
