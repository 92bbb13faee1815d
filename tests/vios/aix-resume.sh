#!/usr/bin/env bash
# Resume and undo on the AIX replay path, each in a fresh process, after the process died
# after ADD_PV and after the first ADD_COPY (VDMIRROR_FAULT). What a step learned (the hdisk
# the new disk became) must come back from the journal: the process that learned it is gone.
#
# PowerVM cannot run here, so the system is simulated, and says so: a copy of the recorded
# system tests/vios/fixtures/system1 whose change commands (mkbdsp, mkvdev, cfgmgr, chdev,
# extendvg, mklvcopy, ...) are recorded too, each with the outputs it changes (KEY.then/,
# src/transport/replay.c). The CLI is driven as an admin would: mirror, mirror again, undo.
set -euo pipefail
vdm=$1
fx=${VDM_SOURCE_ROOT:?}/tests/vios/fixtures/system1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {       # check DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok - $1"; else echo "not ok - $1"; fails=$((fails + 1)); fi
}
key() { printf '%s' "$1" | tr -c 'A-Za-z0-9.-' '_'; }   # a newline too
# rec DIR 'COMMAND LINE' OUTPUT [FILE CONTENT]...: a recorded command and the files it changes
rec() {
	local dir=$1 k; k=$(key "$2"); printf '%s' "$3" >"$dir/$k.out"; shift 3
	[ $# -gt 0 ] || return 0
	mkdir -p "$dir/$k.then"
	while [ $# -gt 0 ]; do printf '%s' "$2" >"$dir/$k.then/$1"; shift 2; done
}

# ---- the simulated system: system1 plus the changes of a mirror of lpar1/datavg ----
sim() {
	local d=$1 v L
	cp -r "$fx" "$d"
	v=$d/vios2 L=$d/lpar1
	local lssp bd0 bd1 bd2 map0 map1
	lssp=ioscli_lssp_-field_pool_size_free_alloc_bds_type_-fmt__.out
	bd0=$(cat "$v/ioscli_lssp_-bd_-sp_rootvg_sp_-field_bdname_size_vtd_svsa_-fmt__.out")
	bd1="$bd0"$'\n'"lpar1-datavg-m1:32064:None:None"$'\n'
	bd2="$bd0"$'\n'"lpar1-datavg-m1:32064:vtscsi4:vhost0"$'\n'
	map0=$(cat "$v/ioscli_lsmap_-all_-fmt__.out")
	map1="$map0:vtscsi4:Available:0x8500000000000000:lpar1-datavg-m1::N/A"$'\n'
	local pools0 pools1
	pools0=$(cat "$v/$lssp")$'\n'
	pools1=${pools0/rootvg_sp:409600:204800:32:1:/rootvg_sp:409600:172736:32:2:}
	local bdf=ioscli_lssp_-bd_-sp_rootvg_sp_-field_bdname_size_vtd_svsa_-fmt__.out
	local mapf=ioscli_lsmap_-all_-fmt__.out
	rec "$v" "ioscli mkbdsp -sp rootvg_sp 32064M -bd lpar1-datavg-m1" "lpar1-datavg-m1" \
		"$lssp" "$pools1" "$bdf" "$bd1"
	rec "$v" "ioscli mkvdev -vdev lpar1-datavg-m1 -vadapter vhost0" "vtscsi4 Available" \
		"$mapf" "$map1" "$bdf" "$bd2"
	rec "$v" "ioscli rmvdev -vtd vtscsi4" "vtscsi4 deleted" "$mapf" "$map0"$'\n' "$bdf" "$bd1"
	rec "$v" "ioscli rmbdsp -sp rootvg_sp -bd lpar1-datavg-m1" "" \
		"$lssp" "$pools0" "$bdf" "$bd0"$'\n'

	local lspv0 lspv1 lspv2 lspv3 vgp0 vgp1 vgp2 vgl0 vgl1 lv0 lv1 lv2 lvm0 lvm1 vg0 vg1
	lspv0=$(cat "$L/lspv.out")$'\n'
	lspv1="${lspv0}hdisk7          none                                None"$'\n'
	lspv2="${lspv0}hdisk7          00f6db0a55550008                    None"$'\n'
	lspv3="${lspv0}hdisk7          00f6db0a55550008                    datavg          active"$'\n'
	vgp0=$(cat "$L/lsvg_-p_datavg.out")$'\n'
	vgp1="${vgp0}hdisk7            active            500         500         100..100..100..100..100"$'\n'
	vgp2="${vgp0}hdisk7            active            500         0           00..00..00..00..00"$'\n'
	vgl0=$(cat "$L/lsvg_-l_datavg.out")$'\n'
	vgl1=${vgl0/500     500     1 /500     1000    2 }
	lv0=$(cat "$L/lslv_datalv.out")$'\n'
	lv1=${lv0/COPIES:             1 /COPIES:             2 }
	lv1=${lv1/PPs:            500/PPs:            1000}
	lv2=${lv1/STALE PPs:          0 /STALE PPs:          500 }
	lvm0=$(cat "$L/lslv_-m_datalv.out")$'\n'
	lvm1=$(awk 'NR <= 2 { print; next } { printf "%s  %s %s  %s hdisk7\n", $1, $2, $3, $2 }' \
		"$L/lslv_-m_datalv.out")$'\n'
	vg0=$(cat "$L/lsvg_datavg.out")$'\n'
	vg1=${vg0/QUORUM:         2 (Enabled)/QUORUM:         1 (Disabled)}
	rec "$L" "cfgmgr" "" "lspv.out" "$lspv1" "lscfg_-l_hdisk7.out" \
		"  hdisk7           U8408.E8E.78CB04W-V3-C12-T1-L8500000000000000  Virtual SCSI Disk Drive"$'\n'
	rec "$L" "chdev -l hdisk7 -a pv=yes" "hdisk7 changed" "lspv.out" "$lspv2"
	rec "$L" "extendvg datavg hdisk7" "" "lspv.out" "$lspv3" "lsvg_-p_datavg.out" "$vgp1"
	rec "$L" "chvg -Qn datavg" "" "lsvg_datavg.out" "$vg1"
	# the new copy goes exactly where the plan puts it: the free PPs of hdisk7 (lspv -M), a
	# private map folder, the map file written there, mklvcopy -m, then lslv -m confirms
	rec "$L" "lspv -M hdisk7" "hdisk7:1-500"$'\n'
	rec "$L" "sh -c 'umask 077 && d=\${TMPDIR:-/tmp}/vdmirror.\$\$ && mkdir \"\$d\" && echo \"\$d\"'" \
		"/tmp/vdmirror.4242"$'\n'
	rec "$L" "sh -c 'sed -e \"s|^@1@:|\$1:|\" > \"\$0\" <<VDM_MAP"$'\n'"@1@:1-500"$'\n'"VDM_MAP' /tmp/vdmirror.4242/datalv.map hdisk7" ""
	rec "$L" "mklvcopy -m /tmp/vdmirror.4242/datalv.map datalv 2" "" "lslv_datalv.out" "$lv2" \
		"lslv_-m_datalv.out" "$lvm1" "lsvg_-l_datavg.out" "$vgl1" "lsvg_-p_datavg.out" "$vgp2"
	rec "$L" "sh -c 'nohup syncvg -P 4 -l datalv >/dev/null 2>&1 &'" "" "lslv_datalv.out" "$lv1"
	rec "$L" "rmlvcopy datalv 1 hdisk7" "" "lslv_datalv.out" "$lv0" \
		"lslv_-m_datalv.out" "$lvm0" "lsvg_-l_datavg.out" "$vgl0" "lsvg_-p_datavg.out" "$vgp1"
	rec "$L" "reducevg datavg hdisk7" "" "lspv.out" "$lspv2" "lsvg_-p_datavg.out" "$vgp0"
}

# vdmirror COMMAND on simulated system $1 with journal folder $1.state; output in $1.out
run() {
	local d=$1; shift
	VDMIRROR_STATE=$d.state "$vdm" "$@" --backend vios --config "$d" --yes >"$d.out" 2>&1
}
rc_of() { set +e; "$@"; echo $?; set -e; }
copies() { grep -c 'hdisk7' "$1/lslv_-m_datalv.out" || true; }
in_vg() { grep -q 'hdisk7 .*datavg' "$1/lspv.out"; }
say() { echo "--- $1"; cat "$2.out"; }

# 1. died after ADD_PV; resumed, it dies after the first ADD_COPY; resumed again it finishes;
#    then undo takes everything back
a=$tmp/a; sim "$a"
check "the run dies after add_pv" test "$(VDMIRROR_FAULT=add_pv:done rc_of run "$a" mirror lpar1 datavg)" = 99
check "hdisk7 joined datavg before the crash" in_vg "$a/lpar1"
r=$(VDMIRROR_FAULT=add_copy:done rc_of run "$a" mirror lpar1 datavg); say "resume 1 (exit $r)" "$a"
check "resumed in a new process, add_copy finds the new disk's hdisk (then dies as asked)" test "$r" = 99
check "the copy is on hdisk7" test "$(copies "$a/lpar1")" -gt 0
r=$(rc_of run "$a" mirror lpar1 datavg); say "resume 2 (exit $r)" "$a"
check "resumed again, the run finishes and verifies" test "$r" = 0
check "... and says so" grep -q 'protected at level server' "$a.out"
r=$(rc_of run "$a" undo lpar1 datavg); say "undo (exit $r)" "$a"
check "undo in a new process succeeds" test "$r" = 0
check "undo removed the copy (rmlvcopy on hdisk7)" test "$(copies "$a/lpar1")" = 0
check "undo removed hdisk7 from datavg (reducevg)" bash -c "! grep -q 'hdisk7 .*datavg' '$a/lpar1/lspv.out'"
check "undo unmapped and deleted the disk" bash -c "! grep -q lpar1-datavg-m1 '$a/vios2/ioscli_lsmap_-all_-fmt__.out' && ! grep -q lpar1-datavg-m1 '$a/vios2/ioscli_lssp_-bd_-sp_rootvg_sp_-field_bdname_size_vtd_svsa_-fmt__.out'"

# 2. died after ADD_PV; undone in a new process
b=$tmp/b; sim "$b"
check "run 2 dies after add_pv" test "$(VDMIRROR_FAULT=add_pv:done rc_of run "$b" mirror lpar1 datavg)" = 99
r=$(rc_of run "$b" undo lpar1 datavg); say "undo after add_pv (exit $r)" "$b"
check "undo after a crash after add_pv succeeds in a new process" test "$r" = 0
check "... hdisk7 left datavg" bash -c "! grep -q 'hdisk7 .*datavg' '$b/lpar1/lspv.out'"
check "... the disk is gone" bash -c "! grep -q lpar1-datavg-m1 '$b/vios2/ioscli_lssp_-bd_-sp_rootvg_sp_-field_bdname_size_vtd_svsa_-fmt__.out'"

# 3. died after the first ADD_COPY; undone in a new process
c=$tmp/c; sim "$c"
check "run 3 dies after add_copy" test "$(VDMIRROR_FAULT=add_copy:done rc_of run "$c" mirror lpar1 datavg)" = 99
r=$(rc_of run "$c" undo lpar1 datavg); say "undo after add_copy (exit $r)" "$c"
check "undo after a crash after add_copy succeeds in a new process" test "$r" = 0
check "... the copy is gone" test "$(copies "$c/lpar1")" = 0
check "... the disk is gone" bash -c "! grep -q lpar1-datavg-m1 '$c/vios2/ioscli_lssp_-bd_-sp_rootvg_sp_-field_bdname_size_vtd_svsa_-fmt__.out'"

# 4. the journal keeps what wait_disk learned with the step, and an older journal (without the
#    facts column) is upgraded when opened
if command -v sqlite3 >/dev/null; then
	check "the wait_disk step's facts name the hdisk" test "$(sqlite3 "$b.state/lpar1+datavg.journal" \
		"SELECT facts FROM steps WHERE kind = 'wait_disk'")" = '{"hdisk":"hdisk7"}'
	o=$tmp/old.state; mkdir "$o"
	sqlite3 "$o/lpar1+datavg.journal" "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT,
		partition TEXT NOT NULL, vg TEXT NOT NULL, plan TEXT NOT NULL, status TEXT NOT NULL,
		created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
		CREATE TABLE steps (run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,
		kind TEXT NOT NULL, args TEXT NOT NULL, state TEXT NOT NULL, error TEXT,
		started_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (run_id, seq));"
	set +e; VDMIRROR_STATE=$o "$vdm" undo lpar1 datavg --backend vios --config "$tmp/b" --yes \
		>"$o.out" 2>&1; set -e
	check "an older journal gets the facts column" bash -c \
		"sqlite3 '$o/lpar1+datavg.journal' 'PRAGMA table_info(steps)' | grep -q '|facts|'"
else
	echo "ok - # SKIP sqlite3 not installed: journal checks"
fi
[ "$fails" -eq 0 ]
