/* cmd_check.c: vdmirror check: audits the protection every LV of an inventory has today, with
 * the same rules the planner uses (protect.h), and flags invalid mirrors and LVs below a level. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "vdmirror/model.h"
#include "vdmirror/protect.h"
#include "vdmirror/util.h"

static const char check_help[] =
	"usage: vdmirror check --inventory FILE|- [--partition P] [--level L] [--json]\n"
	"\n"
	"Audits every mirrored logical volume of the inventory (formats v1) with the\n"
	"planner's own protection rules and reports, for each LV, its copies, where\n"
	"each copy lives (disks, pools, servers), the level it is protected at now\n"
	"and a verdict:\n"
	"  ok          protected at the requested level or stronger\n"
	"  below       mirrored, but a failure at the requested level kills every copy\n"
	"  INVALID     several copies, but they share a device (or a pool): one\n"
	"              failure kills them all, whatever their names say\n"
	"  unmirrored  a single copy\n"
	"\n"
	"options:\n"
	"  --inventory FILE   inventory JSON; \"-\" reads stdin\n"
	"  --partition P      only this partition (default: all)\n"
	"  --level L          required level: device, pool, server (default), frame, site\n"
	"  --json             print one JSON document on stdout instead of the table\n"
	"  -h, --help         this text\n"
	"\n"
	"exit codes: 0 every LV ok, 1 bad input, 3 some LV below the level, invalid or\n"
	"            unmirrored\n";

static void check_usage(FILE *f)
{
	fputs(check_help, f);
}

enum check_status { CHECK_OK, CHECK_BELOW, CHECK_INVALID, CHECK_UNMIRRORED };
static const char *const check_status_json[] = { "ok", "below", "invalid", "unmirrored" };
static const char *const check_status_human[] = { "ok", "below", "INVALID", "unmirrored" };

struct check_row {
	const char *partition, *vg, *lv;
	int64_t size_mib;
	size_t copies;
	enum vdm_level protection;
	enum check_status status;
	char *reason;             /* NULL when ok */
	char *where;              /* human text: where each copy lives */
	json_t *broken;           /* --json: the lost and stale copies; NULL when none */
};

/* "pool vios1/sp" rather than "device of pool vios1/sp": a pool without `devices` is one
 * device of its own (formats.md), and the admin knows it by the pool's name. */
static void check_component(const struct vdm_faults *f, int id, char *buf, size_t size)
{
	static const char implicit[] = "device of pool ";
	vdm_component_name(f, id, buf, size);
	if (!strncmp(buf, implicit, sizeof implicit - 1))
		memmove(buf, buf + sizeof "device of " - 1, strlen(buf) - (sizeof "device of " - 1) + 1);
}

/* Why the LV is not stronger: the failure set protect.c found, said in words. */
static char *check_why(const struct vdm_faults *f, const struct vdm_failset *why)
{
	char a[256], b[256];
	if (why->n <= 0)
		return xstrdup("every copy fails together");
	check_component(f, why->ids[0], a, sizeof a);
	if (why->n == 1)
		return xasprintf("copies share %s", a);
	check_component(f, why->ids[1], b, sizeof b);
	return xasprintf("%s and %s failing together kill every copy", a, b);
}

/* One copy: "hdisk0 (vios1/sp @vios1)"; a disk without a pool shows its devices. */
static void check_where_copy(const struct vdm_inventory *inv, const struct vdm_partition *p,
			     const struct vdm_vg *vg, const struct vdm_copy *cp,
			     struct strbuf *sb)
{
	for (size_t s = 0; s < cp->n_segs; s++) {
		int d = vg->pvs[cp->segs[s].pv].disk;
		bool seen = false;
		for (size_t k = 0; k < s; k++)
			seen |= vg->pvs[cp->segs[k].pv].disk == d;
		if (seen)
			continue;
		const struct vdm_disk *dk = &p->disks[d];
		strbuf_addf(sb, "%s%s (", s ? ", " : "", dk->name);
		if (dk->pool >= 0)
			strbuf_adds(sb, inv->pools[dk->pool].name);
		for (size_t k = 0; k < dk->n_devices; k++)
			strbuf_addf(sb, "%s%s", k || dk->pool >= 0 ? "+" : "", dk->devices[k]);
		if (dk->pool < 0 && !dk->n_devices)
			strbuf_adds(sb, "own device");
		strbuf_adds(sb, " @");
		for (size_t k = 0; k < dk->n_paths; k++)
			strbuf_addf(sb, "%s%s", k ? "+" : "", inv->servers[dk->paths[k]].name);
		strbuf_adds(sb, ")");
	}
}

/* One entry of --json's broken_copies: the copy's index into the inventory's copies, its
 * state, the resync progress when the inventory knows it, and the text the table shows. */
static void check_add_broken(const struct vdm_inventory *inv, int pi, int vi, int li, size_t c,
			     const char *why, struct check_row *row)
{
	const struct vdm_lv *lv = &inv->partitions[pi].vgs[vi].lvs[li];
	bool lost = vdm_copy_state(inv, pi, vi, li, c, NULL) == VDM_COPY_LOST;
	json_t *o = json_pack("{s:I, s:s}", "copy", (json_int_t)c, "state",
			      lost ? "lost" : "stale");
	if (!lost && lv->resync_percent && lv->resync_percent[c] >= 0)
		json_object_set_new(o, "resync_percent", json_integer(lv->resync_percent[c]));
	json_object_set_new(o, "why", json_string(why));
	if (!row->broken)
		row->broken = json_array();
	json_array_append_new(row->broken, o);
}

static void check_lv(const struct vdm_inventory *inv, const struct vdm_faults *f, int pi, int vi,
		     int li, enum vdm_level want, struct check_row *row)
{
	const struct vdm_partition *p = &inv->partitions[pi];
	const struct vdm_vg *vg = &p->vgs[vi];
	const struct vdm_lv *lv = &vg->lvs[li];
	struct vdm_failset why = { 0 };
	struct strbuf sb = STRBUF_INIT(64 * 1024);

	row->partition = p->name;
	row->broken = NULL;
	row->vg = vg->name;
	row->lv = lv->name;
	if (__builtin_mul_overflow(lv->extents, vg->extent_mib, &row->size_mib))
		row->size_mib = INT64_MAX;
	row->copies = lv->n_copies;
	struct strbuf broken = STRBUF_INIT(16 * 1024);   /* copies that count for nothing */
	for (size_t c = 0; c < lv->n_copies; c++) {
		char st[512];
		if (lv->n_copies > 1)
			strbuf_addf(&sb, "%s%zu: ", c ? " | " : "", c + 1);
		check_where_copy(inv, p, vg, &lv->copies[c], &sb);
		if (vdm_copy_state_text(inv, pi, vi, li, c, st, sizeof st)[0]) {
			strbuf_addf(&sb, " [%s]", st);
			strbuf_addf(&broken, "%scopy %zu %s", broken.len ? "; " : "", c + 1, st);
			check_add_broken(inv, pi, vi, li, c, st, row);
		}
	}
	row->where = strbuf_detach(&sb);
	if (!row->where)
		row->where = xstrdup("");

	row->protection = vdm_lv_protection(f, pi, vi, li, &why);
	if (lv->n_copies < 2) {
		row->status = CHECK_UNMIRRORED;
		row->reason = xstrdup("a single copy: any failure of its disks loses the LV");
	} else if (broken.len && (row->protection == VDM_LEVEL_NONE || row->protection < want)) {
		/* lost or stale copies protect nothing: say which and why */
		row->status = CHECK_BELOW;
		row->reason = xasprintf("protected at %s only, %s wanted: %s",
					row->protection == VDM_LEVEL_NONE ? "no level"
					: vdm_level_name(row->protection), vdm_level_name(want),
					broken.s);
	} else if (row->protection == VDM_LEVEL_NONE) {
		row->status = CHECK_INVALID;
		row->reason = check_why(f, &why);
	} else if (row->protection < want) {
		char *w = check_why(f, &why);
		row->status = CHECK_BELOW;
		row->reason = xasprintf("protected at %s only, %s wanted: %s",
					vdm_level_name(row->protection), vdm_level_name(want), w);
		free(w);
	} else {
		row->status = CHECK_OK;
		row->reason = NULL;
	}
	strbuf_free(&broken);
}

static void check_print_json(const struct check_row *rows, size_t n, enum vdm_level want,
			     bool ok)
{
	json_t *root = json_object(), *lvs = json_array();
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "level", json_string(vdm_level_name(want)));
	json_object_set_new(root, "ok", json_boolean(ok));
	for (size_t i = 0; i < n; i++) {
		const struct check_row *r = &rows[i];
		json_t *o = json_object();
		json_object_set_new(o, "partition", json_string(r->partition));
		json_object_set_new(o, "vg", json_string(r->vg));
		json_object_set_new(o, "lv", json_string(r->lv));
		json_object_set_new(o, "size_mib", json_integer(r->size_mib));
		json_object_set_new(o, "copies", json_integer((json_int_t)r->copies));
		json_object_set_new(o, "protection", r->protection == VDM_LEVEL_NONE
				    ? json_null() : json_string(vdm_level_name(r->protection)));
		json_object_set_new(o, "status", json_string(check_status_json[r->status]));
		json_object_set_new(o, "reason", r->reason ? json_string(r->reason) : json_null());
		if (r->broken)
			json_object_set(o, "broken_copies", r->broken);
		json_array_append_new(lvs, o);
	}
	json_object_set_new(root, "lvs", lvs);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

static int check_width(const char *s, int w)
{
	int l = (int)strlen(s);
	return l > w ? l : w;
}

static void check_print_table(const struct check_row *rows, size_t n, enum vdm_level want)
{
	int wp = 9, wv = 2, wl = 2, ws = 8, wr = 10, wst = 10;
	size_t counts[4] = { 0 };
	char size[32];

	for (size_t i = 0; i < n; i++) {
		wp = check_width(rows[i].partition, wp);
		wv = check_width(rows[i].vg, wv);
		wl = check_width(rows[i].lv, wl);
		snprintf(size, sizeof size, "%" PRId64, rows[i].size_mib);
		ws = check_width(size, ws);
		counts[rows[i].status]++;
	}
	printf("%-*s  %-*s  %-*s  %*s  %6s  %-*s  %-*s  %s\n", wp, "PARTITION", wv, "VG", wl, "LV",
	       ws, "SIZE_MIB", "COPIES", wr, "PROTECTION", wst, "VERDICT", "WHERE");
	for (size_t i = 0; i < n; i++) {
		const struct check_row *r = &rows[i];
		printf("%-*s  %-*s  %-*s  %*" PRId64 "  %6zu  %-*s  %-*s  %s\n", wp, r->partition,
		       wv, r->vg, wl, r->lv, ws, r->size_mib, r->copies, wr,
		       r->protection == VDM_LEVEL_NONE ? "-" : vdm_level_name(r->protection),
		       wst, check_status_human[r->status], r->where);
		if (r->reason)
			printf("%*s-> %s\n", wp + 2, "", r->reason);
	}
	printf("\n%zu LV%s checked at level %s: %zu ok, %zu below, %zu INVALID, %zu unmirrored\n",
	       n, n == 1 ? "" : "s", vdm_level_name(want), counts[CHECK_OK], counts[CHECK_BELOW],
	       counts[CHECK_INVALID], counts[CHECK_UNMIRRORED]);
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_INVENTORY_OPTION, CLI_PARTITION_OPTION, CLI_LEVEL_OPTION,
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common o = { .cmd = "check" };
	CLI_REQUEST_AUTO q = CLI_REQUEST_INIT("check");
	int code = cli_parse(&o, argc, argv, opts, check_usage, cli_request_opt, &q);
	if (code >= 0)
		return code;
	if (optind < argc)
		return cli_usage_error("check", "unexpected argument \"%s\"", argv[optind]);
	if (!q.inventory)
		return cli_usage_error("check", "--inventory is required");
	const char *inv_path = q.inventory, *partition = q.req.partition;
	enum vdm_level want = q.req.level;
	bool json = o.json;

	struct vdm_error err = { 0 };
	struct vdm_inventory *inv = NULL;
	if (vdm_inventory_parse_file(inv_path, &inv, &err) < 0)
		return cli_fail("check", &err);

	int only = -1;
	if (partition) {
		only = vdm_find_partition(inv, partition);
		if (only < 0) {
			vdm_err(&err, -EINVAL, "%s: unknown partition \"%s\"",
				strcmp(inv_path, "-") ? inv_path : "stdin", partition);
			vdm_inventory_free(inv);
			return cli_fail("check", &err);
		}
	}

	struct vdm_faults *f = vdm_faults_new(inv);
	VEC(struct check_row) rows = { 0 };
	bool ok = true;
	for (size_t pi = 0; pi < inv->n_partitions; pi++) {
		if (only >= 0 && (int)pi != only)
			continue;
		const struct vdm_partition *p = &inv->partitions[pi];
		for (size_t vi = 0; vi < p->n_vgs; vi++)
			for (size_t li = 0; li < p->vgs[vi].n_lvs; li++) {
				struct check_row row;
				check_lv(inv, f, (int)pi, (int)vi, (int)li, want, &row);
				ok &= row.status == CHECK_OK;
				VEC_PUSH(&rows, row);
			}
	}
	if (json)
		check_print_json(rows.v, rows.n, want, ok);
	else
		check_print_table(rows.v, rows.n, want);
	fflush(stdout);

	for (size_t i = 0; i < rows.n; i++) {
		free(rows.v[i].reason);
		free(rows.v[i].where);
		json_decref(rows.v[i].broken);
	}
	free(rows.v);
	vdm_faults_free(f);
	vdm_inventory_free(inv);
	return ok ? VDM_EXIT_OK : VDM_EXIT_UNPROTECTED;
}
