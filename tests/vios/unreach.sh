#!/usr/bin/env bash
# unreach.sh VDMIRROR VIOS_TOOL: PowerVM discovery when a VIOS does not answer (issue 10, formats.md
# "Failed, stale and unreachable parts"), against a REAL OpenSSH server on loopback whose
# ForceCommand (recorder.sh) plays vios1, vios2, the HMC and lpar1 from tests/vios/fixtures/
# system1 (PowerVM cannot run here: the one mock, and it is said). A VIOS that refuses the
# connection (direct SSH) or that the HMC cannot reach (via=hmc, HSCL2957) is reported
# unreachable and the rest is discovered; every VIOS down, or the HMC down, is an error
# naming the hosts; a VIOS answering garbage is still an error; plan places nothing on it.
set -euo pipefail
vdm=$1 tool=$2
src=${VDM_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
fx=$src/tests/vios/fixtures/system1
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || { echo "SKIP: no sshd"; exit 77; }
. "$src/tests/vios/sshd-lib.sh"
command -v jq >/dev/null || { echo "SKIP: no jq"; exit 77; }

T=$(mktemp -d /tmp/vdm-unreach.XXXXXX)
chmod 755 "$T"
cleanup() {
	sshd_stop
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

fails=0
check() {   # check NAME COMMAND...: runs a test step, reports it
	if "${@:2}"; then echo "ok   - $1"; else echo "FAIL - $1"; fails=$((fails + 1)); fi
}

sshd_start "$T" "$fx" || exit 1
# sshd listens on 127.0.0.1-4 only: 127.0.0.9 refuses every connection on that port
echo "[127.0.0.9]:$port $(cut -d' ' -f1,2 "$T/hostkey.pub")" >>"$T/known_hosts"
export VDMIRROR_SSH_KEY=$T/id VDMIRROR_SSH_KNOWN_HOSTS=$T/known_hosts
common="port=$port;user=$user;key=$T/id;known_hosts=$T/known_hosts;timeout=10;frame=p10-a"
common+=";hmc_user=$user;system=p10-a;addr.lpar1=ssh:$user@127.0.0.4:$port"
# lpar1's rootvg is on vios1/clientsp only; datavg's hdisk6 is one LUN through both VIOS
direct="vios1,vios2;host.vios1=127.0.0.9;host.vios2=127.0.0.2;lpar1=3;hmc=127.0.0.3;$common"
via="vios1,vios2;via=hmc;hmc=127.0.0.3;$common"

inv() {   # inv CONFIG OUT: vdmirror inventory of lpar1 (storage side); its exit status
	set +e; "$vdm" inventory --vios "$1" --partition lpar1 --storage-only >"$2" 2>"$2.err"
	local rc=$?; set -e
	return $rc
}
# the whole discovery with lpar1's VGs: vios-tool, as ssh-e2e.sh does, because the CLI opens
# the partition's SSH transport with libssh's own known_hosts, not the test's
full() {   # full CONFIG OUT
	set +e; "$tool" discover "$1" lpar1 >"$2" 2>"$2.err"; local rc=$?; set -e
	return $rc
}
# the degraded inventory: vios1 unreachable with a warning naming it and the cause, no pool
# of vios1 listed (nothing is known of them) and none referenced, rootvg's disks kept present
# with vios1 as their only path, datavg's LUN with vios2 alone (the live path)
degraded() {   # degraded JSON CAUSE
	local j=$1
	[ "$(jq -r '.servers[] | select(.name=="vios1") | .state' "$j")" = unreachable ] &&
	[ "$(jq -r '.servers[] | select(.name=="vios2") | .state // "ok"' "$j")" = ok ] &&
	jq -r '.warnings[]' "$j" | grep -q "vios vios1 unreachable (.*$2" &&
	[ "$(jq '[.pools[] | select(.server=="vios1")] | length' "$j")" = 0 ] &&
	[ "$(jq '[.pools[] | select(.server=="vios2")] | length' "$j")" = 3 ] &&
	[ "$(jq -r '[.partitions[0].disks[] | select(.name=="hdisk0" or .name=="hdisk1" or .name=="hdisk2") | .paths == ["vios1"] and (.state // "ok") == "ok"] | all' "$j")" = true ] &&
	[ "$(jq -r '.partitions[0].disks[] | select(.name=="hdisk6") | .paths | join(",")' "$j")" = vios2 ] &&
	[ "$(jq -r '.partitions[0].vgs[] | select(.name=="rootvg") | .lvs | length' "$j")" = 7 ] &&
	# every pool a disk names is listed
	[ "$(jq '[.pools[].name] as $p | [.partitions[].disks[] | select(.pool) | select(.pool as $x | $p | index($x) | not)] | length' "$j")" = 0 ]
}
direct_refused() {
	full "$direct" "$T/d.json" || { cat "$T/d.json.err"; return 1; }
	degraded "$T/d.json" "connect"
}
check "direct SSH: vios1 refuses the connection -> reported unreachable, the rest discovered" direct_refused
via_down() {
	touch "$T/down.vios1"
	local rc=0
	full "$via" "$T/h.json" || rc=$?
	rm -f "$T/down.vios1"
	[ $rc = 0 ] || { cat "$T/h.json.err"; return 1; }
	degraded "$T/h.json" HSCL2957
}
check "via=hmc: viosvrcmd says HSCL2957 for vios1 -> reported unreachable, the rest discovered" via_down
hung() {
	touch "$T/hang.vios1"
	local rc=0
	local cfg=${direct/host.vios1=127.0.0.9/host.vios1=127.0.0.1}
	inv "${cfg/timeout=10/timeout=1}" "$T/t.json" || rc=$?
	rm -f "$T/hang.vios1"
	[ $rc = 0 ] || { cat "$T/t.json.err"; return 1; }
	[ "$(jq -r '.servers[] | select(.name=="vios1") | .state' "$T/t.json")" = unreachable ] &&
	jq -r '.warnings[]' "$T/t.json" | grep -q "vios vios1 unreachable (.*no answer after 1000 ms"
}
check "a VIOS that hangs past timeout= is reported unreachable" hung
# plan on the degraded inventory: nothing on vios1, and not on vios2's pool that may share the
# original copies' LUN: the dead VIOS's disks count as sharing every device vios2 sees, so the
# rootvg mirror has no valid place (exit 2); datavg at level device goes to vios2 only
plan_degraded() {
	set +e
	"$vdm" plan --inventory "$T/d.json" --partition lpar1 --vg rootvg --json >"$T/p1.json" 2>"$T/p1.err"
	local rc1=$?
	"$vdm" plan --inventory "$T/d.json" --partition lpar1 --vg datavg --level device --json >"$T/p2.json" 2>"$T/p2.err"
	local rc2=$?
	set -e
	[ $rc1 = 2 ] || { echo "rootvg plan: exit $rc1"; cat "$T/p1.err"; return 1; }
	[ $rc2 = 0 ] || { echo "datavg plan: exit $rc2"; cat "$T/p2.err"; return 1; }
	! grep -q vios1 "$T/p2.json" || { echo "datavg plan uses vios1"; return 1; }
	[ "$(jq '[.new_disks[] | select(.pool | startswith("vios2/"))] | length' "$T/p2.json")" -ge 1 ]
}
check "plan on the degraded inventory places nothing on (or beside) the dead VIOS" plan_degraded
# without an HMC nothing says which VIOS serves which client slot: rootvg's hdisks (LUNs
# 0x81-0x83 behind vios1) must not be taken for vios2's disks at the same LUNs; rootvg is left
# out with a warning, and planning it fails with a message naming the disk and vios1
no_hmc() {
	full "${direct/;hmc=127.0.0.3/}" "$T/n.json" || { cat "$T/n.json.err"; return 1; }
	[ "$(jq -r '.servers[] | select(.name=="vios1") | .state' "$T/n.json")" = unreachable ] &&
	[ "$(jq '[.partitions[0].disks[] | select(.name=="hdisk0" or .name=="hdisk1" or .name=="hdisk2")] | length' "$T/n.json")" = 0 ] &&
	[ "$(jq '[.partitions[0].vgs[] | select(.name=="rootvg")] | length' "$T/n.json")" = 0 ] &&
	[ "$(jq -r '.partitions[0].vgs[] | select(.name=="datavg") | .name' "$T/n.json")" = datavg ] &&
	jq -r '.. | .warnings? // empty | .[]' "$T/n.json" | grep -q "hdisk0 (LUN 0x8100000000000000) cannot be told from a disk of VIOS vios1" || return 1
	set +e
	"$vdm" plan --inventory "$T/n.json" --partition lpar1 --vg rootvg >"$T/n.out" 2>&1
	local rc=$?
	set -e
	[ $rc != 0 ] && grep -q rootvg "$T/n.out"
}
check "no HMC: the dead VIOS's hdisks are not matched by LUN to the other's; rootvg left out, plan refuses" no_hmc
# the partition says hdisk0 is lost (lsvg -p PV STATE missing): that disk alone is missing, its
# copies lost; the repair plan cannot rebuild hd5 (its only copy) and says why
repair_missing() {
	mkdir -p "$T/override/lpar1"
	sed 's/^hdisk0            active /hdisk0            missing/' "$fx/lpar1/lsvg_-p_rootvg.out" \
		>"$T/override/lpar1/lsvg_-p_rootvg.out"
	local rc=0
	full "$direct" "$T/r.json" || rc=$?
	rm -rf "$T/override"
	[ $rc = 0 ] || { cat "$T/r.json.err"; return 1; }
	[ "$(jq -r '.partitions[0].disks[] | select(.name=="hdisk0") | .state' "$T/r.json")" = missing ] &&
	[ "$(jq -r '.partitions[0].disks[] | select(.name=="hdisk1") | .state // "ok"' "$T/r.json")" = ok ] || return 1
	set +e
	"$vdm" plan --inventory "$T/r.json" --partition lpar1 --vg rootvg --repair --wait-for-return 0 >"$T/r.out" 2>&1
	rc=$?
	"$vdm" plan --inventory "$T/r.json" --partition lpar1 --vg datavg --repair --level device --json >"$T/r2.json" 2>"$T/r2.err"
	local rc2=$?
	set -e
	[ $rc = 2 ] && grep -q "hd5.*hdisk0 is missing (server vios1 unreachable)" "$T/r.out" || { cat "$T/r.out"; return 1; }
	[ $rc2 = 0 ] && ! grep -q vios1 "$T/r2.json" || { cat "$T/r2.err"; return 1; }
}
check "plan --repair: a disk the partition reports missing behind the dead VIOS is lost, nothing placed on vios1" repair_missing
# AIX lspath shows no Enabled path to hdisk1 (its only VIOS gone): the partition says it lost
# it; hdisk0 and hdisk2, whose paths AIX still has Enabled, stay present
lspath_lost() {
	mkdir -p "$T/override/lpar1"
	echo "Failed hdisk1 vscsi0" >"$T/override/lpar1/lspath_-l_hdisk1.out"
	local rc=0
	full "$direct" "$T/l.json" || rc=$?
	rm -rf "$T/override"
	[ $rc = 0 ] || { cat "$T/l.json.err"; return 1; }
	[ "$(jq -r '.partitions[0].disks[] | select(.name=="hdisk1") | .state' "$T/l.json")" = missing ] &&
	[ "$(jq -r '[.partitions[0].disks[] | select(.name=="hdisk0" or .name=="hdisk2") | .state // "ok"] | join(",")' "$T/l.json")" = ok,ok ]
}
check "lspath: no Enabled path to a disk of the dead VIOS -> missing; the others present" lspath_lost
# an undo or a repair while vios1 is down: unmapping a disk of vios2 still works
unmap_live() {
	: >"$T/received.log"
	"$tool" unmap "$direct" lpar1 lpar1-hd04 2>"$T/u.err" || { cat "$T/u.err"; return 1; }
	grep -qx 'vios2 ioscli rmvdev -vtd vtscsi0' "$T/received.log"
}
check "unmap of a vios2 disk while vios1 is down reaches vios2" unmap_live
all_down() {
	local rc=0
	inv "${direct/host.vios2=127.0.0.2/host.vios2=127.0.0.9}" "$T/a.json" || rc=$?
	[ $rc = 4 ] && grep -q "no VIOS answered" "$T/a.json.err" &&
	grep -q "vios1 (" "$T/a.json.err" && grep -q "vios2 (" "$T/a.json.err"
}
check "every VIOS down -> exit 4 naming each VIOS and its cause" all_down
all_down_hmc() {
	touch "$T/down.vios1" "$T/down.vios2"
	local rc=0
	inv "$via" "$T/b.json" || rc=$?
	rm -f "$T/down.vios1" "$T/down.vios2"
	[ $rc = 4 ] && grep -q "no VIOS answered" "$T/b.json.err" && grep -q HSCL2957 "$T/b.json.err"
}
check "via=hmc, every VIOS down -> exit 4 with the HMC's reason" all_down_hmc
hmc_down() {
	local rc=0
	inv "${via/hmc=127.0.0.3/hmc=127.0.0.9}" "$T/c.json" || rc=$?
	[ $rc = 4 ] && grep -q "127.0.0.9" "$T/c.json.err"
}
check "the HMC down -> exit 4 naming the HMC" hmc_down
garbage() {
	touch "$T/garbage.vios1"
	local rc=0
	inv "$direct" "$T/g.json" || true
	inv "${direct/host.vios1=127.0.0.9/host.vios1=127.0.0.1}" "$T/g.json" || rc=$?
	rm -f "$T/garbage.vios1"
	[ $rc = 4 ] && grep -q "vios vios1" "$T/g.json.err" && grep -q lssp "$T/g.json.err"
}
check "a VIOS answering garbage is still an error naming it and the command" garbage
[ $fails = 0 ] || { echo "$fails failed"; exit 1; }
