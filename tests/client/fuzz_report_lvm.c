/* fuzz_report_lvm.c: the linux-lvm reader of agent reports (fuzz_report.h), with the storage
 * side's missing disks (the repair paths). */
#define FUZZ_READ vdm_lvm_vgs_read
#include "fuzz_report.h"
