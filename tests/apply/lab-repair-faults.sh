#!/usr/bin/env bash
# Crash during repair (issue 10), LVM, three-servers: mirror, fail the server of the new copy,
# then a repair that
# dies (VDMIRROR_FAULT) at a step; MODE resume: the same repair command continues the
# journaled run to a verified end, no disk left over; MODE undo: vdmirror undo removes what the
# repair made, leaving the storage as before the repair (no orphan disk) and the VG running on
# its surviving copy, data intact. One VM boot per mode.
. "$(dirname "$0")/lib.sh"
MODE=${1:-resume}
apply_requires
lab_up "$VDM_SOURCE_ROOT/lab/three-servers.json"
export VDMIRROR_STATE=$STATE/journal
P=lpar1 VG=rootvg
fill_lv $P $VG hd2 22 0 24 || fail "fill hd2"
"$VDM" mirror $P $VG --yes --lab --state "$STATE" >"$STATE/out" 2>&1 || { cat "$STATE/out"; fail "mirror"; }
mapfile -t SRV < <(servers_of_vg "$(inventory)" $P $VG)
SECOND=$([ "${SRV[0]}" = vios1 ] && echo "${SRV[1]}" || echo "${SRV[0]}")
# the mirror's new disk, on SECOND
OLD=$(inventory --partition $P | jq -r --arg s "$SECOND" '.partitions[0].disks[] | select(.pool | startswith($s + "/")) | select(.name | test("-m[0-9]+$")) | .name' | head -1)
"$VDM" lab fail "$SECOND" --state "$STATE" || fail "lab fail $SECOND"
fill_lv $P $VG hd2 23 4 8 || fail "write with $SECOND dead"
before=$(snapshot)

if [ "$MODE" = resume ]; then FAULT=replace_copy:ran; else FAULT=add_pv; fi
rc=0
VDMIRROR_FAULT=$FAULT "$VDM" repair $P $VG --wait-for-return 0 --yes --lab --state "$STATE" \
	>"$STATE/out" 2>&1 || rc=$?
[ $rc = 99 ] || { cat "$STATE/out"; fail "VDMIRROR_FAULT=$FAULT: exit $rc, want 99"; }
ok "repair died at $FAULT"

if [ "$MODE" = resume ]; then
	"$VDM" repair $P $VG --wait-for-return 0 --yes --json --lab --state "$STATE" >"$STATE/events" 2>"$STATE/err" ||
		{ cat "$STATE/events" "$STATE/err"; fail "resume of the repair"; }
	jq -e 'select(.event == "result") | .ok' "$STATE/events" >/dev/null || fail "resume did not end ok"
	grep -q '"event":"step_skip"' "$STATE/events" || fail "the second repair did not resume the journaled run (no step skipped as done)"
	# exactly the disks of the plan: none made twice, none left aside
	made=$(jq -r 'select(.event == "step_done" or .event == "step_skip") | select(.kind == "create_disk") | .args.disk' "$STATE/events" | sort -u)
	for d in $made; do inventory --storage-only | jq -e --arg d "$d" '[.partitions[].disks[].name] | index($d)' >/dev/null ||
		fail "disk $d of the run is not mapped"; done
	ok "resumed to a verified end"
	# clean-up: the disk left on the dead server (a disk the mirror run created) is deleted by
	# the next repair once its server is back, and only then
	[ -n "$OLD" ] || fail "no disk of the mirror run on $SECOND"
	"$VDM" lab restore "$SECOND" --state "$STATE" || fail "lab restore $SECOND"
	"$VDM" repair $P $VG --yes --lab --state "$STATE" >"$STATE/out" 2>&1 || { cat "$STATE/out"; fail "repair after the restore"; }
	grep -q "disk $OLD on $SECOND (back again, empty) will be deleted" "$STATE/out" || { cat "$STATE/out"; fail "repair did not say it deletes $OLD"; }
	ls "$STATE/pools/"*/ | grep -q "^$OLD" && fail "$OLD still in a pool folder"
	ok "clean-up: $OLD deleted after $SECOND came back"
else
	"$VDM" undo $P $VG --yes --lab --state "$STATE" >"$STATE/out" 2>&1 || { cat "$STATE/out"; fail "undo"; }
	[ "$(snapshot)" = "$before" ] || { echo "before: $before"; echo "after: $(snapshot)"; fail "undo left something behind"; }
	ok "undo: storage as before the repair, no orphan disk"
fi
drop_caches $P
[ "$(verify_lv $P $VG hd2 22 0 4)" = 0 ] || fail "hd2 differs"
[ "$(verify_lv $P $VG hd2 23 4 8)" = 0 ] || fail "hd2 written during the outage differs"
[ "$(verify_lv $P $VG hd2 22 12 12)" = 0 ] || fail "hd2 differs"
ok "data intact ($MODE)"
