# sshd-lib.sh: sourced by the tests that talk to a REAL OpenSSH server on loopback (ssh-e2e.sh,
# unreach.sh). sshd_start T FX starts one in the test's folder T whose ForceCommand,
# recorder.sh FX T, plays vios1, vios2, the HMC and lpar1 (127.0.0.1 to .4) from the recorded
# system FX; sshd_stop ends it by its pid (call it from the test's EXIT trap).
sshd_pid=

# sshd_start T FX: keys T/hostkey and T/id (T/id.pub authorized), sshd on a random free port
# of 127.0.0.1-4 (tried five times: the port may be taken), T/known_hosts naming the host key
# for each of those addresses. Sets port, user and sshd_pid; returns 1 when sshd did not start.
sshd_start() {
	local t=$1 fx=$2 src
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	sshd=$(command -v sshd || echo /usr/sbin/sshd)
	user=$(id -un)
	ssh-keygen -q -t ed25519 -N '' -f "$t/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$t/id"
	cp "$t/id.pub" "$t/authorized_keys"
	# privilege separation needs this folder when sshd starts as root
	[ "$(id -u)" = 0 ] && [ ! -d /run/sshd ] && mkdir -p /run/sshd && chmod 755 /run/sshd
	local try
	for try in 1 2 3 4 5; do
		if sshd_try "$t" "$fx" "$src"; then
			local a
			for a in 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4; do
				echo "[$a]:$port $(cut -d' ' -f1,2 "$t/hostkey.pub")" >>"$t/known_hosts"
			done
			return 0
		fi
		sshd_stop
	done
	echo "could not start sshd"
	cat "$t/sshd.log" 2>/dev/null
	return 1
}

sshd_try() {   # sshd_try T FX SRC: one start on a random port; 0 once it accepts connections
	port=$((20000 + RANDOM % 40000))
	cat >"$1/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
ListenAddress 127.0.0.2
ListenAddress 127.0.0.3
ListenAddress 127.0.0.4
HostKey $1/hostkey
AuthorizedKeysFile $1/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
ForceCommand $3/tests/vios/recorder.sh $2 $1
LogLevel ERROR
CONF
	: >"$1/sshd.log"   # this try's errors only (-E appends)
	"$sshd" -D -f "$1/sshd_config" -o PidFile="$1/sshd.pid" -E "$1/sshd.log" &
	sshd_pid=$!
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			# sshd goes on when only some of its addresses bind: then the answer may be
			# another server's, on the port it kept: a new port
			grep -q "Bind to port" "$1/sshd.log" 2>/dev/null || return 0
			sshd_stop
			return 1
		fi
		kill -0 "$sshd_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# sshd_stop: ends the sshd this test started (TERM, then KILL after 5 s), by its pid only.
sshd_stop() {
	if [ -n "$sshd_pid" ]; then
		kill "$sshd_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$sshd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$sshd_pid" 2>/dev/null || true
		wait "$sshd_pid" 2>/dev/null || true
	fi
	sshd_pid=
}
