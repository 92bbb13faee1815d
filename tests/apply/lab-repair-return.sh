#!/usr/bin/env bash
# Return (issue 10), LVM, three-servers: mirror rootvg at level server, fail the server of the
# new copies, write, restore it, `repair`: no new disk, the stale copies are resynced in place
# (resync_copy steps); then fail the server of the ORIGINAL copies: every byte, also those
# written during the outage, reads back from the resynced copies after dropping caches. One VM
# boot.
. "$(dirname "$0")/lib.sh"
apply_requires
lab_up "$VDM_SOURCE_ROOT/lab/three-servers.json"
export VDMIRROR_STATE=$STATE/journal
P=lpar1 VG=rootvg
fill_lv $P $VG hd4 21 0 16 || fail "fill hd4"
fill_lv $P $VG data 23 0 24 || fail "fill data"
"$VDM" mirror $P $VG --level server --yes --lab --state "$STATE" >"$STATE/out" 2>&1 ||
	{ cat "$STATE/out"; fail "mirror"; }
mapfile -t SRV < <(servers_of_vg "$(inventory)" $P $VG)
SECOND=$([ "${SRV[0]}" = vios1 ] && echo "${SRV[1]}" || echo "${SRV[0]}")
ok "mirrored on vios1 and $SECOND"

"$VDM" lab fail "$SECOND" --state "$STATE" || fail "lab fail $SECOND"
fill_lv $P $VG data 24 4 8 || fail "write with $SECOND dead"
fill_lv $P $VG hd4 25 0 4 || fail "write hd4 with $SECOND dead"
"$VDM" lab restore "$SECOND" --state "$STATE" || fail "lab restore $SECOND"

before_disks=$(inventory --storage-only | jq -c '[.partitions[].disks[].name] | sort')
"$VDM" repair $P $VG --yes --json --lab --state "$STATE" >"$STATE/events" 2>"$STATE/err" ||
	{ cat "$STATE/events" "$STATE/err"; fail "repair after the return"; }
kinds=$(jq -r 'select(.event == "step_done") | .kind' "$STATE/events" | tr '\n' ' ')
case $kinds in *create_disk*|*replace_copy*) fail "a returned copy was replaced, not resynced: $kinds";; esac
case $kinds in *resync_copy*) ;; *) fail "no resync_copy step: $kinds";; esac
[ "$(inventory --storage-only | jq -c '[.partitions[].disks[].name] | sort')" = "$before_disks" ] ||
	fail "repair changed the disks of the partition"
ok "returned copies resynced in place: $kinds"

# only the resynced copies are left: they must hold everything
"$VDM" lab fail vios1 --state "$STATE" || fail "lab fail vios1"
drop_caches $P
[ "$(verify_lv $P $VG hd4 25 0 4)" = 0 ] || fail "hd4 written during the outage differs"
[ "$(verify_lv $P $VG hd4 21 4 12)" = 0 ] || fail "hd4 differs"
[ "$(verify_lv $P $VG data 23 0 4)" = 0 ] || fail "data differs"
[ "$(verify_lv $P $VG data 24 4 8)" = 0 ] || fail "data written during the outage differs"
[ "$(verify_lv $P $VG data 23 12 12)" = 0 ] || fail "data differs"
ok "with vios1 dead the resynced copies hold every byte"
