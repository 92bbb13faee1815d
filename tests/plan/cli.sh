#!/usr/bin/env bash
# cli.sh: vdmirror plan from the outside: table, --json, stdin, exit codes 0/1/2 and the
# {"error", "best_level"} object. Uses examples/seed.json and small inventories of its own.
set -euo pipefail
vdm="$VDM_BUILD_ROOT/src/cli/vdmirror"
seed="$VDM_SOURCE_ROOT/examples/seed.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# the seed: copies of vios1's LVs go to vios2, reusing hdisk04-06; exit 0
"$vdm" plan --inventory "$seed" --partition lpar1 --vg rootvg >"$tmp/table" || fail "seed plan exit $?"
grep -q 'hd4 ' "$tmp/table" || fail "table misses hd4"
grep -q 'none -> server' "$tmp/table" || fail "table misses protection before -> after"
grep -q 'New disks' "$tmp/table" || fail "table misses the new disks"
"$vdm" plan --inventory - --partition lpar1 --vg rootvg --json <"$seed" >"$tmp/plan.json" || fail "stdin"
jq -e '.version == 1 and .level == "server" and .copies == 2' "$tmp/plan.json" >/dev/null || fail "json header"
# every new copy of an LV on vios1 disks is on vios2 (an existing PV 04-06 or a vios2 pool)
jq -e '[.lvs[] | select(.name | test("^hd")) | .new_copies[][] .pv] |
       all(. == "hdisk04" or . == "hdisk05" or . == "hdisk06" or test("^lpar1-rootvg-m"))' \
	"$tmp/plan.json" >/dev/null || fail "hd* copies not on vios2"
jq -e '[.lvs[].new_copies[][] .pv] | (index("hdisk04") != null and index("hdisk05") != null and index("hdisk06") != null)' "$tmp/plan.json" >/dev/null || fail "hdisk04-06 not all reused"
jq -e '[.new_disks[] | select(.pool | startswith("vios2/"))] | length == 1' "$tmp/plan.json" >/dev/null \
	|| fail "expected one new disk on vios2"
# the same input gives the same bytes
"$vdm" plan --inventory "$seed" --partition lpar1 --vg rootvg --json | cmp - "$tmp/plan.json" || fail "not deterministic"

# bad input: exit 1 with file and path named
echo '{"version":1,"pools":[' >"$tmp/bad.json"
set +e
"$vdm" plan --inventory "$tmp/bad.json" --partition lpar1 --vg rootvg 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "bad json exit $rc"
grep -q "bad.json" "$tmp/err" || fail "bad json message: $(cat "$tmp/err")"
"$vdm" plan --inventory "$seed" --partition nope --vg rootvg 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "unknown partition exit $rc"
"$vdm" plan --inventory "$seed" --partition lpar1 --vg rootvg --copies 4 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "copies 4 exit $rc"
"$vdm" plan --inventory "$seed" --partition lpar1 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "missing --vg exit $rc"
"$vdm" plan --help >"$tmp/help"; rc=$?
[ $rc -eq 0 ] && grep -q -- '--no-reuse' "$tmp/help" || fail "--help"

# no plan: site level with one site; exit 2, message on stderr, error object on stdout
"$vdm" plan --inventory "$seed" --partition lpar1 --vg rootvg --level site --json >"$tmp/np.json" 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "no-plan exit $rc"
grep -q 'cannot reach level site' "$tmp/err" || fail "no-plan stderr: $(cat "$tmp/err")"
jq -e '.version == 1 and .best_level == "server" and (.error | test("^lv "))' "$tmp/np.json" >/dev/null \
	|| fail "no-plan json: $(cat "$tmp/np.json")"

# --repair: vios1 is gone with hdisk d1; the copy there is dropped and replaced on vios3
cat >"$tmp/broken.json" <<'JSON'
{"version":1,
 "servers":[{"name":"vios1","state":"unreachable"},{"name":"vios2"},{"name":"vios3"}],
 "pools":[{"name":"vios1/sp","server":"vios1","size_mib":100000,"free_mib":50000,"state":"unreachable"},
          {"name":"vios2/sp","server":"vios2","size_mib":100000,"free_mib":50000},
          {"name":"vios3/sp","server":"vios3","size_mib":100000,"free_mib":50000}],
 "partitions":[{"name":"lpar1","disks":[
   {"name":"d1","size_mib":10000,"pool":"vios1/sp","paths":["vios1"],"state":"missing",
    "missing_since":"2026-01-01T00:00:00Z"},
   {"name":"d2","size_mib":10000,"pool":"vios2/sp","paths":["vios2"]}],
  "vgs":[{"name":"rootvg","extent_mib":32,"pv_overhead_mib":4,
   "pvs":[{"disk":"d1","total_extents":300,"free_extents":200},{"disk":"d2","total_extents":300,"free_extents":200}],
   "lvs":[{"name":"hd4","extents":100,"copies":[[{"pv":"d1","extents":100}],[{"pv":"d2","extents":100}]]}]}]}]}
JSON
"$vdm" plan --inventory "$tmp/broken.json" --partition lpar1 --vg rootvg --repair --json >"$tmp/rep.json" \
	|| fail "repair exit $?"
jq -e '.lvs[0].drop == [0] and (.new_disks[0].pool == "vios3/sp") and .remove_pvs == ["d1"] and
       .delete_later == [{"name": "d1", "server": "vios1"}]' "$tmp/rep.json" >/dev/null \
	|| fail "repair plan: $(cat "$tmp/rep.json")"
"$vdm" plan --inventory "$tmp/broken.json" --partition lpar1 --vg rootvg --repair >"$tmp/rep.txt"
grep -q 'hd4: drop copy 1' "$tmp/rep.txt" || fail "repair table: $(cat "$tmp/rep.txt")"
# vios3 gone too: no valid place, exit 2
sed 's/{"name":"vios3"}/{"name":"vios3","state":"unreachable"}/' "$tmp/broken.json" >"$tmp/broken2.json"
set +e
"$vdm" plan --inventory "$tmp/broken2.json" --partition lpar1 --vg rootvg --repair 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "repair without a place: exit $rc"
grep -q 'lv hd4' "$tmp/err" || fail "repair without a place: $(cat "$tmp/err")"
"$vdm" plan --inventory "$tmp/broken.json" --partition lpar1 --vg rootvg --repair --wait-for-return x 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "bad --wait-for-return: exit $rc"
set -e
echo "ok"
