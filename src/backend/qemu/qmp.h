/* qmp.h: a small QMP (QEMU Machine Protocol) client over a UNIX socket, for the qemu backend:
 * greeting and qmp_capabilities, commands with a deadline, events kept aside, jobs awaited.
 * Every message read from the peer is size-capped; every wait has a timeout. */
#ifndef VDMIRROR_QMP_H
#define VDMIRROR_QMP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "vdmirror/error.h"

#define QMP_MSG_MAX (8u << 20)       /* one message from the peer; bigger = protocol error */
#define QMP_EVENTS_MAX 1024          /* events kept aside; the oldest are dropped beyond */

struct qmp;

enum qmp_kind { QMP_GREETING, QMP_RETURN, QMP_ERROR, QMP_EVENT };

/* Parses one QMP message (one line, without the newline) and says what it is. On success
 * *msg is the object (caller decrefs). QMP_ERROR messages carry "error": {"class", "desc"}
 * as strings, QMP_EVENT "event" as a string: anything else is -EPROTO with *err set.
 * This is the parser of outside input that the fuzz target drives. */
int qmp_parse_message(const char *buf, size_t len, json_t **msg, enum qmp_kind *kind,
		      struct vdm_error *err);

/* Connects to the QMP socket at path, reads the greeting and negotiates capabilities, all
 * within timeout_ms. name ("vios1", "lpar1") prefixes every message: "qmp vios1: ...".
 * A monitor serves one client at a time: a second client gets no greeting and times out. */
int qmp_connect(const char *name, const char *path, int64_t timeout_ms, struct qmp **out,
		struct vdm_error *err);
void qmp_close(struct qmp *q);

/* Runs cmd with args (stolen; NULL = none) and waits at most timeout_ms for its reply.
 * On success *ret (may be NULL) gets the "return" value (caller decrefs). A QMP error gives
 * -EIO and "qmp NAME: CMD: CLASS: DESC"; qmp_last_class() then says the class. A dead peer
 * or a timeout gives -ECONNRESET / -ETIMEDOUT with a message that says so. */
int qmp_cmd(struct qmp *q, const char *cmd, json_t *args, json_t **ret, int64_t timeout_ms,
	    struct vdm_error *err);
const char *qmp_last_class(const struct qmp *q);
const char *qmp_last_desc(const struct qmp *q);

/* Waits for an event named `event` whose data matches `key` == `value` (key NULL: any),
 * looking first at the events already kept aside. The matched event is removed from the
 * list; *data (may be NULL) gets its "data". -ETIMEDOUT after timeout_ms. */
int qmp_wait_event(struct qmp *q, const char *event, const char *key, const char *value,
		   int64_t timeout_ms, json_t **data, struct vdm_error *err);
/* Drops kept events named `event` (all when NULL). */
void qmp_drop_events(struct qmp *q, const char *event);
size_t qmp_n_events(const struct qmp *q);

/* Waits for job `id` (started by a command with "job-id") to conclude, polling query-jobs,
 * then always dismisses it. A job that concluded with an "error" key gives -EIO and
 * "qmp NAME: job ID: ERROR". */
int qmp_job_wait(struct qmp *q, const char *id, int64_t timeout_ms, struct vdm_error *err);

#endif
