#!/usr/bin/env bash
# formats-examples.sh: the examples of docs/formats.md stay true. Every JSON block parses; the
# inventory example gives exactly the plan example and, at level frame, the no-plan example
# (exit 2); the repair inventory is accepted by the reader; the repair plan's figures add up
# (and equal what `plan --repair` makes, once the planner has it).
set -euo pipefail
vdm="$VDM_BUILD_ROOT/src/cli/vdmirror"
doc="$VDM_SOURCE_ROOT/docs/formats.md"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# example NAME: the JSON block that follows the line "<!-- example: NAME ..."
example() {
	awk -v n="$1" '
		index($0, "<!-- example: " n " ") == 1 || $0 == "<!-- example: " n " -->" { want = 1; next }
		want && /^```json$/ { on = 1; next }
		on && /^```$/ { exit }
		on { print }' "$doc" >"$tmp/$1.json"
	[ -s "$tmp/$1.json" ] || fail "no example '$1' in $doc"
	echo "$tmp/$1.json"
}

n=0
while IFS= read -r -d '' block; do
	n=$((n + 1))
	printf '%s' "$block" | jq -e . >/dev/null 2>&1 || printf '{%s}' "$block" | jq -e . >/dev/null 2>&1 ||
		fail "JSON block $n of formats.md is not JSON (nor an object's members): $(printf '%s' "$block" | head -3)"
done < <(awk '/^```json$/ { on = 1; b = ""; next } on && /^```$/ { printf "%s%c", b, 0; on = 0; next } on { b = b $0 "\n" }' "$doc")
[ $n -ge 5 ] || fail "only $n JSON blocks in formats.md"
ok "$n JSON blocks parse"

inv=$(example inventory)
"$vdm" plan --inventory "$inv" --partition lpar7 --vg datavg --json >"$tmp/got.json" || fail "plan on the inventory example: exit $?"
diff <(jq -S . "$(example plan)") <(jq -S . "$tmp/got.json") || fail "the plan example is not what vdmirror plan makes of the inventory example"
ok "inventory example -> plan example"
rc=0; "$vdm" plan --inventory "$inv" --partition lpar7 --vg datavg --level frame --json >"$tmp/got.json" 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "no-plan example: exit $rc, want 2"
diff <(jq -S . "$(example no-plan)") <(jq -S . "$tmp/got.json") || fail "the no-plan example is not what vdmirror plan prints"
ok "inventory example at level frame -> no-plan example, exit 2"

# the repair inventory is a fragment of a document: wrap it
frag=$(example repair-inventory)
{ printf '{"version": 1, "frames": [{"name": "frame1"}],'; cat "$frag"; printf '}'; } | jq . >"$tmp/repair-inv.json" ||
	fail "repair inventory fragment does not wrap into an object"
rc=0; "$vdm" check --inventory "$tmp/repair-inv.json" >"$tmp/check.txt" 2>&1 || rc=$?
[ $rc = 0 ] || [ $rc = 3 ] || fail "the reader rejects the repair inventory example (exit $rc): $(cat "$tmp/check.txt")"
ok "repair inventory example is read (check exit $rc)"

# resync progress (7.1): the example LV in place of the repair inventory's data; check says it
jq --slurpfile lv "$(example resync-percent)" '.partitions[0].vgs[0].lvs |= map(if .name == "data" then $lv[0] else . end)' \
	"$tmp/repair-inv.json" >"$tmp/resync-inv.json" || fail "resync-percent example does not fit the repair inventory"
rc=0; "$vdm" check --inventory "$tmp/resync-inv.json" >"$tmp/check.txt" 2>&1 || rc=$?
[ $rc = 3 ] && grep -q "copy 2 stale: resyncing 42 %" "$tmp/check.txt" &&
	grep "^lpar1 *rootvg *data " "$tmp/check.txt" | grep -q "\[stale: resyncing 42 %\]" ||
	fail "check on the resync-percent example (exit $rc): $(cat "$tmp/check.txt")"
rc=0; "$vdm" check --inventory "$tmp/resync-inv.json" --json >"$tmp/check.json" 2>/dev/null || rc=$?
[ $rc = 3 ] && jq -e '(.lvs[] | select(.lv == "data") | .broken_copies) ==
	[{"copy": 1, "state": "stale", "resync_percent": 42, "why": "stale: resyncing 42 %"}]
	and (.lvs[] | select(.lv == "hd4") | .broken_copies[0] | .state == "lost" and (has("resync_percent") | not))' \
	"$tmp/check.json" >/dev/null || fail "check --json on the resync-percent example (exit $rc): $(cat "$tmp/check.json")"
ok "resync-percent example: check says 'resyncing 42 %' (--json: broken_copies)"

# the repair plan's arithmetic, against the repair inventory
rp=$(example repair-plan)
jq -e --slurpfile inv "$tmp/repair-inv.json" '
	. as $plan
	| ($inv[0].partitions[] | select(.name == $plan.partition)) as $p
	| ($p.vgs[] | select(.name == $plan.vg)) as $vg
	| ([.lvs[].new_copies[][].extents] | add // 0) as $placed
	| ([.lvs[].new_copies[][] | select(.pv as $n | [$vg.pvs[].disk] | index($n)) | .extents] | add // 0) as $reused
	| .required_mib == $placed * $vg.extent_mib
	and .reused_mib == $reused * $vg.extent_mib
	and .new_mib == ([.new_disks[].size_mib] | add // 0)
	# every new copy holds the LV plus its copy metadata
	and all(.lvs[]; . as $l | ($vg.lvs[] | select(.name == $l.name)) as $il
		| all($l.new_copies[]; ([.[].extents] | add) == $il.extents + $vg.copy_meta_extents))
	# new disks: a fresh name, a reachable pool, room for what they get
	and all(.new_disks[]; . as $d
		| ([$inv[0].partitions[].disks[].name] | index($d.name) | not)
		and ([$inv[0].pools[] | select(.name == $d.pool and (.state // "ok") == "ok")] | length == 1)
		and ([$plan.lvs[].new_copies[][] | select(.pv == $d.name) | .extents] | add)
		    <= (($d.size_mib - $vg.pv_overhead_mib) / $vg.extent_mib | floor))
	and all(.pools[]; . as $q
		| .free_mib_after == .free_mib_before - ([$plan.new_disks[] | select(.pool == $q.name) | .size_mib] | add))
	# drops and resyncs point at lost and stale copies; remove_pvs are missing disks
	and all(.lvs[]; . as $l | ($vg.lvs[] | select(.name == $l.name)) as $il
		| all(($l.drop // [])[]; . as $i | $il.copies[$i] | any(.[]; .pv as $pv
			| [$p.disks[] | select(.name == $pv and .state == "missing")] | length == 1))
		and all(($l.resync // [])[]; . as $i | ($il.stale // []) | index($i)))
	and all((.remove_pvs // [])[]; . as $r | [$p.disks[] | select(.name == $r and .state == "missing")] | length == 1)
' "$rp" >/dev/null || fail "the repair plan example does not add up against the repair inventory"
ok "repair plan example adds up"
if "$vdm" plan --help 2>&1 | grep -q -- '--repair'; then
	# empty repair lists may be left out: compare without them
	norm='walk(if type == "object" then with_entries(select(.value != [] or (.key | IN("resync", "drop", "waiting", "remove_pvs", "delete_later") | not))) else . end)'
	"$vdm" plan --repair --inventory "$tmp/repair-inv.json" --partition lpar1 --vg rootvg --json >"$tmp/got.json" ||
		fail "plan --repair on the repair inventory example: exit $?"
	diff <(jq -S "$norm" "$rp") <(jq -S "$norm" "$tmp/got.json") || fail "the repair plan example is not what vdmirror plan --repair makes"
	ok "repair inventory example -> repair plan example"
else
	echo "note: this vdmirror has no plan --repair yet: the repair plan example is checked for its arithmetic only"
fi
