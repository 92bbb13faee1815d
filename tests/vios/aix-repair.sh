#!/usr/bin/env bash
# `vdmirror repair --script` on AIX (issue 10): a simulated system (PowerVM cannot run here,
# so the mock is a copy of the recorded tests/vios/fixtures/system1, and says so) where
# lpar1's rootvg has lost hdisk2: lspv and lsvg -p say "missing", and hd1, mirrored on hdisk0
# and hdisk2, is open/stale. The script must drop exactly the copy on the missing PV
# (rmlvcopy hd1 1 hdisk2) before the new copy goes on the new disk of the other VIOS
# (mklvcopy -m), and take hdisk2 out of rootvg (reducevg) only after every copy is placed.
set -euo pipefail
vdm=$1
fx=${VDM_SOURCE_ROOT:?}/tests/vios/fixtures/system1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {       # check DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok - $1"; else echo "not ok - $1"; fails=$((fails + 1)); fi
}
sys=$tmp/system1
cp -r "$fx" "$sys"
L=$sys/lpar1
sub() {         # sub FILE FROM TO: the first FROM in FILE becomes TO
	local t; t=$(cat "$1"); printf '%s\n' "${t/"$2"/"$3"}" >"$1"
}
sub "$L/lspv.out" "00f6db0a0c4e0002                    rootvg          active" \
	"00f6db0a0c4e0002                    rootvg          missing"
sub "$L/lsvg_-p_rootvg.out" "hdisk0            active            319         171" \
	"hdisk0            active            319         151"
sub "$L/lsvg_-p_rootvg.out" "hdisk2            active" "hdisk2            missing"
sub "$L/lsvg_-l_rootvg.out" "20      20      1    open/syncd" "20      40      2    open/stale"
sub "$L/lslv_hd1.out" "COPIES:             1" "COPIES:             2"
sub "$L/lslv_hd1.out" "PPs:            20" "PPs:            40"
awk 'NR <= 2 { print; next } { printf "%s  %04d hdisk0            %s %s\n", $1, 199 + NR - 2, $2, $3 }' \
	"$fx/lpar1/lslv_-m_hd1.out" >"$L/lslv_-m_hd1.out"
# the surviving copy on hdisk0 is in sync (no STALE PP): lslv -p PV LV
printf 'hdisk0:hd1:/home\nUSED USED FREE 0001 0002\n' >"$L/lslv_-p_hdisk0_hd1.out"

VDMIRROR_STATE=$tmp/state-inv "$vdm" inventory --vios "$sys" --partition lpar1 >"$tmp/inv.json"
check "discovery: hdisk2 is missing" \
	test "$(jq -r '.partitions[0].disks[] | select(.name == "hdisk2") | .state' "$tmp/inv.json")" = missing

set +e
VDMIRROR_STATE=$tmp/state "$vdm" repair lpar1 rootvg --backend vios --config "$sys" \
	--script "$tmp/repair.sh" --yes --wait-for-return 0 >"$tmp/out" 2>&1
rc=$?
set -e
check "repair --script exits 0" test "$rc" = 0
[ "$rc" = 0 ] || cat "$tmp/out"
s=$tmp/repair.sh
touch "$s"
check "script is valid sh" sh -n "$s"
at() { grep -nxF -- "$1" "$s" | head -1 | cut -d: -f1; }   # line of the first exact match
before() { local a b; a=$(at "$1"); b=$(at "$2"); [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; }
check "the new disk is made on vios2" grep -q "padmin@vios2 'ioscli mkbdsp -sp " "$s"
check "nothing is made on vios1" bash -c "! grep -q 'padmin@vios1.*mkbdsp' '$s'"
check "hd1's lost copy is removed from exactly the missing PV" grep -qxF "rmlvcopy hd1 1 hdisk2" "$s"
check "... before its new copy is made" \
	before "rmlvcopy hd1 1 hdisk2" "mklvcopy -m \"\${VDM_MAPDIR}/hd1.map\" hd1 2"
check "... which is then synchronised" \
	before "mklvcopy -m \"\${VDM_MAPDIR}/hd1.map\" hd1 2" "syncvg -P 4 -l hd1"
check "no other copy is removed" test "$(grep -c '^rmlvcopy' "$s")" = 1
check "hdisk2 leaves rootvg" grep -qxF "reducevg rootvg hdisk2" "$s"
last_copy=$(grep -n '^mklvcopy' "$s" | tail -1 | cut -d: -f1)
check "... after every new copy" test "$(at "reducevg rootvg hdisk2")" -gt "${last_copy:-99999}"
check "rootvg: bosboot and bootlist for the new disk" grep -q '^bootlist -m normal' "$s"
check "no -d: reducevg never deletes an LV" bash -c "! grep -q '^reducevg -d' '$s'"
[ "$fails" = 0 ] || { echo "--- script"; cat "$s"; }

# ---- the disk came back: hdisk2 active again, hd1's copy on it stale (lslv -p: STALE) ----
sub "$L/lspv.out" "rootvg          missing" "rootvg          active"
sub "$L/lsvg_-p_rootvg.out" "hdisk2            missing" "hdisk2            active "
sub "$L/lsvg_-p_rootvg.out" "319         299" "319         279"
printf 'hdisk2:hd1:/home\nSTALE STALE 0003 FREE\n' >"$L/lslv_-p_hdisk2_hd1.out"
set +e
VDMIRROR_STATE=$tmp/state2 "$vdm" repair lpar1 rootvg --lv hd1 --backend vios --config "$sys" \
	--script "$tmp/resync.sh" --yes --wait-for-return 0 >"$tmp/out2" 2>&1
rc=$?
set -e
check "returned disk: repair --script exits 0" test "$rc" = 0
[ "$rc" = 0 ] || cat "$tmp/out2"
s=$tmp/resync.sh
touch "$s"
check "... no new disk" bash -c "! grep -q 'mkbdsp' '$s'"
check "... nothing removed" bash -c "! grep -Eq '^(rmlvcopy|reducevg)' '$s'"
check "... exactly varyonvg, then syncvg of the stale LV" \
	test "$(grep -Ev '^(#|$|set -eu)' "$s" | tr '\n' '|')" = "varyonvg rootvg|syncvg -P 4 -l hd1|"
[ "$fails" = 0 ] || { echo "--- script"; cat "$s"; }
[ -z "${VDM_SHOW:-}" ] || cat "$s"
exit "$fails"
