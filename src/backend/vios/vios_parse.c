/* vios_parse.c: parsers for the outputs of the VIOS padmin commands the backend runs (formats
 * from IBM's documentation and IBM's own automation code, see ../../../docs/internals/vios.md).
 * Outside input: every field is checked, nothing is trusted to be complete. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vdmirror/model.h"
#include "vios.h"
#include "hmc.h"
#include "vios_degrade.h"

#define VIOS_MAX_FIELDS 4096

/* Fields of a line: util's word vector (text.c has the line iterator, the blank splitter and
 * the checked integer parser every parser of outside text uses). */
typedef vdm_words vios_fields;
#define fields_free vdm_words_free

static char *trim_dup(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	char *r = xmalloc(n + 1);
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* Splits one line at `delim`; a backslash makes the next character literal (lsmap -fmt
 * escapes delimiters inside values that way). Returns -E2BIG beyond VIOS_MAX_FIELDS. */
static int split_delim(const char *line, size_t len, char delim, vios_fields *out)
{
	struct strbuf cur = STRBUF_INIT(0);
	strbuf_adds(&cur, "");
	for (size_t i = 0; i <= len; i++) {
		if (i == len || line[i] == delim) {
			if (out->n >= VIOS_MAX_FIELDS) {
				strbuf_free(&cur);
				return -E2BIG;
			}
			VEC_PUSH(out, trim_dup(cur.s, cur.len));
			strbuf_reset(&cur);
			strbuf_adds(&cur, "");
			continue;
		}
		if (line[i] == '\\' && i + 1 < len)
			i++;
		strbuf_add(&cur, line + i, 1);
	}
	strbuf_free(&cur);
	return 0;
}

/* Splits at runs of blanks. */
static int split_ws(const char *line, size_t len, vios_fields *out)
{
	return vdm_words_split(line, len, VIOS_MAX_FIELDS, out);
}

/* Decimal digits only: no sign, no blank, no overflow. */
static int parse_i64(const char *s, int64_t *v)
{
	return vdm_parse_uint(s, 10, v) < 0 ? -1 : 0;
}

/* "0x00000003" (lsmap's default) or decimal (lsmap -dec) */
static int parse_id(const char *s, int64_t *v)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return strlen(s) > 18 || vdm_parse_uint(s + 2, 16, v) < 0 ? -1 : 0;
	return parse_i64(s, v);
}

static char *none_null(const char *s)
{
	return (!*s || !strcasecmp(s, "none")) ? NULL : xstrdup(s);
}

/* Line iteration: util's, non-blank lines with their numbers. */
#define line_it vdm_lines
#define next_line vdm_lines_next

static int is_header(const char *first, const char *word)
{
	return !strcasecmp(first, word);
}

int vios_parse_lssp(const char *text, vios_pools *out, struct vdm_error *err)
{
	struct line_it it = { text, 0 };
	const char *line;
	size_t len;
	while (next_line(&it, &line, &len)) {
		vios_fields f = {0};
		int rc = split_delim(line, len, ':', &f);
		if (rc == 0 && f.n > 0 && is_header(f.v[0], "Pool")) {
			fields_free(&f);
			continue;
		}
		struct vios_pool p = {0};
		if (rc < 0 || f.n != 6) {
			fields_free(&f);
			return vdm_err(err, -EPROTO, "lssp: line %d: %zu fields, expected 6 "
				       "(pool:size:free:alloc:bds:type; output truncated?)", it.no, f.n);
		}
		if (!*f.v[0] || parse_i64(f.v[1], &p.size_mib) || parse_i64(f.v[2], &p.free_mib) ||
		    parse_i64(f.v[3], &p.alloc_mib) || parse_i64(f.v[4], &p.bds) || !*f.v[5] ||
		    p.free_mib > p.size_mib) {
			rc = vdm_err(err, -EPROTO, "lssp: line %d: pool '%s': bad size, free, alloc "
				     "or BD count", it.no, f.v[0]);
			fields_free(&f);
			return rc;
		}
		p.name = xstrdup(f.v[0]);
		p.type = xstrdup(f.v[5]);
		VEC_PUSH(out, p);
		fields_free(&f);
	}
	if (out->n == 0)
		return vdm_err(err, -EPROTO, "lssp: no pools listed (every VIOS has rootvg: "
			       "output empty or truncated)");
	return 0;
}

int vios_parse_lssp_detail(const char *text, vios_pool_pvs *out, struct vdm_error *err)
{
	struct line_it it = { text, 0 };
	const char *line;
	size_t len;
	while (next_line(&it, &line, &len)) {
		vios_fields f = {0};
		int rc = split_delim(line, len, ':', &f);
		if (rc == 0 && f.n > 0 && is_header(f.v[0], "PV NAME")) {
			fields_free(&f);
			continue;
		}
		struct vios_pool_pv p = {0};
		if (rc < 0 || f.n != 3 || !*f.v[0] || parse_i64(f.v[2], &p.size_mib)) {
			rc = vdm_err(err, -EPROTO, "lssp -detail: line %d: expected pvname:pvid:size "
				     "(output truncated?)", it.no);
			fields_free(&f);
			return rc;
		}
		p.pvname = xstrdup(f.v[0]);
		p.pvid = none_null(f.v[1]);
		VEC_PUSH(out, p);
		fields_free(&f);
	}
	return 0;
}

int vios_parse_lssp_bd(const char *text, vios_bds *out, struct vdm_error *err)
{
	struct line_it it = { text, 0 };
	const char *line;
	size_t len;
	while (next_line(&it, &line, &len)) {
		vios_fields f = {0};
		int rc = split_delim(line, len, ':', &f);
		if (rc == 0 && f.n > 0 && is_header(f.v[0], "Backing-device")) {
			fields_free(&f);
			continue;
		}
		struct vios_bd b = {0};
		if (rc < 0 || f.n != 4 || !*f.v[0] || parse_i64(f.v[1], &b.size_mib)) {
			rc = vdm_err(err, -EPROTO, "lssp -bd: line %d: expected bdname:size:vtd:svsa "
				     "(output truncated?)", it.no);
			fields_free(&f);
			return rc;
		}
		b.name = xstrdup(f.v[0]);
		b.vtd = none_null(f.v[2]);
		b.svsa = none_null(f.v[3]);
		VEC_PUSH(out, b);
		fields_free(&f);
	}
	return 0;
}

int vios_parse_lspv(const char *text, vios_pvs *out, struct vdm_error *err)
{
	struct line_it it = { text, 0 };
	const char *line;
	size_t len;
	while (next_line(&it, &line, &len)) {
		vios_fields f = {0};
		int rc = split_ws(line, len, &f);
		if (rc == 0 && f.n > 0 && !strcmp(f.v[0], "NAME")) {
			fields_free(&f);
			continue;
		}
		if (rc < 0 || f.n < 3 || f.n > 4) {
			fields_free(&f);
			return vdm_err(err, -EPROTO, "lspv: line %d: expected NAME PVID VG [STATUS] "
				       "(output truncated?)", it.no);
		}
		struct vios_pv p = { xstrdup(f.v[0]), none_null(f.v[1]), none_null(f.v[2]),
				     f.n == 4 ? xstrdup(f.v[3]) : NULL };
		VEC_PUSH(out, p);
		fields_free(&f);
	}
	return 0;
}

static int64_t physloc_slot(const char *physloc)
{
	/* U8408.E8E.78CB04W-V1-C81 : the slot follows the last "-C" */
	const char *c = NULL;
	for (const char *p = physloc; (p = strstr(p, "-C")); p += 2)
		c = p;
	if (!c)
		return -1;
	int64_t v = 0;
	const char *s = c + 2;
	size_t n = strspn(s, "0123456789");
	if (!n || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static void vhost_free(struct vios_vhost *h)
{
	free(h->svsa);
	free(h->physloc);
	for (size_t i = 0; i < h->n_vtds; i++) {
		struct vios_vtd *t = &h->vtds[i];
		free(t->vtd), free(t->status), free(t->lun), free(t->backing);
		free(t->bdphysloc), free(t->mirrored);
	}
	free(h->vtds);
}

/* The next line of a `-fmt :` report (lsmap, lsmap -npiv) split at ':', a header line (its
 * first field `header`) skipped: 1 with *f filled (the caller frees it), 0 at the end, -1 for
 * a line beyond VIOS_MAX_FIELDS fields (*f empty). */
static int next_fmt_fields(struct line_it *it, const char *header, vios_fields *f)
{
	const char *line;
	size_t len;
	while (next_line(it, &line, &len)) {
		memset(f, 0, sizeof *f);
		if (split_delim(line, len, ':', f) < 0) {
			fields_free(f);
			return -1;
		}
		if (f->n > 0 && is_header(f->v[0], header)) {
			fields_free(f);
			continue;
		}
		return 1;
	}
	return 0;
}

int vios_parse_lsmap(const char *text, vios_vhosts *out, struct vdm_error *err)
{
	struct line_it it = { text, 0 };
	vios_fields f;
	int rc;
	while ((rc = next_fmt_fields(&it, "SVSA", &f)) != 0) {
		struct vios_vhost h = {0};
		if (rc < 0 || f.n < 3 || !*f.v[0]) {
			fields_free(&f);
			return vdm_err(err, -EPROTO, "lsmap: line %d: expected svsa:physloc:clientid"
				       "(:vtd:status:lun:backing:bdphysloc:mirrored)* (output truncated?)",
				       it.no);
		}
		if (parse_id(f.v[2], &h.clientid)) {
			rc = vdm_err(err, -EPROTO, "lsmap: line %d: %s: client partition id '%s' "
				     "is not a number", it.no, f.v[0], f.v[2]);
			fields_free(&f);
			return rc;
		}
		h.svsa = xstrdup(f.v[0]);
		h.physloc = xstrdup(f.v[1]);
		h.slot = physloc_slot(h.physloc);
		size_t i = 3;
		while (i < f.n) {
			if (!*f.v[i]) {
				/* an empty adapter ends in empty fields; anything after them is wrong */
				for (size_t k = i; k < f.n; k++)
					if (*f.v[k])
						goto bad;
				break;
			}
			if (!strncmp(f.v[i], "NO VIRTUAL TARGET", 17))
				break;
			/* vtd[:status]:lun:backing:bdphysloc[:mirrored]: older levels print no Status
			 * or no Mirrored, so the LUN ("0x...") says where a group stands. An empty
			 * backing (a vtopt without media, printed as one space) stays: discovery
			 * decides what to ignore */
			size_t k = i + 1;
			const char *status = "", *mirrored = "";
			if (k < f.n && strncmp(f.v[k], "0x", 2))
				status = f.v[k++];
			if (k + 3 > f.n || strncmp(f.v[k], "0x", 2))
				goto bad;
			size_t lun = k;
			k += 3;
			if (k < f.n && (!strcmp(f.v[k], "true") || !strcmp(f.v[k], "false") ||
					!strcmp(f.v[k], "N/A")))
				mirrored = f.v[k++];
			h.vtds = xrealloc(h.vtds, (h.n_vtds + 1) * sizeof *h.vtds);
			h.vtds[h.n_vtds++] = (struct vios_vtd){
				xstrdup(f.v[i]), xstrdup(status), xstrdup(f.v[lun]),
				xstrdup(f.v[lun + 1]), xstrdup(f.v[lun + 2]), xstrdup(mirrored) };
			i = k;
		}
		VEC_PUSH(out, h);
		fields_free(&f);
		continue;
bad:
		rc = vdm_err(err, -EPROTO, "lsmap: line %d: %s: %zu fields after the client id, "
			     "expected groups vtd[:status]:lun:backing:bdphysloc[:mirrored] "
			     "(output truncated?)", it.no, h.svsa, f.n - 3);
		vhost_free(&h);
		fields_free(&f);
		return rc;
	}
	return 0;
}

/* lsmap -all -npiv -fmt : (see vios_degrade.h): the same field splitting as lsmap; the
 * client adapter's slot is the -C of the last field (vfcclientdrc). */
int vios_parse_lsmap_npiv(const char *text, vios_vfchosts *out, struct vdm_error *err)
{
	struct line_it it = { text, 0 };
	vios_fields f;
	int rc;
	while ((rc = next_fmt_fields(&it, "name", &f)) != 0) {
		struct vios_vfchost v = { .clientid = -1, .slot = -1, .client_slot = -1 };
		/* a line cut short: fewer than name..status, or no client adapter location */
		if (rc < 0 || f.n < 6 || !*f.v[0] || parse_id(f.v[2], &v.clientid) < 0 ||
		    (v.clientid > 0 && (physloc_slot(f.v[f.n - 1]) < 0 || f.v[f.n - 1][0] != 'U'))) {
			fields_free(&f);
			return vdm_err(err, -EPROTO, "lsmap -npiv: line %d: expected name:physloc:clntid:"
				       "clntname:clntos:status:...:vfcclientdrc (output truncated?)", it.no);
		}
		v.name = xstrdup(f.v[0]);
		v.slot = physloc_slot(f.v[1]);
		v.status = xstrdup(f.v[5]);
		if (v.clientid > 0)
			v.client_slot = physloc_slot(f.v[f.n - 1]);
		fields_free(&f);
		VEC_PUSH(out, v);
	}
	return 0;
}

void vios_vfchosts_free(vios_vfchosts *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].name), free(v->v[i].status);
	free(v->v);
	memset(v, 0, sizeof *v);
}

int vios_parse_lshwres(const char *text, vios_hwress *out, struct vdm_error *err)
{
	struct line_it it = { text, 0 };
	const char *line;
	size_t len;
	while (next_line(&it, &line, &len)) {
		/* key=value,... ; the HMC quotes a whole "key=a,b" pair (or a value) holding commas */
		struct vios_hwres r = { .lpar_id = -1, .slot_num = -1, .remote_lpar_id = -1,
					.remote_slot_num = -1 };
		hmc_kvs kv = {0};
		int bad = hmc_split_kv(line, len, &kv) < 0;
		const char *v;
		int64_t n;
		if ((v = hmc_kv_get(&kv, "lpar_name")))
			r.lpar_name = xstrdup(v);
		if ((v = hmc_kv_get(&kv, "remote_lpar_name")))
			r.remote_lpar_name = xstrdup(v);
		if ((v = hmc_kv_get(&kv, "adapter_type")))
			r.adapter_type = xstrdup(v);
		if ((v = hmc_kv_get(&kv, "lpar_id")) && parse_i64(v, &r.lpar_id))
			bad = 1;
		if ((v = hmc_kv_get(&kv, "slot_num")) && parse_i64(v, &r.slot_num))
			bad = 1;
		/* "any" on an adapter open to every partition */
		if ((v = hmc_kv_get(&kv, "remote_lpar_id")) && parse_i64(v, &n) == 0)
			r.remote_lpar_id = n;
		if ((v = hmc_kv_get(&kv, "remote_slot_num")) && parse_i64(v, &n) == 0)
			r.remote_slot_num = n;
		hmc_kvs_free(&kv);
		if (bad || !r.lpar_name || r.lpar_id < 0 || r.slot_num < 0) {
			free(r.lpar_name), free(r.remote_lpar_name), free(r.adapter_type);
			return vdm_err(err, -EPROTO, "lshwres: line %d: expected lpar_name=,lpar_id=,"
				       "slot_num=,... (output truncated?)", it.no);
		}
		VEC_PUSH(out, r);
	}
	return 0;
}

void vios_pools_free(vios_pools *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].name), free(v->v[i].type);
	free(v->v);
	memset(v, 0, sizeof *v);
}

void vios_pool_pvs_free(vios_pool_pvs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].pvname), free(v->v[i].pvid);
	free(v->v);
	memset(v, 0, sizeof *v);
}

void vios_bds_free(vios_bds *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].name), free(v->v[i].vtd), free(v->v[i].svsa);
	free(v->v);
	memset(v, 0, sizeof *v);
}

void vios_pvs_free(vios_pvs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].name), free(v->v[i].pvid), free(v->v[i].vg), free(v->v[i].status);
	free(v->v);
	memset(v, 0, sizeof *v);
}

void vios_vhosts_free(vios_vhosts *v)
{
	for (size_t i = 0; i < v->n; i++)
		vhost_free(&v->v[i]);
	free(v->v);
	memset(v, 0, sizeof *v);
}

void vios_hwress_free(vios_hwress *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].lpar_name), free(v->v[i].remote_lpar_name), free(v->v[i].adapter_type);
	free(v->v);
	memset(v, 0, sizeof *v);
}

int vios_name_ok(const char *name)
{
	return vdm_name_valid_short(name, 15);
}

/* First line of s, at most 300 characters, for a message. */
static void first_line(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	if (s)
		while (s[n] && s[n] != '\n' && n + 1 < size && n < 300)
			n++;
	memcpy(buf, s ? s : "", n);
	buf[n] = '\0';
}

int vios_explain(struct vdm_error *err, const char *server, const char *pool, const char *cmd,
		 int rc, const char *out, const char *errout)
{
	char msg[512];
	const char *src = errout && *errout ? errout : out;
	const char *code = src ? strstr(src, "0516-404") : NULL;
	if (!code && out)
		code = strstr(out, "0516-404");
	if (code) {
		first_line(code, msg, sizeof msg);
		return vdm_err(err, -ENOSPC, "pool %s/%s full: '%s': %s", server,
			       pool ? pool : "?", cmd, msg);
	}
	first_line(src, msg, sizeof msg);
	return vdm_err(err, -EIO, "vios %s: '%s' failed (exit %d)%s%s", server, cmd, rc,
		       *msg ? ": " : "", msg);
}
