/* warnings.c: the warnings array discovery fills instead of failing (see warnings.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "vdmirror/util.h"
#include "vdmirror/warnings.h"

static void warn_add(json_t *obj, const char *text)
{
	json_t *arr = json_object_get(obj, "warnings");
	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(obj, "warnings", arr);
	}
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), text))
			return;
	json_array_append_new(arr, json_string(text));
}

void vdm_warn(json_t *obj, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	warn_add(obj, buf);
}

void vdm_warnings_collect(json_t *inv)
{
	size_t i, k;
	json_t *part, *w;
	json_array_foreach(json_object_get(inv, "partitions"), i, part) {
		json_array_foreach(json_object_get(part, "warnings"), k, w)
			if (json_is_string(w))
				warn_add(inv, json_string_value(w));
		json_object_del(part, "warnings");
	}
}
