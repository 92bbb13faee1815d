# lib.sh: shared by the apply lab tests: the lab test helpers (tests/lab/functions.sh: own
# state folder, everything ended by pid on exit), the agent helpers (lab/demo-lib.sh), and
# snapshots of what the storage side holds, to prove that undo and refusals leave nothing.
. "$(dirname "${BASH_SOURCE[0]}")/../lab/functions.sh"
. "$VDM_SOURCE_ROOT/lab/demo-lib.sh"

apply_requires() {
	lab_requires
	requires command -v socat
	[ -x "$VDM_BUILD_ROOT/agent/vdmirror-agent" ] || fail "no agent built"
	# the mirror needs the Linux client drivers (another branch): without them these tests
	# would only prove that they are missing
	local d syms
	syms=$(nm "$VDM" 2>/dev/null) || true     # (grep -q in a pipe: SIGPIPE under pipefail)
	for d in ${APPLY_DRIVERS:-linux_lvm}; do
		grep -q " vdm_client_$d\$" <<<"$syms" ||
			{ echo "SKIP: client driver vdm_client_$d is not compiled into $VDM"; exit 77; }
	done
}

# exports_of SERVER: the NBD export ids the storage server has (QMP query-block-exports)
exports_of() {
	printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"query-block-exports"}' |
		socat -t 3 - "UNIX-CONNECT:$STATE/$1.qmp" | tail -n 1 | jq -r '.return[].id' | sort | tr '\n' ' '
}

# snapshot: pools' free space, every partition's mapped disks, every server's exports, the
# image files in every pool folder. Two equal snapshots: nothing created, mapped or left.
snapshot() {
	local s
	inventory --storage-only | jq -c '{pools: [.pools[] | {name, free_mib}],
		mapped: [.partitions[] | {name, disks: [.disks[].name] | sort}]}'
	for s in $(jq -r '.servers[].name' "$STATE/config.json"); do echo "exports $s: $(exports_of "$s")"; done
	(cd "$STATE/pools" && find -L . -name '*.img' | sort | tr '\n' ' '); echo
}

# vg_state PART VG: the VG as the partition reports it (PVs with free extents, LVs, copies)
vg_state() {
	inventory --partition "$1" | jq -S -c --arg v "$2" '.partitions[0].vgs[] | select(.name == $v)'
}

# lv_copies PART VG: "lv copies" per LV
lv_copies() {
	inventory --partition "$1" | jq -r --arg v "$2" '.partitions[0].vgs[] | select(.name == $v) | .lvs[] | "\(.name) \(.copies | length)"'
}

# expect_rc WANT CMD...: runs CMD (output in $STATE/out), fails unless it exits WANT
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" >"$STATE/out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || { cat "$STATE/out" >&2; fail "$* exited $rc, want $want"; }
}

# The repair-undo fault loop (lab-repair-faults undo, lab-repair-md-undo): a repair of $P/$VG
# killed at a step, then undone. images: disk names in the pool folders (every server's, dead
# ones included); mapped: disks mapped to a partition; orphans [NAME...]: images neither mapped
# nor named.
images() { (cd "$STATE/pools" && find -L . -mindepth 2 -name '*.img' -printf '%f\n' | sed 's/\.img$//' | sort -u); }
mapped() { inventory --storage-only | jq -r '.partitions[].disks[].name' | sort -u; }
orphans() { comm -23 <(images) <({ mapped; printf '%s\n' "$@"; } | sort -u); }

# die_at FAULT: the repair dies at step FAULT (exit 99 from VDMIRROR_FAULT)
die_at() {
	local rc=0
	VDMIRROR_FAULT=$1 "$VDM" repair $P $VG --wait-for-return 0 --yes --lab --state "$STATE" \
		>"$STATE/out" 2>&1 || rc=$?
	[ $rc = 99 ] || { cat "$STATE/out"; fail "VDMIRROR_FAULT=$1: exit $rc, want 99"; }
}

# undo_puts_back FAULT OLD BEFORE VGSTATE VG_BEFORE: a repair killed at FAULT, before it touched
# the VG, is undone: the storage snapshot is BEFORE again, the command VGSTATE (the VG as the
# guest reads it) prints VG_BEFORE again, no orphan disk but OLD (the dead server's)
undo_puts_back() {
	local fault=$1 old=$2 before=$3 vgstate=$4 vg_before=$5
	die_at "$fault"
	"$VDM" undo $P $VG --yes --lab --state "$STATE" >"$STATE/out" 2>&1 || { cat "$STATE/out"; fail "undo after $fault"; }
	grep -q "undone: its disks unmapped and deleted" "$STATE/out" || { cat "$STATE/out"; fail "undo after $fault did not undo"; }
	[ "$(snapshot)" = "$before" ] || { echo "before: $before"; echo "after: $(snapshot)"; fail "undo after $fault left something behind"; }
	[ "$($vgstate)" = "$vg_before" ] || fail "undo after $fault changed $VG"
	[ -z "$(orphans "$old")" ] || fail "undo after $fault: orphan disks $(orphans "$old")"
}

# undo_finishes FAULT DEAD OLD WHOLE CHECK_DATA: a repair killed at FAULT, after it began to
# replace the lost copy, is finished by undo (and says why): the command WHOLE says the VG is
# whole, no orphan disk but OLD, `CHECK_DATA "undo after FAULT"` finds the data; then server
# DEAD is restored and the next repair deletes OLD: no orphan disk at all, the VG still whole.
undo_finishes() {
	local fault=$1 dead=$2 old=$3 whole=$4 check_data=$5
	die_at "$fault"
	"$VDM" undo $P $VG --yes --lab --state "$STATE" >"$STATE/out" 2>&1 || { cat "$STATE/out"; fail "undo after $fault"; }
	grep -q "finished and verified instead" "$STATE/out" || { cat "$STATE/out"; fail "undo after $fault did not say it finished the run"; }
	grep -q "so undo finishes the run instead" "$STATE/out" || { cat "$STATE/out"; fail "undo after $fault did not say why"; }
	$whole || fail "undo after $fault: VG $VG not whole"
	[ -z "$(orphans "$old")" ] || fail "undo after $fault: orphan disks $(orphans "$old")"
	$check_data "undo after $fault"
	"$VDM" lab restore "$dead" --state "$STATE" || fail "lab restore $dead"
	"$VDM" repair $P $VG --yes --lab --state "$STATE" >"$STATE/out" 2>&1 || { cat "$STATE/out"; fail "repair after the restore of $dead"; }
	grep -q "disk $old on $dead (back again, empty) will be deleted" "$STATE/out" || { cat "$STATE/out"; fail "repair did not delete $old"; }
	[ -z "$(orphans)" ] || fail "after $fault and the restore of $dead: orphan disks $(orphans)"
	$whole || fail "after $fault and the restore of $dead: VG $VG not whole"
}
