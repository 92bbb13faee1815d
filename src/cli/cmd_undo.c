/* cmd_undo.c: vdmirror undo PARTITION VG: reverses the newest run of the journal, last step
 * first (remove the new copies, reduce the VG, unmap and delete the new disks), so the
 * partition and every pool are as they were before the run (session.h, undo_latest). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vdmirror/apply.h"
#include "vdmirror/util.h"
#include "cli.h"
#include "cli_session.h"

static void undo_usage(FILE *f)
{
	fputs("usage: vdmirror undo PARTITION VG [--json] (--lab | --backend NAME --config STR)\n"
	      "                     [--state LABDIR] [--vios HOSTS [--local]]\n\n"
	      "Reverses the newest mirror run of PARTITION/VG recorded in the journal, whether it\n"
	      "finished, failed or crashed: each new copy removed, each new PV taken out of the\n"
	      "VG, each new disk unmapped and deleted, last step first, so each pool gets its\n"
	      "space back. Safe to run again after an interruption.\n\n"
	      "  --json         one JSON event per line on stdout (steps, a last result)\n"
	      "  --lab, --backend, --config, --vios, --local, --state: as for vdmirror mirror\n\n"
	      "exit codes: 0 undone (or nothing to undo), 1 bad input, 4 a backend, client or\n"
	      "agent failed (run it again)\n", f);
	cli_backend_help(f);
}

int cmd_undo(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common o = { .cmd = "undo" };
	struct cli_run r = { .o = &o };
	const char *partition = NULL, *vg = NULL;
	int code = cli_parse(&o, argc, argv, opts, undo_usage, NULL, NULL);
	if (code < 0)
		code = cli_partition_vg("undo", argc, argv, &partition, &vg);
	if (code >= 0)
		return code;

	/* no journal: nothing to undo, and no need for the storage servers to answer */
	CLEANUP_FREE char *path = vdm_journal_path(cli_state_dir(), partition, vg);
	struct vdm_session_result res = { .outcome = VDM_SESSION_NOTHING_TO_UNDO };
	if (access(path, F_OK) < 0)
		return cli_report_undo(&r, partition, vg, &res, 0, NULL);
	res = (struct vdm_session_result){ 0 };
	struct vdm_error err = { 0 };
	struct vdm_session *s = NULL;
	int rc = cli_session_open(&r, partition, vg, &s, &err);
	if (rc < 0)
		code = cli_session_fail(&r, &err);
	else
		code = cli_report_undo(&r, partition, vg, &res,
				       vdm_session_undo_latest(s, &res, &err), &err);
	vdm_session_close(s);
	return code;
}
