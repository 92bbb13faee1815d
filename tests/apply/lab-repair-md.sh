#!/usr/bin/env bash
# Repair with md (issue 10), lab/md.json (two servers): mirror md0 (vdmirror gives it a
# write-intent bitmap), fail vios2 (the new member's server), write. No valid place: with two
# servers and one dead, `repair --wait-for-return 0` exits 2 naming the missing failure domain
# and creates nothing. Return: restore vios2, `repair`: no new disk, the member is re-added
# (resync_copy) and resyncs only what changed: the bytes vios2 writes meanwhile are far below
# the array's size. Then fail vios1: every byte reads back from the re-added member. One VM boot.
. "$(dirname "$0")/lib.sh"
APPLY_DRIVERS=linux_md apply_requires
lab_up "$VDM_SOURCE_ROOT/lab/md.json"
export VDMIRROR_STATE=$STATE/journal
P=lpar1 VG=md0
fill_lv $P $VG data 31 0 16 || fail "fill md0"
"$VDM" mirror $P $VG --yes --lab --state "$STATE" >"$STATE/out" 2>&1 || { cat "$STATE/out"; fail "mirror"; }
guest_run $P mdadm --detail /dev/md0 | grep -q "Intent Bitmap" || fail "md0 has no write-intent bitmap after the mirror"
ok "md0 mirrored onto vios2, with a write-intent bitmap"

"$VDM" lab fail vios2 --state "$STATE" || fail "lab fail vios2"
fill_lv $P $VG data 32 4 2 || fail "write with vios2 dead"
before=$(snapshot)
expect_rc 2 "$VDM" repair $P $VG --wait-for-return 0 --yes --lab --state "$STATE"
grep -q "server" "$STATE/out" || { cat "$STATE/out"; fail "the message names no failure domain"; }
[ "$(snapshot)" = "$before" ] || fail "a repair without a valid place created something"
ok "two servers, one dead: exit 2: $(grep -m1 'no valid plan' "$STATE/out" | cut -c1-200)"

"$VDM" lab restore vios2 --state "$STATE" || fail "lab restore vios2"
# bytes vios2's process caused to be written to storage (/proc/PID/io write_bytes)
wr() { awk '/^write_bytes/ { print $2 }' "/proc/$(server_pid vios2)/io"; }
w0=$(wr)
"$VDM" repair $P $VG --yes --json --lab --state "$STATE" >"$STATE/events" 2>"$STATE/err" ||
	{ cat "$STATE/events" "$STATE/err"; fail "repair after the return"; }
w1=$(wr)
kinds=$(jq -r 'select(.event == "step_done") | .kind' "$STATE/events" | tr '\n' ' ')
case $kinds in *create_disk*|*replace_copy*) fail "a returned member was replaced: $kinds";; esac
case $kinds in *resync_copy*) ;; *) fail "no resync_copy step: $kinds";; esac
resynced=$((w1 - w0))
size=$(( $(lv_table "$(inventory)" $P $VG | awk 'NR == 1 { print $2 }') << 20 ))
[ "$resynced" -lt $((size / 2)) ] || fail "resync wrote $resynced bytes to the returned member: not incremental"
ok "returned member re-added: $kinds; $resynced bytes written to it on vios2 for a $size-byte array (2 MiB changed)"

"$VDM" lab fail vios1 --state "$STATE" || fail "lab fail vios1"
drop_caches $P
[ "$(verify_lv $P $VG data 31 0 4)" = 0 ] || fail "md0 differs"
[ "$(verify_lv $P $VG data 32 4 2)" = 0 ] || fail "md0 written during the outage differs"
[ "$(verify_lv $P $VG data 31 6 10)" = 0 ] || fail "md0 differs"
ok "with vios1 dead the re-added member holds every byte"
