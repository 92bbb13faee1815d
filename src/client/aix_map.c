/* aix_map.c: the physical-partition map files of `mklvcopy -m MAPFILE` (AIX mklv/mklvcopy:
 * one "PVname:PPnum1[-PPnum2]" per line, partitions used in the order given), written from
 * the plan's segments, so each new copy lands exactly on the PVs and in the amounts planned;
 * then the check that it did (lslv -m). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vdmirror/client.h"
#include "vdmirror/transport.h"
#include "aix.h"
#include "aix_map.h"

#define AIX_MAX_PP 10000000     /* far above any VG's PPs per PV (scalable VG: 2^21 per VG) */

static struct aix_pp_pv *pp_pv(aix_pp_alloc *a, const char *pv, int create)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].pv, pv))
			return &a->v[i];
	if (!create)
		return NULL;
	struct aix_pp_pv p = { xstrdup(pv), {0} };
	VEC_PUSH(a, p);
	return &a->v[a->n - 1];
}

int aix_pp_add_free(aix_pp_alloc *a, const char *pv, int64_t first, int64_t last,
		    struct vdm_error *err)
{
	if (!pv || !*pv || strlen(pv) > 15 || first < 1 || last < first || last > AIX_MAX_PP)
		return vdm_err(err, -EINVAL, "aix map: %s: bad free range %lld-%lld", pv ? pv : "?",
			       (long long)first, (long long)last);
	struct aix_pp_pv *p = pp_pv(a, pv, 1);
	size_t at = p->free.n;
	for (size_t i = 0; i < p->free.n; i++) {
		if (!(last < p->free.v[i].first || first > p->free.v[i].last))
			return vdm_err(err, -EINVAL, "aix map: %s: free range %lld-%lld overlaps "
				       "%lld-%lld", pv, (long long)first, (long long)last,
				       (long long)p->free.v[i].first, (long long)p->free.v[i].last);
		if (last < p->free.v[i].first && at == p->free.n)
			at = i;
	}
	struct aix_pp_range r = { first, last };
	VEC_PUSH(&p->free, r);
	memmove(&p->free.v[at + 1], &p->free.v[at], (p->free.n - 1 - at) * sizeof r);
	p->free.v[at] = r;
	return 0;
}

int aix_pp_add_disk(aix_pp_alloc *a, const char *pv, int64_t total, struct vdm_error *err)
{
	return aix_pp_add_free(a, pv, 1, total, err);
}

void aix_pp_alloc_free(aix_pp_alloc *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].pv), free(a->v[i].free.v);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* A PP number: at most 8 digits (AIX_MAX_PP), nothing else. */
static int pp_num(const char *s, size_t n, int64_t *v)
{
	return n > 8 || vdm_parse_uint_n(s, n, 10, v) < 0 ? -1 : 0;
}

int aix_parse_lspv_M(const char *text, aix_pp_alloc *a, struct vdm_error *err)
{
	struct vdm_lines it = { text, 0 };
	const char *line;
	size_t len;
	while (vdm_lines_next(&it, &line, &len)) {
		int no = it.no;
		size_t s = strspn(line, " \t\r");
		/* first word: PV:FIRST[-LAST]; a second word (LV:LP) means the PP is used */
		size_t w = strcspn(line + s, " \t\r");
		if (s + w > len)
			w = len - s;
		const char *word = line + s;
		size_t rest = s + w + strspn(line + s + w, " \t\r");
		int used = rest < len;
		const char *colon = memchr(word, ':', w);
		if (colon && colon + 1 == word + w && !used)
			continue;                      /* the "hdisk1:" title line */
		if (!colon || colon == word || (size_t)(colon - word) > 15)
			return vdm_err(err, -EPROTO, "lspv -M: line %d: expected PV:PP[-PP] [LV:LP] "
				       "(output truncated?)", no);
		const char *num = colon + 1, *dash = memchr(num, '-', (size_t)(word + w - num));
		int64_t first, last;
		if (pp_num(num, (size_t)((dash ? dash : word + w) - num), &first) < 0 ||
		    (dash && pp_num(dash + 1, (size_t)(word + w - dash - 1), &last) < 0))
			return vdm_err(err, -EPROTO, "lspv -M: line %d: bad PP number", no);
		if (!dash)
			last = first;
		if (used)
			continue;
		CLEANUP_FREE char *pv = strndup(word, (size_t)(colon - word));
		int rc = aix_pp_add_free(a, pv, first, last, err);
		if (rc < 0)
			return (vdm_err_prefix(err, "lspv -M: line %d", no), rc);
	}
	return 0;
}

/* Takes n PPs, lowest first, from p, writing "name:FIRST[-LAST]" lines to out; 0, or
 * -ENOSPC with nothing taken. */
static int pp_take(struct aix_pp_pv *p, int64_t n, struct strbuf *out, const char *name)
{
	int64_t have = 0;
	for (size_t i = 0; i < p->free.n && have < n; i++)
		have += p->free.v[i].last - p->free.v[i].first + 1;
	if (have < n)
		return -ENOSPC;
	while (n > 0) {
		struct aix_pp_range *r = &p->free.v[0];
		int64_t k = r->last - r->first + 1 < n ? r->last - r->first + 1 : n;
		char line[64];
		if (k == 1)
			snprintf(line, sizeof line, ":%lld\n", (long long)r->first);
		else
			snprintf(line, sizeof line, ":%lld-%lld\n", (long long)r->first,
				 (long long)(r->first + k - 1));
		strbuf_adds(out, name);
		strbuf_adds(out, line);
		r->first += k;
		n -= k;
		if (r->first > r->last) {
			memmove(&p->free.v[0], &p->free.v[1], (p->free.n - 1) * sizeof *r);
			p->free.n--;
		}
	}
	return 0;
}

int aix_map_copy(aix_pp_alloc *a, const struct vdm_plan_copy *copy, int64_t lps,
		 const char *(*pvname)(const char *disk, void *ctx), void *ctx, char **text,
		 struct vdm_error *err)
{
	*text = NULL;
	int64_t sum = 0;
	for (size_t i = 0; i < copy->n_segs; i++) {
		if (copy->segs[i].extents <= 0 || copy->segs[i].extents > AIX_MAX_PP)
			return vdm_err(err, -EINVAL, "aix map: segment on %s: %lld extents",
				       copy->segs[i].pv, (long long)copy->segs[i].extents);
		sum += copy->segs[i].extents;
	}
	if (sum != lps)
		return vdm_err(err, -EINVAL, "aix map: the copy's segments hold %lld PPs, the LV has "
			       "%lld LPs", (long long)sum, (long long)lps);
	/* check every PV first, so a refusal changes nothing */
	for (size_t i = 0; i < copy->n_segs; i++) {
		const char *pv = copy->segs[i].pv;
		struct aix_pp_pv *p = pp_pv(a, pv, 0);
		int64_t need = 0, have = 0;
		for (size_t k = 0; k < copy->n_segs; k++)
			if (!strcmp(copy->segs[k].pv, pv))
				need += copy->segs[k].extents;
		for (size_t k = 0; p && k < p->free.n; k++)
			have += p->free.v[k].last - p->free.v[k].first + 1;
		if (!p || have < need)
			return vdm_err(err, -ENOSPC, "aix map: %s has %lld free PPs, the copy needs "
				       "%lld there", pv, (long long)have, (long long)need);
		if (pvname && !pvname(pv, ctx))
			return vdm_err(err, -EINVAL, "aix map: no AIX name for %s", pv);
	}
	struct strbuf out = STRBUF_INIT(0);
	strbuf_adds(&out, "");
	for (size_t i = 0; i < copy->n_segs; i++) {
		const char *pv = copy->segs[i].pv;
		pp_take(pp_pv(a, pv, 0), copy->segs[i].extents, &out, pvname ? pvname(pv, ctx) : pv);
	}
	*text = strbuf_detach(&out);
	strbuf_free(&out);
	return 0;
}

/* ---- the driver's side: writing the map on the partition, confirming the result ---- */

#define AIX_MAP_TIMEOUT_MS 120000

void aix_map_state_free(struct aix_map_state *m)
{
	for (size_t i = 0; i < m->vgs.n; i++) {
		free(m->vgs.v[i].vg);
		aix_pp_alloc_free(&m->vgs.v[i].alloc);
	}
	free(m->vgs.v);
	free(m->dir);
	memset(m, 0, sizeof *m);
}

/* The allocator of the disks new to this script, per VG (made on first use). */
static aix_pp_alloc *map_alloc(struct aix_map_state *m, const char *vg)
{
	for (size_t i = 0; i < m->vgs.n; i++)
		if (!strcmp(m->vgs.v[i].vg, vg))
			return &m->vgs.v[i].alloc;
	struct aix_map_vg s = { xstrdup(vg), {0} };
	VEC_PUSH(&m->vgs, s);
	return &m->vgs.v[m->vgs.n - 1].alloc;
}

struct map_names { const struct vdm_plan_copy *copy; char *const *hds; char buf[24]; };

/* plan disk -> "@k@" placeholder of its AIX name (k: index of its first segment + 1), so the
 * map text does not depend on names known only when the script runs */
static const char *map_placeholder(const char *disk, void *vctx)
{
	struct map_names *m = vctx;
	for (size_t i = 0; i < m->copy->n_segs; i++)
		if (!strcmp(m->copy->segs[i].pv, disk)) {
			snprintf(m->buf, sizeof m->buf, "@%zu@", i + 1);
			return m->buf;
		}
	return NULL;
}

static int map_run(struct vdm_transport *t, char *const argv[], char **out, struct vdm_error *err)
{
	int rc = vdm_transport_run(t, argv, AIX_MAP_TIMEOUT_MS, out, err);
	if (rc > 0) {
		CLEANUP_FREE char *cmd = vdm_shell_join(argv);
		rc = vdm_err(err, -EIO, "aix: '%s' failed (exit %d)", cmd, rc);
	}
	return rc < 0 ? rc : 0;
}

static const char map_mkdir[] =
	"umask 077 && d=${TMPDIR:-/tmp}/vdmirror.$$ && mkdir \"$d\" && echo \"$d\"";

/* VDM_MAPDIR: a new folder only this run can write (mkdir fails on an existing name), made
 * once per handle: in a script by a set-once capture, live by running it and keeping the
 * path it printed. */
static int map_dir(struct vdm_transport *t, struct aix_map_state *m, char **dir,
		   struct vdm_error *err)
{
	if (vdm_transport_scripting(t)) {
		if (!m->dir) {
			char *cap[] = { (char *)VDM_SCRIPT_CAPTURE, (char *)"VDM_MAPDIR", (char *)"sh",
					(char *)"-c", (char *)map_mkdir, NULL };
			int rc = map_run(t, cap, NULL, err);
			if (rc < 0)
				return rc;
			m->dir = xstrdup("${VDM_MAPDIR}");
		}
		*dir = xstrdup(m->dir);
		return 0;
	}
	if (!m->dir) {
		char *out = NULL, *argv[] = { (char *)"sh", (char *)"-c", (char *)map_mkdir, NULL };
		int rc = map_run(t, argv, &out, err);
		if (rc == 0) {
			size_t n = strcspn(out ? out : "", "\r\n");
			if (!n || n >= 4096 || out[0] != '/' ||
			    strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-") < n)
				rc = vdm_err(err, -EPROTO, "aix: unusable map folder '%.100s'", out ? out : "");
			else
				m->dir = strndup(out, n);
		}
		free(out);
		if (rc < 0)
			return rc;
	}
	*dir = xstrdup(m->dir);
	return 0;
}

int aix_map_write(struct vdm_transport *t, struct aix_map_state *m, const char *vg, const char *lv,
		  const struct vdm_plan_copy *copy, char *const hds[], char **mapfile,
		  struct vdm_error *err)
{
	*mapfile = NULL;
	int64_t lps = 0;
	for (size_t i = 0; i < copy->n_segs; i++)
		lps += copy->segs[i].extents;
	aix_pp_alloc live = {0}, *a = &live;
	int rc = 0;
	if (vdm_transport_scripting(t)) {
		a = map_alloc(m, vg);
		for (size_t i = 0; i < copy->n_segs; i++)
			if (hds[i][0] != '$')
				return 0;           /* a disk already in the VG: free PPs unknown */
		for (size_t i = 0; rc == 0 && i < copy->n_segs; i++)
			if (!pp_pv(a, copy->segs[i].pv, 0))
				rc = aix_pp_add_disk(a, copy->segs[i].pv, AIX_MAX_PP, err);
	} else {
		for (size_t i = 0; rc == 0 && i < copy->n_segs; i++) {
			if (pp_pv(&live, copy->segs[i].pv, 0))
				continue;
			char *out = NULL, *lsm[] = { (char *)"lspv", (char *)"-M", hds[i], NULL };
			aix_pp_alloc one = {0};
			if ((rc = map_run(t, lsm, &out, err)) == 0)
				rc = aix_parse_lspv_M(out, &one, err);
			struct aix_pp_pv *p = rc == 0 ? pp_pv(&one, hds[i], 0) : NULL;
			/* the allocator is keyed by plan disk */
			for (size_t r = 0; p && rc == 0 && r < p->free.n; r++)
				rc = aix_pp_add_free(&live, copy->segs[i].pv, p->free.v[r].first,
						     p->free.v[r].last, err);
			aix_pp_alloc_free(&one);
			free(out);
		}
	}
	struct map_names names = { .copy = copy, .hds = hds };
	CLEANUP_FREE char *text = NULL, *dir = NULL;
	if (rc == 0)
		rc = aix_map_copy(a, copy, lps, map_placeholder, &names, &text, err);
	aix_pp_alloc_free(&live);
	if (rc < 0)
		return (vdm_err_prefix(err, "aix: map of %s/%s", vg, lv), rc);
	if ((rc = map_dir(t, m, &dir, err)) < 0)
		return rc;
	/* the text names each PV "@k@"; sed puts the AIX name ($k) in its place as the file is
	 * written, so one command serves a script (names known when it runs) and a live run */
	struct strbuf sc = STRBUF_INIT(0);
	strbuf_adds(&sc, "sed");
	for (size_t i = 0; i < copy->n_segs; i++) {
		char e[64];
		/* sh reads "$10" as "${1}0": positional parameters past 9 need braces */
		snprintf(e, sizeof e, i + 1 < 10 ? " -e \"s|^@%zu@:|$%zu:|\"" : " -e \"s|^@%zu@:|${%zu}:|\"",
			 i + 1, i + 1);
		strbuf_adds(&sc, e);
	}
	strbuf_adds(&sc, " > \"$0\" <<VDM_MAP\n");
	strbuf_adds(&sc, text);
	strbuf_adds(&sc, "VDM_MAP");
	CLEANUP_FREE char *shs = strbuf_detach(&sc);
	strbuf_free(&sc);
	CLEANUP_FREE char *path = xasprintf("%s/%s.map", dir, lv);
	/* sh -c SCRIPT PATH HD1 HD2 ...: one word per segment's PV, never a command cut short */
	struct vdm_argv argv = VDM_ARGV_INIT(4 + 64);
	rc = vdm_argv_addv(&argv, (const char *[]){ "sh", "-c", shs, path, NULL });
	for (size_t i = 0; rc == 0 && i < copy->n_segs; i++)
		rc = vdm_argv_add(&argv, hds[i]);
	if (rc < 0)
		rc = vdm_err(err, -E2BIG, "aix: map of %s/%s: copy on too many segments", vg, lv);
	else
		rc = map_run(t, argv.v, NULL, err);
	vdm_argv_free(&argv);
	if (rc < 0)
		return rc;
	*mapfile = xstrdup(path);
	return 0;
}

int aix_map_confirm(const char *lslv_m, int copyno, const struct vdm_plan_copy *copy,
		    char *const hds[], struct vdm_error *err)
{
	struct aix_lvmap m;
	int rc = aix_parse_lslv_m(lslv_m, &m, err);
	if (rc < 0)
		return rc;
	if (copyno < 1 || copyno > m.copies) {
		aix_lvmap_free(&m);
		return vdm_err(err, -EPROTO, "lslv -m shows %d copies, not copy %d", m.copies, copyno);
	}
	for (size_t i = 0; rc == 0 && i < copy->n_segs; i++) {
		int64_t want = 0, got = 0;
		for (size_t k = 0; k < copy->n_segs; k++)
			if (!strcmp(hds[k], hds[i]))
				want += copy->segs[k].extents;
		for (int64_t lp = 0; lp < m.lps; lp++)
			if (m.pv[copyno - 1][lp] && !strcmp(m.pv[copyno - 1][lp], hds[i]))
				got++;
		if (got != want)
			rc = vdm_err(err, -EPROTO, "copy %d has %lld PPs on %s, the plan put %lld there",
				     copyno, (long long)got, hds[i], (long long)want);
	}
	/* and nothing elsewhere */
	for (int64_t lp = 0; rc == 0 && lp < m.lps; lp++) {
		const char *pv = m.pv[copyno - 1][lp];
		int planned = 0;
		for (size_t i = 0; pv && i < copy->n_segs; i++)
			planned |= !strcmp(pv, hds[i]);
		if (!planned)
			rc = vdm_err(err, -EPROTO, "copy %d: LP %lld is on %s, not on a planned PV",
				     copyno, (long long)lp + 1, pv ? pv : "no PV");
	}
	aix_lvmap_free(&m);
	return rc;
}
