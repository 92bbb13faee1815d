#!/usr/bin/env bash
# Refusals change nothing (one lab boot): unknown partition, unknown VG (exit 1); no valid
# plan (exit 2); no terminal and no --yes (exit 1); a saved plan gone stale (exit 2); the
# agent not answering (exit 4). After each: the storage side, the VG and the journal exactly
# as before. Then the same plan, no longer stale, applies (exit 0).
. "$(dirname "$0")/lib.sh"
apply_requires
lab_up
export VDMIRROR_STATE=$STATE/journal
P=lpar1 VG=rootvg
L=(--lab --state "$STATE")
BASE=$(snapshot)
VG0=$(vg_state $P $VG)

unchanged() {
	[ "$(snapshot)" = "$BASE" ] || fail "$1 changed the storage side: $(snapshot)"
	[ "$(vg_state $P $VG)" = "$VG0" ] || fail "$1 changed the VG"
	"$VDM" undo $P $VG "${L[@]}" >"$STATE/undo.out" 2>&1 || fail "$1: undo failed"
	grep -q "nothing to undo" "$STATE/undo.out" || fail "$1 left a run in the journal"
}

expect_rc 1 "$VDM" mirror lpar9 $VG --yes "${L[@]}"
grep -q "lpar9" "$STATE/out" || fail "message does not name the partition: $(cat "$STATE/out")"
unchanged "unknown partition"
ok "unknown partition: exit 1, $(cat "$STATE/out")"

expect_rc 1 "$VDM" mirror $P novg --yes "${L[@]}"
grep -q "novg" "$STATE/out" || fail "message does not name the VG"
unchanged "unknown VG"
ok "unknown VG: exit 1"

# two servers in one frame: three copies at level server cannot exist
expect_rc 2 "$VDM" mirror $P $VG --copies 3 --level server --yes "${L[@]}"
grep -q "no valid plan" "$STATE/out" || fail "no reason given: $(cat "$STATE/out")"
unchanged "no valid plan"
ok "no valid plan: exit 2: $(head -c 300 "$STATE/out")"

expect_rc 1 "$VDM" mirror $P $VG "${L[@]}" </dev/null
grep -q "without --yes" "$STATE/out" || fail "unclear refusal: $(cat "$STATE/out")"
unchanged "no terminal, no --yes"
ok "no terminal and no --yes: exit 1, nothing changed"

# a saved plan, then the pool it uses fills up: refused as stale
inventory --partition $P >"$STATE/inv.json"
"$VDM" plan --inventory "$STATE/inv.json" --partition $P --vg $VG --json >"$STATE/plan.json" || fail "plan"
POOL=$(jq -r '.new_disks[0].pool' "$STATE/plan.json")
FREE=$(pool_free "$POOL")
NEED=$(jq '[.new_disks[].size_mib] | add' "$STATE/plan.json")
"$TOOL" "$STATE" create "$POOL" filler $((FREE - NEED + 8)) || fail "filler"
BASE=$(snapshot)
expect_rc 2 "$VDM" apply "$STATE/plan.json" --yes "${L[@]}"
grep -q "no longer valid" "$STATE/out" && grep -q "pool $POOL" "$STATE/out" || fail "unclear stale message: $(cat "$STATE/out")"
unchanged "stale plan"
ok "stale plan: exit 2: $(cat "$STATE/out")"
"$TOOL" "$STATE" delete "$POOL" filler || fail "delete filler"
BASE=$(snapshot)

# the agent out of reach: its socket moved aside (a paused partition gives the same exit 4,
# but only after the driver's 120 s timeout: too slow for this suite)
mv "$STATE/$P.agent" "$STATE/$P.agent.away"
rc=0
timeout 300 "$VDM" mirror $P $VG --yes "${L[@]}" >"$STATE/out" 2>&1 || rc=$?
mv "$STATE/$P.agent.away" "$STATE/$P.agent"
[ $rc = 4 ] || { cat "$STATE/out"; fail "agent not answering: exit $rc, want 4"; }
grep -q "agent" "$STATE/out" || fail "the message does not name the agent: $(cat "$STATE/out")"
unchanged "agent not answering"
ok "agent not answering: exit 4: $(cat "$STATE/out")"

# the saved plan is valid again: it applies
expect_rc 0 "$VDM" apply "$STATE/plan.json" --yes "${L[@]}"
[ -z "$(lv_copies $P $VG | awk '$2 != 2')" ] || fail "apply: not every LV has 2 copies"
ok "the same plan applies once valid again"
