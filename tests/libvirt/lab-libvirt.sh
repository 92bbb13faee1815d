#!/usr/bin/env bash
# lab-libvirt: the libvirt backend against a real libvirtd and a real guest kernel, one boot of
# lab/libvirt.json (vdm-lpar1 with rootvg in dir pool vdm-a; fs pool vdm-b on another loop
# device, each pool's image on its own tmpfs):
#  1. discovery matches the config: pools with the devices found through the mount table
#     (loop device -> backing file -> its tmpfs), disks with pool, size and serial, the agent
#     channel found in the domain XML, the VG through it;
#  2. a crash (VDMIRROR_FAULT) at create, map and add_pv, then undo: no volume, no attachment
#     live or persistent, pools' free space exactly back;
#  3. vdmirror mirror at level device across the two pools; the domain destroyed and started
#     again: the new disk still attached, the VG complete, every LV two copies in sync, the data
#     written before intact;
#     then the original copy's disk detached live (as a disk vanishes): the partition keeps
#     running and every byte of hd4 reads back right;
#  4. the backend refuses to delete a volume a domain uses, and to adopt a volume it did not
#     create.
. "$(dirname "$0")/lib.sh"
libvirt_requires
libvirt_lab_up "$VDM_SOURCE_ROOT/lab/libvirt.json"
P=vdm-lpar1 VG=rootvg

# ---- 1. discovery
INV=$(linv --partition $P)
STATUS=$("$VDM" lab status --state "$STATE" --json)
for pool in vdm-a vdm-b; do
	media=$(jq -r --arg p $pool '.pools[] | select(.name == $p) | .media_dev' <<<"$STATUS")
	[ -n "$media" ] || fail "lab status: no media device of $pool"
	got=$(jq -c --arg p "$HOST/$pool" '.pools[] | select(.name == $p) | [.server, .devices]' <<<"$INV")
	want=$(jq -nc --arg h "$HOST" --arg m "$media" '[$h, [$h + ":tmpfs:" + $m]]')
	[ "$got" = "$want" ] || fail "pool $pool: server and devices $got, want $want (mount table -> loop -> tmpfs)"
	jq -e --arg p "$HOST/$pool" '.pools[] | select(.name == $p) | .size_mib >= 256 and .free_mib <= .size_mib and .alloc_mib == 1' <<<"$INV" >/dev/null ||
		fail "pool $pool: sizes $(jq -c --arg p "$HOST/$pool" '.pools[] | select(.name == $p)' <<<"$INV")"
done
got=$(jq -c '.partitions[0].disks | map({name, size_mib, pool, paths})' <<<"$INV")
want=$(jq -c --arg h "$HOST" '[.partitions[0].disks[] | {name, size_mib, pool: ($h + "/" + .pool), paths: [$h]}]' "$VDM_SOURCE_ROOT/lab/libvirt.json")
[ "$got" = "$want" ] || fail "disks of $P: $got, want $want"
addr=$("$TOOL" -b libvirt "uri=$URI" address $P)
sock=$(virsh_ dumpxml $P | grep -B1 "name='org.vdmirror.agent'" | sed -n "s/.*path='\([^']*\)'.*/\1/p")
[ "$addr" = "agent:unix:$sock" ] && [ -S "$sock" ] || fail "agent address $addr, want agent:unix:$sock"
[ "$(jq -r '.partitions[0].vgs[0].name' <<<"$INV")" = rootvg ] || fail "no rootvg reported through the agent channel"
ok "discovery: pools on their own tmpfs devices through loop devices, disks in pool vdm-a, agent channel from the XML"

# ---- 2. undo after a crash
fill_lv $P $VG hd4 11 0 16 || fail "fill hd4"
fill_lv $P $VG data 12 0 24 || fail "fill data"
M=("$VDM" mirror $P $VG --level device --yes "${B[@]}")
vols_b() { virsh_ vol-list vdm-b | awk '{print $1}' | sort; }
VOLS0=$(vols_b)
BASE=$(lv_snapshot $P)
VG0=$(lv_vg $P $VG)
for f in create_disk:1:ran map_disk:1:ran add_pv:1:ran; do
	rc=0
	VDMIRROR_FAULT=$f "${M[@]}" >"$STATE/crash.out" 2>&1 || rc=$?
	[ $rc = 99 ] || { cat "$STATE/crash.out"; fail "VDMIRROR_FAULT=$f: exit $rc, want 99"; }
	virsh_ pool-refresh vdm-b >/dev/null
	new=$(comm -13 <(echo "$VOLS0") <(vols_b))
	[ -n "$new" ] || { cat "$STATE/crash.out"; fail "$f: the crashed run created no volume in vdm-b"; }
	expect_rc 0 "$VDM" undo $P $VG "${B[@]}"
	now=$(lv_snapshot $P)
	[ "$now" = "$BASE" ] || fail "undo after $f: not back to the start:
$now
want
$BASE"
	[ "$(lv_vg $P $VG)" = "$VG0" ] || fail "undo after $f: VG not as before"
	ok "crash at $f, undo: volume $new deleted, attachment gone live and persistent, free space back"
done

# ---- 3. mirror at level device, then destroy + start
expect_rc 0 "${M[@]}"
grep -q "every LV protected at level device" "$STATE/out" || { cat "$STATE/out"; fail "mirror: no verified result"; }
NEW=$(sed -n 's/^created \([^:]*\): .* in pool .*/\1/p' "$STATE/out" | head -1)
[ -n "$NEW" ] || { cat "$STATE/out"; fail "mirror: which disk did it create?"; }
virsh_ domblklist --inactive $P | grep -qw "$NEW" || fail "$NEW not in the persistent definition"
virsh_ destroy $P >/dev/null
"$VDM" lab up --config "$VDM_SOURCE_ROOT/lab/libvirt.json" --state "$STATE" || fail "start $P again"
virsh_ domblklist $P | grep -qw "$NEW" || fail "after destroy + start: $NEW is not attached"
tr -d '\r' <"$STATE/$P.console" | grep -q "^vdm-disk + $NEW " || fail "after destroy + start: the guest does not see $NEW"
vg=$(lv_vg $P $VG)
[ "$(jq -r '.pvs | map(.disk) | sort | join(" ")' <<<"$vg")" = "$(echo lpar1-01 lpar1-02 "$NEW" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" ] ||
	fail "after restart: PVs of $VG: $(jq -c .pvs <<<"$vg")"
jq -e '[.lvs[] | (.copies | length) == 2 and ((.stale // []) | length) == 0] | all' <<<"$vg" >/dev/null ||
	fail "after restart: not every LV has 2 copies in sync: $vg"
linv --partition $P >"$STATE/inv.json"
expect_rc 0 "$VDM" check --inventory "$STATE/inv.json" --partition $P --level device
drop_caches $P
[ "$(verify_lv $P $VG hd4 11 0 16)" = 0 ] || fail "hd4 data changed"
[ "$(verify_lv $P $VG data 12 0 24)" = 0 ] || fail "data data changed"
ok "mirror at level device; after destroy + start $NEW still attached, VG complete, in sync, data intact"

# a device failure: the original copy's disk vanishes under the running partition
t=$(virsh_ domblklist $P | awk '$2 ~ /lpar1-01$/ {print $1}')
[ -n "$t" ] || fail "no target of lpar1-01"
virsh_ detach-disk $P "$t" --live >/dev/null || fail "detach-disk $t --live"
for ((i = 0; i < 150; i++)); do
	tr -d '\r' <"$STATE/$P.console" | grep -q "^vdm-disk - lpar1-01 " && break
	sleep 0.2
done
tr -d '\r' <"$STATE/$P.console" | grep -q "^vdm-disk - lpar1-01 " || fail "the guest still sees lpar1-01"
fill_lv $P $VG hd4 13 0 8 || fail "write to hd4 after its original leg vanished"
drop_caches $P
[ "$(verify_lv $P $VG hd4 13 0 8)" = 0 ] || fail "hd4: new data not read back right"
[ "$(verify_lv $P $VG hd4 11 8 8)" = 0 ] || fail "hd4: old data not read back right"
[ "$(virsh_ domstate $P)" = running ] || fail "the partition stopped"
ok "original disk of hd4 detached live: partition running, every byte of hd4 reads back right"


# ---- 4. refusals
rc=0
"$TOOL" -b libvirt "uri=$URI" delete "$HOST/vdm-b" "$NEW" 2>"$STATE/err" || rc=$?
[ $rc != 0 ] && grep -q "still references" "$STATE/err" || fail "delete of attached $NEW: rc $rc, $(cat "$STATE/err")"
virsh_ vol-info --pool vdm-b "$NEW" >/dev/null || fail "$NEW was deleted while attached"
virsh_ vol-create-as vdm-b not-ours 8M --format raw --allocation 0 >/dev/null
rc=0
"$TOOL" -b libvirt "uri=$URI" create "$HOST/vdm-b" not-ours 8 2>"$STATE/err" || rc=$?
[ $rc != 0 ] && grep -q "refusing to adopt" "$STATE/err" || fail "create over a foreign volume: rc $rc, $(cat "$STATE/err")"
rc=0
"$TOOL" -b libvirt "uri=$URI" delete "$HOST/vdm-b" not-ours 2>"$STATE/err" || rc=$?
[ $rc != 0 ] && virsh_ vol-info --pool vdm-b not-ours >/dev/null || fail "delete of a foreign volume: rc $rc"
ok "refused: deleting an attached volume, adopting or deleting a volume vdmirror did not create"
