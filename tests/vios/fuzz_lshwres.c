/* fuzz_lshwres.c: HMC lshwres -r virtualio --rsubtype scsi parser. */
#define FUZZ_PARSE(t) do { vios_hwress h = {0}; vios_parse_lshwres(t, &h, &err); \
	vios_hwress_free(&h); } while (0)
#include "fuzz_vios.h"
