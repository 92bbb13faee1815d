/* text.c: the one line iterator, word splitter and checked integer parser that every parser
 * of outside text (VIOS and AIX command outputs) uses. */
#include <errno.h>
#include "vdmirror/util.h"

static bool text_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

bool vdm_lines_next(struct vdm_lines *it, const char **line, size_t *len)
{
	while (it->p && *it->p) {
		const char *e = strchr(it->p, '\n');
		size_t n = e ? (size_t)(e - it->p) : strlen(it->p);
		*line = it->p;
		*len = n;
		it->p += n + (e ? 1 : 0);
		it->no++;
		for (size_t k = 0; k < n; k++)
			if (!text_blank((*line)[k]))
				return true;
	}
	return false;
}

int vdm_words_split(const char *line, size_t len, size_t max, vdm_words *out)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && text_blank(line[i]))
			i++;
		size_t s = i;
		while (i < len && !text_blank(line[i]))
			i++;
		if (i > s) {
			if (out->n >= max)
				return -E2BIG;
			VEC_PUSH(out, strndup(line + s, i - s));
			if (!out->v[out->n - 1])
				abort();
		}
	}
	return 0;
}

void vdm_words_free(vdm_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof *w);
}

int vdm_parse_uint_n(const char *s, size_t n, int base, int64_t *v)
{
	if (!s || !n || (base != 10 && base != 16))
		return -EINVAL;
	int64_t r = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		if (__builtin_mul_overflow(r, base, &r) || __builtin_add_overflow(r, d, &r))
			return -ERANGE;
	}
	*v = r;
	return 0;
}

int vdm_parse_uint(const char *s, int base, int64_t *v)
{
	return s ? vdm_parse_uint_n(s, strlen(s), base, v) : -EINVAL;
}
