/* fuzz_agent.c: libFuzzer target for vdmirror-agent's request parser and argument checks
 * (agent/proto.c, agent/validate.c): any byte string must give a parsed request or an error
 * message, never a crash, a leak or an argv that escapes the allowlist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../agent/agent.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct agent_req req;
	char err[512];
	if (agent_req_parse((const char *)data, size, &req, err, sizeof err) == 0) {
		if (req.op == AGENT_OP_RUN) {
			/* what passed must pass the allowlist again, and every argument be short */
			if (!agent_argv_valid(req.argv, err, sizeof err))
				abort();
			for (size_t i = 0; req.argv[i]; i++)
				if (strlen(req.argv[i]) > AGENT_ARG_MAX)
					abort();
		}
		if (req.serial && !agent_name_valid(req.serial))
			abort();
	} else if (!err[0]) {
		abort();   /* a refusal always says why */
	}
	agent_req_free(&req);
	return 0;
}
