/* cmd_apply.c: vdmirror apply PLAN.json: applies a saved plan after checking it against a
 * fresh discovery (refused, with nothing changed, when the world moved under it); the sequence
 * is the library's (session.h, vdm_session_apply). */
#include <stdio.h>
#include "cli.h"
#include "cli_session.h"

static void apply_usage(FILE *f)
{
	fputs("usage: vdmirror apply PLAN.json [--yes] [--json] (--lab | --backend NAME --config STR)\n"
	      "                      [--state LABDIR] [--vios HOSTS [--local]] [--sync-rate R]\n\n"
	      "Applies a plan saved with `vdmirror plan --json` (formats.md). A fresh discovery\n"
	      "comes first: the plan is refused, and nothing changes, when a partition, VG or LV\n"
	      "it names is gone or changed, a PV it uses lacks the free extents, a new disk's\n"
	      "name is taken or a pool no longer has the room. Then as vdmirror mirror: journal,\n"
	      "steps, sync, verify; resume with vdmirror mirror PARTITION VG --resume.\n\n"
	      "  --yes, -y      do not ask (needed without a terminal)\n"
	      "  --json         one JSON event per line on stdout (plan, steps, sync, result)\n"
	      "  --lab, --backend, --config, --vios, --local, --state: as for vdmirror mirror\n"
	      CLI_SYNC_RATE_HELP "\n"
	      "exit codes: 0 every LV at the level, 1 bad input or not confirmed, 2 the plan is\n"
	      "no longer valid, 3 verify found an LV below the level, 4 a backend, client or\n"
	      "agent failed\n", f);
	cli_backend_help(f);
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_SYNC_RATE_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common o = { .cmd = "apply" };
	struct cli_run r = { .o = &o };
	int code = cli_parse(&o, argc, argv, opts, apply_usage, cli_run_opt, &r);
	if (code >= 0)
		return code;
	if (argc - optind > 1)
		return cli_usage_error("apply", "unexpected argument %s", argv[optind + 1]);
	if (argc - optind < 1)
		return cli_usage_error("apply", "PLAN.json is required");
	const char *file = argv[optind];

	struct vdm_error err = { 0 };
	struct vdm_plan *plan = NULL;
	int rc = vdm_plan_parse_file(file, &plan, &err);
	if (rc < 0)
		return cli_session_fail(&r, &err);   /* with --json, a result line too */

	struct vdm_session *s = NULL;
	struct vdm_session_result res = { 0 };
	if ((rc = cli_session_open(&r, plan->partition, plan->vg, &s, &err)) < 0)
		code = cli_session_fail(&r, &err);
	else
		code = cli_report_run(&r, &res, vdm_session_apply(s, plan, &res, &err), &err);
	vdm_session_close(s);
	vdm_plan_free(plan);
	return code;
}
