/* fuzz_lsmap.c: lsmap -all -fmt : parser. */
#define FUZZ_PARSE(t) do { vios_vhosts h = {0}; vios_parse_lsmap(t, &h, &err); \
	vios_vhosts_free(&h); } while (0)
#include "fuzz_vios.h"
