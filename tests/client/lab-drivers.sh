#!/usr/bin/env bash
# lab-drivers.sh BIN lvm|md: starts a lab of its own (a temporary state folder), runs the
# driver-steps test BIN against its partition's agent, and always takes the lab down again
# (labctl down stops every process it started by pid).
set -euo pipefail
bin=$1 kind=$2
src=${VDM_SOURCE_ROOT:?} build=${VDM_BUILD_ROOT:?}
case $kind in
lvm) config=$src/tests/client/lab-lvm.json;;
md) config=$src/tests/client/lab-md.json;;
*) echo "lab-drivers.sh: unknown kind $kind" >&2; exit 2;;
esac
state=$(mktemp -d /tmp/vdm-client-lab.XXXXXX)
cleanup() {
	"$src/lab/labctl" down --config "$config" --state "$state" --purge >/dev/null 2>&1 || true
	rm -rf "$state"
}
trap cleanup EXIT
"$src/lab/labctl" up --config "$config" --state "$state" --agent "$build/agent/vdmirror-agent"
# bounded, so the trap still runs when the test hangs (meson would SIGKILL us)
timeout -k 5 400 "$bin" "$kind" "$state/lpar1.agent"
