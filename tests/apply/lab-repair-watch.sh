#!/usr/bin/env bash
# watch (issue 10), LVM, three-servers: mirror, start `vdmirror watch --interval 2
# --wait-for-return 0 lpar1`, fail the server of the new copy: watch repairs it without being
# asked (one log line per decision), then SIGTERM (by pid) stops it cleanly: exit 0, a
# "stopped" line, and the journal's newest run done (nothing left half-way). One VM boot.
. "$(dirname "$0")/lib.sh"
apply_requires
lab_up "$VDM_SOURCE_ROOT/lab/three-servers.json"
export VDMIRROR_STATE=$STATE/journal
P=lpar1 VG=rootvg
fill_lv $P $VG hd2 22 0 24 || fail "fill hd2"
"$VDM" mirror $P $VG --yes --lab --state "$STATE" >"$STATE/out" 2>&1 || { cat "$STATE/out"; fail "mirror"; }
mapfile -t SRV < <(servers_of_vg "$(inventory)" $P $VG)
SECOND=$([ "${SRV[0]}" = vios1 ] && echo "${SRV[1]}" || echo "${SRV[0]}")

"$VDM" watch --interval 2 --wait-for-return 0 --lab --state "$STATE" $P >"$STATE/watch.log" 2>&1 &
WPID=$!
PIDS+=("$WPID")
for _ in $(seq 100); do grep -q "$P/$VG: ok: protected" "$STATE/watch.log" && break; sleep 0.5; done
grep -q "$P/$VG: ok: protected" "$STATE/watch.log" || { cat "$STATE/watch.log"; fail "watch never reported the VG protected"; }
ok "watch sees $P/$VG protected"

"$VDM" lab fail "$SECOND" --state "$STATE" || fail "lab fail $SECOND"
fill_lv $P $VG hd2 23 4 8 || fail "write with $SECOND dead"
for _ in $(seq 600); do grep -q "$P/$VG: repaired" "$STATE/watch.log" && break; kill -0 $WPID 2>/dev/null || break; sleep 0.5; done
grep -q "$P/$VG: repaired" "$STATE/watch.log" || { cat "$STATE/watch.log"; fail "watch did not repair after $SECOND failed"; }
ok "watch repaired: $(grep -m1 "$P/$VG: repaired" "$STATE/watch.log")"

kill -TERM $WPID
rc=0
wait $WPID || rc=$?
[ $rc = 0 ] || { cat "$STATE/watch.log"; fail "watch exited $rc on SIGTERM, want 0"; }
grep -q "stopped (SIGTERM)" "$STATE/watch.log" || fail "no stopped line"
# the journal: newest run done, nothing to resume
expect_rc 1 "$VDM" repair $P $VG --resume --yes --lab --state "$STATE"
grep -q "no unfinished run" "$STATE/out" || { cat "$STATE/out"; fail "a run was left unfinished"; }
drop_caches $P
[ "$(verify_lv $P $VG hd2 22 0 4)" = 0 ] && [ "$(verify_lv $P $VG hd2 23 4 8)" = 0 ] ||
	fail "hd2 differs after the watch's repair"
ok "SIGTERM: watch stopped cleanly, journal consistent, data intact; log:"
sed 's/^/  /' "$STATE/watch.log"
