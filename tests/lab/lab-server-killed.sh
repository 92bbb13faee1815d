#!/usr/bin/env bash
# A storage server that dies or hangs gives a clear error within the QMP timeout, never a hang:
# hung (SIGSTOP) -> timeout; killed while a call waits on it -> "connection closed";
# dead -> "server not running".
. "$(dirname "$0")/functions.sh"
lab_requires
lab_up
export VDM_QMP_TIMEOUT_MS=3000
pid=$(cat "$STATE/vios2.pid")

kill -STOP "$pid"
t0=$(date +%s)
rc=0; timeout 30 "$TOOL" "$STATE" create vios2/sp1 lpar1-h1 8 2>"$STATE/err" || rc=$?
[ $rc = 4 ] || fail "create on a hung server: exit $rc, want 4"
grep -q "qmp vios2: .*no reply within the timeout\|qmp vios2: no greeting" "$STATE/err" || fail "unclear: $(cat "$STATE/err")"
[ $(( $(date +%s) - t0 )) -lt 20 ] || fail "took too long"
ok "hung server: $(cat "$STATE/err")"

# killed mid-call: the call is waiting on the stopped server when it dies
VDM_QMP_TIMEOUT_MS=20000 "$TOOL" "$STATE" create vios2/sp1 lpar1-k1 8 2>"$STATE/err" & T=$!
PIDS+=($T)
sleep 1
kill -KILL "$pid"
rc=0; wait $T || rc=$?
[ $rc = 4 ] || fail "create while the server was killed: exit $rc, want 4"
grep -q "qmp vios2: .*connection closed by the server\|qmp vios2: .*Connection refused\|qmp vios2: .*Connection reset" "$STATE/err" || fail "unclear: $(cat "$STATE/err")"
ok "killed mid-call: $(cat "$STATE/err")"
[ -e "$STATE/pools/vios2_sp1/lpar1-k1.img" ] && fail "half-made disk left"

rc=0; "$TOOL" "$STATE" create vios2/sp1 lpar1-k2 8 2>"$STATE/err" || rc=$?
[ $rc = 4 ] && grep -q "server not running" "$STATE/err" || fail "dead server: exit $rc, $(cat "$STATE/err")"
ok "dead server: $(cat "$STATE/err")"
# discovery reports the rest and marks the dead server (formats.md, repair section)
rc=0; "$VDM" inventory --lab --state "$STATE" --storage-only >"$STATE/inv.json" 2>"$STATE/err" || rc=$?
[ $rc = 0 ] || fail "inventory with a dead server: exit $rc, $(cat "$STATE/err")"
jq -e '(.servers[] | select(.name == "vios2") | .state == "unreachable")
       and ([.pools[] | select(.server == "vios2") | .state] | all(. == "unreachable"))
       and (.servers[] | select(.name == "vios1") | has("state") | not)' "$STATE/inv.json" >/dev/null ||
	fail "inventory does not mark vios2 unreachable: $(jq -c '.servers, .pools' "$STATE/inv.json")"
ok "inventory with a dead server: vios2 and its pools unreachable, vios1 fine"
# the partition survives its server's death, and vios1 still works
"$TOOL" "$STATE" create vios1/sp1 lpar1-k3 8 -- map lpar1 vios1/sp1 lpar1-k3 || fail "vios1 after vios2 died"
wait_console lpar1 "^vdm-disk \+ lpar1-k3 " 30
ok "vios1 still serves"
