# demo-lib.sh: bash helpers shared by lab/demo, tests/apply/*.sh and bench/protect: talking to
# a partition's vdmirror-agent (JSON lines on its virtio-serial socket), the known data
# pattern (agent fill/verify by seed), and reading the inventory. Sourced, never run.
# Needs: VDM (the vdmirror binary), STATE (the lab's state folder), jq, socat.

# agent_req PARTITION JSON [TIMEOUT_S]: sends one request, prints the reply line; fails when
# the agent does not answer in time or answers "ok": false. The socket takes one client at a
# time: each request is its own short connection, ended by the pid of its socat.
agent_req() {
	local sock=$STATE/$1.agent req=$2 t=${3:-300} reply= pid
	coproc AGENT_CO { exec socat - "UNIX-CONNECT:$sock"; }
	pid=$AGENT_CO_PID
	printf '%s\n' "$req" >&"${AGENT_CO[1]}"
	IFS= read -r -t "$t" reply <&"${AGENT_CO[0]}" || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [ -z "$reply" ]; then
		echo "agent of $1: no reply to $req within $t s" >&2
		return 1
	fi
	printf '%s\n' "$reply"
	[ "$(jq -r '.ok' <<<"$reply")" = true ] || { echo "agent of $1: $req: $(jq -r '.error' <<<"$reply")" >&2; return 1; }
}

# the device of an LV as the partition sees it: LVM /dev/VG/LV; md arrays /dev/MD
lv_dev() {  # VG LV
	if [[ $1 == md* ]]; then echo "/dev/$1"; else echo "/dev/$1/$2"; fi
}

# inventory [ARGS]: the live formats-v1 inventory of the lab
inventory() { "$VDM" inventory --lab --state "$STATE" "$@"; }

# lv_table INV_JSON PART VG: "name mib" per LV
lv_table() {
	jq -r --arg p "$2" --arg v "$3" '.partitions[] | select(.name == $p) | .vgs[] | select(.name == $v)
		| .extent_mib as $e | .lvs[] | "\(.name) \(.extents * $e)"' <<<"$1"
}

# servers_of_vg INV_JSON PART VG: the servers the VG's current PVs are reached through
servers_of_vg() {
	jq -r --arg p "$2" --arg v "$3" '.partitions[] | select(.name == $p) as $part
		| $part.vgs[] | select(.name == $v) | [.pvs[].disk] as $d
		| [$part.disks[] | select(.name as $n | $d | index($n)) | .paths[]] | unique | .[]' <<<"$1"
}

# server_pid NAME: the pid of a storage server of this lab (checked to be ours: its command
# line names our state folder)
server_pid() {
	local pid
	pid=$(cat "$STATE/$1.pid" 2>/dev/null) || return 1
	[ -d "/proc/$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$STATE/" || return 1
	echo "$pid"
}

# fill_lv PART VG LV SEED OFFSET_MIB MIB / verify_lv ...: prints bad byte count (0 = all good)
fill_lv() {
	agent_req "$1" "{\"id\":1,\"op\":\"fill\",\"path\":\"$(lv_dev "$2" "$3")\",\"seed\":$4,\"offset_mib\":$5,\"mib\":$6}" >/dev/null
}
verify_lv() {
	local r
	r=$(agent_req "$1" "{\"id\":2,\"op\":\"verify\",\"path\":\"$(lv_dev "$2" "$3")\",\"seed\":$4,\"offset_mib\":$5,\"mib\":$6}") || { echo -1; return 1; }
	jq -r '.bad_bytes' <<<"$r"
}
drop_caches() { agent_req "$1" '{"id":3,"op":"drop_caches"}' >/dev/null; }

# guest_run PART ARG...: runs an allowed command in the partition, prints its stdout
guest_run() {
	local p=$1 argv
	shift
	argv=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	local r
	r=$(agent_req "$p" "{\"id\":4,\"op\":\"run\",\"argv\":$argv}") || return 1
	jq -r '.stdout' <<<"$r"
	[ "$(jq -r '.status' <<<"$r")" = 0 ] || { echo "$p: $*: $(jq -r '.stderr' <<<"$r")" >&2; return 1; }
}
