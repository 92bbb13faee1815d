#!/usr/bin/env bash
# ssh-e2e.sh VIOS_TOOL: the PowerVM support end to end against a REAL OpenSSH server on
# loopback (own host key, own config, a random port), whose ForceCommand (recorder.sh) plays
# two VIOS, an HMC and an AIX partition from the recorded system tests/vios/fixtures/system1
# (PowerVM cannot run here: that is the one mock, and it is said). Proves: key login, host key
# check, quoting through a real shell, exit codes, timeouts, the output cap, discovery over
# SSH equal to the recorded one, provisioning commands as the VIOS receives them, the
# 0516-404 message, and discovery -> plan -> the reviewable mirror script.
set -euo pipefail
tool=$1
src=${VDM_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VDM_BUILD_ROOT:-$src/build}
fx=$src/tests/vios/fixtures/system1
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || { echo "SKIP: no sshd"; exit 77; }
. "$src/tests/vios/sshd-lib.sh"

T=$(mktemp -d /tmp/vdm-ssh-e2e.XXXXXX)
chmod 755 "$T"
cleanup() {
	sshd_stop
	rm -rf "$T"
}
trap cleanup EXIT

fails=0
check() {   # check NAME COMMAND...: runs a test step, reports it
	if "${@:2}"; then echo "ok   - $1"; else echo "FAIL - $1"; fails=$((fails + 1)); fi
}

sshd_start "$T" "$fx" || exit 1
# a key the server does not know, and a known_hosts that names another host key
ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey"
for a in 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4; do
	echo "[$a]:$port $(cut -d' ' -f1,2 "$T/otherkey.pub")" >>"$T/bad_known_hosts"
done
export VDMIRROR_SSH_KEY=$T/id VDMIRROR_SSH_KNOWN_HOSTS=$T/known_hosts
cfg="vios1,vios2;host.vios1=127.0.0.1;host.vios2=127.0.0.2;port=$port;user=$user;key=$T/id"
cfg+=";known_hosts=$T/known_hosts;timeout=10;frame=p10-a;lpar1=3;hmc=127.0.0.3;hmc_user=$user"
cfg+=";system=p10-a;addr.lpar1=ssh:$user@127.0.0.4:$port"
v1=ssh:$user@127.0.0.1:$port

# --- transport ---
quoting() {
	out=$("$tool" run "$v1" 5000 echo "it's" 'a  b' '$(id)' ';' '*') &&
	[ "$out" = "it's a  b \$(id) ; *" ] || { echo "got: $out"; return 1; }
}
check "quoting survives a real shell (no expansion, no splitting)" quoting
exitcode() {
	set +e; "$tool" run "$v1" 5000 ioscli fail 2>"$T/err"; rc=$?; set -e
	[ $rc = 3 ] && grep -q 0514-519 "$T/err"
}
check "a command's exit status and stderr come back" exitcode
timeout_hang() {
	set +e; "$tool" run "$v1" 1000 ioscli hang 2>"$T/err"; rc=$?; set -e
	[ $rc = 100 ] && grep -q "no answer after 1000 ms" "$T/err"
}
check "a hanging command gives a timeout error" timeout_hang
reuse() { [ "$("$tool" after-timeout "$v1")" = "still here" ]; }
check "the session still works after a command timed out" reuse
cap() {
	set +e; "$tool" run "$v1" 20000 ioscli bigout >/dev/null 2>"$T/err"; rc=$?; set -e
	[ $rc = 100 ] && grep -q "output larger than" "$T/err"
}
check "output above the cap is refused" cap
hostkey() {
	set +e
	VDMIRROR_SSH_KNOWN_HOSTS=$T/bad_known_hosts "$tool" run "$v1" 5000 echo x 2>"$T/err"; rc=$?
	set -e
	[ $rc = 100 ] && grep -qi "host key" "$T/err"
}
check "a host key that does not match known_hosts is refused" hostkey
wrongkey() {
	set +e; VDMIRROR_SSH_KEY=$T/otherkey "$tool" run "$v1" 5000 echo x 2>"$T/err"; rc=$?; set -e
	[ $rc = 100 ] && grep -q "key login refused" "$T/err"
}
check "a key the server does not know is refused" wrongkey

# --- discovery over SSH equals discovery of the recording ---
discover() {
	"$tool" discover "$cfg" lpar1 >"$T/ssh.json" &&
	"$tool" discover "$fx" lpar1 >"$T/replay.json" &&
	jq -S . "$T/ssh.json" >"$T/a" && jq -S . "$T/replay.json" >"$T/b" && cmp -s "$T/a" "$T/b" &&
	[ "$(jq -r '.partitions[0].disks[] | select(.name=="hdisk6") | .paths | join(",")' "$T/ssh.json")" = vios1,vios2 ] &&
	[ "$(jq -r '.partitions[0].vgs[] | select(.name=="rootvg") | .lvs | length' "$T/ssh.json")" = 7 ]
}
check "discovery over SSH (VIOS, HMC, AIX) equals the recorded system" discover
grep -q '^vios1 ioscli lsmap -all -fmt :$' "$T/received.log" || { echo "FAIL - lsmap not received as sent"; fails=$((fails + 1)); }
grep -q '^hmc lshwres -r virtualio --rsubtype scsi -m p10-a --level lpar$' "$T/received.log" || { echo "FAIL - lshwres"; fails=$((fails + 1)); }
grep -q '^hmc lssyscfg -r lpar -m p10-a$' "$T/received.log" || { echo "FAIL - lssyscfg"; fails=$((fails + 1)); }

# --- provisioning as the VIOS receives it ---
provision() {
	: >"$T/received.log"
	"$tool" create "$cfg" vios2/rootvg_sp lpar1-rootvg-m1 9600 &&
	"$tool" map "$cfg" lpar1 vios2/rootvg_sp lpar1-rootvg-m1 &&
	grep -qx 'vios2 ioscli mkbdsp -sp rootvg_sp 9600M -bd lpar1-rootvg-m1' "$T/received.log" &&
	grep -qx 'vios2 ioscli mkvdev -vdev lpar1-rootvg-m1 -vadapter vhost0' "$T/received.log" &&
	! grep -q mkbdsp <(grep '^vios1' "$T/received.log")
}
check "create + map send mkbdsp to the right VIOS and vhost" provision
fullpool() {
	touch "$T/full"
	set +e; "$tool" create "$cfg" vios2/rootvg_sp lpar1-rootvg-m2 9600 2>"$T/err"; rc=$?; set -e
	rm -f "$T/full"
	[ $rc = 100 ] && grep -q "pool vios2/rootvg_sp full: .*0516-404 allocp" "$T/err"
}
check "0516-404 from mkbdsp becomes 'pool vios2/rootvg_sp full'" fullpool
refuse_name() {
	: >"$T/received.log"
	set +e; "$tool" create "$cfg" vios2/rootvg_sp 'x;reboot' 100 2>/dev/null; rc=$?; set -e
	[ $rc = 100 ] && ! grep -q mkbdsp "$T/received.log"
}
check "an invalid name never reaches the VIOS" refuse_name

# --- the AIX driver live over SSH: the steps AIX receives ---
aix_live() {
	: >"$T/received.log"
	p1=ssh:$user@127.0.0.4:$port
	"$tool" aix "$p1" add_pv rootvg hdisk3 &&
	"$tool" aix "$p1" add_pv rootvg hdisk0 &&          # already in rootvg: nothing sent
	"$tool" aix "$p1" add_copy rootvg hd4 2 hdisk3:40 &&
	[ "$("$tool" aix "$p1" sync rootvg hd4)" = 100.0 ] &&
	grep -qx 'lpar1 extendvg rootvg hdisk3' "$T/received.log" &&
	! grep -q 'extendvg rootvg hdisk0' "$T/received.log" &&
	grep -qx 'lpar1 lspv -M hdisk3' "$T/received.log" &&
	sed -n "/^lpar1 sh -c 'sed -e/,+2p" "$T/received.log" >"$T/sedcmd" &&
	printf '%s\n' "lpar1 sh -c 'sed -e \"s|^@1@:|\$1:|\" > \"\$0\" <<VDM_MAP" "@1@:1-40" \
		"VDM_MAP' /tmp/vdmirror.4242/hd4.map hdisk3" | diff - "$T/sedcmd" &&
	grep -qx 'lpar1 mklvcopy -m /tmp/vdmirror.4242/hd4.map hd4 2' "$T/received.log" &&
	grep -qx 'lpar1 lslv -m hd4' "$T/received.log" &&
	grep -qx 'lpar1 chvg -Qn rootvg' "$T/received.log" &&
	grep -qx 'lpar1 savebase' "$T/received.log" &&
	grep -qx "lpar1 sh -c 'nohup syncvg -P 4 -l hd4 >/dev/null 2>&1 &'" "$T/received.log" &&
	! "$tool" aix "$p1" add_pv rootvg 'hdisk3;reboot' 2>/dev/null &&
	! grep -q reboot "$T/received.log"
}
check "aix steps live over SSH: extendvg, mklvcopy -m with the map from lspv -M, lslv -m confirms, background syncvg -P" aix_live

# --- discovery -> plan -> reviewable mirror script ---
plan=$fx/../system1-rootvg-plan.json
if "$build/src/cli/vdmirror" plan --inventory "$T/ssh.json" --partition lpar1 --vg rootvg --json \
	>"$T/plan.json" 2>"$T/plan.err"; then
	plan=$T/plan.json
	echo "info - plan made by vdmirror plan"
else
	echo "info - vdmirror plan not available ($(head -c 200 "$T/plan.err")); using the plan fixture"
fi
mirror() {
	: >"$T/received.log"
	"$tool" script "$cfg" "$plan" "$T/mirror.sh" &&
	sh -n "$T/mirror.sh" &&
	grep -Eq "^ssh -p $port $user@127.0.0.2 'ioscli mkbdsp -sp [A-Za-z0-9_.-]+ [0-9]+M -bd lpar1-rootvg-m1'\$" "$T/mirror.sh" &&
	grep -q "ioscli mkvdev -vdev lpar1-rootvg-m1 -vadapter vhost0'\$" "$T/mirror.sh" &&
	grep -qx 'extendvg rootvg "${HD_lpar1_rootvg_m1}"' "$T/mirror.sh" &&
	for lv in $(jq -r '.lvs[] | select(.new_copies | length > 0) | .name' "$plan"); do
		grep -qx "mklvcopy -m \"\${VDM_MAPDIR}/$lv.map\" $lv 2" "$T/mirror.sh" || return 1
	done &&
	grep -qx 'bosboot -ad "/dev/${HD_lpar1_rootvg_m1}"' "$T/mirror.sh" &&
	! grep -Eq 'mkbdsp|mkvdev|rmbdsp|rmvdev' "$T/received.log"
}
check "plan -> mirror script: VIOS + AIX steps, valid sh, nothing changed" mirror
# run the script against stand-ins of the AIX and ssh commands that log what they get: the
# shell variables must carry the new hdisk to every later step
# the map files the script wrote, line by line: each LV's new copy takes the next PPs of the
# new disk hdisk7 in plan order, as many as the plan says (mklv -m: PV:FIRST-LAST per line)
maps_line_by_line() {
	jq -r '.lvs[] | select(.new_copies | length > 0) | "\(.name) \([.new_copies[0][].extents] | add)"' "$plan" >"$T/lvs"
	next=1
	: >"$T/want"
	while read -r lv n; do
		if [ "$n" = 1 ]; then echo "map $lv hdisk7:$next"; else echo "map $lv hdisk7:$next-$((next + n - 1))"; fi >>"$T/want"
		next=$((next + n))
	done <"$T/lvs"
	grep '^map ' "$T/stub.log" >"$T/got"
	[ -s "$T/want" ] && diff "$T/want" "$T/got"
}
runscript() {
	mkdir -p "$T/stubs"
	cat >"$T/stubs/stub" <<'STUB'
#!/bin/sh
n=$(basename "$0")
echo "$n $*" >>"$STUBLOG"
L=U8408.E8E.78CB04W-V3
case $n in
lspv) cat "$FX/lpar1/lspv.out"; echo "hdisk7          none                                None" ;;
lslv) cat "$FX/lpar1/lslv_-m_hd5.out" ;;
mklvcopy) [ "$1" = -m ] && while IFS= read -r l; do echo "map $3 $l" >>"$STUBLOG"; done <"$2" ;;
ssh) case "$*" in *"lsmap -vadapter vhost0"*)
	echo "vhost0:U8408.E8E.78CB04W-V2-C91:0x00000003:vtscsi2:Available:0x8300000000000000:lpar1_hd06::N/A:vtscsi9:Available:0x8500000000000000:lpar1-rootvg-m1::N/A" ;;
     esac ;;
lscfg) case $2 in   # vios1 disks behind client slot 11, vios2 disks behind 12 (HMC)
	hdisk0) echo "  hdisk0 $L-C11-T1-L8100000000000000  Virtual SCSI Disk Drive" ;;
	hdisk1) echo "  hdisk1 $L-C11-T1-L8200000000000000  Virtual SCSI Disk Drive" ;;
	hdisk2) echo "  hdisk2 $L-C11-T1-L8300000000000000  Virtual SCSI Disk Drive" ;;
	hdisk3) echo "  hdisk3 $L-C12-T1-L8100000000000000  Virtual SCSI Disk Drive" ;;
	hdisk4) echo "  hdisk4 $L-C12-T1-L8200000000000000  Virtual SCSI Disk Drive" ;;
	hdisk5) echo "  hdisk5 $L-C12-T1-L8300000000000000  Virtual SCSI Disk Drive" ;;
	hdisk6) echo "  hdisk6 $L-C11-T1-L8400000000000000  Virtual SCSI Disk Drive" ;;
	hdisk7) echo "  hdisk7 $L-C12-T1-L8500000000000000  Virtual SCSI Disk Drive" ;;
	esac ;;
esac
exit 0
STUB
	chmod +x "$T/stubs/stub"
	for c in ssh cfgmgr lspv lscfg chdev chvg savebase extendvg mklvcopy bosboot lslv bootlist syncvg; do
		ln -sf stub "$T/stubs/$c"
	done
	: >"$T/stub.log"
	STUBLOG=$T/stub.log FX=$fx TMPDIR=$T PATH="$T/stubs:$PATH" sh "$T/mirror.sh" &&
	grep -qx 'chdev -l hdisk7 -a pv=yes' "$T/stub.log" &&
	grep -qx 'extendvg rootvg hdisk7' "$T/stub.log" &&
	grep -qx 'bosboot -ad /dev/hdisk7' "$T/stub.log" &&
	grep -qx 'bootlist -m normal hdisk0 hdisk7' "$T/stub.log" &&
	grep -Eqx "mklvcopy -m $T/vdmirror\.[0-9]+/hd2\.map hd2 2" "$T/stub.log" &&
	maps_line_by_line &&
	[ "$(grep -c '^chvg -Qn rootvg' "$T/stub.log")" = 1 ] &&
	grep -qx "ssh -p $port $user@127.0.0.2 ioscli mkvdev -vdev lpar1-rootvg-m1 -vadapter vhost0" "$T/stub.log" &&
	[ "$(grep -c '^cfgmgr' "$T/stub.log")" -ge 1 ]
}
check "the script, run against stand-in commands, passes the new hdisk to every step" runscript
# the shared-LUN trap: give vios2/data-sp (on the same LUN as the original copies' pool)
# plenty of room and take it from the other vios2 pools: the plan must refuse it, not use it
trap_lun() {
	cp -r "$fx" "$T/trap"
	f=$T/trap/vios2/ioscli_lssp_-field_pool_size_free_alloc_bds_type_-fmt__.out
	sed -i 's/^data-sp:307200:0:/data-sp:307200:300000:/; s/^rootvg_sp:409600:204800:/rootvg_sp:409600:1024:/; s/^rootvg:204544:100352:/rootvg:204544:0:/' "$f"
	"$tool" discover "$T/trap" lpar1 >"$T/trap.json" &&
	[ "$(jq -r '.pools[] | select(.name=="vios2/data-sp") | .devices | index("pvid-00f6db0a22220003") != null' "$T/trap.json")" = true ] || return 1
	set +e
	"$build/src/cli/vdmirror" plan --inventory "$T/trap.json" --partition lpar1 --vg rootvg >"$T/trap.out" 2>&1
	rc=$?
	set -e
	if grep -q "not built yet" "$T/trap.out"; then echo "info - planner not built: trap checked on the inventory only"; return 0; fi
	[ $rc = 2 ] && ! grep -q data-sp "$T/trap.out"
}
check "two pools on one LUN: the planner refuses vios2/data-sp for the mirror" trap_lun
# --- the HMC as a way in: every VIOS command through viosvrcmd on the HMC (127.0.0.3) ---
hcfg="vios1,vios2;via=hmc;hmc=127.0.0.3;hmc_user=$user;system=p10-a;port=$port;key=$T/id"
hcfg+=";known_hosts=$T/known_hosts;timeout=10;frame=p10-a;addr.lpar1=ssh:$user@127.0.0.4:$port"
hmc_discover() {
	: >"$T/received.log"
	"$tool" discover "$hcfg" lpar1 >"$T/hmc.json" &&
	jq -S . "$T/hmc.json" >"$T/a" && jq -S . "$T/replay.json" >"$T/b" && cmp -s "$T/a" "$T/b" &&
	grep -qx "hmc viosvrcmd -m p10-a -p vios1 -c 'lsmap -all -fmt :'" "$T/received.log" &&
	grep -qx "hmc viosvrcmd -m p10-a -p vios2 -c 'lssp -field pool size free alloc bds type -fmt :'" "$T/received.log" &&
	! grep -Eq '^vios[12] ' "$T/received.log"
}
check "via=hmc: discovery through viosvrcmd equals the recorded system, no VIOS login" hmc_discover
hmc_provision() {
	: >"$T/received.log"
	"$tool" create "$hcfg" vios2/rootvg_sp lpar1-rootvg-m1 9600 &&
	"$tool" map "$hcfg" lpar1 vios2/rootvg_sp lpar1-rootvg-m1 &&
	grep -qx "hmc viosvrcmd -m p10-a -p vios2 -c 'mkbdsp -sp rootvg_sp 9600M -bd lpar1-rootvg-m1'" "$T/received.log" &&
	grep -qx "hmc viosvrcmd -m p10-a -p vios2 -c 'mkvdev -vdev lpar1-rootvg-m1 -vadapter vhost0'" "$T/received.log"
}
check "via=hmc: mkbdsp and mkvdev reach the right VIOS through viosvrcmd" hmc_provision
hmc_fullpool() {
	touch "$T/full"
	set +e; "$tool" create "$hcfg" vios2/rootvg_sp lpar1-rootvg-m2 9600 2>"$T/err"; rc=$?; set -e
	rm -f "$T/full"
	[ $rc = 100 ] && grep -q "pool vios2/rootvg_sp full: .*0516-404 allocp" "$T/err"
}
check "via=hmc: the VIOS's 0516-404 comes back through the HMC as 'pool full'" hmc_fullpool
hmc_script() {
	: >"$T/received.log"
	"$tool" script "$hcfg" "$plan" "$T/hmc-mirror.sh" &&
	sh -n "$T/hmc-mirror.sh" &&
	grep -Eq "^ssh -p $port $user@127.0.0.3 'viosvrcmd -m p10-a -p vios2 -c \"mkbdsp -sp [A-Za-z0-9_.-]+ [0-9]+M -bd lpar1-rootvg-m1\"'\$" "$T/hmc-mirror.sh" &&
	grep -q "'viosvrcmd -m p10-a -p vios2 -c \"mkvdev -vdev lpar1-rootvg-m1 -vadapter vhost0\"'\$" "$T/hmc-mirror.sh" &&
	grep -q "viosvrcmd -m p10-a -p vios2 -c \"lsmap -vadapter vhost0 -fmt :\"" "$T/hmc-mirror.sh" &&
	! grep -q "padmin@" "$T/hmc-mirror.sh" &&
	! grep -Eq 'mkbdsp|mkvdev' "$T/received.log"
}
check "via=hmc: script mode writes the viosvrcmd lines" hmc_script
if [ $fails -ne 0 ]; then
	echo "--- hmc-mirror.sh"; cat "$T/hmc-mirror.sh" 2>/dev/null || true
	echo "--- mirror.sh"; cat "$T/mirror.sh" 2>/dev/null || true
	echo "--- stub.log"; cat "$T/stub.log" 2>/dev/null || true
	echo "--- received.log"; cat "$T/received.log"; echo "--- sshd.log"; cat "$T/sshd.log"
	exit 1
fi
echo "all ssh end-to-end checks passed"
