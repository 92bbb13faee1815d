/* aix_parse.c: the parsers of the AIX LVM commands the aix driver runs (lspv, lsvg, lsvg -p,
 * lsvg -l, lslv -m, lslv, lscfg, lspath; mirror pools and allocation rules; the combined
 * per-object discovery command and its output), declared in aix.h.
 * Outside input (a compromised partition controls it): every field is checked. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "vdmirror/model.h"
#include "aix.h"

#define AIX_MAX_COLS 4096

/* ---- small text helpers (lines, words and numbers: util's text.c) ---- */

typedef vdm_words aix_words;
#define words_free vdm_words_free

/* Next non-blank line split at blanks; returns 0 at the end, -1 for a line of more than
 * AIX_MAX_COLS words (not output of the command asked). */
static int next_words(struct vdm_lines *it, aix_words *w)
{
	const char *line;
	size_t n;
	words_free(w);
	if (!vdm_lines_next(it, &line, &n))
		return 0;
	return vdm_words_split(line, n, AIX_MAX_COLS, w) < 0 ? -1 : 1;
}

static int num(const char *s, int64_t *v)
{
	return vdm_parse_uint(s, 10, v) < 0 ? -1 : 0;
}

/* Integer after "KEY:" in AIX's two-column "KEY: value" reports; the key must start a line or
 * a column (so "LPs:" does not match inside "MAX LPs:"). -1 when absent. */
static int kv_int(const char *text, const char *key, int64_t *v)
{
	size_t kl = strlen(key);
	for (const char *p = text; (p = strstr(p, key)); p += kl) {
		int start = p == text || p[-1] == '\n' ||
			    (p[-1] == ' ' && (p - 1 == text || p[-2] == ' ' || p[-2] == '\t' ||
					      !((p[-2] >= 'A' && p[-2] <= 'Z') || (p[-2] >= 'a' && p[-2] <= 'z'))));
		if (!start)
			continue;
		const char *q = p + kl;
		while (*q == ' ' || *q == '\t')
			q++;
		int64_t r;
		if (vdm_parse_uint_n(q, strspn(q, "0123456789"), 10, &r) < 0)
			return -1;
		*v = r;
		return 0;
	}
	return -1;
}

static int aix_long_line(struct vdm_error *err, int no)
{
	return vdm_err(err, -EPROTO, "line %d: more than %d words (not the output asked for)",
		       no, AIX_MAX_COLS);
}

static char *none_null(const char *s)
{
	return (!s || !strcasecmp(s, "none")) ? NULL : xstrdup(s);
}

/* ---- parsers ---- */

int aix_parse_lspv(const char *text, aix_pvs *out, struct vdm_error *err)
{
	struct vdm_lines it = { text, 0 };
	aix_words w = {0};
	int rcw;
	while ((rcw = next_words(&it, &w)) > 0) {
		/* any device name (rendev: EMC_3451_0DEF), up to AIX's 15 characters */
		if (w.n < 3 || w.n > 4 || strlen(w.v[0]) > 15) {
			words_free(&w);
			return vdm_err(err, -EPROTO, "lspv: line %d: expected NAME PVID VG [STATE] "
				       "(output truncated?)", it.no);
		}
		struct aix_pv pv = { xstrdup(w.v[0]), none_null(w.v[1]), none_null(w.v[2]),
				     w.n == 4 ? xstrdup(w.v[3]) : NULL };
		VEC_PUSH(out, pv);
	}
	words_free(&w);
	if (rcw < 0)
		return aix_long_line(err, it.no);
	return 0;
}

int aix_parse_lsvg(const char *text, int64_t *pp_mib, int64_t *stale_pps, struct vdm_error *err)
{
	const char *pp = strstr(text, "PP SIZE:");
	if (kv_int(text, "PP SIZE:", pp_mib) < 0 || *pp_mib <= 0 || !strstr(pp, "megabyte"))
		return vdm_err(err, -EPROTO, "lsvg: no 'PP SIZE: N megabyte(s)' (output truncated?)");
	if (kv_int(text, "STALE PPs:", stale_pps) < 0)
		*stale_pps = -1;
	return 0;
}

int aix_parse_lsvg_p(const char *text, aix_vgpvs *out, struct vdm_error *err)
{
	struct vdm_lines it = { text, 0 };
	aix_words w = {0};
	int rcw;
	while ((rcw = next_words(&it, &w)) > 0) {
		size_t l = strlen(w.v[0]);
		if ((w.n == 1 && l && w.v[0][l - 1] == ':') || !strcmp(w.v[0], "PV_NAME"))
			continue;     /* "rootvg:" and the header */
		struct aix_vgpv v = {0};
		if (w.n < 4 || num(w.v[2], &v.total) || num(w.v[3], &v.free) || v.free > v.total) {
			words_free(&w);
			return vdm_err(err, -EPROTO, "lsvg -p: line %d: expected PV_NAME STATE TOTAL "
				       "FREE ... (output truncated?)", it.no);
		}
		v.name = xstrdup(w.v[0]);
		v.state = xstrdup(w.v[1]);
		VEC_PUSH(out, v);
	}
	words_free(&w);
	if (rcw < 0)
		return aix_long_line(err, it.no);
	if (!out->n)
		return vdm_err(err, -EPROTO, "lsvg -p: no physical volume listed (output truncated?)");
	return 0;
}

int aix_parse_lsvg_l(const char *text, aix_lvs *out, struct vdm_error *err)
{
	struct vdm_lines it = { text, 0 };
	aix_words w = {0};
	int rcw;
	while ((rcw = next_words(&it, &w)) > 0) {
		size_t l = strlen(w.v[0]);
		if ((w.n == 1 && l && w.v[0][l - 1] == ':') ||
		    (w.n > 1 && !strcmp(w.v[0], "LV") && !strcmp(w.v[1], "NAME")))
			continue;
		struct aix_lv v = {0};
		if (w.n < 6 || num(w.v[2], &v.lps) || num(w.v[3], &v.pps) || num(w.v[4], &v.pvs)) {
			words_free(&w);
			return vdm_err(err, -EPROTO, "lsvg -l: line %d: expected LV TYPE LPs PPs PVs "
				       "STATE ... (output truncated?)", it.no);
		}
		v.name = xstrdup(w.v[0]);
		v.type = xstrdup(w.v[1]);
		v.stale = strstr(w.v[5], "stale") != NULL;
		VEC_PUSH(out, v);
	}
	words_free(&w);
	if (rcw < 0)
		return aix_long_line(err, it.no);
	return 0;
}

int aix_parse_lslv_m(const char *text, struct aix_lvmap *m, struct vdm_error *err)
{
	struct vdm_lines it = { text, 0 };
	int header = 0;
	aix_words w = {0};
	int rcw;
	memset(m, 0, sizeof *m);
	while ((rcw = next_words(&it, &w)) > 0) {
		if (!header) {
			if (!strcmp(w.v[0], "LP")) {
				header = 1;
				m->copies = (int)((w.n - 1) / 2);
				if (m->copies < 1 || m->copies > 3)
					goto bad;
			}
			continue;    /* "hd4:/" */
		}
		int64_t lp;
		if (num(w.v[0], &lp) || lp != m->lps + 1 || w.n < 3 || (w.n - 1) % 2 ||
		    (int)((w.n - 1) / 2) > m->copies || lp > 10000000)
			goto bad;
		m->lps = lp;
		/* the row exists (all NULL) before it is filled, so a bad row frees cleanly; LPs
		 * come 1, 2, 3...: the rows double at each power of two, linear overall */
		for (int c = 0; c < m->copies; c++) {
			if ((lp & (lp - 1)) == 0)
				m->pv[c] = xrealloc(m->pv[c], 2 * (size_t)lp * sizeof(char *));
			m->pv[c][lp - 1] = NULL;
		}
		for (int c = 0; c < m->copies; c++) {
			size_t k = 1 + 2 * (size_t)c;
			int64_t pp;
			if (k + 1 >= w.n)
				break;
			if (num(w.v[k], &pp) || strlen(w.v[k + 1]) > 15)
				goto bad;
			m->pv[c][lp - 1] = xstrdup(w.v[k + 1]);
		}
	}
	if (rcw < 0)
		goto bad;
	words_free(&w);
	if (!header)
		return vdm_err(err, -EPROTO, "lslv -m: no 'LP PP1 PV1' header (output truncated?)");
	return 0;
bad:
	words_free(&w);
	aix_lvmap_free(m);
	return vdm_err(err, -EPROTO, "lslv -m: line %d: expected LP PP PV [PP PV [PP PV]] in LP "
		       "order (output truncated?)", it.no);
}

int aix_parse_lslv(const char *text, int64_t *copies, int64_t *lps, int64_t *stale,
		   struct vdm_error *err)
{
	if (kv_int(text, "COPIES:", copies) < 0 || kv_int(text, "LPs:", lps) < 0 ||
	    kv_int(text, "STALE PPs:", stale) < 0)
		return vdm_err(err, -EPROTO, "lslv: COPIES, LPs or STALE PPs missing "
			       "(output truncated?)");
	return 0;
}

/* The first word after "KEY:" where KEY starts a line or a column (two blanks before it, so
 * "MIRROR POOL:" does not match inside "COPY 1 MIRROR POOL:"); *n its length, NULL when the
 * key is absent or has no value on its line. */
static const char *kv_word(const char *text, const char *key, size_t *n)
{
	size_t kl = strlen(key);
	for (const char *p = text; (p = strstr(p, key)); p += kl) {
		if (!(p == text || p[-1] == '\n' || (p[-1] == ' ' && p - 1 > text && p[-2] == ' ')))
			continue;
		const char *q = p + kl;
		q += strspn(q, " \t");
		*n = strcspn(q, " \t\r\n");
		return *n ? q : NULL;
	}
	return NULL;
}

static bool word_is(const char *w, size_t n, const char *s)
{
	return w && n == strlen(s) && !strncmp(w, s, n);
}

bool aix_pool_name_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 15 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					   "0123456789_.-") == n;
}

/* A pool value: None is NULL; anything AIX would not name a pool is an error. */
static int pool_value(const char *w, size_t n, const char *what, char **out, struct vdm_error *err)
{
	*out = NULL;
	if (!w || word_is(w, n, "None"))
		return 0;
	char *v = xasprintf("%.*s", (int)(n > 64 ? 64 : n), w);
	if (!aix_pool_name_ok(v)) {
		int rc = vdm_err(err, -EPROTO, "%s: mirror pool name '%s' is not 1-15 of "
				 "[A-Za-z0-9_.-]", what, v);
		free(v);
		return rc;
	}
	*out = v;
	return 0;
}

int aix_parse_mp_strict(const char *text, enum aix_mp_strict *out, struct vdm_error *err)
{
	size_t n;
	const char *w = kv_word(text, "MIRROR POOL STRICT:", &n);
	*out = AIX_MP_OFF;
	if (!w || word_is(w, n, "off"))
		return 0;
	if (word_is(w, n, "on"))
		*out = AIX_MP_ON;
	else if (word_is(w, n, "super"))
		*out = AIX_MP_SUPER;
	else
		return vdm_err(err, -EPROTO, "lsvg: MIRROR POOL STRICT '%.*s' is not off, on or super",
			       (int)(n > 32 ? 32 : n), w);
	return 0;
}

int aix_parse_lslv_alloc(const char *text, struct aix_lvalloc *a, struct vdm_error *err)
{
	memset(a, 0, sizeof *a);
	size_t n;
	const char *w = kv_word(text, "EACH LP COPY ON A SEPARATE PV ?:", &n);
	if (!w)
		return vdm_err(err, -EPROTO, "lslv: no 'EACH LP COPY ON A SEPARATE PV ?' (output "
			       "truncated?)");
	/* UPPER BOUND: up to MAX PVs of a scalable VG (1024); -1 where lslv does not print it */
	if (kv_int(text, "UPPER BOUND:", &a->upper) < 0)
		a->upper = -1;
	else if (a->upper < 1 || a->upper > 1024)
		return vdm_err(err, -EPROTO, "lslv: UPPER BOUND %lld is not 1..1024",
			       (long long)a->upper);
	const char *eol = w + strcspn(w, "\n");
	if (word_is(w, n, "no"))
		a->strict = 0;
	else if (word_is(w, n, "yes")) {
		const char *sup = strstr(w, "superstrict");
		a->strict = sup && sup < eol ? 2 : 1;
	} else {
		return vdm_err(err, -EPROTO, "lslv: EACH LP COPY ON A SEPARATE PV '%.*s' is not yes "
			       "or no", (int)(n > 32 ? 32 : n), w);
	}
	for (int c = 0; c < 3; c++) {
		char key[32];
		snprintf(key, sizeof key, "COPY %d MIRROR POOL:", c + 1);
		const char *pw = kv_word(text, key, &n);
		if (pool_value(pw, n, "lslv", &a->pool[c], err) < 0) {
			aix_lvalloc_free(a);
			return -EPROTO;
		}
	}
	return 0;
}

void aix_lvalloc_free(struct aix_lvalloc *a)
{
	for (int c = 0; c < 3; c++)
		free(a->pool[c]);
	memset(a, 0, sizeof *a);
}

int aix_parse_lspv_pool(const char *text, char **pool, struct vdm_error *err)
{
	size_t n = 0;
	const char *w = kv_word(text, "MIRROR POOL:", &n);
	return pool_value(w, n, "lspv", pool, err);
}

int aix_parse_lscfg(const char *text, int64_t *slot, char **lun, struct vdm_error *err)
{
	struct vdm_lines it = { text, 0 };
	aix_words w = {0};
	int rcw;
	*lun = NULL;
	*slot = -1;
	while ((rcw = next_words(&it, &w)) > 0) {
		for (size_t i = 0; i < w.n; i++) {
			const char *loc = w.v[i];
			const char *l = strstr(loc, "-L");
			if (loc[0] != 'U' || !l)
				continue;
			const char *c = NULL;
			for (const char *q = loc; (q = strstr(q, "-C")) && q < l; q += 2)
				c = q;
			size_t hex = strspn(l + 2, "0123456789abcdefABCDEF");
			if (!c || !hex || hex > 16 || l[2 + hex])
				continue;
			int64_t s;
			size_t dn = strspn(c + 2, "0123456789");
			if (!dn || dn > 9 || vdm_parse_uint_n(c + 2, dn, 10, &s) < 0)
				continue;
			*slot = s;
			*lun = xasprintf("0x%.*s", (int)hex, l + 2);
			words_free(&w);
			return 0;
		}
	}
	words_free(&w);
	if (rcw < 0)
		return aix_long_line(err, it.no);
	return vdm_err(err, -EPROTO, "lscfg: no location code like U...-C11-T1-L8100000000000000");
}

int aix_parse_lspath(const char *text, aix_paths *out, struct vdm_error *err)
{
	struct vdm_lines it = { text, 0 };
	aix_words w = {0};
	int rcw;
	while ((rcw = next_words(&it, &w)) > 0) {
		if (w.n != 3 || strncmp(w.v[2], "vscsi", 5)) {
			words_free(&w);
			return vdm_err(err, -EPROTO, "lspath: line %d: expected STATUS hdiskN vscsiN "
				       "(output truncated?)", it.no);
		}
		struct aix_path a = { xstrdup(w.v[0]), xstrdup(w.v[2]) };
		VEC_PUSH(out, a);
	}
	words_free(&w);
	if (rcw < 0)
		return aix_long_line(err, it.no);
	if (!out->n)
		return vdm_err(err, -EPROTO, "lspath: no path listed");
	return 0;
}

int aix_parse_lscfg_slot(const char *text, int64_t *slot, struct vdm_error *err)
{
	struct vdm_lines it = { text, 0 };
	aix_words w = {0};
	int rcw;
	while ((rcw = next_words(&it, &w)) > 0) {
		for (size_t i = 0; i < w.n; i++) {
			const char *loc = w.v[i], *c = NULL;
			if (loc[0] != 'U')
				continue;
			for (const char *q = loc; (q = strstr(q, "-C")); q += 2)
				c = q;
			size_t dn = c ? strspn(c + 2, "0123456789") : 0;
			if (!dn || dn > 9 || (c[2 + dn] && c[2 + dn] != '-'))
				continue;
			int64_t s;
			if (vdm_parse_uint_n(c + 2, dn, 10, &s) < 0)
				continue;
			*slot = s;
			words_free(&w);
			return 0;
		}
	}
	words_free(&w);
	if (rcw < 0)
		return aix_long_line(err, it.no);
	return vdm_err(err, -EPROTO, "lscfg: no adapter location like U...-C12-T1");
}

void aix_paths_free(aix_paths *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].status), free(v->v[i].parent);
	free(v->v);
	memset(v, 0, sizeof *v);
}

void aix_pvs_free(aix_pvs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].name), free(v->v[i].pvid), free(v->v[i].vg), free(v->v[i].state);
	free(v->v);
	memset(v, 0, sizeof *v);
}

void aix_vgpvs_free(aix_vgpvs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].name), free(v->v[i].state);
	free(v->v);
	memset(v, 0, sizeof *v);
}

void aix_lvs_free(aix_lvs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].name), free(v->v[i].type);
	free(v->v);
	memset(v, 0, sizeof *v);
}

void aix_lvmap_free(struct aix_lvmap *m)
{
	for (int c = 0; c < 3; c++) {
		for (int64_t i = 0; m->pv[c] && i < m->lps; i++)
			free(m->pv[c][i]);
		free(m->pv[c]);
	}
	memset(m, 0, sizeof *m);
}

/* ---- one command for many objects (discovery's per-object commands) ---- */

/* Per enum aix_each_cmd: the loop's key, the command's words (N1: the name, N2: name2), what
 * the names are. The one table of the loop's commands: the loop below, the line it prints
 * before each output and the command run one by one are all made from it. Fixed words are
 * plain options (no shell character: the loop holds them unquoted). */
static const char N1[] = "", N2[] = "";
static const struct { char key; const char *argv[8]; const char *what, *what2; } each_cmds[] = {
	[AIX_EACH_LSLV_M] = { 'm', { "lslv", "-m", N1 }, "LV", NULL },
	[AIX_EACH_LSLV] = { 'l', { "lslv", N1 }, "LV", NULL },
	[AIX_EACH_LSPV] = { 'p', { "lspv", N1 }, "PV", NULL },
	[AIX_EACH_LSCFG] = { 'c', { "lscfg", "-l", N1 }, "device", NULL },
	[AIX_EACH_LSVG] = { 'v', { "lsvg", N1 }, "volume group", NULL },
	[AIX_EACH_LSVG_P] = { 'P', { "lsvg", "-p", N1 }, "volume group", NULL },
	[AIX_EACH_LSVG_L] = { 'L', { "lsvg", "-l", N1 }, "volume group", NULL },
	[AIX_EACH_LSPATH] = { 'h', { "lspath", "-l", N1 }, "disk", NULL },
	[AIX_EACH_UNIQUE_ID] = { 'u', { "lsattr", "-El", N1, "-a", "unique_id", "-F", "value" },
				 "disk", NULL },
	[AIX_EACH_LSLV_P] = { 's', { "lslv", "-p", N1, N2 }, "PV", "LV" },
};

/* each_words: command CMD's words, N1 and N2 written as NAME1 and NAME2 */
static void each_words(struct strbuf *b, enum aix_each_cmd cmd, const char *name1,
		       const char *name2)
{
	for (const char *const *w = each_cmds[cmd].argv; *w; w++)
		strbuf_addf(b, "%s%s", w == each_cmds[cmd].argv ? "" : " ",
			    *w == N1 ? name1 : *w == N2 ? name2 : *w);
}

/* each_script: the loop the partition's shell runs. $0 is the marker, each argument "K:NAME"
 * one object (K: each_cmds' key), "K:PV:LV" for a command of two names (AIX names hold no
 * ':', so the split is sure). Each object prints "MARK COMMAND-LINE", the command's output,
 * then "MARK rc=N". Names are AIX names (checked in aix_each_argv), so they need no quoting in
 * echo; `for a in "$@"`, ${a#K:} and ${n%%:*} are POSIX and ksh88 (AIX's /usr/bin/sh). A
 * command's fixed options live here, never in the arguments. */
static char *each_script(void)
{
	struct strbuf b = STRBUF_INIT(1024);
	strbuf_adds(&b, "for a in \"$@\"; do case $a in ");
	for (size_t c = 0; c < sizeof each_cmds / sizeof *each_cmds; c++) {
		strbuf_addf(&b, "%c:*) n=${a#%c:}; ", each_cmds[c].key, each_cmds[c].key);
		if (each_cmds[c].what2)
			strbuf_adds(&b, "v=${n#*:}; n=${n%%:*}; ");
		strbuf_adds(&b, "echo \"$0 ");
		each_words(&b, c, "$n", "$v");
		strbuf_adds(&b, "\"; ");
		each_words(&b, c, "\"$n\"", "\"$v\"");
		strbuf_adds(&b, ";; ");
	}
	strbuf_adds(&b, "*) exit 2;; esac; echo \"$0 rc=$?\"; done");
	return strbuf_detach(&b);
}

void aix_each_cmd_argv(const struct aix_each *e, char *argv[8])
{
	size_t i = 0;
	for (const char *const *w = each_cmds[e->cmd].argv; i < 7 && *w; w++)
		argv[i++] = (char *)(*w == N1 ? e->name : *w == N2 ? (e->name2 ? e->name2 : "")
								    : *w);
	argv[i] = NULL;
}

char *aix_each_line(const struct aix_each *e)
{
	struct strbuf b = STRBUF_INIT(256);
	each_words(&b, e->cmd, e->name, e->name2 ? e->name2 : "");
	return strbuf_detach(&b);
}

static bool each_mark_ok(const char *mark)
{
	return mark && !strncmp(mark, "#vdm-", 5) && mark[5] &&
	       strspn(mark + 5, "0123456789abcdef") == strlen(mark + 5) && strlen(mark) <= 64;
}

char **aix_each_argv(const char *mark, const struct aix_each *it, size_t n, struct vdm_error *err)
{
	if (!each_mark_ok(mark)) {
		vdm_err(err, -EINVAL, "aix: marker '%s' invalid", mark ? mark : "");
		return NULL;
	}
	if (n > 4096) {
		vdm_err(err, -E2BIG, "aix: %zu objects: too many for one command", n);
		return NULL;
	}
	char **av = xcalloc(n + 5, sizeof *av);
	av[0] = xstrdup("sh");
	av[1] = xstrdup("-c");
	av[2] = each_script();
	av[3] = xstrdup(mark);
	for (size_t i = 0; i < n; i++) {
		/* the shell sees these names: only what AIX itself allows for a device or LV name */
		const char *bad = !vdm_name_valid_short(it[i].name, 15) ? it[i].name : NULL,
			   *what = each_cmds[it[i].cmd].what, *what2 = each_cmds[it[i].cmd].what2;
		if (!bad && what2 && !(it[i].name2 && vdm_name_valid_short(it[i].name2, 15)))
			bad = it[i].name2 ? it[i].name2 : "", what = what2;
		if (bad) {
			vdm_err(err, -EPROTO, "aix: %s name '%s' unusable", what, bad);
			aix_each_argv_free(av);
			return NULL;
		}
		av[4 + i] = what2 ? xasprintf("%c:%s:%s", each_cmds[it[i].cmd].key, it[i].name,
					      it[i].name2)
				  : xasprintf("%c:%s", each_cmds[it[i].cmd].key, it[i].name);
	}
	return av;
}

void aix_each_argv_free(char **av)
{
	for (size_t i = 0; av && av[i]; i++)
		free(av[i]);
	free(av);
}

int aix_parse_each(const char *text, const char *mark, struct aix_each *it, size_t n,
		   struct vdm_error *err)
{
	if (!each_mark_ok(mark))
		return vdm_err(err, -EINVAL, "aix: marker '%s' invalid", mark ? mark : "");
	size_t ml = strlen(mark);
	const char *p = text;
	for (size_t i = 0; i < n; i++) {
		CLEANUP_FREE char *what = aix_each_line(&it[i]);
		CLEANUP_FREE char *begin = xasprintf("%s %s\n", mark, what);
		if (strncmp(p, begin, strlen(begin)))
			return vdm_err(err, -EPROTO, "combined output: '%s' missing at object %zu of "
				       "%zu (output cut short, or not the loop's)", what, i + 1, n);
		p += strlen(begin);
		/* the output ends where the marker comes next, at a line's start or not (a last
		 * line without its newline): a random marker is in no command's output */
		const char *q = strstr(p, mark);
		int64_t rc;
		size_t dl;
		if (!q || strncmp(q + ml, " rc=", 4) ||
		    (dl = strspn(q + ml + 4, "0123456789")) == 0 || dl > 3 ||
		    q[ml + 4 + dl] != '\n' || vdm_parse_uint_n(q + ml + 4, dl, 10, &rc) < 0 ||
		    rc > 255)
			return vdm_err(err, -EPROTO, "combined output: %s: no exit status after its "
				       "output (output cut short?)", what);
		free(it[i].out);
		it[i].out = xmalloc((size_t)(q - p) + 1);
		memcpy(it[i].out, p, (size_t)(q - p));
		it[i].out[q - p] = '\0';
		it[i].rc = (int)rc;
		p = q + ml + 4 + dl + 1;
	}
	if (*p)
		return vdm_err(err, -EPROTO, "combined output: %zu bytes after the last object "
			       "(not the loop's output)", strlen(p));
	return 0;
}

void aix_each_free(struct aix_each *it, size_t n)
{
	for (size_t i = 0; it && i < n; i++) {
		free(it[i].out);
		free(it[i].errout);
		it[i].out = it[i].errout = NULL;
	}
}
