#!/usr/bin/env bash
# Undo of an md repair (issue 10): lab/md.json plus a third server. Mirror md0, fail the new
# member's server, write; a repair killed (VDMIRROR_FAULT) after wait_disk ran is undone back
# to exactly the storage and array as before; one killed after replace_copy ran (the failed
# member is out of the array: it cannot come back) is finished by undo: md0 with 2 active
# members, none failed, data intact, and no pool holds a disk that is neither mapped nor the
# dead server's old member, which the next repair deletes once that server is back. One VM boot.
. "$(dirname "$0")/lib.sh"
APPLY_DRIVERS=linux_md apply_requires
CONFIG=$(mktemp /tmp/vdm-md3.XXXXXX.json)
# the temp config goes also when lab up fails (functions.sh's cleanup keeps the exit code)
trap 'rc=$?; set +e; rm -f "$CONFIG"; (exit $rc); cleanup' EXIT
jq '.name = "md-three" | .servers += [{"name": "vios3", "frame": "frame1",
	"pools": [{"name": "sp1", "size_mib": 128}]}]' "$VDM_SOURCE_ROOT/lab/md.json" >"$CONFIG"
lab_up "$CONFIG"
rm -f "$CONFIG"
export VDMIRROR_STATE=$STATE/journal
P=lpar1 VG=md0
md_whole() {
	local d
	d=$(guest_run $P mdadm --detail /dev/md0) || return 1
	grep -Eq 'Active Devices : 2$' <<<"$d" && grep -Eq 'Failed Devices : 0$' <<<"$d" &&
		! grep -Eq 'State : .*degraded' <<<"$d" || { echo "$d" >&2; return 1; }
}
md_devices() { guest_run $P mdadm --detail /dev/md0 | grep -E 'Devices :'; }
check_data() {
	drop_caches $P
	[ "$(verify_lv $P $VG data 31 0 4)" = 0 ] || fail "$1: md0 differs"
	[ "$(verify_lv $P $VG data 32 4 2)" = 0 ] || fail "$1: md0 written during the outage differs"
	[ "$(verify_lv $P $VG data 31 6 10)" = 0 ] || fail "$1: md0 differs"
}

fill_lv $P $VG data 31 0 16 || fail "fill md0"
"$VDM" mirror $P $VG --yes --lab --state "$STATE" >"$STATE/out" 2>&1 || { cat "$STATE/out"; fail "mirror"; }
mapfile -t SRV < <(servers_of_vg "$(inventory)" $P $VG)
DEAD=$([ "${SRV[0]}" = vios1 ] && echo "${SRV[1]}" || echo "${SRV[0]}")
OLD=$(inventory --partition $P | jq -r --arg s "$DEAD" '.partitions[0].disks[] | select(.pool | startswith($s + "/")) | .name' | head -1)
[ -n "$OLD" ] || fail "no member of the mirror on $DEAD"
"$VDM" lab fail "$DEAD" --state "$STATE" || fail "lab fail $DEAD"
fill_lv $P $VG data 32 4 2 || fail "write with $DEAD dead"
before=$(snapshot)
detail_before=$(md_devices)
[ -z "$(orphans "$OLD")" ] || fail "orphan disks before the test: $(orphans "$OLD")"

undo_puts_back wait_disk:ran "$OLD" "$before" md_devices "$detail_before"
check_data "undo after wait_disk"
ok "undo after wait_disk:ran: storage and md0 as before the repair"

undo_finishes replace_copy:ran "$DEAD" "$OLD" md_whole check_data
check_data "after the restore of $DEAD"
ok "undo after replace_copy:ran finished the repair: md0 whole, data intact, no orphan disk ($OLD deleted once $DEAD was back)"
