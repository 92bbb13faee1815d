/* cmd_repair.c: vdmirror repair PARTITION VG: options, then the library's repair sequence
 * (session.h, vdm_session_repair: discover what is broken, plan with vdm_plan_repair, confirm,
 * journal, resync / replace / remove, verify; or resume an unfinished run). */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include "cli.h"
#include "cli_session.h"

static void repair_usage(FILE *f)
{
	fputs("usage: vdmirror repair PARTITION VG [--level L] [--copies N] [--lv LV]...\n"
	      "                       [--wait-for-return DURATION] [--yes] [--dry-run] [--resume]\n"
	      "                       [--json] (--lab | --backend NAME --config STR)\n"
	      "                       [--script FILE] [--state LABDIR] [--local]\n"
	      "                       [--sync-rate RATE]\n\n"
	      "Makes a mirror whole again after a failure. Discovers what is broken (servers\n"
	      "that do not answer, disks the partition lost, copies out of date), then: a stale\n"
	      "copy whose disk is back is resynced in place (no new disk); a lost copy is\n"
	      "replaced by a new one placed like `mirror` places copies (never beside the\n"
	      "surviving copy, never on an unreachable server), once its disk has been missing\n"
	      "for longer than --wait-for-return; missing PVs are removed from the VG. Disks\n"
	      "left on a server that was unreachable are deleted by a later repair, once the\n"
	      "server is back and the disk holds nothing (only disks vdmirror created). Every\n"
	      "step is journaled like mirror's: after a crash the same command continues;\n"
	      "vdmirror undo removes the new copies and disks of the newest run.\n\n"
	      "  --level L      device, pool, server (default), frame, site\n"
	      "  --copies N     in-sync copies each LV ends with: 2 (default) or 3\n"
	      "  --lv LV        only these LVs (repeatable; default every LV of the VG)\n"
	      "  --wait-for-return D  replace a lost copy only once its disk has been missing\n"
	      "                 this long (default 10m; 0: now); seconds, or with s, m, h, d\n"
	      "  --yes, -y      do not ask (needed without a terminal)\n"
	      "  --dry-run      discover, plan and show the repair; change nothing\n"
	      "  --resume       only continue an unfinished run; fail when there is none\n"
	      "  --json         one JSON event per line on stdout (plan, steps, sync, result)\n"
	      "  --lab [--state LABDIR | --config LABCONFIG]  the local lab (backend qemu)\n"
	      "  --backend NAME --config STR   another storage backend (qemu, vios, libvirt)\n"
	      "  --vios HOSTS   same as --backend vios --config HOSTS\n"
	      "  --local        this machine is the partition: its commands run here, the\n"
	      "                 VIOS or HMC are reached over SSH (vdmirror inside an LPAR)\n"
	      "  --script FILE  write the storage and client commands to FILE instead\n"
	      CLI_SYNC_RATE_HELP "\n"
	      "exit codes: 0 every LV back at the level (or nothing was broken), 1 bad input or\n"
	      "not confirmed, 2 no valid place for a new copy, 3 an LV is still unprotected\n"
	      "(verify, or a lost copy still waited for), 4 a backend, client or agent failed;\n"
	      "SIGTERM stops between steps, exit 4 (the run stays journaled: run repair again)\n"
	      "debugging: VDMIRROR_FAULT=STEP[:N][:ran|:done] dies at a step (tests only)\n", f);
	cli_backend_help(f);
}

static volatile sig_atomic_t repair_stop;

static void repair_on_term(int sig)
{
	(void)sig;
	repair_stop = 1;
}

int cmd_repair(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_LEVEL_OPTION, CLI_COPIES_OPTION, CLI_LV_OPTION,
		CLI_WAIT_OPTION, CLI_RUN_OPTIONS, CLI_SYNC_RATE_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common o = { .cmd = "repair" };
	CLI_REQUEST_AUTO q = CLI_REQUEST_INIT("repair");
	struct cli_run r = { .o = &o, .q = &q, .stop = &repair_stop };
	const char *partition = NULL, *vg = NULL;
	int code = cli_parse(&o, argc, argv, opts, repair_usage, cli_run_opt, &r);
	if (code < 0)
		code = cli_partition_vg("repair", argc, argv, &partition, &vg);
	if (code >= 0)
		return code;
	/* stop between steps: the step in flight finishes and is journaled */
	struct sigaction sa = { .sa_handler = repair_on_term };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);

	struct vdm_error err = { 0 };
	struct vdm_session *s = NULL;
	struct vdm_session_result res = { 0 };
	int rc = cli_session_open(&r, partition, vg, &s, &err);
	if (rc < 0) {
		code = cli_session_fail(&r, &err);
	} else {
		rc = vdm_session_repair(s, &q.req, (int64_t)time(NULL), r.flags, &res, &err);
		if (rc == 0 && res.outcome == VDM_SESSION_WAITING) {
			if (o.json)
				cli_json_event(json_pack("{s:s, s:b, s:i, s:s, s:I}", "event", "result",
							 "ok", 0, "exit", VDM_EXIT_UNPROTECTED,
							 "outcome", "waiting",
							 "wait_s", (json_int_t)res.wait_s));
			fprintf(stderr, "vdmirror repair: %s/%s: nothing changed; a lost copy is"
				" waited for another %lld s (--wait-for-return): run repair again then"
				" (vdmirror watch does)\n", partition, vg, (long long)res.wait_s);
			code = VDM_EXIT_UNPROTECTED;
		} else {
			code = cli_report_run(&r, &res, rc, &err);
		}
	}
	vdm_session_close(s);
	return code;
}
