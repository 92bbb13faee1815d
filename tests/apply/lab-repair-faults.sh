#!/usr/bin/env bash
# Crash during repair (issue 10), LVM, three-servers: mirror, fail the server of the new copy,
# then a repair that dies (VDMIRROR_FAULT) at a step. MODE resume: the same repair command
# continues the journaled run to a verified end, no disk left over. MODE undo: undo after
# EVERY step kind of a repair. Before the VG is touched (create_disk, map_disk, wait_disk) undo
# leaves the storage exactly as before the repair; from add_pv on (add_pv, replace_copy,
# wait_sync, remove_missing, verify) LVM refuses to take the new PV or leg out while a PV is
# missing and a replaced copy cannot come back, so undo finishes the run (apply.h,
# vdm_run_undo_finishes): the VG consistent (no missing PV, no partial LV, every LV 2 copies),
# data intact, and no orphan disk in any pool, the dead server's old disk deleted by the next
# repair once the server is back. One VM boot per mode.
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

if [ "$MODE" = undo ]; then
	# the VG as LVM reports it: no missing PV, the VG not partial, no partial LV, 2 copies each
	vg_whole() {
		local vgs lvs
		vgs=$(guest_run $P lvm vgs --reportformat json -o vg_name,vg_attr,vg_missing_pv_count $VG) || return 1
		jq -e '.report[0].vg[0] | (.vg_missing_pv_count | tonumber) == 0 and .vg_attr[3:4] != "p"' \
			<<<"$vgs" >/dev/null || { echo "$vgs" >&2; return 1; }
		lvs=$(guest_run $P lvm lvs --reportformat json -o lv_name,lv_attr,lv_health_status $VG) || return 1
		jq -e '[.report[0].lv[] | select(.lv_attr[8:9] == "p" or .lv_health_status != "")] | length == 0' \
			<<<"$lvs" >/dev/null || { echo "$lvs" >&2; return 1; }
		[ -z "$(lv_copies $P $VG | awk '$2 != 2')" ] || { lv_copies $P $VG >&2; return 1; }
	}
	check_data() {
		drop_caches $P
		[ "$(verify_lv $P $VG hd2 22 0 4)" = 0 ] || fail "$1: hd2 differs"
		[ "$(verify_lv $P $VG hd2 23 4 8)" = 0 ] || fail "$1: hd2 written during the outage differs"
		[ "$(verify_lv $P $VG hd2 "$2" 12 4)" = 0 ] || fail "$1: hd2 written during this outage differs"
		[ "$(verify_lv $P $VG hd2 22 16 8)" = 0 ] || fail "$1: hd2 differs"
	}
	lvs_attr() { guest_run $P lvm lvs --noheadings -o lv_name,lv_attr $VG; }
	check_seed() { check_data "$1" "$seed"; }
	fill_lv $P $VG hd2 40 12 4 || fail "write with $SECOND dead"
	before=$(snapshot)
	partial_before=$(lvs_attr)
	# the dead server's disk is still a PV of the VG (missing): named, in case the storage
	# listing leaves a dead server's mappings out
	[ -z "$(orphans "$OLD")" ] || fail "orphan disks before the test: $(orphans "$OLD")"

	# before the VG is touched: undo puts everything back as it was
	for FAULT in create_disk:ran map_disk:ran wait_disk:ran; do
		undo_puts_back $FAULT "$OLD" "$before" lvs_attr "$partial_before"
		check_data "undo after $FAULT" 40
		ok "undo after $FAULT: storage and VG as before the repair, no orphan disk"
	done

	# from add_pv on: undo finishes the run; each time on a new failure, the server holding
	# the copy the last repair made
	DEAD=$SECOND seed=40
	for FAULT in add_pv:ran replace_copy:ran wait_sync remove_missing:ran verify; do
		# the dead server's old disk is the only one not mapped, until the next repair
		# finds its server back
		undo_finishes $FAULT "$DEAD" "$OLD" vg_whole check_seed
		ok "undo after $FAULT finished the repair: VG whole, data intact, no orphan disk ($OLD deleted once $DEAD was back)"
		[ "$FAULT" = verify ] && break
		# the next failure: the server of the copy this repair made
		mapfile -t SRV < <(servers_of_vg "$(inventory)" $P $VG)
		DEAD=$([ "${SRV[0]}" = vios1 ] && echo "${SRV[1]}" || echo "${SRV[0]}")
		OLD=$(inventory --partition $P | jq -r --arg s "$DEAD" '.partitions[0].disks[] | select(.pool | startswith($s + "/")) | select(.name | test("-m[0-9]+$")) | .name' | head -1)
		[ -n "$OLD" ] || fail "no disk of a repair on $DEAD"
		"$VDM" lab fail "$DEAD" --state "$STATE" || fail "lab fail $DEAD"
		seed=$((seed + 1))
		fill_lv $P $VG hd2 $seed 12 4 || fail "write with $DEAD dead"
	done
	exit 0
fi

FAULT=replace_copy:ran
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
fi
drop_caches $P
[ "$(verify_lv $P $VG hd2 22 0 4)" = 0 ] || fail "hd2 differs"
[ "$(verify_lv $P $VG hd2 23 4 8)" = 0 ] || fail "hd2 written during the outage differs"
[ "$(verify_lv $P $VG hd2 22 12 12)" = 0 ] || fail "hd2 differs"
ok "data intact ($MODE)"
