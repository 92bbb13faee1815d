/* cli_backend.c: the storage-server options the commands that reach servers share (--lab,
 * --state, --backend, --config, --vios), turned into a backend name and its configuration, and
 * the listing of every backend's configuration keys for --help. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "vdmirror/backend.h"
#include "vdmirror/util.h"
#include "cli.h"
#include "cli_lab.h"

bool cli_common_opt(struct cli_common *o, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_LAB: o->lab = true; break;
	case CLI_OPT_STATE: o->lab_state = arg; o->lab = true; break;
	case CLI_OPT_BACKEND: o->backend = arg; break;
	case CLI_OPT_CONFIG: o->config = arg; break;
	case CLI_OPT_VIOS: o->backend = "vios"; o->config = arg; break;
	case CLI_OPT_JSON: o->json = true; break;
	case CLI_OPT_YES: case 'y': o->yes = true; break;
	case CLI_OPT_LOCAL: o->local = true; break;
	default: return false;
	}
	return true;
}

/* Appends key=$var to *config when the variable is set and the configuration does not give
 * key itself (front ends read the environment, the library does not; an explicit entry wins). */
static void cli_env_key(char **config, const char *key, const char *var)
{
	const char *v = getenv(var);
	if (!v || !*v)
		return;
	size_t kl = strlen(key);
	for (const char *p = *config; *p; p += strcspn(p, ";"), p += *p != '\0') {
		p += strspn(p, " \t");
		if (!strncmp(p, key, kl) && p[kl] == '=')
			return;
	}
	char *c = xasprintf("%s;%s=%s", *config, key, v);
	free(*config);
	*config = c;
}

int cli_backend_resolve(const struct cli_common *o, const char **name, char **config,
			struct vdm_error *err)
{
	const char *cfg = o->config;
	CLEANUP_FREE char *dflt = NULL;
	*name = o->backend;
	if (o->lab) {
		if (o->backend)
			return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT,
					    "--lab and --backend/--vios exclude each other");
		*name = "qemu";
		if (o->lab_state)
			cfg = o->lab_state;
		if (!cfg && !(cfg = dflt = cli_lab_default_state()))
			return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT,
					    "no lab state folder found: give --state DIR");
	}
	if (!*name)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "which storage servers? give --lab,"
				    " --backend NAME --config STR or --vios HOSTS");
	if (!cfg)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "--backend %s needs --config",
				    *name);
	*config = xstrdup(cfg);
	if (!strcmp(*name, "qemu")) {
		cli_env_key(config, "qmp_timeout_ms", "VDM_QMP_TIMEOUT_MS");
		cli_env_key(config, "unplug_timeout_ms", "VDM_UNPLUG_TIMEOUT_MS");
	}
	if (!strcmp(*name, "libvirt")) {
		cli_env_key(config, "state", "VDMIRROR_STATE");   /* its records of created volumes */
		cli_env_key(config, "unplug_timeout_ms", "VDM_UNPLUG_TIMEOUT_MS");
	}
	if (!strcmp(*name, "vios")) {
		cli_env_key(config, "key", "VDMIRROR_SSH_KEY");
		cli_env_key(config, "known_hosts", "VDMIRROR_SSH_KNOWN_HOSTS");
	}
	return 0;
}

int cli_backend_local(const struct cli_common *o, const char *backend, const char *partition,
		      char **config, struct vdm_error *err)
{
	if (!o->local)
		return 0;
	if (strcmp(backend, "vios"))
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "--local runs the partition's "
				    "commands on this machine: it needs the vios backend (--vios), "
				    "not %s", backend);
	if (!partition)
		return vdm_err_kind(err, -EINVAL, VDM_ERR_INPUT, "--local needs the partition "
				    "this machine is (--partition)");
	char *c = xasprintf("%s;addr.%s=local:", *config, partition);
	free(*config);
	*config = c;
	return 0;
}

void cli_backend_help(FILE *f)
{
	fputs("\nbackend configuration: --config 'KEY=VALUE;KEY=VALUE...' (an entry without '='\n"
	      "is the backend's first key; include=FILE reads more entries, one per line):\n", f);
	const struct vdm_backend_ops *ops;
	for (size_t i = 0; (ops = vdm_backend_at(i)); i++) {
		fprintf(f, "  %s\n", ops->name);
		for (const struct vdm_config_key *k = ops->config_keys; k && k->key; k++) {
			char kv[64];
			snprintf(kv, sizeof kv, "%s=%s", k->key, k->value);
			fprintf(f, "    %-26s %s\n", kv, k->help);
		}
	}
}

int cli_getopt_error(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return cli_usage_error(cmd, "%s needs a value", argv[optind - 1]);
	return cli_usage_error(cmd, "unknown option %s", argv[optind - 1]);
}
