/* agent.h: vdmirror-agent's internal interfaces: request parsing and validation (proto.c,
 * validate.c: no I/O, fuzzed), the operations (ops.c) and the agent's settings. */
#ifndef VDMIRROR_AGENT_H
#define VDMIRROR_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define AGENT_VERSION "0.1.0"
#define AGENT_PROTOCOL 1
#define AGENT_LINE_MAX (64 * 1024)     /* longest request line accepted, newline excluded */
#define AGENT_ARGV_MAX 64              /* arguments of one "run", program included */
#define AGENT_ARG_MAX 255              /* bytes of one argument */
#define AGENT_TIMEOUT_MAX_MS (3600 * 1000)
/* sync_lvs's longest wait for the sync to end (a longer wait_ms is shortened to it): a poll,
 * not a place to park the session */
#define AGENT_SYNC_WAIT_MAX_MS 60000
#define AGENT_DATA_MIB_MAX (1024 * 1024)
#define AGENT_BATCH_MAX 64             /* commands of one "batch" */

enum agent_op {
	AGENT_OP_HELLO,
	AGENT_OP_DISKS,
	AGENT_OP_REPORT,
	AGENT_OP_WAIT_DISK,
	AGENT_OP_RUN,
	AGENT_OP_SYNC,
	AGENT_OP_FILL,
	AGENT_OP_VERIFY,
	AGENT_OP_DROP_CACHES,
	AGENT_OP_BATCH,
	AGENT_OP_SYNC_RATE,
	AGENT_OP_SYNC_LVS,
	AGENT_OP_LV_COPIES,
};

/* One command of a "batch": a validated argv (pointing into the request's JSON) and its own
 * deadline. */
struct agent_cmd {
	const char *argv[AGENT_ARGV_MAX + 1];
	int64_t timeout_ms;
};

/* One parsed, validated request. Strings point into `root`, which the request owns. */
struct agent_req {
	json_t *root;
	json_int_t id;
	bool has_id;
	enum agent_op op;
	const char *serial;                  /* wait_disk */
	int64_t timeout_ms;                  /* wait_disk, run (0 = default); sync_lvs: wait_ms */
	const char *argv[AGENT_ARGV_MAX + 1];/* run: NULL-terminated */
	const char *path;                    /* fill, verify */
	uint64_t seed;
	int64_t offset_mib, mib;
	const char *lv;                      /* sync: "vg/lv" */
	const char *md;                      /* sync: "md0" */
	struct agent_cmd *cmds;              /* batch: every command validated before any runs */
	size_t n_cmds;
	int64_t rate_kib;                    /* sync_rate: KiB/s, 0 = unlimited */
	bool restore;                        /* sync_rate: put the saved limits back */
	const char *vg;                      /* sync_lvs, lv_copies */
	const char *lvs[AGENT_BATCH_MAX];    /* sync_lvs, lv_copies */
	size_t n_lvs;
};

/* Parses one request line (without its newline). Returns 0 and fills *req (free with
 * agent_req_free), or -1 with a message in errbuf; then req->id/has_id are still set when
 * the line carried an integer id, so the error reply can name it. */
int agent_req_parse(const char *line, size_t len, struct agent_req *req, char *errbuf,
		    size_t errlen);
void agent_req_free(struct agent_req *req);
const char *agent_op_name(enum agent_op op);

/* validate.c */
/* vdmirror names: [A-Za-z0-9][A-Za-z0-9._:/-]{0,127}, and no ".." path component. */
bool agent_name_valid(const char *s);
/* A device path the data ops may use: "/dev/" followed by a valid name. */
bool agent_dev_path_valid(const char *s);
/* Is argv (NULL-terminated) an allowed command? On refusal, a reason in errbuf. */
bool agent_argv_valid(const char *const argv[], char *errbuf, size_t errlen);
/* For an lvm alias (pvcreate, lvs ...) the subcommand lvm must run; NULL otherwise. */
bool agent_is_lvm_command(const char *prog);

/* Settings of one agent process (main.c), read by ops.c. */
struct agent_conf {
	const char *sysfs;          /* "/sys"; tests point it elsewhere */
	const char *devdir;         /* "/dev" */
	const char *data_dir;       /* test mode: fill/verify may use regular files under it */
	const char *raid_dir;       /* "/proc/sys/dev/raid" (speed_limit_min, _max) */
	const char *run_dir;        /* "/run/vdmirror-agent": the admin's limits while raised */
};
extern struct agent_conf agent_conf;

/* ops.c: runs a parsed request; returns the reply object without "id"/"ok" (the caller adds
 * them), or NULL with a message in errbuf. */
json_t *agent_execute(const struct agent_req *req, char *errbuf, size_t errlen);
/* Puts back the resync limits a sync_rate request saved: 1 restored, 0 none saved, -1 error
 * (message in errbuf). main calls it at start and whenever the host goes away. */
int agent_sync_rate_restore(char *errbuf, size_t errlen);

#endif
