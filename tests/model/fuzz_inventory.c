/* fuzz_inventory.c: libFuzzer target for the inventory reader and writer: any input must be
 * parsed or rejected with a message, and what parses must write out and parse again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vdmirror/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdm_inventory *inv = NULL, *again = NULL;
	struct vdm_error err = { 0 };

	if (vdm_inventory_parse_string((const char *)data, size, "fuzz", &inv, &err) < 0) {
		if (!err.msg[0] || inv)
			abort();   /* a rejection must say why and leave nothing behind */
		return 0;
	}
	json_t *j = vdm_inventory_to_json(inv);
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	/* what the writer emits must be accepted by the reader */
	if (!s || vdm_inventory_parse_string(s, strlen(s), "written", &again, &err) < 0)
		abort();
	free(s);
	vdm_inventory_free(again);
	vdm_inventory_free(inv);
	return 0;
}
