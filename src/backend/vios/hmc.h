/* hmc.h: inside the VIOS backend: the HMC's key=value output (lshwres, lssyscfg) and its
 * parsers (hmc_parse.c), reachable alone by unit tests and fuzz targets. Same error contract
 * as vios.h. */
#ifndef VDMIRROR_HMC_H
#define VDMIRROR_HMC_H

#include <stddef.h>
#include <stdint.h>
#include "vdmirror/error.h"
#include "vdmirror/util.h"

struct hmc_kv { char *key, *val; };
typedef VEC(struct hmc_kv) hmc_kvs;

/* One line of HMC output: `key=value,...`. A pair whose value holds commas comes quoted,
 * either whole (`"key=a,b"`, as the HMC prints it) or its value only (`key="a,b"`); inside
 * quotes `""` is one quote. Returns 0, or -EPROTO for a field without '=' or an unclosed
 * quote (a cut line), -E2BIG beyond 4096 fields. */
int hmc_split_kv(const char *line, size_t len, hmc_kvs *out);
const char *hmc_kv_get(const hmc_kvs *v, const char *key);
void hmc_kvs_free(hmc_kvs *v);

/* lssyscfg -r lpar -m SYS: one partition per line (name=, lpar_id=, lpar_env=, state=). */
struct hmc_lpar { char *name, *env, *state; int64_t id; };
typedef VEC(struct hmc_lpar) hmc_lpars;
int hmc_parse_lssyscfg(const char *text, hmc_lpars *out, struct vdm_error *err);
void hmc_lpars_free(hmc_lpars *v);

#endif
