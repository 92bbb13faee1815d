#!/usr/bin/env bash
# lab-libvirt-qemu-refusal: a partition whose QEMU is managed by libvirt (a libvirt domain with
# an extra QMP monitor where the qemu backend looks for it) must not be hot-plugged through the
# qemu backend: map and unmap refuse and name the libvirt backend; nothing is added to the
# domain.
. "$(dirname "$0")/lib.sh"
libvirt_requires
libvirt_empty_lab_up
D=vdm-refusal-$$
trap 'rc=$?; set +e; virsh_ destroy $D >/dev/null 2>&1; virsh_ undefine $D >/dev/null 2>&1; (exit $rc); cleanup' EXIT

# the qemu backend's view: a lab state folder whose lpar1.qmp is that domain's monitor
Q=$STATE/qemu-lab
mkdir -p "$Q"
chmod 1777 "$Q"          # QEMU (user libvirt-qemu) makes the socket there
echo '{"servers": [{"name": "vios1", "pools": [{"name": "sp1", "size_mib": 64}]}], "partitions": [{"name": "lpar1", "disks": []}]}' >"$Q/config.json"
cat >"$STATE/$D.xml" <<X
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$D</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>$(command -v qemu-system-x86_64)</emulator><memballoon model='none'/></devices>
  <qemu:commandline>
    <qemu:arg value='-chardev'/><qemu:arg value='socket,id=vdmqmp,path=$Q/lpar1.qmp,server=on,wait=off'/>
    <qemu:arg value='-mon'/><qemu:arg value='chardev=vdmqmp,mode=control'/>
  </qemu:commandline>
</domain>
X
virsh_ define "$STATE/$D.xml" >/dev/null || fail "define $D"
virsh_ start $D >/dev/null || fail "start $D"
wait_file() { local i; for ((i = 0; i < 100; i++)); do [ -S "$1" ] && return 0; sleep 0.1; done; fail "no $1"; }
wait_file "$Q/lpar1.qmp"
before=$(virsh_ domblklist $D | wc -l)

for call in "map lpar1 vios1/sp1 d1" "unmap lpar1 d1"; do
	rc=0
	# shellcheck disable=SC2086
	"$TOOL" -b qemu "$Q" $call 2>"$STATE/err" || rc=$?
	[ $rc != 0 ] || fail "qemu backend: $call on a libvirt-managed QEMU succeeded"
	grep -q "managed by libvirt (domain $D)" "$STATE/err" && grep -q "libvirt backend" "$STATE/err" ||
		fail "qemu backend: $call: $(cat "$STATE/err")"
done
[ "$(virsh_ domblklist $D | wc -l)" = "$before" ] || fail "the domain's disks changed"
ok "qemu backend refuses to hot-plug into libvirt domain $D and names the libvirt backend"
