/* xalloc.c: allocators that abort on OOM (vdmirror's OOM policy), and a monotonic clock. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "vdmirror/util.h"

static void *xalloc_check(void *p)
{
	if (!p) {
		fputs("vdmirror: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n) { return xalloc_check(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return xalloc_check(calloc(n ? n : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t n) { return xalloc_check(realloc(p, n ? n : 1)); }
char *xstrdup(const char *s) { return xalloc_check(strdup(s)); }

char *xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return xalloc_check(n < 0 ? NULL : s);
}

int64_t vdm_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
