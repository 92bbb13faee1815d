/* vios_hmc.c: VIOS commands through the HMC (viosvrcmd), for shops that give a tool an HMC
 * user rather than padmin on every VIOS (config via=hmc). A transport that wraps the
 * backend's own HMC transport (ssh, or a replay folder in tests): each VIOS command becomes
 * one viosvrcmd line on the HMC. It lives in the backend, not in src/transport, because it
 * knows VIOS things (ioscli, managed system and VIOS partition names) and is only ever opened
 * on top of the HMC transport the backend already holds for lshwres/lssyscfg. */
#include <errno.h>
#include <string.h>
#include "vdmirror/util.h"
#include "vios_hmc.h"

struct hmc_ctx {
	struct vdm_transport *hmc;     /* borrowed */
	char *system, *vios, *who;
};

static int hmc_word_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/=,@+%-", *s))
			return 0;
	return 1;
}

/* The VIOS command as viosvrcmd's -c takes it: words joined by spaces, "ioscli" dropped. */
static char *hmc_inner(char *const argv[], struct vdm_error *err)
{
	size_t i = argv[0] && !strcmp(argv[0], "ioscli") ? 1 : 0;
	if (!argv[i]) {
		vdm_err(err, -EINVAL, "hmc: no VIOS command");
		return NULL;
	}
	struct strbuf b = STRBUF_INIT(0);
	strbuf_adds(&b, "");
	for (; argv[i]; i++) {
		if (!hmc_word_ok(argv[i])) {
			strbuf_free(&b);
			vdm_err(err, -EINVAL, "hmc: argument '%s' cannot pass through viosvrcmd -c "
				"(only [A-Za-z0-9._:/=,@+%%-] survive the HMC's and the VIOS's shells)",
				argv[i]);
			return NULL;
		}
		if (b.len)
			strbuf_adds(&b, " ");
		strbuf_adds(&b, argv[i]);
	}
	char *r = strbuf_detach(&b);
	strbuf_free(&b);
	return r;
}

char *vios_hmc_viosvrcmd_line(const char *system, const char *vios, char *const argv[],
			      struct vdm_error *err)
{
	if (!hmc_word_ok(system) || !hmc_word_ok(vios)) {
		vdm_err(err, -EINVAL, "hmc: managed system '%s' or VIOS '%s' unusable in viosvrcmd",
			system, vios);
		return NULL;
	}
	CLEANUP_FREE char *inner = hmc_inner(argv, err);
	if (!inner)
		return NULL;
	return xasprintf("viosvrcmd -m %s -p %s -c \"%s\"", system, vios, inner);
}

static int hmc_run(void *vctx, char *const argv[], int64_t timeout_ms, char **out,
		   struct vdm_error *err)
{
	struct hmc_ctx *c = vctx;
	if (out)
		*out = NULL;
	if (!argv || !argv[0] || vdm_script_only(argv))
		return vdm_err(err, -EINVAL, "%s: not a command", c->who);
	CLEANUP_FREE char *inner = hmc_inner(argv, err);
	if (!inner)
		return -EINVAL;
	/* one argument for -c: the HMC's shell gets it quoted as a single word (single quotes
	 * and the manual's double quotes read the same for these characters) */
	char *hv[] = { (char *)"viosvrcmd", (char *)"-m", c->system, (char *)"-p", c->vios,
		       (char *)"-c", inner, NULL };
	int rc = vdm_transport_run(c->hmc, hv, timeout_ms, out, err);
	if (rc < 0)
		vdm_err_prefix(err, "%s", c->who);
	return rc;
}

static const char *hmc_last_stderr(void *vctx)
{
	struct hmc_ctx *c = vctx;
	return vdm_transport_last_stderr(c->hmc);
}

static void hmc_close(void *vctx)
{
	struct hmc_ctx *c = vctx;
	free(c->system), free(c->vios), free(c->who);
	free(c);
}

int vios_hmc_open(struct vdm_transport *hmc, const char *system, const char *vios,
		  struct vdm_transport *t, struct vdm_error *err)
{
	memset(t, 0, sizeof *t);
	if (!hmc || !hmc->run)
		return vdm_err(err, -EINVAL, "hmc: no HMC transport open");
	if (!hmc_word_ok(system) || !hmc_word_ok(vios))
		return vdm_err(err, -EINVAL, "hmc: managed system '%s' or VIOS '%s' unusable in "
			       "viosvrcmd", system, vios);
	struct hmc_ctx *c = xcalloc(1, sizeof *c);
	c->hmc = hmc;
	c->system = xstrdup(system);
	c->vios = xstrdup(vios);
	c->who = xasprintf("vios %s through the HMC (viosvrcmd -m %s)", vios, system);
	t->ctx = c;
	t->run = hmc_run;
	t->close = hmc_close;
	t->last_stderr = hmc_last_stderr;
	t->scheme = "hmc";
	return 0;
}

/* HSCL2957: "There is currently no RMC connection between the management console and the
 * partition ..." (the HMC's message code as published HMC outputs show it; IBM explains the
 * RMC connection states: https://www.ibm.com/docs/en/rsct/3.2?topic=hmc-checking-status-rmc-connections).
 * A VIOS partition that is shut down or not activated has no RMC connection either. Only
 * this code is taken as "down": any other failure is the VIOS's answer. */
const char *vios_hmc_vios_down(const char *out, const char *errout, int *len)
{
	const char *texts[] = { errout, out };
	for (size_t i = 0; i < 2; i++) {
		const char *p = texts[i] ? strstr(texts[i], "HSCL2957") : NULL;
		if (p) {
			size_t n = strcspn(p, "\n");
			*len = n > 300 ? 300 : (int)n;
			return p;
		}
	}
	return NULL;
}
