/* cmd_undo.c: vdmirror undo PARTITION VG: reverses the newest run of the journal, last step
 * first (remove the new copies, reduce the VG, unmap and delete the new disks), so the
 * partition and every pool are as they were before the run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vdmirror/util.h"
#include "cli.h"
#include "mirror.h"

static void undo_usage(FILE *f)
{
	fputs("usage: vdmirror undo PARTITION VG [--json] (--lab | --backend NAME --config STR)\n"
	      "                     [--state LABDIR]\n\n"
	      "Reverses the newest mirror run of PARTITION/VG recorded in the journal, whether it\n"
	      "finished, failed or crashed: each new copy removed, each new PV taken out of the\n"
	      "VG, each new disk unmapped and deleted, last step first, so each pool gets its\n"
	      "space back. Safe to run again after an interruption.\n\n"
	      "exit codes: 0 undone (or nothing to undo), 1 bad input, 4 a backend, client or\n"
	      "agent failed (run it again)\n", f);
}

/* Does undoing run need the partition's client (a client step started or done)? */
static bool undo_needs_client(const struct vdm_run *run)
{
	for (size_t i = 0; i < run->n_steps; i++) {
		const struct vdm_step *s = &run->steps[i];
		if ((s->kind == VDM_STEP_ADD_PV || s->kind == VDM_STEP_ADD_COPY) &&
		    (s->state == VDM_STEP_DONE || s->state == VDM_STEP_STARTED))
			return true;
	}
	return false;
}

int cmd_undo(int argc, char **argv)
{
	struct mirror_opts o = { .cmd = "undo" };
	struct mirror_env e = { .o = &o };
	const char *partition = NULL, *vg = NULL;
	for (int i = 1; i < argc; i++) {
		int c = mirror_common_opt(&o, argc, argv, &i);
		if (c > 1)
			return c - 1;
		if (c == 1)
			continue;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			undo_usage(stdout);
			return 0;
		}
		if (argv[i][0] == '-')
			return cli_usage_error("undo", "unknown option %s", argv[i]);
		if (!partition)
			partition = argv[i];
		else if (!vg)
			vg = argv[i];
		else
			return cli_usage_error("undo", "unexpected argument %s", argv[i]);
	}
	if (!partition || !vg)
		return cli_usage_error("undo", "PARTITION and VG are required");
	if (!vdm_name_valid(partition) || !vdm_name_valid(vg))
		return cli_usage_error("undo", "'%s %s': not valid names", partition, vg);

	struct vdm_error err = { 0 };
	struct vdm_run *run = NULL;
	struct vdm_inventory *inv = NULL;
	int rc, code;
	CLEANUP_FREE char *path = vdm_journal_path(o.state_dir, partition, vg);
	if (access(path, F_OK) < 0) {
		printf("%s/%s: no journal (%s): nothing to undo\n", partition, vg, path);
		return 0;
	}
	if ((rc = mirror_backend_open(&e, &err)) < 0)
		goto fail;
	if ((rc = vdm_journal_open(o.state_dir, partition, vg, &e.journal, &err)) < 0) {
		err.exit_code = VDM_EXIT_BACKEND;
		goto fail;
	}
	if ((rc = vdm_journal_latest(e.journal, &run, &err)) < 0)
		goto fail;
	if (!run || !strcmp(run->status, "undone")) {
		printf("%s/%s: nothing to undo%s\n", partition, vg, run ? " (newest run already"
		       " undone)" : "");
		code = 0;
		goto out;
	}
	if (undo_needs_client(run)) {
		if ((rc = mirror_discover(&e, partition, &inv, &err)) < 0 ||
		    (rc = mirror_client_ready(&e, inv, partition, vg, &err)) < 0)
			goto fail;
	}
	code = mirror_undo(&e, run);
out:
	vdm_run_free(run);
	vdm_inventory_free(inv);
	mirror_env_close(&e);
	return code;
fail:
	code = cli_fail("undo", &err);
	vdm_run_free(run);
	vdm_inventory_free(inv);
	mirror_env_close(&e);
	return code;
}
