#!/usr/bin/env bash
# What discovery sees when a server dies and returns (formats.md, "Failed, stale and
# unreachable parts"), on lab/three-servers.json, LVM: mirror rootvg/hd2 at level server (hd4 has no room for its metadata), `lab
# fail` the server holding hd2's new copy, write in the guest: `inventory --lab` exits 0 with
# that server unreachable, its pools unreachable, the disk missing (missing_since kept from one
# discovery to the next), hd2's copy on it still listed, and `check` names the lost copy and
# why; then `lab restore`: the disk is back (no missing_since), hd2's copy is stale (not lost)
# until `lvchange --refresh` resyncs it (slowed down: meanwhile `check` says "stale: resyncing
# N %", lvs[].resync_percent). The same for md: md1 = RAID1 of the spare disks
# lpar1-03 (vios2) and lpar1-04 (vios3), the member on the dead server faulty (lost), after the
# return stale until `mdadm --re-add`. Last, vios1 (both original PVs) dies too: two PVs of
# rootvg missing at once, each named. One VM boot. VDM_RECORD=DIR keeps the agent reports.
. "$(dirname "$0")/lib.sh"
apply_requires
lab_up "$VDM_SOURCE_ROOT/lab/three-servers.json"
export VDMIRROR_STATE=$STATE/journal
REC=${VDM_RECORD:-$STATE/rec}
mkdir -p "$REC"
report() { agent_req lpar1 '{"id":9,"op":"report"}' 60 | jq 'del(.id, .ok)' >"$REC/$1"; }

"$VDM" mirror lpar1 rootvg --lv hd2 --level server --yes --lab --state "$STATE" >"$STATE/mirror.log" 2>&1 ||
	fail "mirror: $(tail -5 "$STATE/mirror.log")"
inventory >"$STATE/inv0.json" || fail "inventory after mirror"
# hd2's copies: the one not on vios1 is the one to lose
read -r DISK SERVER < <(jq -r '.partitions[0] as $p | $p.vgs[] | select(.name == "rootvg") | .lvs[]
	| select(.name == "hd2") | .copies[] | .[0].pv as $d | $p.disks[] | select(.name == $d)
	| select(.paths[0] != "vios1") | "\(.name) \(.paths[0])"' "$STATE/inv0.json" | head -1)
[ -n "$DISK" ] || fail "hd2 has no copy off vios1 after mirror: $(jq -c '.partitions[0].vgs' "$STATE/inv0.json")"
fill_lv lpar1 rootvg hd2 41 0 8 || fail "fill hd2"
ok "mirrored; hd2's second copy is on $DISK ($SERVER)"

# md1 on the two spares, with a write-intent bitmap (a returned member resyncs what changed)
gdev() { agent_req lpar1 '{"id":5,"op":"disks"}' | jq -r --arg s "$1" '.disks[] | select(.serial == $s) | "/dev/\(.name)"'; }
guest_run lpar1 mdadm --create /dev/md1 --run --level=1 --raid-devices=2 --metadata=1.2 \
	--bitmap=internal "$(gdev lpar1-03)" "$(gdev lpar1-04)" >/dev/null || fail "mdadm --create md1"
for ((i = 0; i < 120; i++)); do
	agent_req lpar1 '{"id":7,"op":"sync","md":"md1"}' | jq -e '.percent == 100 and .action == "idle"' >/dev/null && break
	sleep 0.5
done
MDDISK=$(jq -r --arg s "$SERVER" '.partitions[0].disks[] | select(.paths == [$s]) | .name
	| select(. == "lpar1-03" or . == "lpar1-04")' "$STATE/inv0.json")
[ -n "$MDDISK" ] || fail "no spare disk on $SERVER"
MDDEV=$(gdev "$MDDISK")
ok "md1 on lpar1-03 and lpar1-04 in sync; $MDDISK ($MDDEV) is on $SERVER"
# md_lv INV: md1's LV as discovered
md_lv() { jq -c '.partitions[0].vgs[] | select(.name == "md1") | .lvs[0]' "$1"; }

# ---- the server dies; a write fails the leg on it
"$VDM" lab fail "$SERVER" --state "$STATE" || fail "lab fail $SERVER"
fill_lv lpar1 rootvg hd2 42 8 4 || fail "write to hd2 with $SERVER dead"
fill_lv lpar1 md1 md1 43 0 2 || fail "write to md1 with $SERVER dead"
report report-lvm-lost.json
rc=0; inventory >"$STATE/inv1.json" 2>"$STATE/err" || rc=$?
[ $rc = 0 ] || fail "inventory with $SERVER dead: exit $rc, $(cat "$STATE/err")"
jq -e --arg s "$SERVER" --arg d "$DISK" '
	(.servers[] | select(.name == $s) | .state == "unreachable")
	and ([.pools[] | select(.server == $s) | .state] | length > 0 and all(. == "unreachable"))
	and ([.servers[] | select(.name != $s) | has("state") | not] | all)
	and (.partitions[0].disks[] | select(.name == $d) | .state == "missing"
	     and (.missing_since | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")))
	and ([.partitions[0].disks[] | select(.paths != [$s]) | has("state") | not] | all)
	and ([.partitions[0].disks[] | select(.paths == [$s]) | .state == "missing"] | all)
	and (.partitions[0].vgs[] | select(.name == "rootvg") | (.pvs | map(.disk) | index($d)) != null
	     and (.lvs[] | select(.name == "hd2") | (.copies | length) == 2
	          and ([.copies[][] | .pv] | index($d)) != null))' "$STATE/inv1.json" >/dev/null ||
	fail "inventory with $SERVER dead: $(jq -c '{servers, pools: [.pools[] | {name, state}], disks: .partitions[0].disks, vgs: .partitions[0].vgs}' "$STATE/inv1.json")"
since=$(jq -r --arg d "$DISK" '.partitions[0].disks[] | select(.name == $d) | .missing_since' "$STATE/inv1.json")
ok "inventory exits 0: $SERVER unreachable, $DISK missing since $since, hd2 keeps its lost copy listed"
rc=0; "$VDM" check --inventory "$STATE/inv1.json" --level server >"$STATE/check1.txt" 2>&1 || rc=$?
[ $rc = 3 ] || fail "check with $SERVER dead: exit $rc, want 3: $(cat "$STATE/check1.txt")"
grep "hd2" "$STATE/check1.txt" | grep -q "lost: disk $DISK is missing (server $SERVER unreachable)" ||
	fail "check does not name hd2's lost copy: $(cat "$STATE/check1.txt")"
ok "check: $(grep -o "lost: disk $DISK[^;]*" "$STATE/check1.txt" | head -1)"
md_lv "$STATE/inv1.json" | jq -e --arg d "$MDDISK" '(.copies | length) == 2 and ([.copies[][] | .pv] | index($d)) != null' >/dev/null ||
	fail "md1 with $SERVER dead: $(md_lv "$STATE/inv1.json")"
grep "md1" "$STATE/check1.txt" | grep -q "lost: disk $MDDISK is missing (server $SERVER unreachable)" ||
	fail "check does not name md1's lost copy: $(cat "$STATE/check1.txt")"
ok "md1: the copy on $MDDISK is listed and check calls it lost"
sleep 1.2
inventory >"$STATE/inv2.json" || fail "second inventory with $SERVER dead"
[ "$(jq -r --arg d "$DISK" '.partitions[0].disks[] | select(.name == $d) | .missing_since' "$STATE/inv2.json")" = "$since" ] ||
	fail "missing_since moved: $since, then $(jq -c --arg d "$DISK" '.partitions[0].disks[] | select(.name == $d)' "$STATE/inv2.json")"
ok "a later discovery keeps missing_since $since"

# ---- the server returns: the copy is stale, not lost, until resynced
"$VDM" lab restore "$SERVER" --state "$STATE" || fail "lab restore $SERVER"
dev=$(agent_req lpar1 '{"id":5,"op":"disks"}' | jq -r --arg s "$DISK" '.disks[] | select(.serial == $s) | .name')
for ((i = 0; i < 60; i++)); do
	agent_req lpar1 "{\"id\":6,\"op\":\"verify\",\"path\":\"/dev/$dev\",\"seed\":1,\"mib\":1}" >/dev/null 2>&1 && break
	sleep 0.5
done
report report-lvm-returned.json
inventory >"$STATE/inv3.json" || fail "inventory after restore: $(cat "$STATE/err")"
jq -e --arg s "$SERVER" --arg d "$DISK" '
	([.servers[], .pools[] | has("state") | not] | all)
	and (.partitions[0].disks[] | select(.name == $d) | has("state") == false and has("missing_since") == false)
	and (.partitions[0].vgs[] | select(.name == "rootvg") | .lvs[] | select(.name == "hd2")
	     | (.copies | length) == 2 and (.stale | length) == 1
	     and (.copies[.stale[0]] | map(.pv) | index($d)) != null)' "$STATE/inv3.json" >/dev/null ||
	fail "inventory after restore: $(jq -c '{servers, disks: .partitions[0].disks, vgs: .partitions[0].vgs}' "$STATE/inv3.json")"
rc=0; "$VDM" check --inventory "$STATE/inv3.json" --level server >"$STATE/check3.txt" 2>&1 || rc=$?
[ $rc = 3 ] && grep "hd2" "$STATE/check3.txt" | grep -q "stale" ||
	fail "check after restore: exit $rc: $(cat "$STATE/check3.txt")"
ok "$SERVER back: $DISK present, hd2's copy on it stale; check: $(grep -o 'stale[^;]*' "$STATE/check3.txt" | head -1)"
md_lv "$STATE/inv3.json" | jq -e --arg d "$MDDISK" '(.copies | length) == 2 and (.stale | length) == 1
	and .copies[.stale[0]][0].pv == $d' >/dev/null || fail "md1 after restore: $(md_lv "$STATE/inv3.json")"
grep "md1" "$STATE/check3.txt" | grep -q "stale" || fail "check after restore, md1: $(cat "$STATE/check3.txt")"
ok "md1's member $MDDISK is back: a stale copy"
guest_run lpar1 mdadm /dev/md1 --re-add "$MDDEV" >/dev/null || fail "mdadm --re-add $MDDEV"
for ((i = 0; i < 120; i++)); do
	inventory >"$STATE/inv5.json" || fail "inventory during md1's resync"
	md_lv "$STATE/inv5.json" | jq -e 'has("stale") | not' >/dev/null && break
	sleep 1
done
md_lv "$STATE/inv5.json" | jq -e '(.copies | length) == 2 and (has("stale") | not)' >/dev/null ||
	fail "md1 after --re-add: $(md_lv "$STATE/inv5.json")"
drop_caches lpar1
[ "$(verify_lv lpar1 md1 md1 43 0 2)" = 0 ] || fail "md1 reads other bytes than written with $SERVER dead"
ok "md1 after --re-add: in sync, nothing stale"

# the resync of what changed (4 MiB) slowed to 64 KiB/s (dm-raid's per-LV limits; md only
# throttles above the minimum, 1000 KiB/s by default), so that discovery sees it under way:
# check says how far it is ("stale: resyncing N %")
guest_run lpar1 lvm lvchange --minrecoveryrate=1k --maxrecoveryrate=64k rootvg/hd2 >/dev/null ||
	fail "lvchange --maxrecoveryrate"
guest_run lpar1 lvm lvchange --refresh rootvg/hd2 >/dev/null || fail "lvchange --refresh"
seen=
for ((i = 0; i < 120; i++)); do
	inventory >"$STATE/inv4.json" || fail "inventory during the resync"
	jq -e '.partitions[0].vgs[] | select(.name == "rootvg") | .lvs[] | select(.name == "hd2") | has("stale") | not' \
		"$STATE/inv4.json" >/dev/null && break
	[ $i = 0 ] && report report-lvm-resyncing.json
	if [ -z "$seen" ]; then
		"$VDM" check --inventory "$STATE/inv4.json" --level server >"$STATE/check4r.txt" 2>&1 || true
		seen=$(grep "hd2" "$STATE/check4r.txt" | grep -o "stale: resyncing [0-9]\{1,3\} %" | head -1) || true
		[ -n "$seen" ] && cp "$STATE/inv4.json" "$REC/inventory-resyncing.json" &&
			guest_run lpar1 lvm lvchange --minrecoveryrate=0 --maxrecoveryrate=0 rootvg/hd2 >/dev/null
	fi
	sleep 1
done
jq -e '.partitions[0].vgs[] | select(.name == "rootvg") | .lvs[] | select(.name == "hd2") | has("stale") | not' \
	"$STATE/inv4.json" >/dev/null || fail "hd2 still stale 2 min after the refresh"
[ -n "$seen" ] || fail "check never said how far hd2's resync was: $(cat "$STATE/check4r.txt")"
ok "during the resync: check says hd2's copy is '$seen'"
report report-lvm-resynced.json
drop_caches lpar1
[ "$(verify_lv lpar1 rootvg hd2 42 8 4)" = 0 ] || fail "hd2 reads other bytes than written with $SERVER dead"
# exit 3: hd4 and data are not mirrored; hd2's own verdict is what counts
"$VDM" check --inventory "$STATE/inv4.json" --level server --json >"$STATE/check4.json" 2>&1 || true
jq -e '[.. | objects | select(.lv? == "hd2")][0] | .status == "ok"' "$STATE/check4.json" >/dev/null ||
	fail "check after the resync: $(cat "$STATE/check4.json")"
ok "after lvchange --refresh hd2 is in sync again and check is ok"

# ---- then the server of the original disks dies: two PVs of rootvg missing at once
"$VDM" lab fail vios1 --state "$STATE" || fail "lab fail vios1"
fill_lv lpar1 rootvg hd2 44 0 4 || fail "write to hd2 with vios1 dead"
report report-lvm-two-lost.json
inventory >"$STATE/inv6.json" 2>"$STATE/err" || fail "inventory with vios1 dead: $(cat "$STATE/err")"
jq -e --arg d "$DISK" '.partitions[0] as $p
	| ([$p.disks[] | select(.paths == ["vios1"]) | .state] | length == 2 and all(. == "missing"))
	and ($p.vgs[] | select(.name == "rootvg") | ([.pvs[].disk] | sort == (["lpar1-01", "lpar1-02", $d] | sort))
	     and (.lvs[] | select(.name == "hd2") | .copies == [[{"pv": "lpar1-02", "extents": 6}], [{"pv": $d, "extents": 6}]])
	     and (.lvs[] | select(.name == "data") | .copies == [[{"pv": "lpar1-01", "extents": 6}]]))' "$STATE/inv6.json" >/dev/null ||
	fail "inventory with vios1 dead: $(jq -c '.partitions[0] | {disks, vgs}' "$STATE/inv6.json")"
rc=0; "$VDM" check --inventory "$STATE/inv6.json" --level server >"$STATE/check6.txt" 2>&1 || rc=$?
[ $rc = 3 ] && grep "hd2" "$STATE/check6.txt" | grep -q "lost: disk lpar1-02 is missing (server vios1 unreachable)" ||
	fail "check with vios1 dead: exit $rc: $(cat "$STATE/check6.txt")"
drop_caches lpar1
[ "$(verify_lv lpar1 rootvg hd2 44 0 4)" = 0 ] || fail "hd2 reads other bytes with vios1 dead"
ok "vios1 dead too: lpar1-01 and lpar1-02 missing, every copy on them listed and lost; hd2 runs on $DISK"
cp "$STATE/inv1.json" "$REC/inventory-dead.json"; cp "$STATE/inv3.json" "$REC/inventory-returned.json"
cp "$STATE/inv6.json" "$REC/inventory-two-dead.json"
