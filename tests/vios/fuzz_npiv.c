/* fuzz_npiv.c: lsmap -all -npiv -fmt : (virtual FC adapters) and the lsmap -fmt groups of every
 * VIOS level, with the VTD classification discovery applies to them. */
#include "backend/vios/vios_degrade.h"
#define FUZZ_PARSE(t) do { vios_vfchosts v = {0}; vios_parse_lsmap_npiv(t, &v, &err); \
	vios_vfchosts_free(&v); vios_vhosts h = {0}; \
	if (vios_parse_lsmap(t, &h, &err) == 0) \
		for (size_t i = 0; i < h.n; i++) \
			for (size_t k = 0; k < h.v[i].n_vtds; k++) \
				(void)vios_vtd_kind(&h.v[i].vtds[k]); \
	vios_vhosts_free(&h); } while (0)
#include "fuzz_vios.h"
