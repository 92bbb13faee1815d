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

# The script is a new file of vdmirror's own (issue 9): mode 0700, a set -eu header; a path
# that exists, or is a symbolic link (a shared folder an attacker can write), is refused
# without a byte written through it, and a second run never appends.
check "the script starts with #!/bin/sh and set -eu" \
	test "$(head -2 "$script" | tr '\n' '|')" = '#!/bin/sh|set -eu|'
check "the script is mode 0700" test "$(stat -c %a "$script")" = 700
mirror_to() {   # mirror_to PATH: exit status of a script run writing to PATH
	set +e
	VDMIRROR_STATE=$tmp/state "$vdm" mirror lpar1 rootvg --backend vios --config "$fx" \
		--script "$1" --yes >"$tmp/out2" 2>&1
	echo $?
	set -e
}
lines=$(wc -l <"$script")
check "a second run to the same script is refused" test "$(mirror_to "$script")" != 0
check "... saying the file exists" grep -q 'exists already' "$tmp/out2"
check "... and appends nothing" test "$(wc -l <"$script")" = "$lines"
echo "first line of someone else" >"$tmp/theirs"
check "a pre-existing file is refused" test "$(mirror_to "$tmp/theirs")" != 0
check "... and left as it was" test "$(cat "$tmp/theirs")" = "first line of someone else"
ln -s "$tmp/target" "$tmp/link"
check "a symbolic link is refused" test "$(mirror_to "$tmp/link")" != 0
check "... saying so" grep -q 'symbolic link' "$tmp/out2"
check "... and nothing is written through it" test ! -e "$tmp/target"
echo "victim" >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/link2"
check "a symbolic link to an existing file is refused" test "$(mirror_to "$tmp/link2")" != 0
check "... and its target is untouched" test "$(cat "$tmp/victim")" = victim
# a run that writes nothing to review (a dry run) leaves no script behind
check "a dry run leaves no script" bash -c "VDMIRROR_STATE='$tmp/state' '$vdm' mirror lpar1 rootvg \
	--backend vios --config '$fx' --script '$tmp/dry.sh' --dry-run >/dev/null 2>&1 && test ! -e '$tmp/dry.sh'"
[ "$fails" -eq 0 ]
