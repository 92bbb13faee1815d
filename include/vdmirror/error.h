/* error.h: the one error type of vdmirror. A function that can fail returns 0 or a negative
 * errno-style code and, on failure, leaves one message in *err that names the operation and
 * the object ("pool vios2/sp: 3000 MiB free, 12000 MiB needed"). The CLI prints it once. */
#ifndef VDMIRROR_ERROR_H
#define VDMIRROR_ERROR_H

#include <stdarg.h>

/* Exit codes of every vdmirror command (README, "Exit codes"). */
enum vdm_exit {
	VDM_EXIT_OK = 0,
	VDM_EXIT_INPUT = 1,      /* bad input: file, option, unknown name */
	VDM_EXIT_NOPLAN = 2,     /* no valid plan exists */
	VDM_EXIT_UNPROTECTED = 3,/* check found unprotected data */
	VDM_EXIT_BACKEND = 4,    /* a backend, client or agent failed */
};

/* What kind of failure an error is: the front end chooses its exit code from this (never from
 * the message text). VDM_ERR_UNSET: not classified where it happened; vdm_err_exit_of derives
 * an exit code from the errno-style code then. */
enum vdm_err_kind {
	VDM_ERR_UNSET = 0,
	VDM_ERR_INPUT,         /* bad option, file or value                         exit 1 */
	VDM_ERR_NOT_FOUND,     /* a named partition, VG, LV, backend does not exist  exit 1 */
	VDM_ERR_BUSY,          /* another or an unfinished run holds the VG          exit 1 */
	VDM_ERR_DECLINED,      /* the user did not confirm (or nobody could)         exit 1 */
	VDM_ERR_NOPLAN,        /* no valid plan exists                               exit 2 */
	VDM_ERR_STALE,         /* a saved plan the live system no longer allows      exit 2 */
	VDM_ERR_UNPROTECTED,   /* verification found an LV below its level           exit 3 */
	VDM_ERR_BACKEND,       /* a backend, client, agent or the journal failed     exit 4 */
	VDM_ERR_STOPPED,       /* stopped on request between steps (resume goes on)  exit 4 */
};

struct vdm_error {
	int code;          /* negative errno-style code, 0 when no error */
	int exit_code;     /* kept equal to vdm_err_kind_exit(kind) when kind is set (older callers
			    * and tests read it); 0 = derive from code */
	char msg[2048];
	enum vdm_err_kind kind;
};

/* The exit code of a kind (VDM_ERR_UNSET: 0, meaning "derive it"). */
enum vdm_exit vdm_err_kind_exit(enum vdm_err_kind kind);
/* The exit code a front end uses for err: its kind's, else its exit_code, else from the code
 * (-EINVAL, -ENOENT: 1; -ENOSPC: 2; anything else: 4). */
enum vdm_exit vdm_err_exit_of(const struct vdm_error *err);
/* The name of a kind ("input", "not_found", ..., "backend"; "unset"), for JSON and logs. */
const char *vdm_err_kind_name(enum vdm_err_kind kind);

/* Sets the kind of an error already filled (a caller that knows better classifies it). */
void vdm_err_set_kind(struct vdm_error *err, enum vdm_err_kind kind);

/* Sets *err (if err is not NULL) and returns code, so that callers can write
 * `return vdm_err(err, -EINVAL, "pool %s: ...", name);`. code must be negative. */
int vdm_err(struct vdm_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vdm_verr(struct vdm_error *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Like vdm_err, with the kind of the failure. */
int vdm_err_kind(struct vdm_error *err, int code, enum vdm_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Like vdm_err, but also says which exit code the CLI must use (the kind becomes the first
 * kind of that exit code: INPUT, NOPLAN, UNPROTECTED or BACKEND). */
int vdm_err_exit(struct vdm_error *err, int code, enum vdm_exit exit_code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Puts "prefix: " in front of the message already in *err (context added on the way up). */
void vdm_err_prefix(struct vdm_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void vdm_err_clear(struct vdm_error *err);

#endif
