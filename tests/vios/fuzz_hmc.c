/* fuzz_hmc.c: the HMC's key=value lines with both quoting styles (lssyscfg, lshwres). */
#include "backend/vios/hmc.h"
#define FUZZ_PARSE(t) do { hmc_lpars l = {0}; hmc_parse_lssyscfg(t, &l, &err); \
	hmc_lpars_free(&l); vios_hwress h = {0}; vios_parse_lshwres(t, &h, &err); \
	vios_hwress_free(&h); } while (0)
#include "fuzz_vios.h"
