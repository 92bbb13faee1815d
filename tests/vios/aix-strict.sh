#!/usr/bin/env bash
# Mirror pools, super strictness and superstrict LVs on the AIX path (issue 11, item 4): the
# recorded system1 with datavg overlaid by tests/vios/fixtures/strict (written from IBM's
# documentation, see its README.md: no Power hardware here). The inventory carries the VG's
# rules; `mirror --script` puts the new disk in its own mirror pool (extendvg -p) and the new
# copy there (mklvcopy -m MAP -p copy2=POOL); an upper bound too low is raised (chlv -u); a
# VG whose rules cannot hold the plan is refused before anything is created.
set -euo pipefail
vdm=$1
src=${VDM_SOURCE_ROOT:?}/tests/vios/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {       # check DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok - $1"; else echo "not ok - $1"; fails=$((fails + 1)); fi
}
sys() {         # sys DIR: system1 with the strict overlay
	cp -r "$src/system1" "$1"
	cp "$src/strict/"*.out "$1/lpar1/"
}
aix_lines() { grep -v '^#' "$1" | grep -v -e '^ssh ' -e '^VDM_LOC_' ; }
rc_of() { set +e; "$@" >"$tmp/out" 2>&1; echo $?; set -e; }

# ---- 1. super strictness, a superstrict LV in pool vios1: the new copy in pool vios2 ----
a=$tmp/a; sys "$a"
"$vdm" inventory --vios "$a" --partition lpar1 >"$tmp/inv.json"
vg='.partitions[0].vgs[] | select(.name == "datavg")'
check "inventory: the VG's mirror pool strictness" \
	test "$(jq -r "$vg | .aix_mirror_pool_strict" "$tmp/inv.json")" = super
check "inventory: hdisk6 is in mirror pool vios1" \
	test "$(jq -r "$vg | .pvs[] | select(.disk == \"hdisk6\") | .aix_mirror_pool" "$tmp/inv.json")" = vios1
check "inventory: datalv is superstrict, upper bound 1, copy 1 in vios1" \
	test "$(jq -c "$vg | .lvs[0] | [.aix_strict, .aix_upper_bound, .aix_copy_pools]" "$tmp/inv.json")" \
	= '["superstrict",1,["vios1",null,null]]'
check "inventory: rootvg (no pools) says off" \
	test "$(jq -r '.partitions[0].vgs[] | select(.name == "rootvg") | .aix_mirror_pool_strict' "$tmp/inv.json")" = off

VDMIRROR_STATE=$tmp/sa "$vdm" mirror lpar1 datavg --backend vios --config "$a" \
	--script "$tmp/a.sh" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
aix_lines "$tmp/a.sh" >"$tmp/a.lines"
cat >"$tmp/a.want" <<'W'
set -eu
cfgmgr
HD_lpar1_datavg_m1=${HD_lpar1_datavg_m1:-$(sh -c 'for d in $(lspv | awk '\''{print $1}'\''); do lscfg -l "$d" | grep -qi -- "$0" && echo "$d"; done' "${VDM_LOC_lpar1_datavg_m1}")}
chdev -l "${HD_lpar1_datavg_m1}" -a pv=yes
extendvg -p vios2 datavg "${HD_lpar1_datavg_m1}"
chvg -Qn datavg
VDM_MAPDIR=${VDM_MAPDIR:-$(sh -c 'umask 077 && d=${TMPDIR:-/tmp}/vdmirror.$$ && mkdir "$d" && echo "$d"')}
sh -c 'sed -e "s|^@1@:|$1:|" > "$0" <<VDM_MAP
@1@:1-500
VDM_MAP' "${VDM_MAPDIR}/datalv.map" "${HD_lpar1_datavg_m1}"
mklvcopy -m "${VDM_MAPDIR}/datalv.map" -p copy2=vios2 datalv 2
syncvg -P 4 -l datalv
W
check "super: the partition's commands, line by line (extendvg -p, mklvcopy -m -p copy2=)" \
	diff "$tmp/a.want" "$tmp/a.lines"
check "super: one copy per PV set: the upper bound 1 is enough, no chlv" \
	bash -c "! grep -q '^chlv' '$tmp/a.sh'"

# ---- 2. strictness on, a strict (not superstrict) LV with upper bound 1: raised to 2 ----
b=$tmp/b; sys "$b"
sed -i 's/^MIRROR POOL STRICT: super/MIRROR POOL STRICT: on/' "$b/lpar1/lsvg_datavg.out"
sed -i 's/yes (superstrict)/yes/' "$b/lpar1/lslv_datalv.out"
VDMIRROR_STATE=$tmp/sb "$vdm" mirror lpar1 datavg --backend vios --config "$b" \
	--script "$tmp/b.sh" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
chlv_at=$(grep -n -x -F 'chlv -u 2 datalv' "$tmp/b.sh" | cut -d: -f1 || true)
mklv_at=$(grep -n '^mklvcopy' "$tmp/b.sh" | cut -d: -f1 || true)
check "on: the LV's upper bound is raised to its 2 PVs (chlv -u 2), before the mklvcopy" \
	test "${chlv_at:-0}" -gt 0 -a "${chlv_at:-0}" -lt "${mklv_at:-0}"
check "on: the new copy goes to pool vios2" \
	grep -qx 'mklvcopy -m "${VDM_MAPDIR}/datalv.map" -p copy2=vios2 datalv 2' "$tmp/b.sh"

# ---- 3. rules that cannot hold the plan: refused, nothing created ----
c=$tmp/c; sys "$c"
# hdisk6 (copy 1) already in a pool named vios2: under super the new copy on vios2 would share it
sed -i 's/^MIRROR POOL:        vios1/MIRROR POOL:        vios2/' "$c/lpar1/lspv_hdisk6.out"
sed -i 's/^COPY 1 MIRROR POOL: vios1/COPY 1 MIRROR POOL: vios2/' "$c/lpar1/lslv_datalv.out"
r=$(rc_of env VDMIRROR_STATE="$tmp/sc" "$vdm" mirror lpar1 datavg --backend vios --config "$c" \
	--script "$tmp/c.sh" --yes); cat "$tmp/out"
check "super, copy 1 in vios2: the script run is refused as no valid plan (exit 2)" test "$r" = 2
check "... saying why" grep -q 'copy 2 would be in mirror pool vios2 like copy 1.*MIRROR POOL STRICT is super' "$tmp/out"
check "... and nothing was created" grep -q 'nothing was created' "$tmp/out"
check "... and no script is left" test ! -e "$tmp/c.sh"
r=$(rc_of env VDMIRROR_STATE="$tmp/sc" "$vdm" mirror lpar1 datavg --backend vios --config "$c" --yes)
check "a live run is refused the same way (exit 2), before any VIOS command" test "$r" = 2
check "... with the same reason" grep -q 'like copy 1' "$tmp/out"
r=$(rc_of env VDMIRROR_STATE="$tmp/sc" "$vdm" mirror lpar1 datavg --backend vios --config "$c" --yes)
check "... and left no unfinished run behind (a second try says the same, not 'unfinished')" \
	bash -c "[ $r = 2 ] && grep -q 'like copy 1' '$tmp/out'"

# ---- 4. live, on a simulated system: the same system1 + strict overlay whose change commands
#         are recorded with what they change (as tests/vios/aix-resume.sh does) ----
key() { printf '%s' "$1" | tr -c 'A-Za-z0-9.-' '_'; }
rec() {         # rec DIR 'COMMAND LINE' OUTPUT [FILE CONTENT]...
	local dir=$1 k; k=$(key "$2"); printf '%s' "$3" >"$dir/$k.out"; shift 3
	[ $# -gt 0 ] || return 0
	mkdir -p "$dir/$k.then"
	while [ $# -gt 0 ]; do printf '%s' "$2" >"$dir/$k.then/$1"; shift 2; done
}
e=$tmp/e; sys "$e"
v=$e/vios2 L=$e/lpar1
bdf=ioscli_lssp_-bd_-sp_rootvg_sp_-field_bdname_size_vtd_svsa_-fmt__.out
mapf=ioscli_lsmap_-all_-fmt__.out
lssp=ioscli_lssp_-field_pool_size_free_alloc_bds_type_-fmt__.out
bd0=$(cat "$v/$bdf")
pools0=$(cat "$v/$lssp")$'\n'
rec "$v" "ioscli mkbdsp -sp rootvg_sp 32064M -bd lpar1-datavg-m1" "lpar1-datavg-m1" \
	"$lssp" "${pools0/rootvg_sp:409600:204800:32:1:/rootvg_sp:409600:172736:32:2:}" \
	"$bdf" "$bd0"$'\n'"lpar1-datavg-m1:32064:None:None"$'\n'
rec "$v" "ioscli mkvdev -vdev lpar1-datavg-m1 -vadapter vhost0" "vtscsi4 Available" \
	"$mapf" "$(cat "$v/$mapf"):vtscsi4:Available:0x8500000000000000:lpar1-datavg-m1::N/A"$'\n' \
	"$bdf" "$bd0"$'\n'"lpar1-datavg-m1:32064:vtscsi4:vhost0"$'\n'
lspv0=$(cat "$L/lspv.out")$'\n'
vgp0=$(cat "$L/lsvg_-p_datavg.out")$'\n'
lv0=$(cat "$L/lslv_datalv.out")$'\n'
lv1=${lv0/COPIES:             1 /COPIES:             2 }
lv1=${lv1/PPs:            500/PPs:            1000}
lv1=${lv1/COPY 2 MIRROR POOL: None/COPY 2 MIRROR POOL: vios2}
lvm1=$(awk 'NR <= 2 { print; next } { printf "%s  %s %s  %s hdisk7\n", $1, $2, $3, $2 }' \
	"$L/lslv_-m_datalv.out")$'\n'
sed 's/hdisk6/hdisk7/; s/vios1$/vios2/' "$L/lspv_hdisk6.out" >"$L/lspv_hdisk7.out"
rec "$L" "cfgmgr" "" "lspv.out" "${lspv0}hdisk7          none                                None"$'\n' \
	"lscfg_-l_hdisk7.out" "  hdisk7           U8408.E8E.78CB04W-V3-C12-T1-L8500000000000000  Virtual SCSI Disk Drive"$'\n'
rec "$L" "chdev -l hdisk7 -a pv=yes" "hdisk7 changed" "lspv.out" \
	"${lspv0}hdisk7          00f6db0a55550008                    None"$'\n'
rec "$L" "extendvg -p vios2 datavg hdisk7" "" "lspv.out" \
	"${lspv0}hdisk7          00f6db0a55550008                    datavg          active"$'\n' \
	"lsvg_-p_datavg.out" "${vgp0}hdisk7            active            500         500         100..100..100..100..100"$'\n'
rec "$L" "chvg -Qn datavg" ""
rec "$L" "lspv -M hdisk7" "hdisk7:1-500"$'\n'
rec "$L" "sh -c 'umask 077 && d=\${TMPDIR:-/tmp}/vdmirror.\$\$ && mkdir \"\$d\" && echo \"\$d\"'" \
	"/tmp/vdmirror.4242"$'\n'
rec "$L" "sh -c 'sed -e \"s|^@1@:|\$1:|\" > \"\$0\" <<VDM_MAP"$'\n'"@1@:1-500"$'\n'"VDM_MAP' /tmp/vdmirror.4242/datalv.map hdisk7" ""
rec "$L" "mklvcopy -m /tmp/vdmirror.4242/datalv.map -p copy2=vios2 datalv 2" "" \
	"lslv_datalv.out" "$lv1" "lslv_-m_datalv.out" "$lvm1" \
	"lsvg_-l_datavg.out" "$(sed 's/500     500     1 /500     1000    2 /' "$L/lsvg_-l_datavg.out")"$'\n' \
	"lsvg_-p_datavg.out" "${vgp0}hdisk7            active            500         0           00..00..00..00..00"$'\n'
rec "$L" "sh -c 'nohup syncvg -P 4 -l datalv >/dev/null 2>&1 &'" ""
r=$(rc_of env VDMIRROR_STATE="$tmp/se" "$vdm" mirror lpar1 datavg --backend vios --config "$e" --yes)
cat "$tmp/out"
check "live: the mirror runs and verifies" bash -c "[ $r = 0 ] && grep -q 'protected at level server' '$tmp/out'"
check "live: hdisk7 joined datavg in pool vios2 (extendvg -p, as recorded)" \
	test -e "$L/$(key 'extendvg -p vios2 datavg hdisk7').then.done"
check "live: the copy was made by mklvcopy -m MAP -p copy2=vios2, then confirmed by lslv -m" \
	test -e "$L/$(key 'mklvcopy -m /tmp/vdmirror.4242/datalv.map -p copy2=vios2 datalv 2').then.done"
[ "$fails" -eq 0 ]
