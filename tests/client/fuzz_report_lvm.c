/* fuzz_report_lvm.c: the linux-lvm reader of agent reports (fuzz_report.h). */
#define FUZZ_READ vdm_lvm_vgs_from_report
#include "fuzz_report.h"
