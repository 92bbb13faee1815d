#!/usr/bin/env bash
# lab-libvirt-md: lab/libvirt-md.json (md0, a degraded RAID1 on lpar3-01 in dir pool vdm-m1):
#  1. vdmirror mirror at level device adds a leg in fs pool vdm-m2 through libvirt;
#  2. the domain destroyed and started again: the new disk still attached, md0 assembled with
#     both legs in sync, the data intact;
#  3. a device failure: the original leg's disk is detached from the running domain
#     (virsh detach-disk --live) as a disk would vanish: the partition keeps running and every
#     byte of md0 reads back right.
. "$(dirname "$0")/lib.sh"
libvirt_requires
CFG=$VDM_SOURCE_ROOT/lab/libvirt-md.json
libvirt_lab_up "$CFG"
P=vdm-lpar3 VG=md0

fill_lv $P $VG data 21 0 16 || fail "fill md0"
expect_rc 0 "$VDM" mirror $P $VG --level device --yes "${B[@]}"
grep -q "every LV protected at level device" "$STATE/out" || { cat "$STATE/out"; fail "mirror: no verified result"; }
NEW=$(sed -n 's/^created \([^:]*\): .* in pool .*/\1/p' "$STATE/out" | head -1)
[ -n "$NEW" ] || { cat "$STATE/out"; fail "mirror: which disk did it create?"; }
ok "md0 mirrored onto $NEW in pool vdm-m2 at level device"

virsh_ destroy $P >/dev/null
"$VDM" lab up --config "$CFG" --state "$STATE" || fail "start $P again"
virsh_ domblklist $P | grep -qw "$NEW" || fail "after destroy + start: $NEW is not attached"
vg=$(lv_vg $P $VG)
[ "$(jq -r '.pvs | map(.disk) | sort | join(" ")' <<<"$vg")" = "$(printf '%s\n' lpar3-01 "$NEW" | sort | tr '\n' ' ' | sed 's/ $//')" ] ||
	fail "after restart: legs of md0: $(jq -c .pvs <<<"$vg")"
two_legs_intact $P $VG data 21 16 "after destroy + start"
ok "after destroy + start: $NEW attached, md0 complete and in sync, data intact"

# the original leg vanishes under the running partition
t=$(virsh_ domblklist $P | awk '$2 ~ /lpar3-01$/ {print $1}')
[ -n "$t" ] || fail "no target of lpar3-01"
virsh_ detach-disk $P "$t" --live >/dev/null || fail "detach-disk $t --live"
for ((i = 0; i < 150; i++)); do
	tr -d '\r' <"$STATE/$P.console" | grep -q "^vdm-disk - lpar3-01 " && break
	sleep 0.2
done
tr -d '\r' <"$STATE/$P.console" | grep -q "^vdm-disk - lpar3-01 " || fail "the guest still sees lpar3-01"
fill_lv $P $VG data 22 0 8 || fail "write after the leg vanished"
drop_caches $P
[ "$(verify_lv $P $VG data 22 0 8)" = 0 ] || fail "md0: new data not read back right"
[ "$(verify_lv $P $VG data 21 8 8)" = 0 ] || fail "md0: old data not read back right"
[ "$(virsh_ domstate $P)" = running ] || fail "the partition stopped"
ok "original leg detached live: partition running, every byte of md0 reads back right"
