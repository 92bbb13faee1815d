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

/* Checked size arithmetic, the one helper of the project (formats.md: sizes are 64-bit; a sum
 * or product that does not fit is bad input, never a wrapped number). vdm_add_overflows and
 * vdm_mul_overflows store the exact result in *out and return false, or return true when it
 * does not fit in int64_t. vdm_add_sat clamps to INT64_MIN/INT64_MAX instead, for running
 * totals that are only compared and whose real value is checked elsewhere. */
static inline bool vdm_add_overflows(int64_t a, int64_t b, int64_t *out)
{
	return __builtin_add_overflow(a, b, out);
}
static inline bool vdm_mul_overflows(int64_t a, int64_t b, int64_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}
static inline int64_t vdm_add_sat(int64_t a, int64_t b)
{
	int64_t s;
	if (!__builtin_add_overflow(a, b, &s))
		return s;
	return b > 0 ? INT64_MAX : INT64_MIN;
}

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

/* ---- text and numbers from outside (command outputs, reports): text.c ---- */

/* Non-blank lines of a text, without allocating:
 *   struct vdm_lines it = { text, 0 }; const char *l; size_t n;
 *   while (vdm_lines_next(&it, &l, &n)) ... it.no is l's line number (1-based) */
struct vdm_lines { const char *p; int no; };
bool vdm_lines_next(struct vdm_lines *it, const char **line, size_t *len);

/* Words of a line (split at runs of blanks: space, tab, CR), appended to *out as copies.
 * -E2BIG when the line has more than max words (nothing is dropped silently). */
typedef VEC(char *) vdm_words;
int vdm_words_split(const char *line, size_t len, size_t max, vdm_words *out);
void vdm_words_free(vdm_words *w);

/* Checked unsigned integers: the n characters at s must all be digits of `base` (10 or 16):
 * no sign, no blank, not empty, no overflow of int64_t. 0, or -EINVAL / -ERANGE. */
int vdm_parse_uint_n(const char *s, size_t n, int base, int64_t *v);
/* Same for a whole NUL-terminated string. */
int vdm_parse_uint(const char *s, int base, int64_t *v);

/* ---- argv vectors: argv.c ---- */

/* A growing argv with a hard limit that fails instead of truncating. Arguments are borrowed
 * (not copied); v is NULL-terminated after every successful add.
 *   struct vdm_argv a = VDM_ARGV_INIT(64); if (vdm_argv_addv(&a, (const char *[]){ "ls", NULL }) < 0) ...
 *   run(a.v); vdm_argv_free(&a); */
struct vdm_argv { char **v; size_t n, cap, max; };
#define VDM_ARGV_INIT(maxargs) { NULL, 0, 0, (maxargs) }
/* -E2BIG (nothing added) when the vector would pass max arguments; -EINVAL for NULL. */
int vdm_argv_add(struct vdm_argv *a, const char *arg);
/* Adds a NULL-terminated list, all or nothing. */
int vdm_argv_addv(struct vdm_argv *a, const char *const *args);
void vdm_argv_free(struct vdm_argv *a);

#endif
