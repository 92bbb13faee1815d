#!/usr/bin/env bash
# Issue 9, findings 1 and 2, on the real lab: a disk of exactly the planned name and size
# already sits on the storage server (made by someone else, exported, not mapped). `mirror`
# must refuse it (exit 4, nothing mapped, the disk's bytes untouched), and `undo` must delete
# nothing: the disk, its export and its data stay. Then, with the name free, mirror works.
. "$(dirname "$0")/lib.sh"
apply_requires
# the default lab, with room in vios2's pool for the foreign disk AND the new ones
CFG=$(mktemp /tmp/vdm-foreign-cfg.XXXXXX.json)
jq '.name = "foreign" | (.servers[] | select(.name == "vios2") | .pools[0].size_mib) = 640' \
	"$VDM_SOURCE_ROOT/lab/default.json" >"$CFG"
lab_up "$CFG"
rm -f "$CFG"
export VDMIRROR_STATE=$STATE/journal
P=lpar1 VG=rootvg
L=(--lab --state "$STATE")

inventory --partition $P >"$STATE/inv.json"
"$VDM" plan --inventory "$STATE/inv.json" --partition $P --vg $VG --json >"$STATE/plan.json" || fail "plan"
NAME=$(jq -r '.new_disks[0].name' "$STATE/plan.json")
POOL=$(jq -r '.new_disks[0].pool' "$STATE/plan.json")
SIZE=$(jq -r '.new_disks[0].size_mib' "$STATE/plan.json")
"$TOOL" "$STATE" create "$POOL" "$NAME" "$SIZE" || fail "create the foreign disk"
IMG=$(find -L "$STATE/pools" -name "$NAME.img")
[ -f "$IMG" ] || fail "no image for $NAME"
printf 'someone else data' | dd of="$IMG" conv=notrunc status=none
SUM=$(md5sum <"$IMG")
BASE=$(snapshot)
VG0=$(vg_state $P $VG)

expect_rc 4 "$VDM" mirror $P $VG --yes "${L[@]}"
grep -q "did not create" "$STATE/out" || fail "unclear refusal: $(cat "$STATE/out")"
grep -q "$NAME" "$STATE/out" || fail "the refusal does not name $NAME"
[ "$(md5sum <"$IMG")" = "$SUM" ] || fail "mirror changed the foreign disk's bytes"
[ "$(vg_state $P $VG)" = "$VG0" ] || fail "mirror changed the VG"
ok "mirror refused the foreign $NAME ($SIZE MiB in $POOL): $(grep -m1 'did not create' "$STATE/out")"

expect_rc 0 "$VDM" undo $P $VG "${L[@]}"
[ -f "$IMG" ] || fail "undo deleted the foreign disk"
[ "$(md5sum <"$IMG")" = "$SUM" ] || fail "undo changed the foreign disk's bytes"
[ "$(snapshot)" = "$BASE" ] || fail "undo changed the storage side: $(snapshot)"
[ "$(vg_state $P $VG)" = "$VG0" ] || fail "undo changed the VG"
ok "undo deleted nothing: $NAME, its export and its bytes are still there"

"$TOOL" "$STATE" delete "$POOL" "$NAME" || fail "delete the foreign disk"
expect_rc 0 "$VDM" mirror $P $VG --yes "${L[@]}"
# the backend never deletes a disk a partition has plugged in (undo unmaps first)
expect_rc 4 "$TOOL" "$STATE" delete "$POOL" "$NAME"
grep -q "mapped to partition $P" "$STATE/out" || fail "delete of a mapped disk: $(cat "$STATE/out")"
[ -f "$IMG" ] || fail "the refused delete removed the image"
ok "the qemu backend refuses to delete $NAME while $P has it plugged in"
expect_rc 0 "$VDM" undo $P $VG "${L[@]}"
[ -z "$(find -L "$STATE/pools" -name "$NAME.img")" ] || fail "undo left the disk this run created"
ok "with the name free: mirror, then undo deletes the disk it created"
