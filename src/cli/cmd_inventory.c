/* cmd_inventory.c: vdmirror inventory: discovery through a backend (and the partitions'
 * client drivers), printed as a formats-v1 inventory that `vdmirror plan --inventory -` reads. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "vdmirror/backend.h"
#include "vdmirror/discover.h"
#include "vdmirror/util.h"
#include "cli.h"
#include "cli_session.h"

static void inventory_usage(FILE *f)
{
	fputs("usage: vdmirror inventory (--lab [--state DIR | --config LABCONFIG]\n"
	      "                           | --backend NAME --config STR | --vios HOST,HOST)\n"
	      "                          [--partition P] [--storage-only] [--json]\n\n"
	      "Discovers storage servers, pools, partitions and their disks through a backend, and\n"
	      "each partition's volume groups through its client agent; prints a formats-v1\n"
	      "inventory (JSON, the only output format) on stdout.\n\n"
	      "  --lab             the local lab (backend qemu); state folder from --state, or the\n"
	      "                    lab config file --config, default lab/state/default\n"
	      "  --backend NAME    a compiled-in backend (qemu, vios), with --config for it\n"
	      "  --vios HOSTS      same as --backend vios --config HOSTS\n"
	      "  --partition P     only partition P\n"
	      "  --storage-only    do not ask the partitions (vgs stay empty)\n\n"
	      "exit codes: 0 ok, 1 bad input, 4 a backend, client or agent failed\n", f);
	cli_backend_help(f);
}

enum { INVENTORY_PARTITION = 300, INVENTORY_STORAGE_ONLY };

int cmd_inventory(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "partition", required_argument, NULL, INVENTORY_PARTITION },
		{ "storage-only", no_argument, NULL, INVENTORY_STORAGE_ONLY },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_common o = { .cmd = "inventory" };
	const char *partition = NULL;
	int storage_only = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hy", opts, NULL)) != -1) {
		if (cli_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case INVENTORY_PARTITION: partition = optarg; break;
		case INVENTORY_STORAGE_ONLY: storage_only = 1; break;
		case 'h': inventory_usage(stdout); return 0;
		default: return cli_getopt_error("inventory", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("inventory", "unexpected argument '%s'", argv[optind]);
	const char *backend;
	CLEANUP_FREE char *config = NULL;
	struct vdm_error err = {0};
	if (cli_backend_resolve(&o, &backend, &config, &err) < 0)
		return cli_usage_error("inventory", "%s", err.msg);

	struct vdm_backend b;
	if (vdm_backend_open(backend, config, &b, &err) < 0)
		return cli_fail("inventory", &err);
	json_t *inv = NULL;
	int rc = storage_only ? vdm_discover_storage(&b, partition, &inv, &err)
			      : vdm_discover(&b, partition, &inv, &err);
	vdm_backend_close(&b);
	if (rc < 0) {
		if (err.kind == VDM_ERR_UNSET && rc != -ENOENT)
			vdm_err_set_kind(&err, VDM_ERR_BACKEND);
		return cli_fail("inventory", &err);
	}
	/* when each missing disk went missing, kept in the state folder; failing to keep it
	 * costs the next repair its wait, not this inventory */
	struct vdm_error merr = {0};
	if (vdm_missing_since(inv, cli_state_dir(), (int64_t)time(NULL), &merr) < 0)
		fprintf(stderr, "vdmirror inventory: warning: %s\n", merr.msg);
	char *s = json_dumps(inv, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(inv);
	if (!s || puts(s) == EOF || fflush(stdout) != 0) {
		free(s);
		fprintf(stderr, "vdmirror inventory: cannot write the inventory\n");
		return VDM_EXIT_BACKEND;
	}
	free(s);
	return 0;
}
