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
echo "ok"
