/* hmc_parse.c: the HMC's key=value line format (lshwres, lssyscfg) with both of its quoting
 * styles, and the lssyscfg partition list. Outside input: every field is checked. */
#include <errno.h>
#include <string.h>
#include "hmc.h"

#define HMC_MAX_FIELDS 4096

void hmc_kvs_free(hmc_kvs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].key), free(v->v[i].val);
	free(v->v);
	memset(v, 0, sizeof *v);
}

const char *hmc_kv_get(const hmc_kvs *v, const char *key)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i].key, key))
			return v->v[i].val;
	return NULL;
}

/* Reads one field up to an unquoted ',' into b; quotes may open anywhere in it ("k=a,b" or
 * k="a,b"). Returns the index after the field, or (size_t)-1 on an unclosed quote. */
static size_t hmc_field(const char *line, size_t len, size_t i, struct strbuf *b)
{
	int quoted = 0;
	for (; i < len; i++) {
		char c = line[i];
		if (c == '"') {
			if (quoted && i + 1 < len && line[i + 1] == '"') {
				strbuf_add(b, "\"", 1);
				i++;
			} else {
				quoted = !quoted;
			}
			continue;
		}
		if (c == ',' && !quoted)
			break;
		if (c == '\r')
			continue;
		strbuf_add(b, &c, 1);
	}
	return quoted ? (size_t)-1 : i;
}

int hmc_split_kv(const char *line, size_t len, hmc_kvs *out)
{
	size_t i = 0;
	while (i < len) {
		struct strbuf b = STRBUF_INIT(1 << 20);
		strbuf_adds(&b, "");
		size_t e = hmc_field(line, len, i, &b);
		CLEANUP_FREE char *f = strbuf_detach(&b);
		strbuf_free(&b);
		if (e == (size_t)-1)
			return -EPROTO;
		char *eq = strchr(f, '=');
		if (!eq || eq == f)
			return -EPROTO;
		if (out->n >= HMC_MAX_FIELDS)
			return -E2BIG;
		struct hmc_kv kv = { strndup(f, (size_t)(eq - f)), xstrdup(eq + 1) };
		VEC_PUSH(out, kv);
		i = e + 1;
	}
	return 0;
}

/* A partition id: decimal digits only (util's checked parser), at most 9 of them. */
static int hmc_id(const char *s, int64_t *v)
{
	if (!s || strlen(s) > 9 || vdm_parse_uint(s, 10, v) < 0)
		return -1;
	return 0;
}

int hmc_parse_lssyscfg(const char *text, hmc_lpars *out, struct vdm_error *err)
{
	struct vdm_lines it = { text, 0 };
	const char *line;
	size_t len;
	while (vdm_lines_next(&it, &line, &len)) {
		hmc_kvs kv = {0};
		struct hmc_lpar l = { .id = -1 };
		int rc = hmc_split_kv(line, len, &kv);
		const char *name = hmc_kv_get(&kv, "name");
		if (rc < 0 || !name || !*name || hmc_id(hmc_kv_get(&kv, "lpar_id"), &l.id) < 0) {
			hmc_kvs_free(&kv);
			return vdm_err(err, -EPROTO, "lssyscfg: line %d: expected name=,lpar_id=,... "
				       "(output truncated?)", it.no);
		}
		const char *env = hmc_kv_get(&kv, "lpar_env"), *state = hmc_kv_get(&kv, "state");
		l.name = xstrdup(name);
		l.env = env ? xstrdup(env) : NULL;
		l.state = state ? xstrdup(state) : NULL;
		VEC_PUSH(out, l);
		hmc_kvs_free(&kv);
	}
	return 0;
}

void hmc_lpars_free(hmc_lpars *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].name), free(v->v[i].env), free(v->v[i].state);
	free(v->v);
	memset(v, 0, sizeof *v);
}
