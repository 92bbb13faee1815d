/* fuzz_report_md.c: the linux-md reader of agent reports (fuzz_report.h); it needs no
 * partition (the model marks the copies on missing disks lost). */
#define FUZZ_READ(report, part, vgs, err) vdm_md_vgs_from_report(report, vgs, err)
#include "fuzz_report.h"
