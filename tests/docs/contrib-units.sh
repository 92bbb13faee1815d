#!/usr/bin/env bash
# contrib-units.sh: contrib/vdmirror-watch.service is a unit systemd accepts, and the options
# its example environment file passes are options `vdmirror watch --help` lists (once the
# command exists). Exit 77 (skip) without systemd-analyze.
set -euo pipefail
vdm="$VDM_BUILD_ROOT/src/cli/vdmirror"
unit="$VDM_SOURCE_ROOT/contrib/vdmirror-watch.service"
envf="$VDM_SOURCE_ROOT/contrib/vdmirror-watch.env"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

grep -q '^Type=simple$' "$unit" || fail "not Type=simple"
grep -q '^Restart=on-failure$' "$unit" || fail "no Restart=on-failure"
grep -q '^EnvironmentFile=/etc/vdmirror/watch.env$' "$unit" || fail "no EnvironmentFile"
# unbraced: several partitions must become several arguments
grep -q '^ExecStart=/[^ ]*/vdmirror watch \$VDMIRROR_WATCH_OPTS \$VDMIRROR_PARTITIONS$' "$unit" ||
	fail "ExecStart is not 'vdmirror watch \$VDMIRROR_WATCH_OPTS \$VDMIRROR_PARTITIONS'"
grep -q '^VDMIRROR_PARTITIONS=' "$envf" || fail "the example environment file sets no VDMIRROR_PARTITIONS"

if command -v systemd-analyze >/dev/null 2>&1; then
	# verify needs the binary to exist: point ExecStart at the one just built
	sed "s#^ExecStart=/[^ ]*/vdmirror #ExecStart=$vdm #" "$unit" >"$tmp/vdmirror-watch.service"
	systemd-analyze verify "$tmp/vdmirror-watch.service" >"$tmp/out" 2>&1 || fail "systemd-analyze verify: $(cat "$tmp/out")"
	[ -s "$tmp/out" ] && fail "systemd-analyze verify warns: $(cat "$tmp/out")"
	echo "ok: systemd-analyze verify accepts the unit"
else
	echo "note: no systemd-analyze here; unit syntax not verified"
fi

if "$vdm" watch --help >"$tmp/help" 2>&1; then
	opts=$(sed -n 's/^VDMIRROR_WATCH_OPTS="\(.*\)"$/\1/p' "$envf")
	for o in $opts; do
		case $o in --*) grep -q -- "${o%%=*}" "$tmp/help" || fail "the example passes $o, which vdmirror watch --help does not list";; esac
	done
	for o in --interval --wait-for-return; do grep -q -- "$o" "$tmp/help" || fail "vdmirror watch --help lists no $o"; done
	echo "ok: the example's options are vdmirror watch options"
else
	echo "note: this vdmirror has no watch command yet: options not cross-checked"
fi
