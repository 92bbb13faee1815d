/* proto.c: parsing and validating one request line of the agent protocol
 * (docs/internals/agent.md). No I/O here, so the fuzz target can drive it directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"

static const char *const op_names[] = {
	[AGENT_OP_HELLO] = "hello",
	[AGENT_OP_DISKS] = "disks",
	[AGENT_OP_REPORT] = "report",
	[AGENT_OP_WAIT_DISK] = "wait_disk",
	[AGENT_OP_RUN] = "run",
	[AGENT_OP_SYNC] = "sync",
	[AGENT_OP_FILL] = "fill",
	[AGENT_OP_VERIFY] = "verify",
	[AGENT_OP_DROP_CACHES] = "drop_caches",
	[AGENT_OP_BATCH] = "batch",
	[AGENT_OP_SYNC_RATE] = "sync_rate",
	[AGENT_OP_SYNC_LVS] = "sync_lvs",
	[AGENT_OP_LV_COPIES] = "lv_copies",
};

const char *agent_op_name(enum agent_op op) { return op_names[op]; }

void agent_req_free(struct agent_req *req)
{
	json_decref(req->root);
	req->root = NULL;
	free(req->cmds);
	req->cmds = NULL;
	req->n_cmds = 0;
}

#define FAIL(...) do { snprintf(errbuf, errlen, __VA_ARGS__); return -1; } while (0)

/* An optional integer field in [lo, hi]; absent leaves *v alone. */
static int get_int(json_t *o, const char *key, int64_t lo, int64_t hi, bool required,
		   int64_t *v, char *errbuf, size_t errlen)
{
	json_t *j = json_object_get(o, key);
	if (!j) {
		if (required)
			FAIL("missing \"%s\"", key);
		return 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) < lo || json_integer_value(j) > hi)
		FAIL("\"%s\" must be an integer from %lld to %lld", key, (long long)lo,
		     (long long)hi);
	*v = json_integer_value(j);
	return 0;
}

static int get_name(json_t *o, const char *key, const char **v, char *errbuf, size_t errlen)
{
	json_t *j = json_object_get(o, key);
	if (!json_is_string(j))
		FAIL("\"%s\" must be a string", key);
	if (!agent_name_valid(json_string_value(j)))
		FAIL("\"%s\": invalid name (want [A-Za-z0-9][A-Za-z0-9._:/-]{0,127})", key);
	*v = json_string_value(j);
	return 0;
}

static int parse_data(json_t *o, struct agent_req *req, char *errbuf, size_t errlen)
{
	json_t *p = json_object_get(o, "path");
	if (!json_is_string(p))
		FAIL("\"path\" must be a string");
	req->path = json_string_value(p);
	if (strlen(req->path) > 4096 || strlen(req->path) != json_string_length(p))
		FAIL("\"path\": bad path");
	/* the device check is here; test mode (a data folder) is checked by ops.c */
	if (!agent_dev_path_valid(req->path) && req->path[0] != '/')
		FAIL("\"path\" must be /dev/<name>");
	int64_t seed = 0;
	if (get_int(o, "seed", 0, INT64_MAX, true, &seed, errbuf, errlen) ||
	    get_int(o, "offset_mib", 0, AGENT_DATA_MIB_MAX, false, &req->offset_mib, errbuf,
		    errlen) ||
	    get_int(o, "mib", 1, AGENT_DATA_MIB_MAX, true, &req->mib, errbuf, errlen))
		return -1;
	req->seed = (uint64_t)seed;
	return 0;
}

/* "argv": 1..AGENT_ARGV_MAX strings, checked against the allowlist. */
static int parse_argv(json_t *o, const char **out, char *errbuf, size_t errlen)
{
	json_t *argv = json_object_get(o, "argv");
	if (!json_is_array(argv) || json_array_size(argv) < 1 ||
	    json_array_size(argv) > AGENT_ARGV_MAX)
		FAIL("\"argv\" must be an array of 1 to %d strings", AGENT_ARGV_MAX);
	for (size_t k = 0; k < json_array_size(argv); k++) {
		json_t *a = json_array_get(argv, k);
		if (!json_is_string(a) || strlen(json_string_value(a)) != json_string_length(a))
			FAIL("\"argv\"[%zu] must be a string without NUL", k);
		out[k] = json_string_value(a);
	}
	out[json_array_size(argv)] = NULL;
	return agent_argv_valid(out, errbuf, errlen) ? 0 : -1;
}

/* "commands": [{argv, timeout_ms}, ...], 1..AGENT_BATCH_MAX. Every command is checked before
 * the batch starts, so a refused one never leaves the earlier ones half applied; the sum of
 * the deadlines stays within AGENT_TIMEOUT_MAX_MS, so the host can bound its own wait. */
static int parse_batch(json_t *o, struct agent_req *req, char *errbuf, size_t errlen)
{
	json_t *cmds = json_object_get(o, "commands");
	if (!json_is_array(cmds) || json_array_size(cmds) < 1 ||
	    json_array_size(cmds) > AGENT_BATCH_MAX)
		FAIL("\"commands\" must be an array of 1 to %d objects", AGENT_BATCH_MAX);
	req->cmds = calloc(json_array_size(cmds), sizeof *req->cmds);
	if (!req->cmds)
		FAIL("batch: out of memory");
	req->n_cmds = json_array_size(cmds);
	int64_t total = 0;
	for (size_t i = 0; i < req->n_cmds; i++) {
		json_t *c = json_array_get(cmds, i);
		char why[512];
		req->cmds[i].timeout_ms = 120000;
		if (!json_is_object(c))
			FAIL("\"commands\"[%zu] must be an object", i);
		if (parse_argv(c, req->cmds[i].argv, why, sizeof why) ||
		    get_int(c, "timeout_ms", 1, AGENT_TIMEOUT_MAX_MS, false,
			    &req->cmds[i].timeout_ms, why, sizeof why))
			FAIL("\"commands\"[%zu]: %s", i, why);
		total += req->cmds[i].timeout_ms;
	}
	if (total > AGENT_TIMEOUT_MAX_MS)
		FAIL("batch: the commands' timeouts add up to %lld ms, over %d",
		     (long long)total, AGENT_TIMEOUT_MAX_MS);
	return 0;
}

int agent_req_parse(const char *line, size_t len, struct agent_req *req, char *errbuf,
		    size_t errlen)
{
	memset(req, 0, sizeof *req);
	if (len > AGENT_LINE_MAX)
		FAIL("request longer than %d bytes", AGENT_LINE_MAX);
	json_error_t jerr;
	req->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->root)
		FAIL("not JSON: %s", jerr.text);
	json_t *o = req->root;
	if (!json_is_object(o))
		FAIL("request must be a JSON object");
	json_t *id = json_object_get(o, "id");
	if (json_is_integer(id)) {
		req->id = json_integer_value(id);
		req->has_id = true;
	} else {
		FAIL("\"id\" must be an integer");
	}
	json_t *op = json_object_get(o, "op");
	if (!json_is_string(op))
		FAIL("\"op\" must be a string");
	size_t i;
	for (i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
		if (!strcmp(json_string_value(op), op_names[i]))
			break;
	if (i == sizeof op_names / sizeof op_names[0])
		FAIL("unknown op \"%.64s\"", json_string_value(op));
	req->op = (enum agent_op)i;

	switch (req->op) {
	case AGENT_OP_HELLO:
	case AGENT_OP_DISKS:
	case AGENT_OP_REPORT:
	case AGENT_OP_DROP_CACHES:
		return 0;
	case AGENT_OP_WAIT_DISK:
		if (get_name(o, "serial", &req->serial, errbuf, errlen))
			return -1;
		req->timeout_ms = 10000;
		return get_int(o, "timeout_ms", 0, AGENT_TIMEOUT_MAX_MS, false, &req->timeout_ms,
			       errbuf, errlen);
	case AGENT_OP_RUN:
		req->timeout_ms = 120000;
		if (parse_argv(o, req->argv, errbuf, errlen))
			return -1;
		return get_int(o, "timeout_ms", 1, AGENT_TIMEOUT_MAX_MS, false, &req->timeout_ms,
			       errbuf, errlen);
	case AGENT_OP_BATCH:
		return parse_batch(o, req, errbuf, errlen);
	case AGENT_OP_SYNC_LVS:
	case AGENT_OP_LV_COPIES: {
		if (get_name(o, "vg", &req->vg, errbuf, errlen))
			return -1;
		json_t *lvs = json_object_get(o, "lvs");
		if (!json_is_array(lvs) || json_array_size(lvs) < 1 ||
		    json_array_size(lvs) > AGENT_BATCH_MAX)
			FAIL("\"lvs\" must be an array of 1 to %d names", AGENT_BATCH_MAX);
		for (size_t k = 0; k < json_array_size(lvs); k++) {
			const char *n = json_string_value(json_array_get(lvs, k));
			if (!n || !agent_name_valid(n) || strchr(n, '/'))
				FAIL("\"lvs\"[%zu]: invalid LV name", k);
			req->lvs[k] = n;
		}
		req->n_lvs = json_array_size(lvs);
		if (strchr(req->vg, '/'))
			FAIL("\"vg\": invalid VG name");
		if (req->op == AGENT_OP_LV_COPIES)
			return 0;
		/* a longer wait than ours is shortened, not refused: a host of another build
		 * may have another idea of the limit, and its poll must not fail on it */
		if (get_int(o, "wait_ms", 0, AGENT_TIMEOUT_MAX_MS, false, &req->timeout_ms, errbuf,
			    errlen))
			return -1;
		if (req->timeout_ms > AGENT_SYNC_WAIT_MAX_MS)
			req->timeout_ms = AGENT_SYNC_WAIT_MAX_MS;
		return 0;
	}
	case AGENT_OP_SYNC_RATE: {
		json_t *r = json_object_get(o, "restore");
		if (r && !json_is_boolean(r))
			FAIL("\"restore\" must be true or false");
		req->restore = json_is_true(r);
		if (req->restore && json_object_get(o, "rate_kib"))
			FAIL("sync_rate: \"restore\" or \"rate_kib\", not both");
		if (req->restore)
			return 0;
		/* md keeps these in an int; 0 stands for "as fast as the disks go" */
		return get_int(o, "rate_kib", 0, 1000LL * 1000 * 1000, true, &req->rate_kib,
			       errbuf, errlen);
	}
	case AGENT_OP_SYNC:
		if (json_object_get(o, "lv"))
			return get_name(o, "lv", &req->lv, errbuf, errlen);
		if (json_object_get(o, "md"))
			return get_name(o, "md", &req->md, errbuf, errlen);
		FAIL("sync needs \"lv\" (vg/lv) or \"md\" (md0)");
	case AGENT_OP_FILL:
	case AGENT_OP_VERIFY:
		return parse_data(o, req, errbuf, errlen);
	}
	FAIL("unknown op");
}
