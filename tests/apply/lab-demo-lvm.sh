#!/usr/bin/env bash
# The demo's story as a test, LVM partition (lab/default.json): mirror at level server, kill the
# server holding the original copies, write and read, every byte right (lab/demo exits 1 if not).
. "$(dirname "$0")/lib.sh"
apply_requires
VDM=$VDM "$VDM_SOURCE_ROOT/lab/demo" --config "$VDM_SOURCE_ROOT/lab/default.json" || fail "demo (LVM)"
ok "demo story on LVM"
