/* aix_map.c: the physical-partition map files of `mklvcopy -m MAPFILE` (AIX mklv/mklvcopy:
 * one "PVname:PPnum1[-PPnum2]" per line, partitions used in the order given), written from
 * the plan's segments, so each new copy lands exactly on the PVs and in the amounts planned. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
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

static int pp_num(const char *s, size_t n, int64_t *v)
{
	if (!n || n > 8)
		return -1;
	int64_t r = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		r = r * 10 + (s[i] - '0');
	}
	*v = r;
	return 0;
}

int aix_parse_lspv_M(const char *text, aix_pp_alloc *a, struct vdm_error *err)
{
	int no = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *line = p;
		p += len + (nl ? 1 : 0);
		no++;
		size_t s = strspn(line, " \t\r");
		if (s >= len)
			continue;
		/* first word: PV:FIRST[-LAST]; a second word (LV:LP) means the PP is used */
		size_t w = strcspn(line + s, " \t\r");
		if (s + w > len)
			w = len - s;
		const char *word = line + s;
		size_t rest = s + w + strspn(line + s + w, " \t\r");
		int used = rest < len;
		const char *colon = memchr(word, ':', w);
		if (!colon || colon == word || (size_t)(colon - word) > 15) {
			/* the "PV:" title line lspv -M starts with */
			if (colon && colon + 1 == word + w && !used)
				continue;
			return vdm_err(err, -EPROTO, "lspv -M: line %d: expected PV:PP[-PP] [LV:LP] "
				       "(output truncated?)", no);
		}
		const char *num = colon + 1, *dash = memchr(num, '-', (size_t)(word + w - num));
		int64_t first, last;
		if (colon + 1 == word + w && !used)
			continue;                      /* "hdisk1:" title */
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

/* Takes n PPs, lowest first, from p into *taken (ranges); 0 or -ENOSPC (nothing taken). */
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
		const char *name = pvname ? pvname(copy->segs[i].pv, ctx) : copy->segs[i].pv;
		struct aix_pp_pv *p = name ? pp_pv(a, name, 0) : NULL;
		int64_t need = 0, have = 0;
		for (size_t k = 0; k < copy->n_segs; k++) {
			const char *nk = pvname ? pvname(copy->segs[k].pv, ctx) : copy->segs[k].pv;
			if (nk && name && !strcmp(nk, name))
				need += copy->segs[k].extents;
		}
		for (size_t k = 0; p && k < p->free.n; k++)
			have += p->free.v[k].last - p->free.v[k].first + 1;
		if (!p || have < need)
			return vdm_err(err, -ENOSPC, "aix map: %s (%s) has %lld free PPs, the copy "
				       "needs %lld there", copy->segs[i].pv, name ? name : "?",
				       (long long)have, (long long)need);
	}
	struct strbuf out = STRBUF_INIT(0);
	strbuf_adds(&out, "");
	for (size_t i = 0; i < copy->n_segs; i++) {
		const char *name = pvname ? pvname(copy->segs[i].pv, ctx) : copy->segs[i].pv;
		pp_take(pp_pv(a, name, 0), copy->segs[i].extents, &out, name);
	}
	*text = strbuf_detach(&out);
	strbuf_free(&out);
	return 0;
}
