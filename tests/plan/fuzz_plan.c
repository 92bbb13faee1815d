/* fuzz_plan.c: libFuzzer target for the planner and the plan reader: any input is read as
 * an inventory (and planned for every VG, 2 and 3 copies, two levels: a plan must survive
 * to_json -> from_json -> to_json unchanged) and as a plan document (accepted or rejected
 * with a message, nothing left behind). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vdmirror/model.h"
#include "vdmirror/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_roundtrip(const struct vdm_plan *plan)
{
	json_t *a = vdm_plan_to_json(plan);
	struct vdm_plan *back = NULL;
	struct vdm_error err = { 0 };
	if (vdm_plan_from_json(a, "fuzz", &back, &err) != 0)
		abort();   /* the planner wrote something its own reader refuses */
	json_t *b = vdm_plan_to_json(back);
	if (!json_equal(a, b))
		abort();
	json_decref(a);
	json_decref(b);
	vdm_plan_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdm_inventory *inv = NULL;
	struct vdm_error err = { 0 };
	if (vdm_inventory_parse_string((const char *)data, size, "fuzz", &inv, &err) == 0) {
		for (size_t p = 0; p < inv->n_partitions; p++)
			for (size_t v = 0; v < inv->partitions[p].n_vgs; v++)
				for (int copies = 2; copies <= 3; copies++)
					for (int level = VDM_LEVEL_DEVICE; level <= VDM_LEVEL_SERVER; level += 2) {
						struct vdm_request req = {
							.partition = inv->partitions[p].name,
							.vg = inv->partitions[p].vgs[v].name,
							.copies = copies, .level = (enum vdm_level)level,
						};
						for (int repair = 0; repair < 2; repair++) {
							struct vdm_plan *plan = NULL;
							struct vdm_noplan np = { .message = "" };
							err.msg[0] = '\0';
							req.wait_for_return_s = 600;
							int rc = repair
								? vdm_plan_repair(inv, &req, 1796042400, &plan, &np, &err)
								: vdm_plan_make(inv, &req, &plan, &np, &err);
							if (rc == 0) {
								fuzz_roundtrip(plan);
								vdm_plan_free(plan);
							} else if (plan || !err.msg[0] ||
								   (rc == -ENOSPC && !np.message[0]) ||
								   (rc != -ENOSPC && rc != -EOVERFLOW &&
								    rc != -EINVAL)) {
								/* no plan: exit 2 with its message; sizes that
								 * do not fit or a max_name no name fits: 1 */
								abort();
							}
						}
					}
		vdm_inventory_free(inv);
	}
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	if (root) {
		struct vdm_plan *plan = NULL;
		if (vdm_plan_from_json(root, "fuzz", &plan, &err) == 0)
			fuzz_roundtrip(plan);
		else if (!err.msg[0] || plan)
			abort();
		vdm_plan_free(plan);
		json_decref(root);
	}
	return 0;
}
