#!/usr/bin/env bash
# vdmirror lab fail / restore on three-servers.json: fail kills vios2's qemu-storage-daemon
# (SIGKILL, a crash), the partition keeps running and its disks on vios2 fail I/O; restore
# starts vios2 again on the same pool folders and sockets: the same exports serve the same
# bytes (also a disk created after lab up), the guest reads its disks on vios2 again without
# any re-plug, and the qemu backend can still delete what it made. One VM boot.
. "$(dirname "$0")/functions.sh"
lab_requires
requires command -v socat
requires command -v qemu-img
CFG=$VDM_SOURCE_ROOT/lab/three-servers.json
lab_up "$CFG"
has_agent lpar1 || fail "lpar1 runs no vdmirror-agent (build agent/ first)"

# guest_dev SERIAL: the partition's /dev node for a disk (kernel names are reused: by serial)
guest_dev() {
	local name
	name=$(agent_request lpar1 '{"op":"disks","id":1}' | jq -r --arg s "$1" '.disks[] | select(.serial == $s) | .name')
	[ -n "$name" ] || fail "lpar1 has no disk with serial $1"
	echo "/dev/$name"
}
# export_md5 SERVER DISK: what the server's NBD export serves, read by a second client
export_md5() {
	rm -f "$STATE/export.raw"
	qemu-img convert -f raw -O raw "nbd+unix:///$2?socket=$STATE/$1.nbd" "$STATE/export.raw" 2>"$STATE/err" ||
		fail "export $2 of $1 does not serve: $(cat "$STATE/err")"
	md5sum <"$STATE/export.raw" | cut -d' ' -f1
}

# a disk made after lab up (vdmirror's own creation path), beside the config's lpar1-03
"$TOOL" "$STATE" create vios2/sp1 lpar1-n1 24 -- map lpar1 vios2/sp1 lpar1-n1 || fail "create+map lpar1-n1"
wait_console lpar1 "^vdm-disk \+ lpar1-n1 " 30
DEV3=$(guest_dev lpar1-03)
DEVN=$(guest_dev lpar1-n1)
for d in "$DEV3:31" "$DEVN:32"; do
	agent_request lpar1 "{\"op\":\"fill\",\"path\":\"${d%%:*}\",\"seed\":${d##*:},\"mib\":4,\"id\":2}" |
		jq -e .ok >/dev/null || fail "fill ${d%%:*}"
done
md5_3=$(export_md5 vios2 lpar1-03)
md5_n=$(export_md5 vios2 lpar1-n1)
ok "lpar1-03 ($DEV3) and lpar1-n1 ($DEVN) on vios2 written"

# ---- fail
rc=0; "$VDM" lab fail nosuch --state "$STATE" 2>"$STATE/err" || rc=$?
[ $rc = 1 ] && grep -q "server nosuch: not in the lab config" "$STATE/err" || fail "fail of an unknown server: exit $rc, $(cat "$STATE/err")"
rc=0; "$VDM" lab fail --state "$STATE" 2>"$STATE/err" || rc=$?
[ $rc = 1 ] || fail "fail without a server: exit $rc, want 1"
pid=$(cat "$STATE/vios2.pid")
part_pid=$(cat "$STATE/lpar1.pid")
"$VDM" lab fail vios2 --state "$STATE" --json >"$STATE/fail.json" || fail "lab fail vios2"
jq -e --argjson pid "$pid" '.server == "vios2" and .state == "failed" and .killed_pid == $pid
	and (.failed_at | test("^[0-9-]+T[0-9:]+Z$"))' "$STATE/fail.json" >/dev/null ||
	fail "lab fail --json: $(cat "$STATE/fail.json")"
if [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
	fail "vios2 (pid $pid) still runs after lab fail"
fi
[ -d "/proc/$part_pid" ] || fail "lpar1 died with vios2"
for s in vios1 vios3; do kill -0 "$(cat "$STATE/$s.pid")" 2>/dev/null || fail "$s died with vios2"; done
rc=0; "$VDM" lab status --state "$STATE" --json >"$STATE/status.json" || rc=$?
[ $rc = 4 ] || fail "lab status with a failed server: exit $rc, want 4"
jq -e '(.servers[] | select(.name == "vios2") | .running == false and (.failed_at | test("^[0-9-]+T[0-9:]+Z$")))
       and ([.servers[] | select(.name != "vios2") | .running] | all)' "$STATE/status.json" >/dev/null ||
	fail "lab status does not show vios2 failed: $(jq -c .servers "$STATE/status.json")"
rc=0; "$VDM" lab fail vios2 --state "$STATE" 2>"$STATE/err" || rc=$?
[ $rc = 4 ] && grep -q "server vios2: not running (failed by lab fail at" "$STATE/err" || fail "second fail: exit $rc, $(cat "$STATE/err")"
ok "vios2 killed (pid $pid); lpar1, vios1 and vios3 run; status says so"

# discovery with a dead server reports the rest and marks vios2 (formats.md, "Failed, stale
# and unreachable parts"): its pools unreachable, the partition's disks on it missing
rc=0; "$VDM" inventory --lab --state "$STATE" >"$STATE/inv.json" 2>"$STATE/err" || rc=$?
[ $rc = 0 ] || fail "inventory with vios2 dead: exit $rc, $(cat "$STATE/err")"
jq -e '(.servers[] | select(.name == "vios2") | .state == "unreachable")
       and (.pools[] | select(.server == "vios2") | .state == "unreachable")
       and ([.partitions[0].disks[] | select(.state == "missing") | .name] | sort == ["lpar1-03", "lpar1-n1"])' "$STATE/inv.json" >/dev/null ||
	fail "inventory with vios2 dead: $(jq -c '.servers, .pools, .partitions[0].disks' "$STATE/inv.json")"
ok "inventory --lab reports the rest, vios2 unreachable, lpar1-03 and lpar1-n1 missing"

# the guest: a dead server fails I/O at once (reconnect-delay 0, rerror=report), the VM runs
reply=$(agent_request lpar1 "{\"op\":\"verify\",\"path\":\"$DEV3\",\"seed\":31,\"mib\":4,\"id\":3}")
echo "$reply" | jq -e '.ok == false and (.error | test("Input/output error"))' >/dev/null ||
	fail "read of $DEV3 with vios2 dead: $reply"
ok "guest read of $DEV3 with vios2 dead: $(echo "$reply" | jq -r .error)"

# ---- restore
"$VDM" lab restore vios2 --state "$STATE" --json >"$STATE/restore.json" || fail "lab restore vios2"
pid2=$(cat "$STATE/vios2.pid")
[ "$pid2" != "$pid" ] && kill -0 "$pid2" 2>/dev/null || fail "vios2 not running after restore (pid $pid2)"
jq -e --argjson pid "$pid2" '.server == "vios2" and .state == "running" and .pid == $pid and .started' \
	"$STATE/restore.json" >/dev/null || fail "lab restore --json: $(cat "$STATE/restore.json")"
"$VDM" lab restore vios2 --state "$STATE" --json 2>/dev/null >"$STATE/restore.json" || fail "restore of a running server"
jq -e --argjson pid "$pid2" '.pid == $pid and .started == false' "$STATE/restore.json" >/dev/null ||
	fail "lab restore --json of a running server: $(cat "$STATE/restore.json")"
[ "$(cat "$STATE/vios2.pid")" = "$pid2" ] || fail "restore of a running server started another one"
"$VDM" lab status --state "$STATE" >/dev/null || fail "lab status after restore: something is not running"
[ "$(export_md5 vios2 lpar1-03)" = "$md5_3" ] || fail "lpar1-03 serves other bytes after restore"
[ "$(export_md5 vios2 lpar1-n1)" = "$md5_n" ] || fail "lpar1-n1 (made after lab up) serves other bytes after restore"
ok "vios2 restored (pid $pid2): the same exports on the same socket serve the same bytes"

# the guest's NBD clients reconnect on their own (same socket, same export names); the first
# requests after the return may still fail: count them, and the partition must read the right
# bytes again within 30 s without any re-plug
for d in "$DEV3:31" "$DEVN:32"; do
	dev=${d%%:*} failed=0 t0=$(date +%s%N) good=0
	for ((i = 0; i < 60; i++)); do
		reply=$(agent_request lpar1 "{\"op\":\"verify\",\"path\":\"$dev\",\"seed\":${d##*:},\"mib\":4,\"id\":4}")
		if echo "$reply" | jq -e .ok >/dev/null; then
			echo "$reply" | jq -e .match >/dev/null || fail "$dev reads other bytes after restore: $reply"
			good=1; break
		fi
		failed=$((failed + 1))
		sleep 0.5
	done
	[ $good = 1 ] || fail "$dev still fails 30 s after vios2 came back: $reply"
	ok "guest reads $dev right again after $failed failed read(s), $(( ($(date +%s%N) - t0) / 1000000 )) ms after restore"
done

# discovery and the backend agree with the restarted server (same node names)
"$VDM" inventory --lab --state "$STATE" >"$STATE/inv.json" || fail "inventory after restore"
jq -e '[.partitions[0].disks[] | select(.paths == ["vios2"]) | .name] | sort == ["lpar1-03", "lpar1-n1"]' "$STATE/inv.json" >/dev/null ||
	fail "inventory after restore: $(jq -c '.partitions[0].disks' "$STATE/inv.json")"
"$TOOL" "$STATE" unmap lpar1 lpar1-n1 -- delete vios2/sp1 lpar1-n1 || fail "unmap+delete lpar1-n1 after restore"
[ -e "$STATE/pools/vios2_sp1/lpar1-n1.img" ] && fail "lpar1-n1's image left after delete"
ok "inventory lists vios2's disks again; the backend deletes a disk re-exported by restore"
