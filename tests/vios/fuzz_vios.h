/* fuzz_vios.h: one libFuzzer entry per parser family; each fuzz_<name>.c defines
 * FUZZ_PARSE(text) and includes this. No crash, no leak, whatever the VIOS or AIX prints. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "backend/vios/vios.h"
#include "client/aix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct vdm_error err = {0};
	FUZZ_PARSE(text);
	free(text);
	return 0;
}
