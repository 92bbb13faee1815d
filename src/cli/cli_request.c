/* cli_request.c: the command line every command but lab shares (cli.h): the one getopt_long
 * loop, PARTITION VG, and the request options (--level, --copies, --lv, --wait-for-return). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vdmirror/model.h"
#include "cli.h"

int cli_parse(struct cli_common *o, int argc, char **argv, const struct option *opts,
	      void (*usage)(FILE *), cli_opt_fn *opt, void *arg)
{
	bool has_yes = false;
	for (const struct option *p = opts; p->name; p++)
		has_yes |= !strcmp(p->name, "yes");
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, has_yes ? ":hy" : ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (cli_common_opt(o, c, optarg))
			continue;
		int code = opt && c != '?' && c != ':' ? opt(arg, c, optarg) : -1;
		if (code < 0)
			return cli_getopt_error(o->cmd, c, argv);
		if (code > 0)
			return code;
	}
	return -1;
}

int cli_partition_vg(const char *cmd, int argc, char **argv, const char **partition,
		     const char **vg)
{
	if (argc - optind > 2)
		return cli_usage_error(cmd, "unexpected argument %s", argv[optind + 2]);
	if (argc - optind < 2)
		return cli_usage_error(cmd, "PARTITION and VG are required");
	*partition = argv[optind];
	*vg = argv[optind + 1];
	if (!vdm_name_valid(*partition))
		return cli_usage_error(cmd, "partition '%s': not a valid name", *partition);
	if (!vdm_name_valid(*vg))
		return cli_usage_error(cmd, "VG '%s': not a valid name", *vg);
	return -1;
}

void cli_request_free(struct cli_request *q)
{
	free(q->lvs.v);
	q->lvs.v = NULL;
	q->req.lvs = NULL;
	q->req.n_lvs = 0;
}

int64_t cli_parse_duration(const char *s)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	int64_t unit = !*end ? 1 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60
		     : !strcmp(end, "h") ? 3600 : !strcmp(end, "d") ? 86400 : 0;
	if (errno || !unit || v > INT64_MAX / unit / 1000)
		return -1;
	return (int64_t)v * unit;
}

int cli_request_opt(void *arg, int c, const char *val)
{
	struct cli_request *q = arg;
	switch (c) {
	case CLI_OPT_LEVEL:
		if (vdm_level_parse(val, &q->req.level) < 0)
			return cli_usage_error(q->cmd, "--level %s: not one of device, pool, server,"
					       " frame, site", val);
		return 0;
	case CLI_OPT_COPIES:
		/* exactly "2" or "3": atoi would take "2x" or "3 copies" */
		if (strcmp(val, "2") && strcmp(val, "3"))
			return cli_usage_error(q->cmd, "--copies %s: must be 2 or 3", val);
		q->req.copies = val[0] - '0';
		return 0;
	case CLI_OPT_LV: case CLI_OPT_PARTITION: case CLI_OPT_VG:
		/* names reach client commands and configuration strings (--local's addr.P): the
		 * one name rule, as for PARTITION VG */
		if (!vdm_name_valid(val))
			return cli_usage_error(q->cmd, "--%s '%s': not a valid name", c == CLI_OPT_LV
					       ? "lv" : c == CLI_OPT_VG ? "vg" : "partition", val);
		if (c == CLI_OPT_PARTITION)
			q->req.partition = val;
		else if (c == CLI_OPT_VG)
			q->req.vg = val;
		else
			VEC_PUSH(&q->lvs, val);
		q->req.lvs = q->lvs.v;
		q->req.n_lvs = q->lvs.n;
		return 0;
	case CLI_OPT_INVENTORY: q->inventory = val; return 0;
	case CLI_OPT_WAIT:
		q->req.wait_for_return_s = cli_parse_duration(val);
		if (q->req.wait_for_return_s < 0)
			return cli_usage_error(q->cmd, "--wait-for-return %s: not a duration (600,"
					       " 30s, 10m, 2h, 1d)", val);
		return 0;
	default:
		return -1;
	}
}
