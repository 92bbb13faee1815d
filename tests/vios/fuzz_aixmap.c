/* fuzz_aixmap.c: lspv -M free ranges, then a map file drawn from them (a copy of 3 PPs on
 * the first PV), and the ODM unique_id of an NPIV disk. */
#include "client/aix_map.h"
#define FUZZ_PARSE(t) do { aix_pp_alloc a = {0}; \
	if (aix_parse_lspv_M(t, &a, &err) == 0 && a.n) { \
		struct vdm_plan_segment s = { a.v[0].pv, 3 }; \
		struct vdm_plan_copy c = { &s, 1 }; char *m = NULL; \
		aix_map_copy(&a, &c, 3, NULL, NULL, &m, &err); free(m); } \
	aix_pp_alloc_free(&a); char *u = NULL; aix_parse_unique_id(t, &u, &err); free(u); \
	} while (0)
#include "fuzz_vios.h"
