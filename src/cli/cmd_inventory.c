/* cmd_inventory.c: vdmirror inventory: discovery through a backend (and the partitions'
 * client drivers), printed as a formats-v1 inventory that `vdmirror plan --inventory -` reads. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "vdmirror/backend.h"
#include "vdmirror/discover.h"
#include "vdmirror/util.h"
#include "cli.h"
#include "cli_lab.h"

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
}

int cmd_inventory(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", no_argument, NULL, 'l' },
		{ "state", required_argument, NULL, 's' },
		{ "backend", required_argument, NULL, 'b' },
		{ "config", required_argument, NULL, 'c' },
		{ "vios", required_argument, NULL, 'v' },
		{ "partition", required_argument, NULL, 'p' },
		{ "storage-only", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *backend = NULL, *config = NULL, *state = NULL, *partition = NULL;
	int lab = 0, storage_only = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': lab = 1; break;
		case 's': state = optarg; break;
		case 'b': backend = optarg; break;
		case 'c': config = optarg; break;
		case 'v': backend = "vios"; config = optarg; break;
		case 'p': partition = optarg; break;
		case 'S': storage_only = 1; break;
		case 'j': break;
		case 'h': inventory_usage(stdout); return 0;
		default: return cli_usage_error("inventory", "bad option");
		}
	}
	if (optind < argc)
		return cli_usage_error("inventory", "unexpected argument '%s'", argv[optind]);
	CLEANUP_FREE char *dflt = NULL;
	if (lab) {
		if (backend)
			return cli_usage_error("inventory", "--lab and --backend/--vios exclude each other");
		backend = "qemu";
		if (state)
			config = state;
		else if (!config && !(config = dflt = cli_lab_default_state()))
			return cli_usage_error("inventory", "no lab state folder found: give --state DIR");
	} else if (state) {
		return cli_usage_error("inventory", "--state goes with --lab");
	}
	if (!backend)
		return cli_usage_error("inventory", "give --lab, --backend NAME or --vios HOSTS");
	if (!config)
		return cli_usage_error("inventory", "--backend %s needs --config", backend);

	struct vdm_error err = {0};
	struct vdm_backend b;
	if (vdm_backend_open(backend, config, &b, &err) < 0)
		return cli_fail("inventory", &err);
	json_t *inv = NULL;
	int rc = storage_only ? vdm_discover_storage(&b, partition, &inv, &err)
			      : vdm_discover(&b, partition, &inv, &err);
	vdm_backend_close(&b);
	if (rc < 0) {
		if (!err.exit_code && rc != -ENOENT)
			err.exit_code = VDM_EXIT_BACKEND;
		return cli_fail("inventory", &err);
	}
	/* what discovery left out or could not read: each text once (the array holds it once) */
	size_t wi;
	json_t *w;
	json_array_foreach(json_object_get(inv, "warnings"), wi, w)
		fprintf(stderr, "vdmirror inventory: warning: %s\n", json_string_value(w));
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
