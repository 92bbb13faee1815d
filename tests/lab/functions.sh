# functions.sh: shared by the lab tests. Each test gets its own state folder from mktemp, so
# it runs beside other labs on the machine; everything it starts is ended BY PID at exit,
# also when the test fails. Exit 77 = skipped.
set -euo pipefail
: "${VDM_SOURCE_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${VDM_BUILD_ROOT:=$VDM_SOURCE_ROOT/build}"
export VDM_SOURCE_ROOT
VDM=$VDM_BUILD_ROOT/src/cli/vdmirror
TOOL=$VDM_BUILD_ROOT/tests/lab/backend-tool
STATE=
PIDS=()

requires() { "$@" >/dev/null 2>&1 || { echo "SKIP: requires $*"; exit 77; }; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

kill_pid() {   # PID: SIGTERM, then SIGKILL after 5 s
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? pid f
	set +e
	for pid in "${PIDS[@]}"; do kill_pid "$pid"; done
	if [ -n "$STATE" ] && [ -d "$STATE" ]; then
		[ $rc = 0 ] || { echo "--- console of the failed test's partitions:"; tail -n 15 "$STATE"/*.console 2>/dev/null; }
		"$VDM" lab down --state "$STATE" --purge >/dev/null 2>&1
		# if labctl itself could not stop something: by pid, from the state folder
		for f in "$STATE"/*.pid; do [ -f "$f" ] && kill_pid "$(cat "$f")"; done
		[ -d "$STATE" ] && "$VDM" lab down --state "$STATE" --purge >/dev/null 2>&1
	fi
	exit $rc
}
trap cleanup EXIT INT TERM

lab_requires() {
	requires command -v qemu-storage-daemon
	requires command -v qemu-system-x86_64
	requires command -v jq
	[ -x "$VDM" ] || fail "no $VDM: build first"
}

# lab_up [CONFIG]: a fresh lab in its own state folder; sets STATE
lab_up() {
	local config=${1:-$VDM_SOURCE_ROOT/lab/default.json}
	STATE=$(mktemp -d /tmp/vdm-lab.XXXXXX)
	# vdmirror's own state (journals, missing.json) lives and dies with this lab
	export VDMIRROR_STATE=$STATE/journal
	"$VDM" lab up --config "$config" --state "$STATE" || fail "lab up $config"
}

# wait_console PART REGEX TIMEOUT_S: until the partition's console log has a line matching
wait_console() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		tr -d "\r" <"$STATE/$1.console" | grep -Eq "$2" && return 0
		sleep 0.1
	done
	fail "partition $1: no console line matching '$2' within $3 s"
}

pool_free() { "$VDM" inventory --lab --state "$STATE" --storage-only | jq -r ".pools[] | select(.name == \"$1\") | .free_mib"; }

# has_agent PART: the partition runs vdmirror-agent (it was in the initramfs)
has_agent() { tr -d '\r' <"$STATE/$1.console" | grep -q '^vdm-agent: started'; }

# agent_request PART JSON: one request to the partition's agent, its reply line on stdout
agent_request() {
	local line=
	coproc AGENT { exec socat - "UNIX-CONNECT:$STATE/$1.agent"; }
	local apid=$AGENT_PID
	echo "$2" >&"${AGENT[1]}"
	read -r -t 20 line <&"${AGENT[0]}" || true
	kill_pid "$apid"
	wait "$apid" 2>/dev/null || true
	[ -n "$line" ] || fail "agent of $1: no reply to $2"
	echo "$line"
}
