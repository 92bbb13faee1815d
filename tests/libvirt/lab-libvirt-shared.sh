#!/usr/bin/env bash
# lab-libvirt-shared: lab/libvirt-shared.json puts dir pool vdm-s2 in a folder of vdm-s1's file
# system. Discovery must find the shared device through the mount table (both pools list the
# same tmpfs under the same loop device) and vdmirror must refuse to mirror rootvg across them
# at level device (exit 2, nothing created). Then `lab down` must leave no pool, volume,
# domain, mount or loop device behind, and stop the daemons it started.
. "$(dirname "$0")/lib.sh"
libvirt_requires
libvirt_lab_up "$VDM_SOURCE_ROOT/lab/libvirt-shared.json"
P=vdm-lpar2

INV=$(linv --partition $P)
d1=$(jq -c --arg p "$HOST/vdm-s1" '.pools[] | select(.name == $p) | .devices' <<<"$INV")
d2=$(jq -c --arg p "$HOST/vdm-s2" '.pools[] | select(.name == $p) | .devices' <<<"$INV")
[ -n "$d1" ] && [ "$d1" != null ] && [ "$d1" = "$d2" ] || fail "pools vdm-s1 $d1 and vdm-s2 $d2 should list one shared device"
ok "discovery: vdm-s1 and vdm-s2 share device $d1 (found in the mount table)"

BASE=$(lv_snapshot $P)
expect_rc 2 "$VDM" mirror $P rootvg --level device --yes "${B[@]}"
grep -qi "device" "$STATE/out" || { cat "$STATE/out"; fail "the refusal does not name the device level"; }
[ "$(lv_snapshot $P)" = "$BASE" ] || fail "the refused mirror changed something"
ok "mirror across the shared file system refused (exit 2), nothing created"

# lab down: everything the lab made is gone (libvirt keeps persistent definitions in /etc)
images=$(ls "$STATE"/media/*/*.img)
"$VDM" lab down --state "$STATE" || fail "lab down"
for f in /etc/libvirt/qemu/$P.xml /etc/libvirt/storage/vdm-s1.xml /etc/libvirt/storage/vdm-s2.xml; do
	[ ! -e "$f" ] || fail "lab down left $f"
done
if [ -z "$(ls -A /run/vdmirror-libvirt/labs 2>/dev/null)" ]; then
	virsh_ uri >/dev/null 2>&1 && [ -n "$(cat /run/vdmirror-libvirt/libvirtd.pid 2>/dev/null)" ] &&
		fail "lab down left the libvirtd it started running"
fi
for img in $images; do
	[ -z "$(losetup -j "$img" 2>/dev/null)" ] || fail "lab down left a loop device on $img"
done
grep -qF "$STATE/" /proc/self/mountinfo && fail "lab down left mounts under $STATE"
ok "lab down removed domain, pools, volumes, mounts and loop devices"
