/* fuzz_aix.c: the AIX parsers (lspv, lsvg, lsvg -p, lsvg -l, lslv -m, lslv, lscfg; mirror pools
 * and allocation: lsvg's strictness, lslv's rules, lspv PV's pool; the discovery loop's combined
 * output, for objects lslv -m lv1, lslv lv1, lspv hdisk0, lscfg -l hdisk0, lspath -l hdisk0,
 * lsattr -El hdisk0 -a unique_id -F value, lslv -p hdisk0 lv1, marker #vdm-1). */
#define FUZZ_PARSE(t) do { \
	aix_pvs a = {0}; aix_vgpvs b = {0}; aix_lvs c = {0}; struct aix_lvmap m; \
	int64_t x, y, z; char *lun = NULL; \
	aix_parse_lspv(t, &a, &err); aix_pvs_free(&a); \
	aix_parse_lsvg(t, &x, &y, &err); \
	aix_parse_lsvg_p(t, &b, &err); aix_vgpvs_free(&b); \
	aix_parse_lsvg_l(t, &c, &err); aix_lvs_free(&c); \
	if (aix_parse_lslv_m(t, &m, &err) == 0) aix_lvmap_free(&m); \
	aix_parse_lslv(t, &x, &y, &z, &err); \
	if (aix_parse_lscfg(t, &x, &lun, &err) == 0) free(lun); \
	aix_paths ap = {0}; aix_parse_lspath(t, &ap, &err); aix_paths_free(&ap); \
	aix_parse_lscfg_slot(t, &x, &err); \
	enum aix_mp_strict mps; aix_parse_mp_strict(t, &mps, &err); \
	struct aix_lvalloc al; if (aix_parse_lslv_alloc(t, &al, &err) == 0) aix_lvalloc_free(&al); \
	char *pool = NULL; if (aix_parse_lspv_pool(t, &pool, &err) == 0) free(pool); \
	struct aix_each ea[] = { { .cmd = AIX_EACH_LSLV_M, .name = "lv1" }, { .cmd = AIX_EACH_LSLV, .name = "lv1" }, \
				 { .cmd = AIX_EACH_LSPV, .name = "hdisk0" }, { .cmd = AIX_EACH_LSCFG, .name = "hdisk0" }, \
				 { .cmd = AIX_EACH_LSPATH, .name = "hdisk0" }, { .cmd = AIX_EACH_UNIQUE_ID, .name = "hdisk0" }, \
				 { .cmd = AIX_EACH_LSLV_P, .name = "hdisk0", .name2 = "lv1" } }; \
	aix_parse_each(t, "#vdm-1", ea, 7, &err); aix_each_free(ea, 7); } while (0)
#include "fuzz_vios.h"
