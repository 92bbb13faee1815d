/* cmd_mirror.c: vdmirror mirror PARTITION VG: options, then the library's mirror sequence
 * (session.h: discover, plan, confirm, journal, run, verify; or resume an unfinished run). */
#include <stdio.h>
#include "cli.h"
#include "cli_session.h"

static void mirror_usage(FILE *f)
{
	fputs("usage: vdmirror mirror PARTITION VG [--level L] [--copies N] [--lv LV]...\n"
	      "                       [--yes] [--dry-run] [--resume] [--json]\n"
	      "                       (--lab | --backend NAME --config STR) [--script FILE]\n"
	      "                       [--state LABDIR] [--sync-rate R]\n\n"
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
	      "  --backend NAME --config STR   another storage backend (qemu, vios, libvirt)\n"
	      "  --vios HOSTS   same as --backend vios --config HOSTS\n"
	      "  --local        this machine is the partition: its commands run here, the\n"
	      "                 VIOS or HMC are reached over SSH (vdmirror inside an LPAR)\n"
	      "  --script FILE  write the storage and client commands to FILE instead\n"
	      CLI_SYNC_RATE_HELP "\n"
	      "exit codes: 0 every LV at the level, 1 bad input or not confirmed, 2 no valid\n"
	      "plan, 3 verify found an LV below the level, 4 a backend, client or agent failed\n"
	      "debugging: VDMIRROR_FAULT=STEP[:N][:ran|:done] dies at a step (tests only)\n", f);
	cli_backend_help(f);
}

int cmd_mirror(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_LEVEL_OPTION, CLI_COPIES_OPTION, CLI_LV_OPTION,
		CLI_RUN_OPTIONS, CLI_SYNC_RATE_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common o = { .cmd = "mirror" };
	CLI_REQUEST_AUTO q = CLI_REQUEST_INIT("mirror");
	struct cli_run r = { .o = &o, .q = &q };
	const char *partition = NULL, *vg = NULL;
	int code = cli_parse(&o, argc, argv, opts, mirror_usage, cli_run_opt, &r);
	if (code < 0)
		code = cli_partition_vg("mirror", argc, argv, &partition, &vg);
	if (code >= 0)
		return code;

	struct vdm_error err = { 0 };
	struct vdm_session *s = NULL;
	struct vdm_session_result res = { 0 };
	int rc = cli_session_open(&r, partition, vg, &s, &err);
	if (rc < 0)
		code = cli_session_fail(&r, &err);
	else
		code = cli_report_run(&r, &res, vdm_session_mirror(s, &q.req, r.flags, &res, &err),
				      &err);
	vdm_session_close(s);
	return code;
}
