/* strbuf.c: growable NUL-terminated buffers with a hard size cap. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "vdmirror/util.h"

int strbuf_add(struct strbuf *b, const void *data, size_t n)
{
	int rc = 0;
	if (b->max && b->len + n > b->max) {
		n = b->max - b->len;
		rc = -E2BIG;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = xrealloc(b->s, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
	return rc;
}

int strbuf_adds(struct strbuf *b, const char *s) { return strbuf_add(b, s, strlen(s)); }

int strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("vdmirror: out of memory\n", stderr);
		abort();
	}
	int rc = strbuf_add(b, s, (size_t)n);
	free(s);
	return rc;
}

void strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void strbuf_free(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *strbuf_detach(struct strbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}
