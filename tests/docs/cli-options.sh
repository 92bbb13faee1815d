#!/usr/bin/env bash
# cli-options.sh: the command line of every vdmirror command, from the outside. Each request
# option is refused once per command that takes it, with the one message of the shared parser
# (src/cli/cli_request.c), so that a command that parses an option on its own again fails
# here; each command has --help with exit codes as in error.h (0 ok, 1 bad input, 2 no valid
# plan, 3 unprotected, 4 a backend failed), --json where a script reads it. No server runs:
# every case here is refused (or accepted) before a backend is reached.
set -uo pipefail
vdm="$VDM_BUILD_ROOT/src/cli/vdmirror"
seed="$VDM_SOURCE_ROOT/examples/seed.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export VDMIRROR_STATE="$tmp/state"   # undo reads the journal folder: an empty one
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# refused CMDLINE -- MESSAGE: exit 1, stderr is exactly one line, "vdmirror CMD: MESSAGE; see
# vdmirror CMD --help", nothing on stdout
refused() {
	local args=() cmd=$1
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	local want="vdmirror $cmd: $1; see vdmirror $cmd --help"
	"$vdm" "${args[@]}" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ "$rc" = 1 ] || fail "${args[*]}: exit $rc, want 1"
	[ "$(cat "$tmp/err")" = "$want" ] ||
		fail "${args[*]}: stderr '$(cat "$tmp/err")', want '$want'"
	[ -s "$tmp/out" ] && fail "${args[*]}: printed on stdout: $(cat "$tmp/out")"
}
# parsed CMDLINE: the options are accepted; what stops the command comes after them
parsed() {
	"$vdm" "$@" >"$tmp/out" 2>"$tmp/err"
	grep -qE -- "--[a-z-]+ .*: (must|not)|unknown option|needs a value|not an option" "$tmp/err" &&
		fail "$*: an option was refused: $(cat "$tmp/err")"
}

# each command with what it needs besides the options under test
declare -A base=(
	[plan]="plan --inventory $seed --partition lpar1 --vg rootvg"
	[check]="check --inventory $seed"
	[mirror]="mirror lpar1 rootvg"
	[repair]="repair lpar1 rootvg"
	[watch]="watch lpar1"
)
levels="plan check mirror repair watch"
copies="plan mirror repair watch"
lvs="plan mirror repair"
waits="plan repair watch"

for c in $levels; do
	refused ${base[$c]} --level bogus -- "--level bogus: not one of device, pool, server, frame, site"
	refused ${base[$c]} --level -- "--level needs a value"
done
for c in $copies; do
	refused ${base[$c]} --copies 0 -- "--copies 0: must be 2 or 3"
	refused ${base[$c]} --copies 4 -- "--copies 4: must be 2 or 3"
	refused ${base[$c]} --copies 2x -- "--copies 2x: must be 2 or 3"   # atoi took it
	refused ${base[$c]} --copies "" -- "--copies : must be 2 or 3"
done
for c in $lvs; do
	refused ${base[$c]} --lv ../etc -- "--lv '../etc': not a valid name"
	refused ${base[$c]} --lv "a b" -- "--lv 'a b': not a valid name"
done
for c in $waits; do
	refused ${base[$c]} --wait-for-return x -- "--wait-for-return x: not a duration (600, 30s, 10m, 2h, 1d)"
	refused ${base[$c]} --wait-for-return -5 -- "--wait-for-return -5: not a duration (600, 30s, 10m, 2h, 1d)"
	refused ${base[$c]} --wait-for-return 10y -- "--wait-for-return 10y: not a duration (600, 30s, 10m, 2h, 1d)"
done
# the sync limit of every command that starts a sync (repair's resyncs too)
for c in mirror repair; do
	refused ${base[$c]} --sync-rate fast -- "--sync-rate fast: want unlimited, keep, or MiB/s (100, 100M, 512K)"
	parsed ${base[$c]} --sync-rate 100
done
# commands without an option refuse it as unknown, not silently
refused check --inventory "$seed" --copies 3 -- "unknown option --copies"
refused watch lpar1 --lv lv0 -- "unknown option --lv"
refused mirror lpar1 rootvg --wait-for-return 1m -- "unknown option --wait-for-return"
refused watch lpar1 --json -- "--json: not an option of watch"
refused watch lpar1 --local -- "--local: not an option of watch"
refused inventory --partition "a;b" --lab -- "--partition 'a;b': not a valid name"
refused plan --inventory "$seed" --partition lpar1 --vg "x y" -- "--vg 'x y': not a valid name"
refused plan -y --inventory "$seed" -- "unknown option -y"
refused lab -- "which lab command: up, down, status, build, fail SERVER or restore SERVER"
for c in mirror repair undo; do
	refused $c lpar1 -- "PARTITION and VG are required"
	refused $c lpar1 rootvg extra -- "unexpected argument extra"
	refused $c "a b" rootvg -- "partition 'a b': not a valid name"
	refused $c lpar1 ../vg -- "VG '../vg': not a valid name"
done

# good values pass the parser the same way in every command (what stops them comes after:
# no storage servers named, no such LV)
for c in $levels; do parsed ${base[$c]} --level site; done
for c in $copies; do parsed ${base[$c]} --copies 3; done
for c in $lvs; do parsed ${base[$c]} --lv hd4 --lv hd2; done
for c in $waits; do parsed ${base[$c]} --wait-for-return 2h; done
"$vdm" plan --inventory "$seed" --partition lpar1 --vg rootvg --lv nosuch >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "plan --lv nosuch: want exit 1"
grep -q "lv nosuch: not in volume group rootvg" "$tmp/err" || fail "plan --lv nosuch: $(cat "$tmp/err")"
"$vdm" plan --inventory "$seed" --partition lpar1 --vg rootvg --copies 3 --json >"$tmp/out" 2>/dev/null
jq -e '.copies == 3 or (.error | test("with 3 copies"))' "$tmp/out" >/dev/null 2>&1 || fail "plan --copies 3 did not reach the request"

# --json where a script reads the result: accepted by each of these
for c in "plan --inventory $seed --partition lpar1 --vg rootvg" "check --inventory $seed" \
	 "inventory" "mirror lpar1 rootvg" "apply $tmp/none.json" "undo lpar1 rootvg" \
	 "repair lpar1 rootvg"; do
	parsed $c --json
done
# undo with nothing to undo: one JSON result line
"$vdm" undo lpar1 rootvg --json --lab >"$tmp/out" 2>"$tmp/err" || fail "undo --json: exit $?"
jq -e '.event == "result" and .ok == true and .exit == 0' "$tmp/out" >/dev/null 2>&1 ||
	fail "undo --json with nothing to undo: $(cat "$tmp/out")"

# a failure before anything ran still ends --json with a result line and its exit code
for c in "apply $tmp/none.json --lab" "mirror lpar1 rootvg" "repair lpar1 rootvg"; do
	"$vdm" $c --json >"$tmp/out" 2>"$tmp/err"
	rc=$?
	jq -e --argjson rc "$rc" '.event == "result" and .ok == false and .exit == $rc and $rc == 1' \
		"$tmp/out" >/dev/null 2>&1 || fail "$c --json (exit $rc): no result line: $(cat "$tmp/out")"
done

# every command: --help on stdout, exit 0, and exit codes that say what error.h says
for c in plan check inventory mirror apply undo repair watch; do
	"$vdm" $c --help >"$tmp/help" 2>"$tmp/err"
	[ $? = 0 ] || fail "$c --help: exit not 0"
	[ -s "$tmp/err" ] && fail "$c --help wrote on stderr"
	grep -q "^usage: vdmirror $c" "$tmp/help" || fail "$c --help: no usage line"
	codes=$(sed -n '/^exit codes:/,/^$/p' "$tmp/help" | tr '\n' ' ')
	[ -n "$codes" ] || { fail "$c --help: no exit codes"; continue; }
	grep -q "1 bad input" <<<"$codes" || fail "$c --help: exit 1 is not bad input: $codes"
	if grep -qE '(^|[ ,:]) ?2[ :]' <<<"$codes"; then
		grep -qE '2:? no valid|2 the plan is no longer valid' <<<"$codes" || fail "$c --help: exit 2: $codes"
	fi
	if grep -qE '(^|[ ,]) ?3[ :]' <<<"$codes"; then
		grep -qE '3:? (verify|an LV|some LV|not protected)' <<<"$codes" || fail "$c --help: exit 3: $codes"
	fi
	if grep -qE '(^|[ ,]) ?4[ :]' <<<"$codes"; then
		grep -q '4 a backend, client or agent failed' <<<"$codes" || fail "$c --help: exit 4: $codes"
	fi
done
# lab's --help is lab/labctl's own text
"$vdm" lab --help >"$tmp/help" 2>&1 && grep -q "^usage: vdmirror lab" "$tmp/help" || fail "lab --help"
"$vdm" --help >"$tmp/help" || fail "vdmirror --help"
grep -q "0 ok, 1 bad input, 2 no valid plan, 3 unprotected data found" "$tmp/help" || fail "vdmirror --help: exit codes"

if [ "$fails" -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "ok"
