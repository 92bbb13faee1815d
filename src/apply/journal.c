/* journal.c: the SQLite journal of apply runs: one file per partition+VG, a run with its plan,
 * its steps and each step's state, written in a transaction before and after every step. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "vdmirror/apply.h"
#include "vdmirror/util.h"

struct vdm_journal {
	sqlite3 *db;
	char *path;
	int lock_fd;
};

static const char *const step_kind_names[VDM_STEP_KIND_COUNT] = {
	"create_disk", "map_disk", "wait_disk", "add_pv", "add_copy", "wait_sync", "verify",
	"resync_copy", "replace_copy", "drop_copy", "remove_missing", "delete_disk",
};
static const char *const step_state_names[] = { "planned", "started", "done", "undone" };

const char *vdm_step_kind_name(enum vdm_step_kind kind)
{
	return (unsigned)kind < VDM_STEP_KIND_COUNT ? step_kind_names[kind] : "unknown";
}

int vdm_step_kind_parse(const char *name, enum vdm_step_kind *kind)
{
	for (int i = 0; i < VDM_STEP_KIND_COUNT; i++)
		if (!strcmp(name, step_kind_names[i])) {
			*kind = (enum vdm_step_kind)i;
			return 0;
		}
	return -EINVAL;
}

const char *vdm_step_state_name(enum vdm_step_state state)
{
	return (unsigned)state <= VDM_STEP_UNDONE ? step_state_names[state] : "unknown";
}

static int journal_state_parse(const char *s, enum vdm_step_state *st)
{
	for (int i = 0; i <= VDM_STEP_UNDONE; i++)
		if (!strcmp(s, step_state_names[i])) {
			*st = (enum vdm_step_state)i;
			return 0;
		}
	return -EINVAL;
}

static int64_t journal_now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

const char *vdm_state_dir(const char *dir)
{
	return dir && *dir ? dir : "/var/lib/vdmirror";
}

/* Names may hold '/' and ':' (formats.md): '/' cannot be in a file name, and '%' is not a
 * name character, so %-escaping it keeps different names apart. */
static void journal_escape(struct strbuf *b, const char *name)
{
	for (const char *p = name; *p; p++) {
		if (*p == '/' || *p == '%' || *p == '+')
			strbuf_addf(b, "%%%02X", (unsigned char)*p);
		else
			strbuf_add(b, p, 1);
	}
}

char *vdm_journal_path(const char *state_dir, const char *partition, const char *vg)
{
	struct strbuf b = STRBUF_INIT(0);
	strbuf_addf(&b, "%s/", vdm_state_dir(state_dir));
	journal_escape(&b, partition);
	strbuf_adds(&b, "+");
	journal_escape(&b, vg);
	strbuf_adds(&b, ".journal");
	return strbuf_detach(&b);
}

static int mkdir_p(const char *dir, struct vdm_error *err)
{
	CLEANUP_FREE char *d = xstrdup(dir);
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0700) < 0 && errno != EEXIST)
			return vdm_err(err, -errno, "state folder %s: %s", d, strerror(errno));
		*p = '/';
	}
	if (mkdir(d, 0700) < 0 && errno != EEXIST)
		return vdm_err(err, -errno, "state folder %s: %s", d, strerror(errno));
	return 0;
}

static int journal_sqlerr(struct vdm_journal *j, const char *what, struct vdm_error *err)
{
	return vdm_err(err, -EIO, "journal %s: %s: %s", j->path, what, sqlite3_errmsg(j->db));
}

/* A journal that cannot be read blocks mirror and undo of its VG alike: say how out. */
static int journal_damaged(struct vdm_journal *j, struct vdm_error *err)
{
	vdm_err_prefix(err, "journal %s is damaged; to start afresh move it aside (mv '%s' '%s.damaged'),"
		       " then check the storage server for disks the interrupted run may have left"
		       " (named as in its plan)", j->path, j->path, j->path);
	return err ? err->code : -EIO;
}

static int journal_exec(struct vdm_journal *j, const char *sql, struct vdm_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = vdm_err(err, -EIO, "journal %s: %s", j->path, msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static const char journal_schema[] =
	"PRAGMA journal_mode=DELETE;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" partition TEXT NOT NULL, vg TEXT NOT NULL, plan TEXT NOT NULL,"
	" status TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS steps ("
	" run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,"
	" kind TEXT NOT NULL, args TEXT NOT NULL, state TEXT NOT NULL, error TEXT,"
	" started_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_id, seq));"
	/* which new disks a run made: written before the create call (issue 9) */
	"CREATE TABLE IF NOT EXISTS disks ("
	" run_id INTEGER NOT NULL REFERENCES runs(id), disk TEXT NOT NULL, pool TEXT NOT NULL,"
	" state TEXT NOT NULL, PRIMARY KEY (run_id, disk));";

/* steps.facts (JSON, what a step learned for later steps: client.h): added to journals
 * written before the column existed. */
static int journal_add_facts(struct vdm_journal *j, struct vdm_error *err)
{
	sqlite3_stmt *st = NULL;
	int have = 0;
	if (sqlite3_prepare_v2(j->db, "SELECT 1 FROM pragma_table_info('steps') WHERE name = 'facts'",
			       -1, &st, NULL) != SQLITE_OK)
		return journal_sqlerr(j, "read the schema", err);
	have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return have ? 0 : journal_exec(j, "ALTER TABLE steps ADD COLUMN facts TEXT", err);
}

int vdm_journal_open(const char *state_dir, const char *partition, const char *vg,
		     struct vdm_journal **out, struct vdm_error *err)
{
	*out = NULL;
	const char *dir = vdm_state_dir(state_dir);
	int rc = mkdir_p(dir, err);
	if (rc < 0)
		return rc;

	struct vdm_journal *j = xcalloc(1, sizeof *j);
	j->path = vdm_journal_path(state_dir, partition, vg);
	j->lock_fd = -1;

	CLEANUP_FREE char *lock = xasprintf("%s.lock", j->path);
	j->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->lock_fd < 0) {
		rc = vdm_err(err, -errno, "journal lock %s: %s", lock, strerror(errno));
		goto fail;
	}
	if (flock(j->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK
			? vdm_err(err, -EBUSY, "partition %s VG %s: another vdmirror run holds %s",
				  partition, vg, lock)
			: vdm_err(err, -errno, "journal lock %s: %s", lock, strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(j->path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
	    != SQLITE_OK) {
		rc = journal_sqlerr(j, "open", err);
		goto fail;
	}
	sqlite3_busy_timeout(j->db, 5000);
	rc = journal_exec(j, journal_schema, err);
	if (rc == 0)
		rc = journal_add_facts(j, err);
	if (rc < 0) {
		if (sqlite3_errcode(j->db) == SQLITE_NOTADB || sqlite3_errcode(j->db) == SQLITE_CORRUPT)
			journal_damaged(j, err);
		goto fail;
	}
	*out = j;
	return 0;
fail:
	vdm_journal_close(j);
	return rc;
}

void vdm_journal_close(struct vdm_journal *j)
{
	if (!j)
		return;
	if (j->db)
		sqlite3_close(j->db);
	if (j->lock_fd >= 0)
		close(j->lock_fd);    /* drops the flock */
	free(j->path);
	free(j);
}

int vdm_journal_begin(struct vdm_journal *j, const json_t *plan, const struct vdm_step *steps,
		      size_t n_steps, int64_t *run_id, struct vdm_error *err)
{
	const char *part = json_string_value(json_object_get(plan, "partition"));
	const char *vg = json_string_value(json_object_get(plan, "vg"));
	if (!part || !vg)
		return vdm_err(err, -EINVAL, "journal %s: plan without partition or vg", j->path);

	int rc = journal_exec(j, "BEGIN IMMEDIATE", err);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = NULL;
	CLEANUP_FREE char *plan_text = json_dumps(plan, JSON_COMPACT | JSON_SORT_KEYS);
	int64_t now = journal_now_ms();
	if (sqlite3_prepare_v2(j->db, "INSERT INTO runs (partition, vg, plan, status, created_at,"
			       " updated_at) VALUES (?, ?, ?, 'running', ?, ?)", -1, &st, NULL)
	    != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, part, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, vg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, plan_text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	st = NULL;
	int64_t id = sqlite3_last_insert_rowid(j->db);

	if (sqlite3_prepare_v2(j->db, "INSERT INTO steps (run_id, seq, kind, args, state)"
			       " VALUES (?, ?, ?, ?, 'planned')", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	for (size_t i = 0; i < n_steps; i++) {
		CLEANUP_FREE char *args = json_dumps(steps[i].args, JSON_COMPACT | JSON_SORT_KEYS);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, steps[i].seq);
		sqlite3_bind_text(st, 3, vdm_step_kind_name(steps[i].kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, args ? args : "{}", -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto sqlfail;
	}
	sqlite3_finalize(st);
	rc = journal_exec(j, "COMMIT", err);
	if (rc < 0) {
		journal_exec(j, "ROLLBACK", NULL);
		return rc;
	}
	*run_id = id;
	return 0;
sqlfail:
	rc = journal_sqlerr(j, "record a new run", err);
	sqlite3_finalize(st);
	journal_exec(j, "ROLLBACK", NULL);
	return rc;
}

void vdm_run_free(struct vdm_run *run)
{
	if (!run)
		return;
	free(run->partition);
	free(run->vg);
	free(run->status);
	json_decref(run->plan);
	for (size_t i = 0; i < run->n_steps; i++) {
		json_decref(run->steps[i].args);
		json_decref(run->steps[i].facts);
		free(run->steps[i].error);
	}
	free(run->steps);
	free(run);
}

bool vdm_run_unfinished(const struct vdm_run *run)
{
	return run && (!strcmp(run->status, "running") || !strcmp(run->status, "failed"));
}

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

int vdm_journal_latest(struct vdm_journal *j, struct vdm_run **out, struct vdm_error *err)
{
	*out = NULL;
	sqlite3_stmt *st = NULL;
	struct vdm_run *run = NULL;
	int rc;
	if (sqlite3_prepare_v2(j->db, "SELECT id, partition, vg, plan, status, created_at FROM runs"
			       " ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	if (rc != SQLITE_ROW)
		goto sqlfail;
	run = xcalloc(1, sizeof *run);
	run->id = sqlite3_column_int64(st, 0);
	run->partition = col_text(st, 1);
	run->vg = col_text(st, 2);
	json_error_t jerr;
	run->plan = json_loads((const char *)sqlite3_column_text(st, 3), 0, &jerr);
	run->status = col_text(st, 4);
	run->created_at = sqlite3_column_int64(st, 5);
	sqlite3_finalize(st);
	st = NULL;
	if (!run->plan || !run->partition || !run->vg || !run->status) {
		vdm_err(err, -EIO, "run %lld: damaged record", (long long)run->id);
		rc = journal_damaged(j, err);
		vdm_run_free(run);
		return rc;
	}

	if (sqlite3_prepare_v2(j->db, "SELECT seq, kind, args, state, error, started_at,"
			       " finished_at, facts FROM steps WHERE run_id = ? ORDER BY seq", -1, &st,
			       NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, run->id);
	VEC(struct vdm_step) steps = { 0 };
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vdm_step s = { 0 };
		s.seq = sqlite3_column_int(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		const char *state = (const char *)sqlite3_column_text(st, 3);
		s.args = json_loads((const char *)sqlite3_column_text(st, 2), 0, &jerr);
		s.error = col_text(st, 4);
		s.started_at = sqlite3_column_int64(st, 5);
		s.finished_at = sqlite3_column_int64(st, 6);
		const char *facts = (const char *)sqlite3_column_text(st, 7);
		s.facts = facts ? json_loads(facts, 0, &jerr) : NULL;
		if (!kind || !state || vdm_step_kind_parse(kind, &s.kind) < 0 ||
		    journal_state_parse(state, &s.state) < 0 || !s.args ||
		    (facts && !json_is_object(s.facts))) {
			json_decref(s.args);
			json_decref(s.facts);
			free(s.error);
			run->steps = steps.v;
			run->n_steps = steps.n;
			vdm_err(err, -EIO, "run %lld step %d: damaged record", (long long)run->id,
				s.seq);
			rc = journal_damaged(j, err);
			sqlite3_finalize(st);
			vdm_run_free(run);
			return rc;
		}
		VEC_PUSH(&steps, s);
	}
	run->steps = steps.v;
	run->n_steps = steps.n;
	if (rc != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	*out = run;
	return 0;
sqlfail:
	rc = journal_sqlerr(j, "read the latest run", err);
	sqlite3_finalize(st);
	vdm_run_free(run);
	return rc;
}

static int journal_step_at(struct vdm_journal *j, int64_t run_id, struct vdm_step *step,
			   enum vdm_step_state state, const char *error, int64_t started,
			   int64_t finished, struct vdm_error *err)
{
	int64_t now = journal_now_ms();
	sqlite3_stmt *st = NULL;
	int rc = journal_exec(j, "BEGIN IMMEDIATE", err);
	if (rc < 0)
		return rc;
	CLEANUP_FREE char *facts = step->facts ? json_dumps(step->facts, JSON_COMPACT | JSON_SORT_KEYS)
					       : NULL;
	if (sqlite3_prepare_v2(j->db, "UPDATE steps SET state = ?, error = ?, started_at = ?,"
			       " finished_at = ?, facts = ? WHERE run_id = ? AND seq = ?", -1, &st,
			       NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, vdm_step_state_name(state), -1, SQLITE_STATIC);
	if (error)
		sqlite3_bind_text(st, 2, error, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, started);
	sqlite3_bind_int64(st, 4, finished);
	if (facts)
		sqlite3_bind_text(st, 5, facts, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, run_id);
	sqlite3_bind_int(st, 7, step->seq);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	if (sqlite3_changes(j->db) != 1) {
		sqlite3_finalize(st);
		journal_exec(j, "ROLLBACK", NULL);
		return vdm_err(err, -ENOENT, "journal %s: run %lld has no step %d", j->path,
			       (long long)run_id, step->seq);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(j->db, "UPDATE runs SET updated_at = ? WHERE id = ?", -1, &st, NULL)
	    != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, run_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	rc = journal_exec(j, "COMMIT", err);
	if (rc < 0) {
		journal_exec(j, "ROLLBACK", NULL);
		return rc;
	}
	step->state = state;
	step->started_at = started;
	step->finished_at = finished;
	free(step->error);
	step->error = error ? xstrdup(error) : NULL;
	return 0;
sqlfail:
	rc = journal_sqlerr(j, "record a step", err);
	sqlite3_finalize(st);
	journal_exec(j, "ROLLBACK", NULL);
	return rc;
}

int vdm_journal_step(struct vdm_journal *j, int64_t run_id, struct vdm_step *step,
		     enum vdm_step_state state, const char *error, struct vdm_error *err)
{
	int64_t now = journal_now_ms();
	int64_t started = state == VDM_STEP_STARTED ? now : step->started_at;
	int64_t finished = (state == VDM_STEP_DONE || state == VDM_STEP_UNDONE) ? now
			   : state == VDM_STEP_STARTED ? 0 : step->finished_at;
	return journal_step_at(j, run_id, step, state, error, started, finished, err);
}

int vdm_journal_step_done_at(struct vdm_journal *j, int64_t run_id, struct vdm_step *step,
			     int64_t started_at, int64_t finished_at, struct vdm_error *err)
{
	return journal_step_at(j, run_id, step, VDM_STEP_DONE, NULL, started_at, finished_at,
			       err);
}

int vdm_journal_run_status(struct vdm_journal *j, struct vdm_run *run, const char *status,
			   struct vdm_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(j->db, "UPDATE runs SET status = ?, updated_at = ? WHERE id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, journal_now_ms());
	sqlite3_bind_int64(st, 3, run->id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	free(run->status);
	run->status = xstrdup(status);
	return 0;
sqlfail:
	sqlite3_finalize(st);
	return journal_sqlerr(j, "record the run status", err);
}

/* ---- ownership of new disks ---- */

static const char *const disk_own_names[] = { "none", "creating", "created", "foreign" };

int vdm_journal_disk_get(struct vdm_journal *j, int64_t run_id, const char *disk,
			 enum vdm_disk_own *own, struct vdm_error *err)
{
	sqlite3_stmt *st = NULL;
	*own = VDM_DISK_NONE;
	if (sqlite3_prepare_v2(j->db, "SELECT state FROM disks WHERE run_id = ? AND disk = ?", -1,
			       &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, disk, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		for (int i = VDM_DISK_CREATING; t && i <= VDM_DISK_FOREIGN; i++)
			if (!strcmp(t, disk_own_names[i]))
				*own = (enum vdm_disk_own)i;
		if (*own == VDM_DISK_NONE) {
			sqlite3_finalize(st);
			return vdm_err(err, -EIO, "journal %s: run %lld disk %s: damaged record",
				       j->path, (long long)run_id, disk);
		}
	} else if (rc != SQLITE_DONE) {
		goto sqlfail;
	}
	sqlite3_finalize(st);
	return 0;
sqlfail:
	sqlite3_finalize(st);
	return journal_sqlerr(j, "read the owner of a disk", err);
}

int vdm_journal_disk_set(struct vdm_journal *j, int64_t run_id, const char *pool,
			 const char *disk, enum vdm_disk_own own, struct vdm_error *err)
{
	sqlite3_stmt *st = NULL;
	if ((unsigned)own > VDM_DISK_FOREIGN || own == VDM_DISK_NONE)
		return vdm_err(err, -EINVAL, "journal %s: disk %s: bad owner state", j->path, disk);
	/* one statement: its own transaction, durable (synchronous=FULL) before the caller goes on */
	if (sqlite3_prepare_v2(j->db, "INSERT OR REPLACE INTO disks (run_id, disk, pool, state)"
			       " VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, disk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, pool ? pool : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, disk_own_names[own], -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	return 0;
sqlfail:
	sqlite3_finalize(st);
	return journal_sqlerr(j, "record the owner of a disk", err);
}

char *vdm_run_owner_tag(const struct vdm_run *run)
{
	return xasprintf("vdmirror:%s+%s:run%lld:%lld", run->partition, run->vg,
			 (long long)run->id, (long long)run->created_at);
}

int vdm_journal_disk_made(struct vdm_journal *j, const char *disk, char **pool,
			  struct vdm_error *err)
{
	sqlite3_stmt *st = NULL;
	*pool = NULL;
	if (sqlite3_prepare_v2(j->db, "SELECT pool FROM disks WHERE disk = ? AND state = 'created'"
			       " ORDER BY run_id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, disk, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		*pool = p ? xstrdup(p) : NULL;
	} else if (rc != SQLITE_DONE) {
		goto sqlfail;
	}
	sqlite3_finalize(st);
	return *pool ? 1 : 0;
sqlfail:
	sqlite3_finalize(st);
	return journal_sqlerr(j, "read the owner of a disk", err);
}
