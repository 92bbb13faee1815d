#!/usr/bin/env bash
# vdmirror inside the client partition (issue 11 item 3): `--local` runs the AIX driver's
# commands on this machine through the "local:" transport while the VIOS are reached as
# configured. No AIX here, so the partition's commands (lspv, lsvg, lslv, lscfg, lspath,
# cfgmgr) are stand-ins on PATH that print what the recorded lpar1 of system1 printed (a
# mock of the AIX userland, nothing else: vdmirror itself runs unchanged). The inventory and
# the script written with --local must equal those written through the recording's own
# transport, and the stand-ins must really have been run.
set -euo pipefail
vdm=$1
fx=${VDM_SOURCE_ROOT:?}/tests/vios/fixtures/system1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {       # check DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok - $1"; else echo "not ok - $1"; fails=$((fails + 1)); fi
}

# One stand-in (tests/vios/aix-standin.sh) per AIX command, answering from the recording.
mkdir "$tmp/bin"
for c in lspv lsvg lslv lscfg lspath cfgmgr lsdev odmget; do
	ln -s "$VDM_SOURCE_ROOT/tests/vios/aix-standin.sh" "$tmp/bin/$c"
done
export VDM_STANDIN_DIR=$fx/lpar1 VDM_STANDIN_LOG=$tmp/ran

"$vdm" inventory --vios "$fx" --partition lpar1 >"$tmp/inv-replay.json"
PATH=$tmp/bin:$PATH "$vdm" inventory --vios "$fx" --partition lpar1 --local >"$tmp/inv-local.json"
check "--local ran the partition's commands here" grep -qx 'lspv' "$tmp/ran"
check "--local inventory equals the recorded one" \
	cmp <(jq -S . "$tmp/inv-replay.json") \
	    <(jq -S . "$tmp/inv-local.json")

VDMIRROR_STATE=$tmp/state "$vdm" mirror lpar1 rootvg --vios "$fx" --script "$tmp/replay.sh" \
	--yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
: >"$tmp/ran"
PATH=$tmp/bin:$PATH VDMIRROR_STATE=$tmp/state "$vdm" mirror lpar1 rootvg --vios "$fx" --local \
	--script "$tmp/local.sh" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
check "mirror --local discovered through the local commands" grep -q '^lsvg' "$tmp/ran"
check "mirror --local writes the same script" cmp "$tmp/replay.sh" "$tmp/local.sh"
check "the script adds the copies" grep -q '^mklvcopy' "$tmp/local.sh"

# A live mirror opens the driver once for prepare and the run: one lspv at its open, after the
# discovery's two (the open and the discovery of its own driver). The recording cannot be
# changed, so the run stops at its first step, after both.
: >"$tmp/ran"
set +e
PATH=$tmp/bin:$PATH VDMIRROR_STATE=$tmp/live "$vdm" mirror lpar1 rootvg --vios "$fx" --local \
	--yes >"$tmp/out" 2>&1; rc=$?
set -e
check "a live mirror on the recording stops at its first change" grep -q 'cannot be changed' "$tmp/out"
check "... after logging in to the partition once for prepare and the run" \
	test "$(grep -cx lspv "$tmp/ran")" = 3

set +e
"$vdm" inventory --lab --local --partition lpar1 >/dev/null 2>"$tmp/err"; rc=$?
set -e
check "--local with the lab backend is refused as bad input" test "$rc" = 1
check "... naming the vios backend" grep -q 'needs the vios backend' "$tmp/err"
set +e
"$vdm" inventory --vios "$fx" --local >/dev/null 2>"$tmp/err"; rc=$?
set -e
check "--local without --partition is refused" test "$rc" = 1

echo "local-mirror: $fails failed"
[ "$fails" -eq 0 ]
