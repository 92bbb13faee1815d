/* fuzz_report_md.c: the linux-md reader of agent reports (fuzz_report.h). */
#define FUZZ_READ vdm_md_vgs_from_report
#include "fuzz_report.h"
