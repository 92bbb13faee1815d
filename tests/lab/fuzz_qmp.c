/* fuzz_qmp.c: libFuzzer target for the QMP reply parser (qmp_parse_message): any bytes a
 * storage server or VM could send must give a message or a clean -EPROTO. */
#include <stddef.h>
#include <stdint.h>
#include "backend/qemu/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *m = NULL;
	enum qmp_kind kind;
	struct vdm_error err = {0};
	if (qmp_parse_message((const char *)data, size, &m, &kind, &err) == 0) {
		if (!m || !json_is_object(m))
			__builtin_trap();
		json_decref(m);
	} else if (m || !err.msg[0]) {
		__builtin_trap();
	}
	return 0;
}
