#!/usr/bin/env bash
# lab-libvirt-hung: a libvirtd that stops answering must not hang vdmirror. The lab's libvirtd
# is stopped (SIGSTOP, by the pid the lab recorded) in the middle of a mirror, once the new
# disk exists: the mirror still has libvirt calls ahead (map, or verify after >= 8 s of a sync
# capped by --sync-rate 6), so whichever it is waiting in or makes next, only the client's
# keepalive (keepalive_interval=1, keepalive_count=2 here: given up after ~3 s) ends it. Up to
# c1dabce the call waited for ever. vdmirror must exit 4 within a bound, the message naming the
# URI and that libvirtd stopped answering. A command started while it is stopped (inventory)
# must give up its connection in the same time (libvirt's open has no deadline). Then the
# daemon is continued (always, in the trap: it is shared by the libvirt labs) and the same
# mirror run again must resume and finish: md0 two legs in sync, exactly one new volume, the
# data intact.
. "$(dirname "$0")/lib.sh"
libvirt_requires
LV_RUN=${VDM_LIBVIRT_RUN:-/run/vdmirror-libvirt}
# the client keepalive under test; VDM_TEST_LV_KEEPALIVE="" runs the scenario without the
# keys (vdmirror's defaults, or a vdmirror that has none: it hangs until the bound below)
KA=${VDM_TEST_LV_KEEPALIVE-;keepalive_interval=1;keepalive_count=2}
BOUND=60   # s from the stop: the sync (<= ~15 s here), then ~3 s of unanswered pings
CFG=$(mktemp /tmp/vdm-lv-hung.XXXXXX.json)
jq '.name = "libvirt-hung" |
	.pools |= map(.name |= sub("^vdm-m"; "vdm-hu")) |
	.partitions[0].name = "vdm-hu" |
	.partitions[0].disks |= map(.pool |= sub("^vdm-m"; "vdm-hu"))' \
	"$VDM_SOURCE_ROOT/lab/libvirt-md.json" >"$CFG"
LVD= MIR=
# whatever happens: the daemon continues (before lab down, which needs it), vdmirror ends
trap 'rc=$?; set +e; [ -z "$LVD" ] || kill -CONT "$LVD" 2>/dev/null; [ -z "$MIR" ] || kill_pid "$MIR"; (exit $rc); cleanup' EXIT INT TERM
libvirt_lab_up "$CFG"
rm -f "$CFG"
P=vdm-hu VG=md0

# the daemon a lab started (its recorded pid), used by no other lab now: ours to stop
pid=$(cat "$LV_RUN/libvirtd.pid" 2>/dev/null || true)
if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != libvirtd ]; then
	echo "SKIP: libvirtd was not started by a vdmirror lab: not this test's to stop"; exit 77
fi
if [ "$(ls -A "$LV_RUN/labs" | wc -l)" != 1 ]; then
	echo "SKIP: other libvirt labs use this libvirtd: $(cat "$LV_RUN"/labs/* | tr '\n' ' ')"; exit 77
fi
vols() { for p in vdm-hu1 vdm-hu2; do virsh_ vol-list "$p" | awk '{print $1}'; done | sort; }
# exited MSG: the command $MIR ends within $BOUND s (else it is killed and the test fails with
# "MSG: hung"); sets rc to its exit code
exited() {
	local i
	for ((i = 0; i < BOUND * 10; i++)); do kill -0 $MIR 2>/dev/null || break; sleep 0.1; done
	if kill -0 $MIR 2>/dev/null; then
		kill_pid $MIR
		cat "$STATE/out" >&2
		fail "$1: hung"
	fi
	rc=0; wait $MIR || rc=$?
	MIR=
}
before=$(vols)

fill_lv $P $VG data 37 0 16 || fail "fill md0"
"$VDM" mirror $P $VG --level device --yes --sync-rate 6 --backend libvirt \
	--config "uri=$URI$KA" >"$STATE/out" 2>&1 &
MIR=$!
# the new volume exists: the connection is open and libvirt calls are still ahead
for ((i = 0; i < 600; i++)); do
	[ "$(vols)" = "$before" ] || break
	kill -0 $MIR 2>/dev/null || { cat "$STATE/out"; fail "mirror ended before creating its disk"; }
	sleep 0.1
done
[ "$(vols)" != "$before" ] || { cat "$STATE/out"; fail "mirror created no volume in 60 s"; }
LVD=$pid
kill -STOP "$LVD"
t0=$(date +%s)
exited "mirror still waits $BOUND s after libvirtd stopped answering"
[ $rc = 4 ] || { cat "$STATE/out" >&2; fail "mirror exited $rc against a stopped libvirtd, want 4"; }
grep -q "libvirt $URI: libvirtd on $HOST stopped answering: no reply to 2 keepalive pings 1 s apart" "$STATE/out" ||
	{ cat "$STATE/out" >&2; fail "the error does not say that libvirtd on $HOST stopped answering"; }
ok "mirror against a libvirtd stopped mid-run: exit 4 after $(($(date +%s) - t0)) s (bound $BOUND s):"
grep "stopped answering" "$STATE/out"

# a command started against the stopped daemon: its socket still takes the connection, and
# libvirt's open has no deadline of its own (the keepalive starts once it is open)
"$VDM" inventory --storage-only --backend libvirt --config "uri=$URI$KA" >"$STATE/out" 2>&1 &
MIR=$!
t0=$(date +%s)
exited "inventory still waits in the connection $BOUND s after it started against a stopped libvirtd"
kill -CONT "$LVD"
LVD=
[ $rc = 4 ] || { cat "$STATE/out" >&2; fail "inventory exited $rc against a stopped libvirtd, want 4"; }
grep -q "libvirt $URI: connect: libvirtd did not answer in 3 s" "$STATE/out" ||
	{ cat "$STATE/out" >&2; fail "the error does not say that libvirtd did not answer the connection"; }
ok "inventory started against the stopped libvirtd: exit 4 after $(($(date +%s) - t0)) s: $(cat "$STATE/out")"

# the daemon answers again: the same command resumes (or, failed at verify, verifies) the run
expect_rc 0 "$VDM" mirror $P $VG --level device --yes "${B[@]}"
grep -q "every LV protected at level device" "$STATE/out" || { cat "$STATE/out"; fail "mirror again: no verified result"; }
[ "$(comm -13 <(echo "$before") <(vols) | wc -l)" = 1 ] || fail "not exactly one new volume: $(vols | tr '\n' ' ')"
two_legs_intact $P $VG data 37 16 "after the resumed mirror"
ok "libvirtd continued: the run finished, one new volume, md0 two legs in sync, data intact"
