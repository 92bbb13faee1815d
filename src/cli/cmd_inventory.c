/* cmd_inventory.c: vdmirror inventory: discovery through a backend (and the partitions'
 * client drivers), printed as a formats-v1 inventory that `vdmirror plan --inventory -` reads. */
#include <errno.h>
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
	      "  --backend NAME    a compiled-in backend (qemu, vios, libvirt), with --config for it\n"
	      "  --vios HOSTS      same as --backend vios --config HOSTS\n"
	      "  --local           this machine is the partition (--partition): its commands run\n"
	      "                    here, the VIOS or HMC are reached over SSH\n"
	      "  --partition P     only partition P\n"
	      "  --storage-only    do not ask the partitions (vgs stay empty)\n\n"
	      "exit codes: 0 ok, 1 bad input, 4 a backend, client or agent failed\n", f);
	cli_backend_help(f);
}

enum { INVENTORY_STORAGE_ONLY = 300 };

struct inventory_opts {
	struct cli_request q;    /* --partition only: no --lv, nothing to free */
	bool storage_only;
};

static int inventory_opt(void *arg, int c, const char *val)
{
	struct inventory_opts *io = arg;
	if (c != INVENTORY_STORAGE_ONLY)
		return cli_request_opt(&io->q, c, val);
	io->storage_only = true;
	return 0;
}

int cmd_inventory(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_PARTITION_OPTION,
		{ "storage-only", no_argument, NULL, INVENTORY_STORAGE_ONLY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common o = { .cmd = "inventory" };
	struct inventory_opts io = { .q = CLI_REQUEST_INIT("inventory") };
	int code = cli_parse(&o, argc, argv, opts, inventory_usage, inventory_opt, &io);
	if (code >= 0)
		return code;
	if (optind < argc)
		return cli_usage_error("inventory", "unexpected argument '%s'", argv[optind]);
	const char *partition = io.q.req.partition;
	const char *backend;
	CLEANUP_FREE char *config = NULL;
	struct vdm_error err = {0};
	if (cli_backend_resolve(&o, &backend, &config, &err) < 0 ||
	    cli_backend_local(&o, backend, partition, &config, &err) < 0)
		return cli_usage_error("inventory", "%s", err.msg);

	struct vdm_backend b;
	if (vdm_backend_open(backend, config, &b, &err) < 0)
		return cli_fail("inventory", &err);
	json_t *inv = NULL;
	int rc = io.storage_only ? vdm_discover_storage(&b, partition, &inv, &err)
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
	/* what discovery left out or could not read: each text once (the array holds it once) */
	size_t wi;
	json_t *w;
	json_array_foreach(json_object_get(inv, "warnings"), wi, w) {
		/* the texts quote VIOS and AIX output: no control character reaches the terminal */
		char safe[1024];
		vdm_escape_ctl(safe, sizeof safe, json_string_value(w) ? json_string_value(w) : "");
		fprintf(stderr, "vdmirror inventory: warning: %s\n", safe);
	}
	char *s = json_dumps(inv, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(inv);
	errno = 0;
	if (!s || puts(s) == EOF || fflush(stdout) != 0) {
		free(s);
		fprintf(stderr, "vdmirror inventory: cannot write the inventory to stdout: %s\n",
			errno ? strerror(errno) : "out of memory");
		return VDM_EXIT_BACKEND;
	}
	free(s);
	return 0;
}
