/* fuzz_aix_discover.c: the aix driver's discovery of a partition's volume groups, end to end
 * on the host side: the input is what the partition's commands print (a compromised AIX
 * controls all of it), in sections "@@ NAME" (lspv, lspv-pv for `lspv PV`, lsvg, lsvg-p,
 * lsvg-l, lslv-m, lslv, lslv-p, lscfg, lspath, lsattr; each-tail: more output of the combined
 * command, whose marker "@M" stands for in any section); the partition has four hdisks whose
 * sizes come from the "VIOS" (hdisk0 through vios1 and vios2, client slots 11 and 12), an NPIV
 * adapter in slot 31 (vios1) and vios3, which did not answer, behind slot 41. An answer over
 * FZ_CAP bytes fails as the transport's cap fails it (-E2BIG), so a combined command's output
 * that passes it takes the one-by-one fallback. The result goes on through the inventory
 * reader. No crash, leak or undefined behaviour (UBSan halts). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "vdmirror/client.h"
#include "vdmirror/model.h"
#include "vdmirror/util.h"

struct fz { const char *text; size_t size; };

#define FZ_CAP 4096   /* the transport's output cap (4 MiB), scaled to a fuzz input */

/* The section "@@ name\n" of the input, up to the next "@@ " line (borrowed, length in *n). */
static const char *fz_section(const struct fz *f, const char *name, size_t *n)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i + 3 + nl <= f->size; i++) {
		if ((i && f->text[i - 1] != '\n') || memcmp(f->text + i, "@@ ", 3) ||
		    memcmp(f->text + i + 3, name, nl) || (i + 3 + nl < f->size &&
							  f->text[i + 3 + nl] != '\n'))
			continue;
		size_t s = i + 3 + nl + (i + 3 + nl < f->size), e = s;
		while (e < f->size && !(f->text[e] == '@' && (e == s || f->text[e - 1] == '\n')))
			e++;
		*n = e - s;
		return f->text + s;
	}
	return NULL;
}

/* Appends section `key` to b as the partition would print it, each "@M" in it replaced by
 * the marker (so inputs can forge the markers of the combined command); 1 when it is absent. */
static int fz_put(const struct fz *f, const char *key, const char *mark, struct strbuf *b)
{
	size_t n;
	const char *s = fz_section(f, key, &n);
	if (!s)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (mark && i + 1 < n && s[i] == '@' && s[i + 1] == 'M') {
			strbuf_adds(b, mark);
			i++;
		} else {
			strbuf_add(b, s + i, 1);
		}
	}
	return 0;
}

/* The discovery's combined command (sh -c LOOP MARK K:NAME...): what its loop prints, from
 * the sections of each object's command. */
static void fz_each(const struct fz *f, char *const argv[], char **out)
{
	struct strbuf b = STRBUF_INIT(64u << 20);
	strbuf_adds(&b, "");
	for (size_t i = 4; argv[i]; i++) {
		/* the loop's keys (aix_parse.c) -> the command it prints, the section that answers */
		static const char *const keys[][4] = {
			{ "m", "lslv -m", "lslv-m", "" }, { "l", "lslv", "lslv", "" },
			{ "p", "lspv", "lspv-pv", "" }, { "c", "lscfg -l", "lscfg", "" },
			{ "v", "lsvg", "lsvg", "" }, { "P", "lsvg -p", "lsvg-p", "" },
			{ "L", "lsvg -l", "lsvg-l", "" }, { "h", "lspath -l", "lspath", "" },
			{ "u", "lsattr -El", "lsattr", " -a unique_id -F value" },
			{ "s", "lslv -p", "lslv-p", "" },
		};
		const char *a = argv[i], *cmd = "?", *key = "?", *tail = "";
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
			if (a[0] == keys[k][0][0])
				cmd = keys[k][1], key = keys[k][2], tail = keys[k][3];
		/* s:PV:LV prints "lslv -p PV LV" */
		CLEANUP_FREE char *names = xstrdup(a + 2);
		for (char *c = names; *c; c++)
			if (*c == ':')
				*c = ' ';
		strbuf_addf(&b, "%s %s %s%s\n", argv[3], cmd, names, tail);
		int rc = fz_put(f, key, argv[3], &b);
		strbuf_addf(&b, "%s rc=%d\n", argv[3], rc);
	}
	fz_put(f, "each-tail", argv[3], &b);    /* whatever else a shell may print */
	*out = strbuf_detach(&b);
}

static int fz_run(void *ctx, char *const argv[], int64_t timeout_ms, char **out,
		  struct vdm_error *err)
{
	const struct fz *f = ctx;
	if (!strcmp(argv[0], "sh") && argv[1] && !strcmp(argv[1], "-c") && argv[2] && argv[3] &&
	    !strncmp(argv[3], "#vdm-", 5)) {
		char *o = NULL;
		fz_each(f, argv, &o);
		if (strlen(o) > FZ_CAP) {
			free(o);
			return vdm_err(err, -E2BIG, "fuzz sh: output larger than %d bytes", FZ_CAP);
		}
		if (out)
			*out = o;
		else
			free(o);
		return 0;
	}
	const char *key = argv[0];
	if (!strcmp(argv[0], "lsvg") && argv[1] && !strcmp(argv[1], "-p"))
		key = "lsvg-p";
	else if (!strcmp(argv[0], "lsvg") && argv[1] && !strcmp(argv[1], "-l"))
		key = "lsvg-l";
	else if (!strcmp(argv[0], "lslv") && argv[1] && !strcmp(argv[1], "-m"))
		key = "lslv-m";
	else if (!strcmp(argv[0], "lslv") && argv[1] && !strcmp(argv[1], "-p"))
		key = "lslv-p";
	else if (!strcmp(argv[0], "lspv") && argv[1] && argv[1][0] != '-')
		key = "lspv-pv";
	size_t n;
	const char *s = fz_section(f, key, &n);
	if (!s)
		return 1;        /* the command "failed" */
	if (n > FZ_CAP)
		return vdm_err(err, -E2BIG, "fuzz %s: output larger than %d bytes", argv[0], FZ_CAP);
	if (out) {
		*out = xmalloc(n + 1);
		memcpy(*out, s, n);
		(*out)[n] = '\0';
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { (const char *)data, size };
	struct vdm_transport x = { .ctx = &f, .run = fz_run, .scheme = "fuzz" };
	json_t *inv = json_pack("{s:i, s:[{s:s},{s:s}], s:[{s:s, s:s, s:i, s:i}], s:[{s:s, s:[{s:s, s:i, "
		"s:[s,s], s:{s:[{s:s,s:i},{s:s,s:i}]}},"
		" {s:s, s:i, s:[s]}, {s:s, s:i, s:[s]}, {s:s, s:i, s:[s]}]}]}",
		"version", 1, "servers", "name", "vios1", "name", "vios2", "pools", "name", "vios1/sp",
		"server", "vios1", "size_mib", 100000, "free_mib", 1000, "partitions", "name", "lpar1",
		"disks", "name", "hdisk0", "size_mib", 10240, "paths", "vios1", "vios2", "locator",
		"paths", "server", "vios1", "client_slot", 11, "server", "vios2", "client_slot", 12,
		"name", "hdisk1", "size_mib", 10240, "paths", "vios1",
		"name", "hdisk2", "size_mib", 0, "paths", "vios1",
		"name", "hdisk3", "size_mib", 20480, "paths", "vios1");
	json_t *part = json_array_get(json_object_get(inv, "partitions"), 0);
	json_object_set_new(part, "npiv_locator", json_pack("{s:[{s:s,s:i}]}", "paths", "server",
							    "vios1", "client_slot", 31));
	json_object_set_new(part, "vios_unreachable", json_pack("{s:[s], s:{s:[{s:s,s:i}]}}",
		"servers", "vios3", "locator", "paths", "server", "vios3", "client_slot", 41));
	struct vdm_error err = { 0 };
	struct vdm_client c = { 0 };
	int rc = vdm_client_open("aix", &x, &c, &err);
	if (rc == 0)
		rc = vdm_client_discover(&c, part, &err);
	vdm_client_close(&c);
	if (rc == 0) {
		struct vdm_inventory *parsed = NULL;
		if (vdm_inventory_parse_json(inv, "fuzz", &parsed, &err) == 0)
			vdm_inventory_free(parsed);
	} else if (!err.msg[0]) {
		abort();   /* a refusal always says why */
	}
	json_decref(inv);
	return 0;
}
