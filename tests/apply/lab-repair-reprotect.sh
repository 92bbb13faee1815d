#!/usr/bin/env bash
# Re-protect (issue 10), LVM, three-servers: mirror rootvg at level server, fail the server of
# the original copies (vios1: both PVs of rootvg), write; `repair` with the default --wait-for-return waits and says how
# long; `repair --wait-for-return 0` puts the new copies on the third server (never beside the
# surviving copy); then fail the second server: the partition keeps running and every byte
# written before and after both failures reads back after dropping caches. No valid place
# (level frame with one frame; later two of three servers dead): exit 2, nothing created, the
# message naming the failure domain. One VM boot.
. "$(dirname "$0")/lib.sh"
apply_requires
lab_up "$VDM_SOURCE_ROOT/lab/three-servers.json"
export VDMIRROR_STATE=$STATE/journal
P=lpar1 VG=rootvg
fill_lv $P $VG hd4 21 0 16 || fail "fill hd4"
fill_lv $P $VG hd2 22 0 24 || fail "fill hd2"
fill_lv $P $VG data 23 0 12 || fail "fill data"

"$VDM" mirror $P $VG --level server --yes --lab --state "$STATE" >"$STATE/out" 2>&1 ||
	{ cat "$STATE/out"; fail "mirror"; }
INV=$(inventory)
mapfile -t SRV < <(servers_of_vg "$INV" $P $VG)
[ ${#SRV[@]} = 2 ] || fail "mirrored VG on ${SRV[*]}, want two servers"
FIRST=vios1
SECOND=$([ "${SRV[0]}" = vios1 ] && echo "${SRV[1]}" || echo "${SRV[0]}")
THIRD=$(for s in vios1 vios2 vios3; do [ $s != "$FIRST" ] && [ $s != "$SECOND" ] && echo $s; done)
ok "mirrored at level server: copies on $FIRST and $SECOND; $THIRD is free"

"$VDM" lab fail $FIRST --state "$STATE" || fail "lab fail $FIRST"
# the partition runs on; writes during the outage go to the surviving copy
fill_lv $P $VG data 24 12 12 || fail "write with $FIRST dead"
fill_lv $P $VG hd4 25 8 8 || fail "write hd4 with $FIRST dead"

# younger than --wait-for-return (default 10 min): nothing replaced, says how long
before=$(snapshot)
expect_rc 3 "$VDM" repair $P $VG --yes --lab --state "$STATE"
grep -Eq "waited for another [0-9]+ s" "$STATE/out" || { cat "$STATE/out"; fail "repair does not say how long it waits"; }
[ "$(snapshot)" = "$before" ] || fail "repair created something while it waits"
ok "wait: $(grep -o 'waited for another [0-9]* s' "$STATE/out")"

# no valid place: every server is on frame1, so level frame cannot be reached: exit 2, the
# message names the failure domain, nothing created
expect_rc 2 "$VDM" repair $P $VG --level frame --wait-for-return 0 --yes --lab --state "$STATE"
grep -q "frame" "$STATE/out" || { cat "$STATE/out"; fail "the message names no frame"; }
[ "$(snapshot)" = "$before" ] || fail "a repair without a valid place created something"
ok "no valid place (level frame, one frame): exit 2: $(grep -m1 'no valid plan' "$STATE/out" | cut -c1-200)"

# re-protect now
"$VDM" repair $P $VG --wait-for-return 0 --yes --json --lab --state "$STATE" >"$STATE/events" 2>"$STATE/err" ||
	{ cat "$STATE/events" "$STATE/err"; fail "repair --wait-for-return 0"; }
jq -r 'select(.event == "step_done") | .kind' "$STATE/events" | tr '\n' ' ' >"$STATE/kinds"
grep -q "replace_copy" "$STATE/kinds" || fail "no replace_copy step: $(cat "$STATE/kinds")"
NEWPOOLS=$(jq -r 'select(.event == "step_done" and .kind == "create_disk") | .args.pool' "$STATE/events" | sort -u | tr '\n' ' ')
[ -n "$NEWPOOLS" ] || fail "repair created no disk"
for p in $NEWPOOLS; do [ "${p%%/*}" = "$THIRD" ] || fail "new copy in $p, want $THIRD"; done
ok "repaired: steps $(cat "$STATE/kinds"); new disks in $NEWPOOLS"

# the VG now lives on SECOND and THIRD only: lose SECOND too
"$VDM" lab fail $SECOND --state "$STATE" || fail "lab fail $SECOND"
kill -0 "$(cat "$STATE/$P.pid")" || fail "partition died"
fill_lv $P $VG hd2 26 20 4 || fail "write with $FIRST and $SECOND dead"
drop_caches $P
[ "$(verify_lv $P $VG hd4 21 0 8)" = 0 ] || fail "hd4 before the failures differs"
[ "$(verify_lv $P $VG hd4 25 8 8)" = 0 ] || fail "hd4 written during the first outage differs"
[ "$(verify_lv $P $VG hd2 22 0 20)" = 0 ] || fail "hd2 differs"
[ "$(verify_lv $P $VG hd2 26 20 4)" = 0 ] || fail "hd2 written after the second failure differs"
[ "$(verify_lv $P $VG data 23 0 12)" = 0 ] || fail "data before the failures differs"
[ "$(verify_lv $P $VG data 24 12 12)" = 0 ] || fail "data written during the first outage differs"
ok "after losing $FIRST then $SECOND every byte reads back (caches dropped)"

# two of three servers dead: no second copy can be placed anywhere: exit 2, nothing created
before=$(snapshot)
expect_rc 2 "$VDM" repair $P $VG --wait-for-return 0 --yes --lab --state "$STATE"
[ "$(snapshot)" = "$before" ] || fail "a repair without a valid place created something"
ok "two servers dead: exit 2, nothing created: $(grep -m1 'no valid plan' "$STATE/out" | cut -c1-160)"
