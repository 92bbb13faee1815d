#!/usr/bin/env bash
# Discovery of a live lab against its config: servers, pools (size, free, devices),
# partition disks (size, pool, path); lab up idempotent; lab down leaves nothing behind;
# the shared-trap lab lists the shared device in both pools.
. "$(dirname "$0")/functions.sh"
lab_requires
CFG=$VDM_SOURCE_ROOT/lab/default.json
lab_up "$CFG"
pids1=$(cat "$STATE"/*.pid | sort | tr '\n' ' ')
"$VDM" lab up --config "$CFG" --state "$STATE" 2>/dev/null || fail "second lab up"
pids2=$(cat "$STATE"/*.pid | sort | tr '\n' ' ')
[ "$pids1" = "$pids2" ] || fail "lab up is not idempotent: pids $pids1 then $pids2"
ok "lab up idempotent"
"$VDM" lab status --state "$STATE" --json >"$STATE/status.json" || fail "lab status"

INV=$STATE/inv.json
"$VDM" inventory --lab --state "$STATE" --storage-only >"$INV" || fail "inventory"
jq -e '.version == 1' "$INV" >/dev/null || fail "version"
[ "$(jq -c '[.servers[].name]' "$INV")" = "$(jq -c '[.servers[].name]' "$CFG")" ] || fail "servers differ"
[ "$(jq -c '[.pools[] | {name, size_mib}]' "$INV")" = \
  "$(jq -c '[.servers[] | .name as $s | .pools[] | {name: ($s + "/" + .name), size_mib}]' "$CFG")" ] || fail "pools differ"
# free = size - what the config's disks take
for pool in $(jq -r '.pools[].name' "$INV"); do
	want=$(jq --arg p "$pool" '([.servers[] | .name as $s | .pools[] | select($s + "/" + .name == $p) | .size_mib][0]) - ([.partitions[].disks[] | select(.pool == $p) | .size_mib] | add // 0)' "$CFG")
	got=$(jq -r --arg p "$pool" '.pools[] | select(.name == $p) | .free_mib' "$INV")
	[ "$got" = "$want" ] || fail "pool $pool: free_mib $got, config says $want"
	jq -e --arg p "$pool" '.pools[] | select(.name == $p) | .devices == ["fs:" + $p]' "$INV" >/dev/null || fail "pool $pool devices"
done
[ "$(jq -c '[.partitions[] | {name, disks: [.disks[] | {name, size_mib, pool, paths}] | sort_by(.name)}]' "$INV")" = \
  "$(jq -c '[.partitions[] | {name, disks: [.disks[] | {name, size_mib, pool, paths: [.pool | split("/")[0]]}] | sort_by(.name)}]' "$CFG")" ] \
	|| fail "partition disks differ: $(jq -c '.partitions' "$INV")"
ok "inventory matches the config"
# the whole chain: volume groups from the partition's agent, then the planner reads it unchanged
if "$VDM" inventory --lab --state "$STATE" >"$STATE/full.json" 2>"$STATE/err"; then
	jq -e '.partitions[0].vgs | map(.name) | index("rootvg")' "$STATE/full.json" >/dev/null || fail "rootvg not discovered"
	for lv in $(jq -r '.partitions[0].init.lvs[].name' "$CFG"); do
		jq -e --arg l "$lv" '[.partitions[0].vgs[] | select(.name == "rootvg") | .lvs[].name] | index($l)' "$STATE/full.json" >/dev/null || fail "LV $lv not discovered"
	done
	"$VDM" plan --inventory - --partition lpar1 --vg rootvg <"$STATE/full.json" >"$STATE/plan.txt" || fail "plan on the live inventory: $(cat "$STATE/plan.txt")"
	"$VDM" plan --inventory - --partition lpar1 --vg rootvg --json <"$STATE/full.json" | jq -e '.new_disks | length > 0' >/dev/null || fail "plan --json"
	ok "inventory --lab | plan works"
	FULL=1
elif grep -q "not compiled in" "$STATE/err"; then
	echo "note: client drivers not compiled in; volume groups not checked: $(cat "$STATE/err")"
	FULL=0
else
	fail "inventory --lab: $(cat "$STATE/err")"
fi
grep -q 'vdm-init: rootvg created' "$STATE/lpar1.console" || fail "rootvg not created at first boot"
if [ -e /dev/loop-control ]; then
	jq -e '.separate_devices == true' "$STATE/status.json" >/dev/null || fail "pools not on their own loop devices"
fi

# down leaves no process, mount, loop device or socket
pids=$(cat "$STATE"/*.pid)
"$VDM" lab down --state "$STATE" || fail "lab down"
for p in $pids; do [ -d /proc/$p ] && fail "pid $p still runs after lab down"; done
grep -qF "$STATE" /proc/mounts && fail "mounts left: $(grep -F "$STATE" /proc/mounts)"
losetup -a | grep -qF "$STATE" && fail "loop devices left: $(losetup -a | grep -F "$STATE")"
ls "$STATE"/*.qmp "$STATE"/*.nbd "$STATE"/*.agent 2>/dev/null && fail "sockets left"
ok "lab down leaves nothing"
# data survives down/up: rootvg is found again, not created again
"$VDM" lab up --config "$CFG" --state "$STATE" 2>/dev/null || fail "lab up again"
grep -q 'vdm-init: rootvg found' "$STATE/lpar1.console" || fail "rootvg not found after restart"
ok "data kept over down/up"
# a crash of the lab (SIGKILL of everything): down still cleans up from the state folder
for f in "$STATE"/*.pid; do kill -KILL "$(cat "$f")"; done
sleep 0.5
"$VDM" lab down --state "$STATE" || fail "lab down after a crash"
grep -qF "$STATE" /proc/mounts && fail "mounts left after crash"
losetup -a | grep -qF "$STATE" && fail "loop devices left after crash"
ok "down after a crash"
"$VDM" lab down --state "$STATE" --purge >/dev/null

# shared trap: vios2's pool on vios1's filesystem
lab_up "$VDM_SOURCE_ROOT/lab/shared-trap.json"
INV=$STATE/inv.json
"$VDM" inventory --lab --state "$STATE" --storage-only >"$INV" || fail "inventory shared-trap"
jq -e '[.pools[].devices] == [["fs:vios1/sp1"], ["fs:vios1/sp1"]]' "$INV" >/dev/null || fail "shared device not in both pools: $(jq -c '.pools' "$INV")"
"$VDM" lab status --state "$STATE" | grep -q "NOT a separate device" || fail "status does not say the pool is shared"
ok "shared-trap lists the shared device in both pools"
if [ "$FULL" = 1 ]; then
	rc=0
	"$VDM" inventory --lab --state "$STATE" | "$VDM" plan --inventory - --partition lpar1 --vg rootvg >/dev/null 2>"$STATE/err" || rc=$?
	[ $rc = 2 ] || fail "plan on the shared trap: exit $rc, want 2 (no valid plan): $(cat "$STATE/err")"
	ok "planner refuses the shared-device mirror: $(cat "$STATE/err")"
fi
