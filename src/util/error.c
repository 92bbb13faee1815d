/* error.c: filling and prefixing struct vdm_error. A message often quotes outside text (a
 * guest's stderr, a VIOS's output, a file's name): it is stored with control characters
 * escaped, so that whoever prints it prints nothing a terminal would act on. */
#include <errno.h>
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
		err->kind = VDM_ERR_UNSET;
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
	if (err) {
		err->exit_code = exit_code;
		err->kind = exit_code == VDM_EXIT_INPUT ? VDM_ERR_INPUT
			  : exit_code == VDM_EXIT_NOPLAN ? VDM_ERR_NOPLAN
			  : exit_code == VDM_EXIT_UNPROTECTED ? VDM_ERR_UNPROTECTED
			  : exit_code == VDM_EXIT_BACKEND ? VDM_ERR_BACKEND : VDM_ERR_UNSET;
	}
	return code;
}

int vdm_err_kind(struct vdm_error *err, int code, enum vdm_err_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdm_verr(err, code, fmt, ap);
	va_end(ap);
	vdm_err_set_kind(err, kind);
	return code;
}

void vdm_err_set_kind(struct vdm_error *err, enum vdm_err_kind kind)
{
	if (!err)
		return;
	err->kind = kind;
	err->exit_code = vdm_err_kind_exit(kind);
}

enum vdm_exit vdm_err_kind_exit(enum vdm_err_kind kind)
{
	switch (kind) {
	case VDM_ERR_INPUT:
	case VDM_ERR_NOT_FOUND:
	case VDM_ERR_BUSY:
	case VDM_ERR_DECLINED:
		return VDM_EXIT_INPUT;
	case VDM_ERR_NOPLAN:
	case VDM_ERR_STALE:
		return VDM_EXIT_NOPLAN;
	case VDM_ERR_UNPROTECTED:
		return VDM_EXIT_UNPROTECTED;
	case VDM_ERR_BACKEND:
	case VDM_ERR_STOPPED:
		return VDM_EXIT_BACKEND;
	case VDM_ERR_UNSET:
		break;
	}
	return VDM_EXIT_OK;
}

const char *vdm_err_kind_name(enum vdm_err_kind kind)
{
	static const char *const names[] = { "unset", "input", "not_found", "busy", "declined",
					     "noplan", "stale", "unprotected", "backend",
					     "stopped" };
	return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unset";
}

enum vdm_exit vdm_err_exit_of(const struct vdm_error *err)
{
	if (err->kind != VDM_ERR_UNSET)
		return vdm_err_kind_exit(err->kind);
	if (err->exit_code)
		return (enum vdm_exit)err->exit_code;
	switch (err->code) {
	case -EINVAL:
	case -ENOENT:
		return VDM_EXIT_INPUT;
	case -ENOSPC:
		return VDM_EXIT_NOPLAN;
	default:
		return VDM_EXIT_BACKEND;
	}
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
