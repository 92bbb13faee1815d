/* validate.c: what the agent accepts from the host: names, device paths and the command
 * allowlist. Everything reaches execv() as a vector, never a shell; these checks keep the
 * vector itself to known programs and to arguments of known shapes. */
#include <stdio.h>
#include <string.h>
#include "agent.h"

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
}

static bool alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* ".." as a whole path component would climb out of /dev (or out of a VG name). */
static bool has_dotdot(const char *s)
{
	for (const char *p = s; (p = strstr(p, "..")); p++)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* The model's name rule (vdm_name_valid, include/vdmirror/model.h), copied because the static
 * agent links nothing of the library; tests/client/test_transport.c checks both on one table. */
bool agent_name_valid(const char *s)
{
	if (!s || !alnum(s[0]))
		return false;
	size_t n = 1;
	for (; s[n]; n++)
		if (n > 127 || !name_char(s[n]))
			return false;
	return !has_dotdot(s);
}

bool agent_dev_path_valid(const char *s)
{
	return s && !strncmp(s, "/dev/", 5) && agent_name_valid(s + 5);
}

/* lvm's own commands, run as `lvm <command> ...`, so the initramfs needs no alias links.
 * Read-only reports, and the steps a mirror needs; nothing that removes an LV or VG. */
static const char *const lvm_commands[] = {
	"pvs", "vgs", "lvs", "fullreport", "version", "pvscan", "vgscan", "lvscan",
	"pvcreate", "pvremove", "vgextend", "vgreduce", "vgcreate", "vgchange",
	"lvcreate", "lvconvert", "lvchange", NULL,
};

bool agent_is_lvm_command(const char *prog)
{
	for (size_t i = 0; lvm_commands[i]; i++)
		if (!strcmp(prog, lvm_commands[i]))
			return true;
	return false;
}

/* Options that would let a caller rewrite lvm's whole configuration. */
static const char *const refused_options[] = { "--config", "--commandprofile", "--profile",
					       "--metadataprofile", "--driverloaded", NULL };

static bool value_char(char c)
{
	return name_char(c) || c == ',' || c == '%' || c == '+' || c == '@' || c == '=';
}

/* Returns NULL when the argument has an accepted shape, else why not. */
static const char *arg_problem(const char *a)
{
	size_t n = strlen(a);
	if (n == 0)
		return "empty argument";
	if (n > AGENT_ARG_MAX)
		return "argument too long";
	if (a[0] == '-' && a[1] == '-') {
		/* --long-option or --long-option=value */
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : n;
		if (nlen < 3 || nlen > 66 || !alnum(a[2]))
			return "malformed option";
		for (size_t i = 3; i < nlen; i++)
			if (!alnum(a[i]) && a[i] != '-' && a[i] != '_')
				return "malformed option";
		for (size_t i = 0; refused_options[i]; i++)
			if (strlen(refused_options[i]) == nlen && !strncmp(a, refused_options[i], nlen))
				return "option not allowed";
		if (eq)
			for (const char *p = eq + 1; *p; p++)
				if (!value_char(*p))
					return "bad character in option value";
		return NULL;
	}
	if (a[0] == '-') {
		if (n < 2)
			return "malformed option";
		for (size_t i = 1; i < n; i++)
			if (!alnum(a[i]))
				return "malformed option";
		return NULL;
	}
	if (a[0] == '/')
		return agent_dev_path_valid(a) ? NULL : "paths must be /dev/<name>";
	for (size_t i = 0; i < n; i++)
		if (!value_char(a[i]))
			return "bad character";
	return has_dotdot(a) ? "\"..\" component" : NULL;
}

bool agent_argv_valid(const char *const argv[], char *errbuf, size_t errlen)
{
	if (!argv[0]) {
		snprintf(errbuf, errlen, "run: empty argv");
		return false;
	}
	const char *prog = argv[0];
	bool ok = !strcmp(prog, "lvm") || !strcmp(prog, "mdadm") || !strcmp(prog, "wipefs") ||
		  agent_is_lvm_command(prog);
	if (!ok) {
		snprintf(errbuf, errlen, "run: program \"%.64s\" is not allowed (lvm and its "
			 "commands, mdadm, wipefs)", prog);
		return false;
	}
	if (!strcmp(prog, "lvm") && argv[1] && argv[1][0] != '-' &&
	    !agent_is_lvm_command(argv[1])) {
		snprintf(errbuf, errlen, "run: lvm command \"%.64s\" is not allowed", argv[1]);
		return false;
	}
	for (size_t i = 1; argv[i]; i++) {
		const char *why = arg_problem(argv[i]);
		if (why) {
			snprintf(errbuf, errlen, "run: argument %zu \"%.64s\" refused: %s", i,
				 argv[i], why);
			return false;
		}
	}
	return true;
}
