/* fuzz_inventory.c: libFuzzer target for the inventory reader and writer: any input must be
 * parsed or rejected with a message, what parses must go through the protection rules and
 * write out and parse again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vdmirror/model.h"
#include "vdmirror/protect.h"

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
	/* whatever the reader accepts, the protection rules (vdmirror check) must digest */
	struct vdm_faults *f = vdm_faults_new(inv);
	for (size_t p = 0; p < inv->n_partitions; p++)
		for (size_t v = 0; v < inv->partitions[p].n_vgs; v++)
			for (size_t l = 0; l < inv->partitions[p].vgs[v].n_lvs; l++) {
				struct vdm_failset why;
				char buf[300];
				enum vdm_level lv = vdm_lv_protection(f, (int)p, (int)v, (int)l, &why);
				if (lv < VDM_LEVEL_NONE || lv > VDM_LEVEL_SITE || why.n < 0 ||
				    why.n > VDM_MAX_FAILED)
					abort();
				for (int i = 0; i < why.n; i++)
					vdm_component_name(f, why.ids[i], buf, sizeof buf);
			}
	vdm_faults_free(f);

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
