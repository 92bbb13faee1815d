#!/usr/bin/env bash
# The QMP client (src/backend/qemu/qmp.c) against a real qemu-storage-daemon: commands, error
# classes, jobs (dismissed), events, a busy monitor, a server killed during a wait.
. "$(dirname "$0")/functions.sh"
requires command -v qemu-storage-daemon
QT=$VDM_BUILD_ROOT/tests/lab/qmp-test
D=$(mktemp -d /tmp/vdm-qmp.XXXXXX)
STATE=
start_qsd() {
	rm -f "$D/qsd.pid"
	qemu-storage-daemon --chardev "socket,path=$D/qsd.qmp,server=on,wait=off,id=m" --monitor chardev=m \
		--nbd-server "addr.type=unix,addr.path=$D/qsd.nbd" --pidfile "$D/qsd.pid" --daemonize
	for i in $(seq 100); do [ -s "$D/qsd.pid" ] && break; sleep 0.05; done
	PIDS+=("$(cat "$D/qsd.pid")")
}
trap 'rc=$?; for p in "${PIDS[@]}"; do kill_pid "$p"; done; rm -rf "$D"; exit $rc' EXIT
start_qsd
"$QT" basic "$D/qsd.qmp" "$D" || fail "basic"
ok "commands, errors, jobs, events"
"$QT" busy "$D/qsd.qmp" || fail "busy"
ok "second client times out"
"$QT" dead "$D/qsd.qmp" >"$D/dead.out" & T=$!
for i in $(seq 100); do grep -q ready "$D/dead.out" && break; sleep 0.05; done
grep -q ready "$D/dead.out" || fail "qmp-test dead did not connect"
kill -KILL "$(cat "$D/qsd.pid")"
wait $T || fail "dead server not reported"
ok "killed server reported"
