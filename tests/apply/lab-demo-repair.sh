#!/usr/bin/env bash
# The repair story as a test (lab/demo --repair on lab/three-servers.json): mirror, kill vios1,
# keep working, repair onto the third server, kill the mirror's server too, every byte right.
. "$(dirname "$0")/lib.sh"
apply_requires
VDM=$VDM "$VDM_SOURCE_ROOT/lab/demo" --repair || fail "demo --repair"
ok "demo --repair story on LVM"
