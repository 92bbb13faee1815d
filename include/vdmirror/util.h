/* util.h: allocation, growable vectors, bounded string buffers and cleanup helpers.
 * OOM policy: vdmirror is a CLI; the x* allocators print a message and abort(). */
#ifndef VDMIRROR_UTIL_H
#define VDMIRROR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable array: `VEC(struct vdm_disk) disks = {0}; VEC_PUSH(&disks, d); free(disks.v);` */
#define VEC(type) struct { type *v; size_t n, cap; }
#define VEC_RESERVE(vec, want) do { \
		if ((want) > (vec)->cap) { \
			size_t vec_ncap_ = (vec)->cap ? (vec)->cap * 2 : 8; \
			while (vec_ncap_ < (want)) vec_ncap_ *= 2; \
			(vec)->v = xrealloc((vec)->v, vec_ncap_ * sizeof(*(vec)->v)); \
			(vec)->cap = vec_ncap_; \
		} \
	} while (0)
#define VEC_PUSH(vec, item) do { \
		VEC_RESERVE((vec), (vec)->n + 1); \
		(vec)->v[(vec)->n++] = (item); \
	} while (0)

/* String buffer with a hard cap: anything fed by a peer (QMP, SSH, the agent) is bounded.
 * strbuf_add* return 0, or -E2BIG once the cap would be passed (the buffer keeps what fit). */
struct strbuf {
	char *s;       /* always NUL-terminated once anything was added */
	size_t len, cap, max;
};
#define STRBUF_INIT(maxlen) { NULL, 0, 0, (maxlen) }
int strbuf_add(struct strbuf *b, const void *data, size_t n);
int strbuf_adds(struct strbuf *b, const char *s);
int strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_reset(struct strbuf *b);
void strbuf_free(struct strbuf *b);
/* Hands the string over to the caller (who frees it) and resets the buffer. */
char *strbuf_detach(struct strbuf *b);

/* cleanup helpers for locals */
static inline void vdm_freep(void *p) { free(*(void **)p); }
#define CLEANUP_FREE __attribute__((cleanup(vdm_freep)))

/* Copies src into dst (size bytes, always NUL-terminated, cut before a whole escape) with
 * every control character shown as an escape: C0 and DEL as \xHH, UTF-8 C1 as \u00HH. The
 * output holds no control character, so escaping twice changes nothing. Returns its length.
 * Every error message passes through it (error.c); use it for any other text from outside
 * that reaches a terminal. */
size_t vdm_escape_ctl(char *dst, size_t size, const char *src);

/* Monotonic milliseconds, for timeouts and progress. */
int64_t vdm_now_ms(void);

#endif
