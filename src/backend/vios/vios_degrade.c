/* vios_degrade.c: what the VIOS backend keeps of devices that are not vSCSI disks, so that
 * discovery of a production system degrades instead of failing: virtual FC (NPIV) adapters
 * from lsmap -npiv, and the optical and file-backed target devices lsmap also lists. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "vios_degrade.h"

#define NPIV_MAX_FIELDS 64

/* The -C<slot> that follows the last "-C" of a location code; -1 when there is none. */
static int64_t loc_slot(const char *loc)
{
	const char *c = NULL;
	for (const char *p = loc; (p = strstr(p, "-C")); p += 2)
		c = p;
	size_t n = c ? strspn(c + 2, "0123456789") : 0;
	if (!n || n > 9)
		return -1;
	return atoll(c + 2);
}

static int npiv_id(const char *s, int64_t *v)
{
	if (!strncasecmp(s, "0x", 2)) {
		size_t n = strspn(s + 2, "0123456789abcdefABCDEF");
		if (!n || n > 15 || s[2 + n])
			return -1;
		*v = strtoll(s + 2, NULL, 16);
		return 0;
	}
	size_t n = strspn(s, "0123456789");
	if (!n || n > 15 || s[n])
		return -1;
	*v = atoll(s);
	return 0;
}

/* Splits at ':' (a backslash makes the next character literal, as lsmap -fmt escapes the
 * delimiter), each field trimmed of blanks: -fmt prints one space for an empty field. */
static int npiv_split(const char *line, size_t len, char **f, size_t max, size_t *n)
{
	*n = 0;
	struct strbuf cur = STRBUF_INIT(len + 1);
	strbuf_adds(&cur, "");
	for (size_t i = 0; i <= len; i++) {
		if (i == len || line[i] == ':') {
			if (*n >= max) {
				strbuf_free(&cur);
				return -E2BIG;
			}
			const char *s = cur.s;
			size_t m = cur.len;
			while (m && (*s == ' ' || *s == '\t'))
				s++, m--;
			while (m && (s[m - 1] == ' ' || s[m - 1] == '\t' || s[m - 1] == '\r'))
				m--;
			f[(*n)++] = strndup(s, m);
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

int vios_parse_lsmap_npiv(const char *text, vios_vfchosts *out, struct vdm_error *err)
{
	int no = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *line = p;
		p += len + (nl ? 1 : 0);
		no++;
		if (strspn(line, " \t\r") >= len)
			continue;
		char *f[NPIV_MAX_FIELDS];
		size_t n = 0;
		int rc = npiv_split(line, len, f, NPIV_MAX_FIELDS, &n);
		struct vios_vfchost v = { .clientid = -1, .slot = -1, .client_slot = -1 };
		if (rc == 0 && n > 0 && !strcasecmp(f[0], "name")) {
			for (size_t k = 0; k < n; k++)
				free(f[k]);
			continue;        /* a header line */
		}
		/* a line cut short: fewer than name..status, or no client adapter location */
		if (rc < 0 || n < 6 || !*f[0] || npiv_id(f[2], &v.clientid) < 0 ||
		    (v.clientid > 0 && (loc_slot(f[n - 1]) < 0 || f[n - 1][0] != 'U'))) {
			for (size_t k = 0; k < n; k++)
				free(f[k]);
			return vdm_err(err, -EPROTO, "lsmap -npiv: line %d: expected name:physloc:clntid:"
				       "clntname:clntos:status:...:vfcclientdrc (output truncated?)", no);
		}
		v.name = xstrdup(f[0]);
		v.slot = loc_slot(f[1]);
		v.status = xstrdup(f[5]);
		if (v.clientid > 0)
			v.client_slot = loc_slot(f[n - 1]);
		for (size_t k = 0; k < n; k++)
			free(f[k]);
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

enum vios_vtd_kind vios_vtd_kind(const struct vios_vtd *vt)
{
	size_t n = strlen(vt->backing);
	/* mkvdev -fbo names its devices vtoptN; an empty optical device prints no backing */
	if (!strncmp(vt->vtd, "vtopt", 5) || n == 0 ||
	    (n > 4 && !strcasecmp(vt->backing + n - 4, ".iso")))
		return VIOS_VTD_OPTICAL;
	if (vt->backing[0] == '/')
		return VIOS_VTD_FILE;
	return VIOS_VTD_DISK;
}

void vios_npiv_record(json_t *partition, const char *server, const struct vios_vfchost *v)
{
	json_t *arr = json_object_get(partition, "vios_npiv");
	if (!arr) {
		arr = json_array();
		json_object_set_new(partition, "vios_npiv", arr);
	}
	json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:I,s:s}", "server", server,
					     "vfchost", v->name, "slot", (json_int_t)v->slot,
					     "client_slot", (json_int_t)v->client_slot,
					     "status", v->status));
}
