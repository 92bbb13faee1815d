# lib.sh: shared by the libvirt lab tests: the lab test helpers (tests/lab/functions.sh: own
# state folder, everything ended by pid or `lab down` on exit), the agent helpers
# (lab/demo-lib.sh: STATE/PART.agent is linked to libvirt's channel socket by the lab), and
# snapshots of what libvirt holds, to prove that undo leaves nothing behind.
. "$(dirname "${BASH_SOURCE[0]}")/../lab/functions.sh"
. "$VDM_SOURCE_ROOT/lab/demo-lib.sh"
URI=qemu:///system
B=(--backend libvirt --config "uri=$URI")
virsh_() { virsh -q -c "$URI" "$@"; }

libvirt_requires() {
	lab_requires
	requires command -v libvirtd
	requires command -v virtlogd
	requires command -v virsh
	requires command -v socat
	if "$VDM" inventory --backend libvirt --config "uri=$URI" 2>&1 | grep -q "not built into"; then
		echo "SKIP: this vdmirror was built without libvirt-dev"; exit 77
	fi
	[ -x "$VDM_BUILD_ROOT/agent/vdmirror-agent" ] || fail "no agent built"
	export VDMIRROR_STATE=   # set by libvirt_lab_up, inside the test's own state folder
}

# libvirt_lab_up CONFIG: lab up in a fresh state folder; the journal and the records of
# created volumes live in it too
libvirt_lab_up() {
	lab_up "$1"
	export VDMIRROR_STATE=$STATE/journal
	HOST=$(virsh_ hostname)
}

# libvirt_empty_lab_up: a libvirt lab without pools or partitions, only the daemons (for tests
# that define their own domains)
libvirt_empty_lab_up() {
	local cfg
	cfg=$(mktemp /tmp/vdm-lv-empty.XXXXXX.json)
	echo '{"name": "libvirt-empty", "backend": "libvirt", "pools": [], "partitions": []}' >"$cfg"
	libvirt_lab_up "$cfg"
	rm -f "$cfg"
}

linv() { "$VDM" inventory "${B[@]}" "$@"; }

# lv_snapshot PART: volumes of the lab's pools, the domain's disks live and persistent
lv_snapshot() {
	local p
	for p in $(jq -r '.pools[].name' "$STATE/config.json"); do
		virsh_ pool-refresh "$p" >/dev/null
		echo "pool $p: $(virsh_ vol-list "$p" | awk '{print $1}' | sort | tr '\n' ' ')"
	done
	echo "live: $(virsh_ domblklist "$1" | awk '{print $2}' | xargs -n1 basename | sort | tr '\n' ' ')"
	echo "persistent: $(virsh_ domblklist --inactive "$1" | awk '{print $2}' | xargs -n1 basename | sort | tr '\n' ' ')"
	linv --storage-only | jq -c '[.pools[] | {name, free_mib}]'
}

# lv_vg PART VG: the VG as the partition reports it
lv_vg() { linv --partition "$1" | jq -S -c --arg v "$2" '.partitions[0].vgs[] | select(.name == $v)'; }

# two_legs_intact PART VG LV SEED MIB WHEN: every LV of VG has two copies, none stale, and LV
# reads back the MIB MiB that fill_lv wrote with SEED (caches dropped); WHEN prefixes a failure
two_legs_intact() {
	local vg
	vg=$(lv_vg "$1" "$2")
	jq -e '[.lvs[] | (.copies | length) == 2 and ((.stale // []) | length) == 0] | all' <<<"$vg" >/dev/null ||
		fail "$6: $2 is not two copies in sync: $vg"
	drop_caches "$1"
	[ "$(verify_lv "$1" "$2" "$3" "$4" 0 "$5")" = 0 ] || fail "$6: $2/$3 data changed"
}

expect_rc() {
	local want=$1 rc=0
	shift
	"$@" >"$STATE/out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || { cat "$STATE/out" >&2; fail "$* exited $rc, want $want"; }
}
