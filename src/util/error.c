/* error.c: filling and prefixing struct vdm_error. */
#include <stdio.h>
#include <string.h>
#include "vdmirror/error.h"

int vdm_verr(struct vdm_error *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		err->exit_code = 0;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return code;
}

int vdm_err(struct vdm_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdm_verr(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int vdm_err_exit(struct vdm_error *err, int code, enum vdm_exit exit_code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdm_verr(err, code, fmt, ap);
	va_end(ap);
	if (err)
		err->exit_code = exit_code;
	return code;
}

void vdm_err_prefix(struct vdm_error *err, const char *fmt, ...)
{
	char prefix[512], old[sizeof err->msg];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	/* truncation of an over-long message is accepted: the start names the object */
	int n = snprintf(err->msg, sizeof err->msg, "%s: ", prefix);
	if (n > 0 && (size_t)n < sizeof err->msg)
		memcpy(err->msg + n, old, strnlen(old, sizeof err->msg - (size_t)n - 1) + 1),
		err->msg[sizeof err->msg - 1] = '\0';
}

void vdm_err_clear(struct vdm_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}
