/* error.c: filling and prefixing struct vdm_error. A message often quotes outside text (a
 * guest's stderr, a VIOS's output, a file's name): it is stored with control characters
 * escaped, so that whoever prints it prints nothing a terminal would act on. */
#include <stdio.h>
#include <string.h>
#include "vdmirror/error.h"
#include "vdmirror/util.h"

int vdm_verr(struct vdm_error *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		char raw[sizeof err->msg];
		err->code = code;
		err->exit_code = 0;
		vsnprintf(raw, sizeof raw, fmt, ap);
		vdm_escape_ctl(err->msg, sizeof err->msg, raw);
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
	old[sizeof old - 1] = '\0';
	/* truncation of an over-long message is accepted: the start names the object; the old
	 * message may have been written without vdm_err, so all of it is escaped (idempotent) */
	char raw[sizeof prefix + sizeof old + 2];
	snprintf(raw, sizeof raw, "%s: %s", prefix, old);
	vdm_escape_ctl(err->msg, sizeof err->msg, raw);
}

void vdm_err_clear(struct vdm_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}
