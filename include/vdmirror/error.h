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

struct vdm_error {
	int code;          /* negative errno-style code, 0 when no error */
	int exit_code;     /* which vdm_exit the CLI should use; 0 = derive from code */
	char msg[2048];
};

/* Sets *err (if err is not NULL) and returns code, so that callers can write
 * `return vdm_err(err, -EINVAL, "pool %s: ...", name);`. code must be negative. */
int vdm_err(struct vdm_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vdm_verr(struct vdm_error *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Like vdm_err, but also says which exit code the CLI must use. */
int vdm_err_exit(struct vdm_error *err, int code, enum vdm_exit exit_code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Puts "prefix: " in front of the message already in *err (context added on the way up). */
void vdm_err_prefix(struct vdm_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void vdm_err_clear(struct vdm_error *err);

#endif
