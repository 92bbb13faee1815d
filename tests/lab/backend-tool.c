/* backend-tool.c: drives one backend call from a shell test or benchmark:
 *   backend-tool [-b NAME] CONFIG discover|create POOL DISK MIB|delete POOL DISK|
 *                map PART POOL DISK|unmap PART DISK|address PART [...repeated]
 * Several calls can follow each other on one command line ("--" between them): they share
 * one open backend, as vdmirror apply would. Exit 0, or 4 with the error on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vdmirror/backend.h"
#include "vdmirror/util.h"

static int tool_one(struct vdm_backend *b, int argc, char **argv, struct vdm_error *err)
{
	const char *op = argv[0];
	if (!strcmp(op, "discover") && argc == 1) {
		json_t *inv;
		int rc = vdm_backend_discover(b, &inv, err);
		if (rc == 0) {
			json_dumpf(inv, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(inv);
		}
		return rc;
	}
	if (!strcmp(op, "create") && argc == 4)
		return vdm_backend_create_disk(b, argv[1], argv[2], strtoll(argv[3], NULL, 10), err);
	if (!strcmp(op, "delete") && argc == 3)
		return vdm_backend_delete_disk(b, argv[1], argv[2], err);
	if (!strcmp(op, "map") && argc == 4)
		return vdm_backend_map_disk(b, argv[1], argv[2], argv[3], err);
	if (!strcmp(op, "unmap") && argc == 3)
		return vdm_backend_unmap_disk(b, argv[1], argv[2], err);
	if (!strcmp(op, "address") && argc == 2) {
		char *a;
		int rc = vdm_backend_client_address(b, argv[1], &a, err);
		if (rc == 0)
			puts(a), free(a);
		return rc;
	}
	fprintf(stderr, "backend-tool: bad call %s with %d arguments\n", op, argc - 1);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *name = "qemu";
	int i = 1;
	if (argc > 2 && !strcmp(argv[1], "-b"))
		name = argv[2], i = 3;
	if (argc - i < 2) {
		fprintf(stderr, "usage: backend-tool [-b NAME] CONFIG OP ARGS [-- OP ARGS ...]\n");
		return 1;
	}
	struct vdm_error err = {0};
	struct vdm_backend b;
	/* the library reads no environment: the qemu deadlines the tests shorten become keys */
	CLEANUP_FREE char *config = xstrdup(argv[i]);
	const char *qmp = getenv("VDM_QMP_TIMEOUT_MS"), *unplug = getenv("VDM_UNPLUG_TIMEOUT_MS");
	if (!strcmp(name, "qemu") && qmp && *qmp) {
		char *c = xasprintf("%s;qmp_timeout_ms=%s", config, qmp);
		free(config), config = c;
	}
	if ((!strcmp(name, "qemu") || !strcmp(name, "libvirt")) && unplug && *unplug) {
		char *c = xasprintf("%s;unplug_timeout_ms=%s", config, unplug);
		free(config), config = c;
	}
	/* libvirt's records of created volumes live in the state folder, as vdmirror passes it */
	const char *state = getenv("VDMIRROR_STATE");
	if (!strcmp(name, "libvirt") && state && *state && !strstr(config, "state=")) {
		char *c = xasprintf("%s;state=%s", config, state);
		free(config), config = c;
	}
	if (vdm_backend_open(name, config, &b, &err) < 0) {
		fprintf(stderr, "backend-tool: %s\n", err.msg);
		return 4;
	}
	int rc = 0;
	for (i++; i < argc && rc == 0;) {
		int j = i;
		while (j < argc && strcmp(argv[j], "--"))
			j++;
		rc = tool_one(&b, j - i, argv + i, &err);
		if (rc < 0)
			fprintf(stderr, "backend-tool: %s\n", err.msg);
		i = j + 1;
	}
	vdm_backend_close(&b);
	return rc < 0 ? 4 : 0;
}
