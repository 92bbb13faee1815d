#!/usr/bin/env bash
# system2.sh VDMIRROR: discovery that degrades instead of failing, on the production-like
# recorded system tests/vios/fixtures/system2 (written from IBM documentation and published
# outputs, see gen-system2.py: no Power hardware here, the replay is the mock). Before this
# work, `inventory` stopped at the NPIV disks ("no VIOS backing device found"), at the renamed
# disks, the empty vtopt and the 4-field lsmap groups of the older VIOS.
set -euo pipefail
vdm=$1
fx=${VDM_SOURCE_ROOT:?}/tests/vios/fixtures/system2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {       # check DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok - $1"; else echo "not ok - $1"; fails=$((fails + 1)); fi
}
q() { jq -r "$1" "$tmp/inv.json"; }

"$vdm" inventory --vios "$fx" --partition prd01 > "$tmp/inv.json" 2> "$tmp/err" ||
	{ cat "$tmp/err"; exit 1; }
check "inventory succeeds with a top-level warning for altinst_rootvg" \
	test "$(q '[.warnings[] | select(test("altinst_rootvg is not varied on"))] | length')" = 1
check "the CLI prints each warning once" \
	test "$(grep -c 'warning: aix prd01: volume group altinst_rootvg' "$tmp/err")" = 1
check "altinst_rootvg is listed as inactive and has no VG entry" \
	test "$(q '.partitions[0].inactive_vgs | join(",")'),$(q '[.partitions[0].vgs[].name] | sort | join(",")')" = "altinst_rootvg,datavg,rootvg"
check "the rootvg LUN is one disk with a path through each VIOS (old-level lsmap parsed)" \
	test "$(q '.partitions[0].disks[] | select(.name == "hdisk0") | .paths | sort | join(",")')" = "vios1,vios2"
check "the rootvg LUN's size comes from lsvg -p" \
	test "$(q '.partitions[0].disks[] | select(.name == "hdisk0") | .size_mib')" = 51136
check "renamed NPIV disk: device is the LUN's unique id, path the VIOS of its vFC adapter" \
	test "$(q '.partitions[0].disks[] | select(.name == "EMC_3451_0DEF") | [.devices[0], (.paths | join(","))] | join(" ")')" = "uid-3E213600009740823181A4533303435314446EMCfcp vios1"
check "the second NPIV disk is served by vios2 (client slot 32)" \
	test "$(q '.partitions[0].disks[] | select(.name == "EMC_3451_0DF0") | .paths | join(",")')" = vios2
check "datavg is read through the renamed disks" \
	test "$(q '.partitions[0].vgs[] | select(.name == "datavg") | [.pvs[].disk] | join(",")')" = "EMC_3451_0DEF,EMC_3451_0DF0"
check "no optical device became a disk" \
	test "$(q '[.partitions[].disks[].name | select(test("vtopt|iso"))] | length')" = 0
check "every VIOS says its backing device names are at most 15 characters" \
	test "$(q '[.servers[].max_name] | unique | join(",")')" = 15
check "the disk of altinst_rootvg is still known (vSCSI LV of vios1)" \
	test "$(q '.partitions[0].disks[] | select(.name == "hdisk1") | .pool')" = vios1/clientsp

"$vdm" plan --inventory "$tmp/inv.json" --partition prd01 --vg rootvg --json > "$tmp/plan.json"
check "plan for rootvg: one new disk, in a pool not on the rootvg LUN" \
	test "$(jq -r '[.new_disks[] | .pool] | join(",")' "$tmp/plan.json")" = vios1/clientsp
check "plan for rootvg: new disk names within the VIOS's 15 characters" \
	test "$(jq -r '[.new_disks[].name | length <= 15] | all' "$tmp/plan.json")" = true
check "plan for rootvg: each of the 7 LVs gets one new copy, all on the new disk" \
	test "$(jq -r '"\([.lvs[] | select((.new_copies | length) == 1) | .new_copies[0][].pv] | unique | join(",")) \(.lvs | length)"' "$tmp/plan.json")" = "prd01-rootvg-m1 7"

VDMIRROR_STATE=$tmp/state "$vdm" mirror prd01 rootvg --backend vios --config "$fx" \
	--script "$tmp/mirror.sh" --yes > "$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
check "mirror script is valid sh" sh -n "$tmp/mirror.sh"
check "mirror script creates the disk on vios1" \
	grep -q "padmin@vios1 'ioscli mkbdsp -sp clientsp 10944M -bd prd01-rootvg-m1'" "$tmp/mirror.sh"
for lv in hd5 hd6 hd8 hd4 hd2 hd9var hd3; do
	check "$lv gets its copy on the new disk, by map file" grep -qx "mklvcopy -m \"\${VDM_MAPDIR}/$lv.map\" $lv 2" "$tmp/mirror.sh"
done

# run the script against stand-ins of the AIX and ssh commands (the new disk appears as
# hdisk9 behind client slot 11): the map files mklvcopy -m gets, line by line
mkdir "$tmp/stubs"
cat >"$tmp/stubs/stub" <<'STUB'
#!/bin/sh
n=$(basename "$0")
echo "$n $*" >>"$STUBLOG"
case $n in
ssh) case "$*" in *"lsmap -vadapter vhost0"*)
	echo "vhost0:U9009.42A.7891A2B-V1-C101:0x00000005:vtscsi0:Available:0x8100000000000000:hdisk5: :false:vtscsi9:Available:0x8400000000000000:prd01-rootvg-m1: :N/A" ;;
     esac ;;
lspv) cat "$FX/prd01/lspv.out"; echo "hdisk9          none                                None" ;;
lscfg) [ "$2" = hdisk9 ] && echo "  hdisk9 U9009.42A.7891A2B-V5-C11-T1-L8400000000000000  Virtual SCSI Disk Drive" ;;
lslv) cat "$FX/prd01/lslv_-m_hd5.out" ;;
mklvcopy) [ "$1" = -m ] && while IFS= read -r l; do echo "map $3 $l" >>"$STUBLOG"; done <"$2" ;;
esac
exit 0
STUB
chmod +x "$tmp/stubs/stub"
for c in ssh cfgmgr lspv lscfg chdev chvg savebase extendvg mklvcopy bosboot lslv bootlist syncvg; do
	ln -s stub "$tmp/stubs/$c"
done
STUBLOG=$tmp/stub.log FX=$fx TMPDIR=$tmp PATH="$tmp/stubs:$PATH" sh "$tmp/mirror.sh"
grep '^map ' "$tmp/stub.log" >"$tmp/maps"
printf '%s\n' "map hd5 hdisk9:1" "map hd6 hdisk9:2-33" "map hd8 hdisk9:34" "map hd4 hdisk9:35-50" \
	"map hd2 hdisk9:51-130" "map hd9var hdisk9:131-154" "map hd3 hdisk9:155-170" >"$tmp/want"
check "map files line by line: each LV's copy on the next PPs of the new disk, in plan order" \
	diff "$tmp/want" "$tmp/maps"
check "hd5 synced before bosboot, then bootlist with both disks" \
	test "$(grep -E '^(syncvg -l hd5|bosboot|bootlist)' "$tmp/stub.log" | tr '\n' ';')" = \
	"syncvg -l hd5;bosboot -ad /dev/hdisk9;bootlist -m normal hdisk0 hdisk9;"
check "the map folder is private (mode 700)" \
	test "$(stat -c %a "$tmp"/vdmirror.*)" = 700

# two NPIV disks on one LUN share its device (same unique id)
cp -r "$fx" "$tmp/sys"
cp "$fx/prd01/lsattr_-El_EMC_3451_0DEF_-a_unique_id_-F_value.out" \
	"$tmp/sys/prd01/lsattr_-El_EMC_3451_0DF0_-a_unique_id_-F_value.out"
"$vdm" inventory --vios "$tmp/sys" --partition prd01 > "$tmp/inv.json" 2>/dev/null
check "two NPIV disks on one LUN share a device" \
	test "$(q '[.partitions[0].disks[] | select(.name | startswith("EMC")) | .devices[0]] | unique | length')" = 1

# vios2's lsmap -npiv unreadable: a warning; the NPIV disk behind vios2's adapter is not
# guessed onto vios1, so datavg is left out; rootvg is still there
cp -r "$fx" "$tmp/sys2"
echo "vfchost0:U9009.42A.7891A2B-V2-C141:5:prd01" >"$tmp/sys2/vios2/ioscli_lsmap_-all_-npiv_-fmt__.out"
"$vdm" inventory --vios "$tmp/sys2" --partition prd01 > "$tmp/inv.json" 2>/dev/null
check "lsmap -npiv unreadable: a warning, no guessed path, datavg left out, rootvg kept" \
	test "$(q '[.warnings[] | select(test("vios vios2: NPIV adapters unknown"))] | length') $(q '[.partitions[0].disks[] | select(.name == "EMC_3451_0DF0")] | length') $(q '[.partitions[0].vgs[].name] | join(",")')" = "1 0 rootvg"
# an ISO outside the media repository naming convention, and a file-backed disk in no pool
sed -i 's|vtscsi3:Available:0x8100000000000000:other_rvg1: :N/A|vtscsi3:Available:0x8100000000000000:/home/padmin/other.img: :N/A|' \
	"$tmp/sys2/vios1/ioscli_lsmap_-all_-fmt__.out"
"$vdm" inventory --vios "$tmp/sys2" > "$tmp/inv.json" --storage-only 2>/dev/null
check "a file-backed device in no pool is ignored with a warning" \
	test "$(q '[.warnings[] | select(test("file-backed device /home/padmin/other.img is in no pool"))] | length')" = 1

# the LUN id of an NPIV disk unreadable: a warning, datavg left out, no failure
cp -r "$fx" "$tmp/sys3"
echo "1" >"$tmp/sys3/prd01/lsattr_-El_EMC_3451_0DEF_-a_unique_id_-F_value.rc"
"$vdm" inventory --vios "$tmp/sys3" --partition prd01 > "$tmp/inv.json" 2>/dev/null
check "an NPIV disk whose unique_id cannot be read: warning, datavg left out" \
	test "$(q '[.warnings[] | select(test("EMC_3451_0DEF"))] | length > 0') $(q '[.partitions[0].vgs[].name] | join(",")')" = "true rootvg"

# a disk nobody knows leaves its VG out with a warning, the rest is still reported
rm "$tmp/sys/prd01/lscfg_-l_EMC_3451_0DF0.out"
"$vdm" inventory --vios "$tmp/sys" --partition prd01 > "$tmp/inv.json" 2>/dev/null
check "an unknown disk: its VG left out, rootvg kept, a warning" \
	test "$(q '[.partitions[0].vgs[].name] | join(",")') $(q '[.warnings[] | select(test("EMC_3451_0DF0"))] | length')" = "rootvg 1"
[ "$fails" -eq 0 ]
