#!/usr/bin/env bash
# lab-libvirt-unreached: a discovery that cannot reach one partition is not a failed discovery
# (issue 10). Two running domains in the real libvirtd whose volume groups cannot be read: one
# without the agent's virtio channel, one with the channel but no agent behind it (no guest OS
# at all: the cheapest real guest). `inventory` reports both with the disks libvirt knows and
# one warning per domain naming it and the cause; asked for one of them alone, it fails.
. "$(dirname "$0")/lib.sh"
libvirt_requires
libvirt_empty_lab_up
D1=vdm-nochan-$$
D2=vdm-noagent-$$
DISKS=$(mktemp -d /tmp/vdm-lv-unreached.XXXXXX)
chmod 755 "$DISKS"       # QEMU (user libvirt-qemu) opens the disk files
trap 'rc=$?; set +e; for d in $D1 $D2; do virsh_ destroy $d >/dev/null 2>&1; virsh_ undefine $d >/dev/null 2>&1; done; rm -rf "$DISKS"; (exit $rc); cleanup' EXIT

# domain D [CHANNEL]: a running 64 MiB guest with one 16 MiB disk (serial D-d1), no OS
domain() {
	local chan=
	[ -z "${2:-}" ] || chan="<channel type='unix'><target type='virtio' name='org.vdmirror.agent'/></channel>"
	truncate -s 16M "$DISKS/$1.img"
	cat >"$STATE/$1.xml" <<X
<domain type='qemu'>
  <name>$1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>$(command -v qemu-system-x86_64)</emulator><memballoon model='none'/>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$DISKS/$1.img'/>
      <target dev='vdb' bus='virtio'/><serial>$1-d1</serial></disk>
    $chan
  </devices>
</domain>
X
	virsh_ define "$STATE/$1.xml" >/dev/null || fail "define $1"
	virsh_ start "$1" >/dev/null || fail "start $1"
}
domain "$D1"
domain "$D2" channel

# every partition: both reported, with their disk, no VGs, one warning each; exit 0
rc=0
linv >"$STATE/inv.json" 2>"$STATE/err" || rc=$?
[ $rc = 0 ] || { cat "$STATE/err" "$STATE/inv.json" >&2; fail "inventory exited $rc"; }
for d in $D1 $D2; do
	jq -e --arg d "$d" '.partitions[] | select(.name == $d) | (.vgs == []) and
		(.disks | length == 1 and .[0].size_mib == 16)' "$STATE/inv.json" >/dev/null ||
		fail "$d is not reported with its disk: $(jq -c --arg d "$d" '.partitions[] | select(.name == $d)' "$STATE/inv.json")"
	jq -e --arg d "$d" '[.warnings[]? | select(test("partition \($d):"))] | length == 1' \
		"$STATE/inv.json" >/dev/null || fail "no warning names $d: $(jq -c .warnings "$STATE/inv.json")"
	grep -q "warning: partition $d:" "$STATE/err" || fail "inventory did not print the warning on $d"
done
jq -e --arg d "$D1" '.warnings[] | select(test("partition \($d):.*no virtio channel"))' \
	"$STATE/inv.json" >/dev/null || fail "the warning on $D1 does not say why"
ok "inventory reports $D1 (no agent channel) and $D2 (no agent) with their disks and a warning each"

# that one alone: we cannot plan without its volume groups, the error stays ($D2 would say the
# same after the agent's 15 s hello deadline, as it did above)
rc=0
linv --partition "$D1" >/dev/null 2>"$STATE/err" || rc=$?
[ $rc != 0 ] || fail "inventory --partition $D1 succeeded without its agent channel"
grep -q "domain $D1 has no virtio channel" "$STATE/err" || fail "inventory --partition $D1: $(cat "$STATE/err")"
ok "inventory --partition $D1 fails and says why"
