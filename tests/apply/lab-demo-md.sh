#!/usr/bin/env bash
# The demo's story as a test, md RAID1 partition (lab/md.json): the second leg on vios2, vios1
# killed, md marks the dead leg failed after a write, every byte reads back right.
. "$(dirname "$0")/lib.sh"
APPLY_DRIVERS=linux_md apply_requires
VDM=$VDM "$VDM_SOURCE_ROOT/lab/demo" --config "$VDM_SOURCE_ROOT/lab/md.json" || fail "demo (md)"
ok "demo story on md"
