/* fuzz_report.h: libFuzzer entry for the host-side readers of a Linux agent's "report" (a
 * compromised guest writes every byte of it): FUZZ_READ(report, partition, vgs, err) names the
 * reader. Whatever the bytes, no crash, no leak, no undefined behaviour (UBSan halts the run),
 * and what the reader accepts goes on through the inventory reader, as discovery does. The
 * partition's disks come from the report's own, and a disk with "x_missing": true is marked
 * missing as the storage side would (the repair paths of the readers). */
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>
#include "vdmirror/model.h"

int vdm_lvm_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err);
int vdm_md_vgs_from_report(const json_t *report, json_t **vgs_out, struct vdm_error *err);
int vdm_lvm_vgs_read(const json_t *report, json_t *partition, json_t **vgs_out,
		     struct vdm_error *err);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *report = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!report)
		return 0;
	json_t *vgs = NULL;
	struct vdm_error err = { 0 };
	/* the disks the PVs name, with sizes from the "storage server" (the report's own
	 * size_bytes here), as discovery would pair them */
	json_t *disks = json_array();
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(report, "disks"), i, d) {
		json_t *serial = json_object_get(d, "serial");
		if (json_is_string(serial)) {
			json_t *o = json_pack("{s:O, s:I, s:[s]}", "name", serial, "size_mib",
				json_integer_value(json_object_get(d, "size_bytes")) >> 20, "paths", "s1");
			if (json_is_true(json_object_get(d, "x_missing")))
				json_object_set_new(o, "state", json_string("missing"));
			json_array_append_new(disks, o);
		}
	}
	json_t *part = json_pack("{s:s, s:o}", "name", "lpar1", "disks", disks);
	if (FUZZ_READ(report, part, &vgs, &err) == 0) {
		if (!json_is_array(vgs))
			abort();
		json_t *inv = json_pack("{s:i, s:[{s:s}], s:[{s:s, s:s, s:i, s:i}], s:[{s:s, s:O, s:o}]}",
			"version", 1, "servers", "name", "s1", "pools", "name", "s1/p", "server", "s1",
			"size_mib", 100, "free_mib", 10, "partitions", "name", "lpar1", "disks",
			json_object_get(part, "disks"), "vgs", vgs);
		struct vdm_inventory *parsed = NULL;
		if (inv && vdm_inventory_parse_json(inv, "fuzz", &parsed, &err) == 0)
			vdm_inventory_free(parsed);
		json_decref(inv);
	} else if (!err.msg[0]) {
		abort();   /* a refusal always says why */
	}
	json_decref(part);
	json_decref(report);
	return 0;
}
