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
