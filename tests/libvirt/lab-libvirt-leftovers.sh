#!/usr/bin/env bash
# lab-libvirt-leftovers: libvirt keeps a lab's pools and domains (in /etc/libvirt) after the lab
# is gone; a later lab must clear what a dead lab left and never what a live one or the admin
# owns. Up to this test, a lab killed with its session left pool and domain definitions behind
# and every later lab of those names failed "not this lab's" (CI inherited them once).
#   1. lab A is up; its session ends: its QEMU, libvirtd and virtlogd are killed (SIGKILL: no
#      trap runs), its registration and its mounts stay. Lab B of the same names comes up: it
#      starts the daemons, finds A registered with none of its domains running, and removes
#      A's domain, pools, mounts and registration.
#   2. Lab C of the same names while B is up: refused (exit 4, naming B's folder); B untouched.
#   3. A pool of that name that no lab made (the admin's): refused, the pool untouched.
#   4. B's machine "reboots": QEMU and the daemons killed, /run's registrations gone. C comes up:
#      the pool's records name B, which is not registered: B's leftovers are removed.
# Then C goes down and nothing of A, B or C remains. The test kills the daemons, so it runs only
# when a lab started them and no other lab uses them.
. "$(dirname "$0")/lib.sh"
libvirt_requires
LV_RUN=${VDM_LIBVIRT_RUN:-/run/vdmirror-libvirt}
CFG=$(mktemp /tmp/vdm-lv-leftovers.XXXXXX.json)
cat >"$CFG" <<'EOF'
{"name": "libvirt-leftovers", "backend": "libvirt",
 "pools": [{"name": "vdm-lo1", "type": "dir", "size_mib": 96},
           {"name": "vdm-lo2", "type": "dir", "size_mib": 32, "backing": "vdm-lo1"}],
 "partitions": [{"name": "vdm-lo", "os": "linux", "memory_mib": 256,
                 "disks": [{"name": "lo-01", "pool": "vdm-lo1", "size_mib": 16}]}]}
EOF
SB= SC= ADMIN=
down() { [ -z "$1" ] || "$VDM" lab down --state "$1" --purge >/dev/null 2>&1; }
trap 'rc=$?; set +e; rm -f "$CFG"; [ -z "$ADMIN" ] || { virsh_ pool-destroy vdm-lo9; virsh_ pool-undefine vdm-lo9; rm -rf "$ADMIN"; } >/dev/null 2>&1
	down "$SC"; down "$SB"; (exit $rc); cleanup' EXIT INT TERM
libvirt_lab_up "$CFG"
SA=$STATE

pid=$(cat "$LV_RUN/libvirtd.pid" 2>/dev/null || true)
if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != libvirtd ]; then
	echo "SKIP: libvirtd was not started by a vdmirror lab: not this test's to kill"; exit 77
fi
if [ "$(ls -A "$LV_RUN/labs" | wc -l)" != 1 ]; then
	echo "SKIP: other libvirt labs use this libvirtd: $(cat "$LV_RUN"/labs/* | tr '\n' ' ')"; exit 77
fi

# session_ends: what the end of a session does to a lab: every process killed at once
session_ends() {
	local p pids=()
	p=$(cat /run/libvirt/qemu/vdm-lo.pid 2>/dev/null) && pids+=("$p")
	for p in libvirtd virtlogd; do pids+=("$(cat "$LV_RUN/$p.pid")"); done
	kill -KILL "${pids[@]}" 2>/dev/null || true
	for p in "${pids[@]}"; do
		for ((i = 0; i < 100; i++)); do [ -d "/proc/$p" ] || break; sleep 0.1; done
		[ ! -d "/proc/$p" ] || fail "pid $p survived SIGKILL"
	done
}
# owner NAME: the lab folder a pool's target lies in
owner() { virsh_ pool-dumpxml "$1" | sed -n 's:.*<path>\(.*\)/pools/.*</path>.*:\1:p' | head -1; }
# up STATE-VAR: a new lab of the same config in a new folder; its exit code in rc, output in out
up() {
	local s
	s=$(mktemp -d /tmp/vdm-lab.XXXXXX)
	printf -v "$1" %s "$s"
	rc=0
	"$VDM" lab up --config "$CFG" --state "$s" >"$s.out" 2>&1 || rc=$?
	out=$(cat "$s.out"); rm -f "$s.out"
}
mounts_of() { grep -cF " $1/" /proc/self/mountinfo || true; }

# 1. the session ends under lab A
[ "$(mounts_of "$SA")" -gt 0 ] || fail "lab A has no mounts to leave behind"
session_ends
up SB
[ $rc = 0 ] || { echo "$out" >&2; fail "lab B after A's session ended: exit $rc"; }
grep -q "removing what lab $SA left in libvirt" <<<"$out" || { echo "$out" >&2; fail "lab B did not say it removed A's leftovers"; }
for p in vdm-lo1 vdm-lo2; do [ "$(owner $p)" = "$SB" ] || fail "pool $p is $(owner $p)'s, want B's $SB"; done
virsh_ desc vdm-lo | grep -qxF "vdmirror lab $SB" || fail "domain vdm-lo is not B's: $(virsh_ desc vdm-lo)"
[ "$(virsh_ domstate vdm-lo)" = running ] || fail "B's domain does not run"
[ "$(mounts_of "$SA")" = 0 ] || fail "A's mounts stayed: $(grep -F " $SA/" /proc/self/mountinfo)"
[ ! -e "$LV_RUN/labs/$(printf '%s' "$SA" | md5sum | cut -c1-16)" ] || fail "A's registration stayed"
[ ! -e "$SA/lv-objects" ] || fail "A's records stayed"
ok "lab A's session ended (SIGKILL): lab B removed its domain, pools, mounts and registration"

# 2. a lab of the same names while B is up
up SC
[ $rc = 4 ] || { echo "$out" >&2; fail "lab C while B is up: exit $rc, want 4"; }
grep -q "belongs to the lab at $SB, which is up" <<<"$out" || { echo "$out" >&2; fail "the refusal does not name B"; }
[ "$(owner vdm-lo1)" = "$SB" ] && [ "$(virsh_ domstate vdm-lo)" = running ] || fail "the refused lab C changed B"
down "$SC"; SC=
ok "lab C while B is up: refused, naming B: $(grep belongs <<<"$out")"

# 3. the admin's pool of a lab's name
ADMIN=$(mktemp -d /tmp/vdm-lv-admin.XXXXXX)
mkdir -p "$ADMIN/pools/vdm-lo9"
virsh_ pool-define-as vdm-lo9 dir --target "$ADMIN/pools/vdm-lo9" >/dev/null
jq '.pools = [{name: "vdm-lo9", type: "dir", size_mib: 32}] | .partitions = []' "$CFG" >"$CFG.9"
S9=$(mktemp -d /tmp/vdm-lab.XXXXXX)
rc=0; out=$("$VDM" lab up --config "$CFG.9" --state "$S9" 2>&1) || rc=$?
"$VDM" lab down --state "$S9" --purge >/dev/null 2>&1; rm -f "$CFG.9"
[ $rc = 4 ] && grep -q "pool vdm-lo9 exists in libvirt and no vdmirror lab made it" <<<"$out" ||
	{ echo "$out" >&2; fail "the admin's pool vdm-lo9: exit $rc, want 4 and 'no vdmirror lab made it'"; }
[ "$(virsh_ pool-dumpxml vdm-lo9 | sed -n 's:.*<path>\(.*\)</path>.*:\1:p')" = "$ADMIN/pools/vdm-lo9" ] ||
	fail "the admin's pool vdm-lo9 was changed"
virsh_ pool-undefine vdm-lo9 >/dev/null && rm -rf "$ADMIN" && ADMIN=
ok "the admin's pool vdm-lo9: refused, untouched"

# 4. B's machine reboots: processes and /run's registrations gone, /etc and /tmp kept
session_ends
rm -f "$LV_RUN"/labs/*
up SC
[ $rc = 0 ] || { echo "$out" >&2; fail "lab C after B's reboot: exit $rc"; }
grep -q "removing what lab $SB left in libvirt: that lab is not up" <<<"$out" || { echo "$out" >&2; fail "lab C did not say it removed B's leftovers"; }
for p in vdm-lo1 vdm-lo2; do [ "$(owner $p)" = "$SC" ] || fail "pool $p is $(owner $p)'s, want C's $SC"; done
virsh_ desc vdm-lo | grep -qxF "vdmirror lab $SC" || fail "domain vdm-lo is not C's"
[ "$(mounts_of "$SB")" = 0 ] || fail "B's mounts stayed"
ok "lab B 'rebooted' (registrations gone): lab C removed its leftovers by its records"

# C goes down (and B, A: nothing left to do): nothing of the three remains
down "$SC"; SC=
down "$SB"; SB=
"$VDM" lab down --state "$SA" >/dev/null 2>&1 || true
for f in /etc/libvirt/qemu/vdm-lo.xml /etc/libvirt/storage/vdm-lo1.xml /etc/libvirt/storage/vdm-lo2.xml; do
	[ ! -e "$f" ] || fail "left $f"
done
ok "lab C down: no domain or pool of the three labs remains"
