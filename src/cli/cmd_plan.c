/* cmd_plan.c: vdmirror plan: reads an inventory, asks the planner where new mirror copies go,
 * prints the plan as a table an admin reads at a glance, or as formats-v1 JSON. */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "vdmirror/model.h"
#include "vdmirror/plan.h"
#include "vdmirror/protect.h"
#include "vdmirror/util.h"

static void plan_usage(FILE *f)
{
	fputs("usage: vdmirror plan --inventory FILE|- --partition P --vg V [--lv L]...\n"
	      "                     [--copies 2|3] [--level LEVEL] [--no-reuse] [--json]\n"
	      "                     [--repair [--wait-for-return D]]\n\n"
	      "Plans where the new mirror copies of volume group V of partition P go, so that\n"
	      "every LV reaches LEVEL (device, pool, server, frame or site; default server)\n"
	      "with COPIES copies (default 2). Free extents of disks already in the VG are\n"
	      "reused where they are valid (unless --no-reuse), then as few new disks as\n"
	      "possible are created, in the pools left emptiest.\n\n"
	      "  --inventory FILE  inventory (formats v1); - reads stdin\n"
	      "  --partition P     client partition\n"
	      "  --vg V            volume group\n"
	      "  --lv L            only this LV (repeatable; default every LV of the VG)\n"
	      "  --copies N        copies each LV must have: 2 or 3 (default 2)\n"
	      "  --level LEVEL     protection to reach (default server)\n"
	      "  --no-reuse        never place a new copy on an existing disk\n"
	      "  --repair          after a failure: resync stale copies, drop lost ones and\n"
	      "                    place their replacements (missing disks and unreachable\n"
	      "                    servers and pools are never used)\n"
	      "  --wait-for-return D  with --repair: wait for a lost copy whose disks have\n"
	      "                    been missing for less than D (seconds, or 30s, 10m, 2h,\n"
	      "                    1d; default 10m) instead of replacing it\n"
	      "  --json            print the plan as JSON (formats.md)\n"
	      "  --help            this text\n\n"
	      "exit codes: 0 plan printed, 1 bad input, 2 no valid plan (the message says\n"
	      "why and which level could be reached)\n", f);
}

/* The repair part of a plan, after the table: what happens to the copies that do not count. */
static void plan_print_repair(const struct vdm_plan *plan)
{
	for (size_t i = 0; i < plan->n_lvs; i++) {
		const struct vdm_plan_lv *l = &plan->lvs[i];
		static const char *const what[] = { "resync", "drop", "wait for" };
		const int *v[] = { l->resync, l->drop, l->waiting };
		size_t n[] = { l->n_resync, l->n_drop, l->n_waiting };
		for (int k = 0; k < 3; k++)
			for (size_t j = 0; j < n[k]; j++)
				printf("lv %s: %s copy %d\n", l->name, what[k], v[k][j] + 1);
	}
	for (size_t i = 0; i < plan->n_remove_pvs; i++)
		printf("remove missing PV %s from the volume group\n", plan->remove_pvs[i]);
	for (size_t i = 0; i < plan->n_delete_later; i++)
		printf("delete disk %s on %s once it is reachable again and empty\n",
		       plan->delete_later[i].name, plan->delete_later[i].server);
	if (plan->wait_s > 0)
		printf("lost copies are waited for: %lld s more before they are replaced\n",
		       (long long)plan->wait_s);
}

static const char *lvl(enum vdm_level l)
{
	const char *n = vdm_level_name(l);
	return n ? n : "none";
}

/* "where" of a disk: its pool, or its servers for a disk straight from a LUN. */
static const char *plan_disk_where(const struct vdm_inventory *inv, const struct vdm_partition *part,
				   const struct vdm_plan *plan, const char *name)
{
	int d = vdm_find_disk(part, name);
	if (d >= 0)
		return part->disks[d].pool >= 0 ? inv->pools[part->disks[d].pool].name
						: inv->servers[part->disks[d].paths[0]].name;
	for (size_t i = 0; plan && i < plan->n_new_disks; i++)
		if (!strcmp(plan->new_disks[i].name, name))
			return plan->new_disks[i].pool;
	return "?";
}

typedef VEC(const char *) name_vec;

static void plan_add_unique(name_vec *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return;
	VEC_PUSH(v, s);
}

/* "hdisk01+hdisk03 (vios1/sp)": the disks of a copy, with ":extents" for a new one, then
 * where they come from. */
static void plan_where(const struct vdm_inventory *inv, const struct vdm_partition *part,
		       const struct vdm_plan *plan, const char *const *names, const int64_t *ext,
		       size_t n, struct strbuf *b)
{
	name_vec where = { 0 };
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(b, "%s%s", i ? "+" : "", names[i]);
		if (ext)
			strbuf_addf(b, ":%lld", (long long)ext[i]);
		plan_add_unique(&where, plan_disk_where(inv, part, plan, names[i]));
	}
	if (!n)
		strbuf_adds(b, "(no extents)");
	for (size_t i = 0; i < where.n; i++)
		strbuf_addf(b, "%s%s", i ? ", " : " (", where.v[i]);
	if (where.n)
		strbuf_adds(b, ")");
	free(where.v);
}

static void plan_where_existing(const struct vdm_inventory *inv, const struct vdm_partition *part,
				const struct vdm_vg *vg, const struct vdm_copy *cp, struct strbuf *b)
{
	name_vec names = { 0 };
	for (size_t s = 0; s < cp->n_segs; s++)
		plan_add_unique(&names, part->disks[vg->pvs[cp->segs[s].pv].disk].name);
	plan_where(inv, part, NULL, names.v, NULL, names.n, b);
	free(names.v);
}

static void plan_where_new(const struct vdm_inventory *inv, const struct vdm_partition *part,
			   const struct vdm_plan *plan, const struct vdm_plan_copy *pc, struct strbuf *b)
{
	const char **names = xcalloc(pc->n_segs + 1, sizeof *names);
	int64_t *ext = xcalloc(pc->n_segs + 1, sizeof *ext);
	for (size_t s = 0; s < pc->n_segs; s++) {
		names[s] = pc->segs[s].pv;
		ext[s] = pc->segs[s].extents;
	}
	plan_where(inv, part, plan, names, ext, pc->n_segs, b);
	free(names);
	free(ext);
}

void cli_print_plan(const struct vdm_inventory *inv, const struct vdm_plan *plan)
{
	int pi = vdm_find_partition(inv, plan->partition);
	int gi = pi >= 0 ? vdm_find_vg(&inv->partitions[pi], plan->vg) : -1;
	if (gi < 0) {   /* a saved plan against an inventory without its VG: callers refuse it */
		printf("Plan for %s / %s: the inventory has no such volume group\n",
		       plan->partition, plan->vg);
		return;
	}
	const struct vdm_partition *part = &inv->partitions[pi];
	const struct vdm_vg *vg = &part->vgs[gi];
	struct vdm_faults *f = vdm_faults_new(inv);

	printf("Plan for %s / %s: %d copies at level %s\n", plan->partition, plan->vg, plan->copies,
	       lvl(plan->level));
	printf("  space for new copies %lld MiB: %lld MiB reused on existing disks, "
	       "%lld MiB on %zu new disk(s) (%lld MiB created)\n\n",
	       (long long)plan->required_mib, (long long)plan->reused_mib,
	       (long long)(plan->required_mib - plan->reused_mib), plan->n_new_disks,
	       (long long)plan->new_mib);

	size_t wname = 2, wcur = 11;
	struct strbuf b = STRBUF_INIT(0);
	for (size_t i = 0; i < plan->n_lvs; i++) {
		int l = vdm_find_lv(vg, plan->lvs[i].name);
		if (strlen(plan->lvs[i].name) > wname)
			wname = strlen(plan->lvs[i].name);
		for (size_t k = 0; l >= 0 && k < vg->lvs[l].n_copies; k++) {
			strbuf_reset(&b);
			plan_where_existing(inv, part, vg, &vg->lvs[l].copies[k], &b);
			if (b.len > wcur)
				wcur = b.len;
		}
	}
	if (wcur > 48)
		wcur = 48;
	printf("%-*s %9s  %-*s  %-24s %s\n", (int)wname, "LV", "SIZE MiB", (int)wcur,
	       "COPIES NOW (pool)", "PROTECTION", "NEW COPY (disk:extents (pool))");
	for (size_t i = 0; i < plan->n_lvs; i++) {
		const struct vdm_plan_lv *pl = &plan->lvs[i];
		int l = vdm_find_lv(vg, pl->name);
		if (l < 0)
			continue;       /* not in this inventory: vdm_plan_check_live refuses such a plan */
		const struct vdm_lv *lv = &vg->lvs[l];
		enum vdm_level before = vdm_lv_protection(f, pi, gi, l, NULL);
		char prot[64];
		if (pl->n_new_copies)
			snprintf(prot, sizeof prot, "%s -> %s", lvl(before), lvl(pl->protection));
		else if (pl->protection < plan->level)
			snprintf(prot, sizeof prot, "%s (kept, < %s!)", lvl(pl->protection), lvl(plan->level));
		else
			snprintf(prot, sizeof prot, "%s (kept)", lvl(pl->protection));
		size_t rows = lv->n_copies > pl->n_new_copies ? lv->n_copies : pl->n_new_copies;
		for (size_t r = 0; r < rows; r++) {
			struct strbuf cur = STRBUF_INIT(0), nw = STRBUF_INIT(0);
			if (r < lv->n_copies)
				plan_where_existing(inv, part, vg, &lv->copies[r], &cur);
			if (r < pl->n_new_copies)
				plan_where_new(inv, part, plan, &pl->new_copies[r], &nw);
			else if (r == 0)
				strbuf_adds(&nw, "-");
			if (r == 0)
				printf("%-*s %9lld  %-*s  %-24s %s\n", (int)wname, pl->name,
				       (long long)(lv->extents * vg->extent_mib), (int)wcur,
				       cur.s ? cur.s : "", prot, nw.s ? nw.s : "");
			else
				printf("%-*s %9s  %-*s  %-24s %s\n", (int)wname, "", "", (int)wcur,
				       cur.s ? cur.s : "", "", nw.s ? nw.s : "");
			strbuf_free(&cur);
			strbuf_free(&nw);
		}
	}
	strbuf_free(&b);

	if (plan->n_new_disks) {
		printf("\nNew disks\n");
		for (size_t i = 0; i < plan->n_new_disks; i++) {
			const struct vdm_plan_disk *d = &plan->new_disks[i];
			printf("  %-24s %-20s %9lld MiB  via", d->name, d->pool, (long long)d->size_mib);
			for (size_t k = 0; k < d->n_paths; k++)
				printf(" %s", d->paths[k]);
			printf("\n");
		}
		printf("\nPools (free MiB before -> after, used %% of size)\n");
		for (size_t i = 0; i < plan->n_pools; i++) {
			const struct vdm_plan_pool *pp = &plan->pools[i];
			int p = vdm_find_pool(inv, pp->name);
			int64_t size = p >= 0 ? inv->pools[p].size_mib : 0;
			printf("  %-24s %9lld -> %9lld", pp->name, (long long)pp->free_mib_before,
			       (long long)pp->free_mib_after);
			if (size > 0)
				printf("   %3lld%% -> %3lld%%", (long long)((size - pp->free_mib_before) * 100 / size),
				       (long long)((size - pp->free_mib_after) * 100 / size));
			if (p >= 0 && inv->pools[p].reserve_pct)
				printf("   (keeps %d%% free)", inv->pools[p].reserve_pct);
			printf("\n");
		}
	} else {
		printf("\nNo new disks needed.\n");
	}
	vdm_faults_free(f);
}

enum { PLAN_NO_REUSE = 300, PLAN_REPAIR };

struct plan_opts {
	struct cli_request *q;
	bool repair;
};

static int plan_opt(void *arg, int c, const char *val)
{
	struct plan_opts *po = arg;
	if (c == PLAN_NO_REUSE)
		po->q->req.no_reuse = true;
	else if (c == PLAN_REPAIR)
		po->repair = true;
	else
		return cli_request_opt(po->q, c, val);
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_INVENTORY_OPTION, CLI_PARTITION_OPTION, CLI_VG_OPTION, CLI_LV_OPTION,
		CLI_COPIES_OPTION, CLI_LEVEL_OPTION, CLI_WAIT_OPTION,
		{ "no-reuse", no_argument, NULL, PLAN_NO_REUSE },
		{ "repair", no_argument, NULL, PLAN_REPAIR },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common o = { .cmd = "plan" };
	CLI_REQUEST_AUTO q = CLI_REQUEST_INIT("plan");
	struct plan_opts po = { .q = &q };
	int code = cli_parse(&o, argc, argv, opts, plan_usage, plan_opt, &po);
	if (code < 0 && optind < argc)
		code = cli_usage_error("plan", "unexpected argument '%s'", argv[optind]);
	const char *missing = !q.inventory ? "--inventory" : !q.req.partition ? "--partition"
			      : !q.req.vg ? "--vg" : NULL;
	if (code < 0 && missing)
		code = cli_usage_error("plan", "%s is required", missing);
	if (code >= 0)
		return code;
	const struct vdm_request *req = &q.req;
	bool json = o.json;

	struct vdm_error err = { 0 };
	struct vdm_inventory *inv = NULL;
	int rc = vdm_inventory_parse_file(q.inventory, &inv, &err);
	if (rc < 0)
		return cli_fail("plan", &err);
	struct vdm_plan *plan = NULL;
	struct vdm_noplan noplan = { .best_level = VDM_LEVEL_NONE };
	rc = po.repair ? vdm_plan_repair(inv, req, (int64_t)time(NULL), &plan, &noplan, &err)
		    : vdm_plan_make(inv, req, &plan, &noplan, &err);
	int exit_code = 0;
	if (rc == -ENOSPC) {
		exit_code = cli_fail("plan", &err);
		if (json) {
			const char *b = vdm_level_name(noplan.best_level);
			json_t *j = json_pack("{s:i, s:s, s:o}", "version", 1, "error", noplan.message,
					      "best_level", b ? json_string(b) : json_null());
			json_dumpf(j, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(j);
		}
	} else if (rc < 0) {
		exit_code = cli_fail("plan", &err);
	} else if (json) {
		/* streamed: a tree of the plan would double the memory of a big plan; the
		 * inventory is not needed any more */
		vdm_inventory_free(inv);
		inv = NULL;
		if (vdm_plan_write(plan, stdout) < 0)
			exit_code = VDM_EXIT_BACKEND;
	} else {
		cli_print_plan(inv, plan);
		plan_print_repair(plan);
	}
	if (fflush(stdout) != 0 && exit_code == 0) {
		perror("vdmirror plan: stdout");
		exit_code = VDM_EXIT_BACKEND;
	}
	vdm_plan_free(plan);
	vdm_inventory_free(inv);
	return exit_code;
}
