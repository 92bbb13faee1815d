/* cmd_mirror.c: vdmirror mirror PARTITION VG: options, then the library's mirror sequence
 * (session.h: discover, plan, confirm, journal, run, verify; or resume an unfinished run). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vdmirror/util.h"
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

enum { MIRROR_LEVEL = 300, MIRROR_COPIES, MIRROR_LV, MIRROR_SCRIPT, MIRROR_DRY_RUN,
       MIRROR_RESUME, MIRROR_SYNC_RATE };

int cmd_mirror(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "level", required_argument, NULL, MIRROR_LEVEL },
		{ "copies", required_argument, NULL, MIRROR_COPIES },
		{ "lv", required_argument, NULL, MIRROR_LV },
		{ "script", required_argument, NULL, MIRROR_SCRIPT },
		{ "dry-run", no_argument, NULL, MIRROR_DRY_RUN },
		{ "resume", no_argument, NULL, MIRROR_RESUME },
		{ "sync-rate", required_argument, NULL, MIRROR_SYNC_RATE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common o = { .cmd = "mirror" };
	struct cli_run r = { .o = &o };
	struct vdm_request req = { .copies = 2, .level = VDM_LEVEL_SERVER };
	unsigned flags = 0;
	VEC(const char *) lvs = { 0 };
	int c, code;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hy", opts, NULL)) != -1) {
		if (cli_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case 'h':
			free(lvs.v);
			mirror_usage(stdout);
			return 0;
		case MIRROR_LEVEL:
			if (vdm_level_parse(optarg, &req.level) < 0) {
				free(lvs.v);
				return cli_usage_error("mirror", "--level %s: not one of device, pool,"
						       " server, frame, site", optarg);
			}
			break;
		case MIRROR_COPIES:
			req.copies = atoi(optarg);
			if (req.copies != 2 && req.copies != 3) {
				free(lvs.v);
				return cli_usage_error("mirror", "--copies %s: must be 2 or 3", optarg);
			}
			break;
		case MIRROR_LV: VEC_PUSH(&lvs, optarg); break;
		case MIRROR_SCRIPT: r.script = optarg; break;
		case MIRROR_DRY_RUN: flags |= VDM_MIRROR_DRY_RUN; break;
		case MIRROR_RESUME: flags |= VDM_MIRROR_RESUME_ONLY; break;
		case MIRROR_SYNC_RATE:
			if ((code = cli_sync_rate_opt(&r, optarg)) != 0) {
				free(lvs.v);
				return code;
			}
			break;
		default:
			free(lvs.v);
			return cli_getopt_error("mirror", c, argv);
		}
	}
	if (argc - optind != 2) {
		free(lvs.v);
		if (argc - optind > 2)
			return cli_usage_error("mirror", "unexpected argument %s", argv[optind + 2]);
		return cli_usage_error("mirror", "PARTITION and VG are required");
	}
	const char *partition = argv[optind], *vg = argv[optind + 1];
	if (!vdm_name_valid(partition) || !vdm_name_valid(vg)) {
		free(lvs.v);
		return cli_usage_error("mirror", "'%s %s': not valid names", partition, vg);
	}
	req.lvs = lvs.v;
	req.n_lvs = lvs.n;

	struct vdm_error err = { 0 };
	struct vdm_session *s = NULL;
	struct vdm_session_result res = { 0 };
	int rc = cli_session_open(&r, partition, vg, &s, &err);
	if (rc < 0)
		code = cli_session_fail(&r, &err);
	else
		code = cli_report_run(&r, &res, vdm_session_mirror(s, &req, flags, &res, &err), &err);
	vdm_session_close(s);
	free(lvs.v);
	return code;
}
