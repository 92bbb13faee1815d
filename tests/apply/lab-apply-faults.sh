#!/usr/bin/env bash
# Crash at journal steps (VDMIRROR_FAULT, the process _exits right there) on the real lab,
# one boot per mode (`resume` or `undo`, the first argument; one boot for all ~10 mirror and
# undo cycles once made the guest kernel panic, see docs/internals/apply.md):
#  - after each crash, running the same command again completes the mirror (every LV 2 copies,
#    verified), then undo brings back exactly the starting point;
#  - separately, undo straight after a crash leaves no disk, export or mapping behind, the
#    pool's free space back to the start value exactly, the VG as it was;
#  - the data written before stays intact through all of it.
. "$(dirname "$0")/lib.sh"
apply_requires
lab_up
export VDMIRROR_STATE=$STATE/journal
P=lpar1 VG=rootvg
M=("$VDM" mirror $P $VG --yes --lab --state "$STATE")

fill_lv $P $VG hd4 11 0 16 || fail "fill hd4"
fill_lv $P $VG data 12 0 40 || fail "fill data"
BASE=$(snapshot)
VG0=$(vg_state $P $VG)
echo "start: $BASE"

check_back() {   # WHAT: the storage side and the VG exactly as at the start
	local now vg
	now=$(snapshot)
	[ "$now" = "$BASE" ] || fail "$1: storage not back to the start:
$now
want
$BASE"
	vg=$(vg_state $P $VG)
	[ "$vg" = "$VG0" ] || fail "$1: VG not as before: $vg, want $VG0"
}

check_mirrored() {
	local bad
	bad=$(lv_copies $P $VG | awk '$2 != 2')
	[ -z "$bad" ] || fail "$1: LVs without 2 copies: $bad"
}

crash() {        # FAULT: the run must die at it (exit 99) and leave an unfinished journal
	local rc=0
	VDMIRROR_FAULT=$1 "${M[@]}" >"$STATE/crash.out" 2>&1 || rc=$?
	[ $rc = 99 ] || { cat "$STATE/crash.out"; fail "VDMIRROR_FAULT=$1: exit $rc, want 99"; }
	grep -q "VDMIRROR_FAULT: dying after step" "$STATE/crash.out" || fail "$1: no fault message"
}

MODE=${1:-resume}
# 1. crash, resume, undo: at each kind of step (the n-th of its kind where there are several)
[ "$MODE" = resume ] && for f in create_disk map_disk wait_disk add_pv add_copy:3:ran wait_sync verify:1:done; do
	crash "$f"
	expect_rc 0 "${M[@]}"
	grep -q "resuming run" "$STATE/out" || fail "$f: the second run did not resume the journal"
	grep -q "every LV protected at level server" "$STATE/out" || fail "$f: no verified result"
	check_mirrored "resume after $f"
	expect_rc 0 "$VDM" undo $P $VG --lab --state "$STATE"
	check_back "undo after resume after $f"
	ok "crash at $f: resume completed the mirror; undo put everything back"
done

# 2. crash, then undo straight away
[ "$MODE" = undo ] && for f in create_disk:1:ran map_disk:1:ran add_pv:1:ran add_copy:2:ran wait_sync; do
	crash "$f"
	expect_rc 0 "$VDM" undo $P $VG --lab --state "$STATE"
	check_back "undo after $f"
	expect_rc 0 "$VDM" undo $P $VG --lab --state "$STATE"
	grep -q "nothing to undo" "$STATE/out" || fail "a second undo found work"
	ok "crash at $f, undo: no disk, export or mapping left, pool free space exactly back"
done

drop_caches $P
[ "$(verify_lv $P $VG hd4 11 0 16)" = 0 ] || fail "hd4 data changed"
[ "$(verify_lv $P $VG data 12 0 40)" = 0 ] || fail "data data changed"
ok "data written before is intact"
