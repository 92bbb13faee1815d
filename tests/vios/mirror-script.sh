#!/usr/bin/env bash
# `vdmirror inventory --vios` and `vdmirror mirror --script` on the recorded PowerVM system
# (tests/vios/fixtures/system1, written from IBM's documented formats: no Power hardware here):
# the inventory is what the recording says, and the script is the reviewable command sequence
# that puts every LV's new copy on the new disk of the other VIOS. Nothing may run.
set -euo pipefail
vdm=$1
fx=${VDM_SOURCE_ROOT:?}/tests/vios/fixtures/system1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {       # check DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok - $1"; else echo "not ok - $1"; fails=$((fails + 1)); fi
}

"$vdm" inventory --vios "$fx" --partition lpar1 > "$tmp/inv.json"
check "inventory lists both VIOS" \
	test "$(jq -r '[.servers[].name] | sort | join(",")' "$tmp/inv.json")" = "vios1,vios2"
check "rootvg's LVs come from lslv -m" \
	test "$(jq '[.partitions[0].vgs[] | select(.name == "rootvg") | .lvs[]] | length' "$tmp/inv.json")" -gt 3

VDMIRROR_STATE=$tmp/state "$vdm" mirror lpar1 rootvg --backend vios --config "$fx" \
	--script "$tmp/mirror.sh" --yes > "$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
script=$tmp/mirror.sh
check "script is valid sh" sh -n "$script"
check "the new disk is made in a vios2 pool" grep -q "padmin@vios2 'ioscli mkbdsp -sp " "$script"
check "no disk is made on vios1" bash -c "! grep -q 'padmin@vios1.*mkbdsp' '$script'"
check "the new disk joins rootvg" grep -q 'extendvg rootvg' "$script"
for lv in $(jq -r '.partitions[0].vgs[] | select(.name == "rootvg") | .lvs[].name' "$tmp/inv.json"); do
	check "$lv gets its copy on the new disk, by map file" grep -qx "mklvcopy -m \"\${VDM_MAPDIR}/$lv.map\" $lv 2" "$script"
done
check "rootvg: bosboot and bootlist for the new disk" grep -q '^bootlist -m normal' "$script"
check "output says nothing was changed" grep -q 'nothing was changed' "$tmp/out"
[ "$fails" -eq 0 ]
