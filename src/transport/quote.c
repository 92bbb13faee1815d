/* quote.c: the one quoting function every transport and script uses, and the check for the
 * script-only argv forms of transport.h. */
#include <string.h>
#include "transport_priv.h"

static int exec_word_safe(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/=,@+%-", *s))
			return 0;
	return 1;
}

void vdm_shell_quote_to(struct strbuf *b, const char *arg)
{
	if (exec_word_safe(arg)) {
		strbuf_adds(b, arg);
		return;
	}
	strbuf_adds(b, "'");
	for (const char *p = arg; *p; p++)
		if (*p == '\'')
			strbuf_adds(b, "'\\''");
		else
			strbuf_add(b, p, 1);
	strbuf_adds(b, "'");
}

char *vdm_shell_join(char *const argv[])
{
	struct strbuf b = STRBUF_INIT(0);
	strbuf_adds(&b, "");
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strbuf_adds(&b, " ");
		vdm_shell_quote_to(&b, argv[i]);
	}
	return strbuf_detach(&b);
}

int vdm_script_only(char *const argv[])
{
	return argv && argv[0] &&
	       (!strcmp(argv[0], VDM_SCRIPT_COMMENT) || !strcmp(argv[0], VDM_SCRIPT_CAPTURE));
}
