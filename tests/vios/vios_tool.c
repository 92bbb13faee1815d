/* vios_tool.c: a small driver of the vios backend, the aix driver and the transports for the
 * end-to-end test (ssh-e2e.sh), so that it exercises the library the way the CLI will:
 *   vios-tool discover CONFIG [PARTITION]        inventory JSON (+ the partition's VGs)
 *   vios-tool run ADDRESS TIMEOUT_MS ARG...      one command through a transport
 *   vios-tool create CONFIG POOL DISK SIZE_MIB | map CONFIG PARTITION POOL DISK
 *   vios-tool unmap CONFIG PARTITION DISK | delete CONFIG POOL DISK
 *   vios-tool script CONFIG PLAN.json OUT        the mirror script of a formats-v1 plan
 *   vios-tool after-timeout ADDRESS              a hanging command times out, then the same
 *                                                 session still runs the next one
 *   vios-tool aix ADDRESS add_pv VG DISK | add_copy VG LV COPIES PV[:EXTENTS]... | sync VG LV
 *                                                 one step of the aix driver, live
 * Exit: 0 ok, the command's own status for `run`, 100 when vdmirror reports an error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vdmirror/backend.h"
#include "vdmirror/client.h"
#include "vdmirror/util.h"

/* The SSH options a front end takes from its environment (transports never read it):
 * VDMIRROR_SSH_KEY, VDMIRROR_SSH_KNOWN_HOSTS, VDMIRROR_SSH_TIMEOUT (seconds). */
static struct vdm_transport_opts tool_opts(void)
{
	struct vdm_transport_opts o = { 0 };
	o.ssh_key = getenv("VDMIRROR_SSH_KEY");
	o.ssh_known_hosts = getenv("VDMIRROR_SSH_KNOWN_HOSTS");
	if (getenv("VDMIRROR_SSH_TIMEOUT"))
		o.connect_timeout_ms = atoll(getenv("VDMIRROR_SSH_TIMEOUT")) * 1000;
	return o;
}

static int tool_open(const char *addr, struct vdm_transport *x, struct vdm_error *err)
{
	struct vdm_transport_opts o = tool_opts();
	return vdm_transport_open_opts(addr, &o, x, err);
}

static int fail(const struct vdm_error *err)
{
	fprintf(stderr, "vios-tool: %s\n", err->msg);
	return 100;
}

static int partition_vgs(struct vdm_backend *b, json_t *inv, const char *name,
			 struct vdm_error *err)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(inv, "partitions"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "name")), name))
			continue;
		const struct vdm_client_ops *c =
			vdm_client_find(json_string_value(json_object_get(p, "os")));
		char *addr = NULL;
		struct vdm_transport x;
		struct vdm_client drv;
		if (!c)
			return vdm_err(err, -ENOENT, "partition %s: no driver for its os", name);
		int rc = vdm_backend_client_address(b, name, &addr, err);
		if (rc == 0)
			rc = tool_open(addr, &x, err);
		free(addr);
		if (rc < 0)
			return rc;
		if ((rc = vdm_client_open(c->name, &x, &drv, err)) == 0)
			rc = vdm_client_discover(&drv, p, err);
		vdm_client_close(&drv);
		vdm_transport_close(&x);
		return rc;
	}
	return vdm_err(err, -ENOENT, "partition %s: not served by these VIOS", name);
}

static int cmd_script(struct vdm_backend *b, const char *planfile, const char *out,
		      struct vdm_error *err)
{
	json_error_t je;
	json_t *plan = json_load_file(planfile, 0, &je);
	if (!plan)
		return vdm_err(err, -EINVAL, "%s: %s", planfile, je.text);
	const char *part = json_string_value(json_object_get(plan, "partition"));
	const char *vg = json_string_value(json_object_get(plan, "vg"));
	int copies = (int)json_integer_value(json_object_get(plan, "copies"));
	int rc = part && vg ? 0 : vdm_err(err, -EINVAL, "%s: no partition or vg", planfile);
	/* one script transport for the VIOS and the AIX lines, as the CLI does */
	struct vdm_transport x = {0};
	struct vdm_client drv = {0};
	CLEANUP_FREE char *sa = xasprintf("script:%s", out);
	if (rc == 0)
		rc = vdm_transport_open(sa, &x, err);
	if (rc == 0)
		rc = vdm_backend_script_to(b, &x, err);
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(plan, "new_disks"), i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		const char *pool = json_string_value(json_object_get(d, "pool"));
		if (rc == 0)
			rc = vdm_backend_create_disk(b, pool, name,
						     json_integer_value(json_object_get(d, "size_mib")), err);
		if (rc == 0)
			rc = vdm_backend_map_disk(b, part, pool, name, err);
	}
	if (rc == 0)
		rc = vdm_client_open("aix", &x, &drv, err);
	json_array_foreach(json_object_get(plan, "new_disks"), i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		if (rc == 0)
			rc = vdm_client_wait_disk(&drv, name, 600000, NULL, err);
		if (rc == 0)
			rc = vdm_client_add_pv(&drv, vg, name, err);
	}
	json_t *lv;
	json_array_foreach(json_object_get(plan, "lvs"), i, lv) {
		size_t k;
		json_t *c;
		json_array_foreach(json_object_get(lv, "new_copies"), k, c) {
			struct vdm_plan_segment segs[16];
			struct vdm_plan_copy copy = { segs, 0 };
			size_t s;
			json_t *seg;
			json_array_foreach(c, s, seg)
				if (copy.n_segs < 16)
					segs[copy.n_segs++] = (struct vdm_plan_segment){
						(char *)json_string_value(json_object_get(seg, "pv")),
						json_integer_value(json_object_get(seg, "extents")) };
			if (rc == 0)
				rc = vdm_client_add_copy(&drv, vg,
					json_string_value(json_object_get(lv, "name")), copies, &copy, err);
		}
	}
	vdm_client_close(&drv);
	vdm_backend_close(b);      /* it borrowed the script transport */
	vdm_transport_close(&x);
	json_decref(plan);
	return rc;
}

int main(int argc, char **argv)
{
	struct vdm_error err = {0};
	struct vdm_backend b;
	if (argc >= 4 && !strcmp(argv[1], "run")) {
		struct vdm_transport x;
		if (tool_open(argv[2], &x, &err) < 0)
			return fail(&err);
		char *out = NULL;
		int rc = vdm_transport_run(&x, argv + 4, atoll(argv[3]), &out, &err);
		if (out)
			fputs(out, stdout);
		const char *eo = vdm_transport_last_stderr(&x);
		if (eo)
			fputs(eo, stderr);
		free(out);
		vdm_transport_close(&x);
		return rc < 0 ? fail(&err) : rc;
	}
	if (argc == 3 && !strcmp(argv[1], "after-timeout")) {
		struct vdm_transport x;
		if (tool_open(argv[2], &x, &err) < 0)
			return fail(&err);
		char *hang[] = { (char *)"ioscli", (char *)"hang", NULL };
		char *echo[] = { (char *)"echo", (char *)"still here", NULL };
		char *out = NULL;
		int rc = vdm_transport_run(&x, hang, 1000, &out, &err);
		free(out);
		out = NULL;
		if (rc != -ETIMEDOUT) {
			vdm_transport_close(&x);
			fprintf(stderr, "vios-tool: hang gave %d, not a timeout\n", rc);
			return 100;
		}
		rc = vdm_transport_run(&x, echo, 5000, &out, &err);
		if (rc == 0 && out)
			fputs(out, stdout);
		free(out);
		vdm_transport_close(&x);
		return rc < 0 ? fail(&err) : rc;
	}
	if (argc >= 5 && !strcmp(argv[1], "aix")) {
		struct vdm_transport x;
		struct vdm_client drv;
		if (tool_open(argv[2], &x, &err) < 0)
			return fail(&err);
		if (vdm_client_open("aix", &x, &drv, &err) < 0) {
			vdm_transport_close(&x);
			return fail(&err);
		}
		struct vdm_client *aix = &drv;
		int rc = -EINVAL;
		if (!strcmp(argv[3], "add_pv") && argc == 6) {
			rc = vdm_client_add_pv(aix, argv[4], argv[5], &err);
		} else if (!strcmp(argv[3], "add_copy") && argc >= 8 && argc < 8 + 16) {
			struct vdm_plan_segment segs[16];
			struct vdm_plan_copy copy = { segs, 0 };
			/* PV or PV:EXTENTS (default 1) */
			for (int i = 7; i < argc; i++) {
				char *c = strrchr(argv[i], ':');
				int64_t n = c ? atoll(c + 1) : 1;
				if (c)
					*c = '\0';
				segs[copy.n_segs++] = (struct vdm_plan_segment){ argv[i], n };
			}
			rc = vdm_client_add_copy(aix, argv[4], argv[5], atoi(argv[6]), &copy, &err);
		} else if (!strcmp(argv[3], "sync") && argc == 6) {
			double pct = 0;
			rc = vdm_client_sync_status(aix, argv[4], argv[5], &pct, &err);
			if (rc == 0)
				printf("%.1f\n", pct);
		} else {
			vdm_err(&err, -EINVAL, "bad aix command line");
		}
		vdm_client_close(&drv);
		vdm_transport_close(&x);
		return rc < 0 ? fail(&err) : 0;
	}
	if (argc < 3) {
		fputs("usage: see the top of tests/vios/vios_tool.c\n", stderr);
		return 2;
	}
	if (vdm_backend_open("vios", argv[2], &b, &err) < 0)
		return fail(&err);
	int rc = -EINVAL;
	if (!strcmp(argv[1], "discover")) {
		json_t *inv = NULL;
		rc = vdm_backend_discover(&b, &inv, &err);
		if (rc == 0 && argc > 3)
			rc = partition_vgs(&b, inv, argv[3], &err);
		if (rc == 0) {
			json_dumpf(inv, stdout, JSON_INDENT(2));
			putchar('\n');
		}
		json_decref(inv);
	} else if (!strcmp(argv[1], "create") && argc == 6) {
		rc = vdm_backend_create_disk(&b, argv[3], argv[4], atoll(argv[5]), &err);
	} else if (!strcmp(argv[1], "map") && argc == 6) {
		rc = vdm_backend_map_disk(&b, argv[3], argv[4], argv[5], &err);
	} else if (!strcmp(argv[1], "unmap") && argc == 5) {
		rc = vdm_backend_unmap_disk(&b, argv[3], argv[4], &err);
	} else if (!strcmp(argv[1], "delete") && argc == 5) {
		rc = vdm_backend_delete_disk(&b, argv[3], argv[4], &err);
	} else if (!strcmp(argv[1], "script") && argc == 5) {
		rc = cmd_script(&b, argv[3], argv[4], &err);   /* closes b */
		return rc < 0 ? fail(&err) : 0;
	} else {
		vdm_err(&err, -EINVAL, "bad command line");
	}
	vdm_backend_close(&b);
	return rc < 0 ? fail(&err) : 0;
}
