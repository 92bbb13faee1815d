/* fuzz_lssp.c: lssp (plain, -detail, -bd) and lspv parsers. */
#define FUZZ_PARSE(t) do { \
	vios_pools a = {0}; vios_pool_pvs b = {0}; vios_bds c = {0}; vios_pvs d = {0}; \
	vios_parse_lssp(t, &a, &err); vios_pools_free(&a); \
	vios_parse_lssp_detail(t, &b, &err); vios_pool_pvs_free(&b); \
	vios_parse_lssp_bd(t, &c, &err); vios_bds_free(&c); \
	vios_parse_lspv(t, &d, &err); vios_pvs_free(&d); } while (0)
#include "fuzz_vios.h"
