#!/usr/bin/env bash
# check.sh: vdmirror check over the small inventories of tests/model/data: exit codes,
# verdicts, the component named for an invalid mirror, --json, --partition, stdin, bad input.
# usage: check.sh VDMIRROR DATADIR
set -u
vdm=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run EXPECTED_RC ARGS...: runs vdmirror check, keeps stdout/stderr in $tmp/out, $tmp/err
run() {
	local want=$1; shift
	"$vdm" check "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" != "$want" ]; then
		fail "check $*: exit $rc, want $want"
		sed 's/^/  out: /' "$tmp/out"; sed 's/^/  err: /' "$tmp/err"
	fi
}
has() {   # has FILE TEXT
	grep -qF -- "$2" "$1" || { fail "$1 lacks '$2'"; sed 's/^/  | /' "$1"; }
}
# jsonq EXPR: evaluates a python expression over the JSON on stdout (as j); must be true
jsonq() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$tmp/out" "$1" || { fail "json: $1"; sed 's/^/  | /' "$tmp/out"; }
}

# a two-server mirror is protected at server level
run 0 --inventory "$data/check-good.json"
has "$tmp/out" "server"
has "$tmp/out" "1 ok, 0 below, 0 INVALID, 0 unmirrored"
run 0 --inventory "$data/check-good.json" --json
jsonq 'j["ok"] is True and j["level"] == "server" and len(j["lvs"]) == 1'
jsonq 'j["lvs"][0] == {"partition": "lpar1", "vg": "vg0", "lv": "lv0", "size_mib": 400, "copies": 2, "protection": "server", "status": "ok", "reason": None}'
# but both servers stand in one (unnamed) frame: below frame level
run 3 --inventory "$data/check-good.json" --level frame --json
jsonq 'j["ok"] is False and j["lvs"][0]["status"] == "below" and "frame (unnamed)" in j["lvs"][0]["reason"]'

# two pools on two servers that share a LUN: an invalid mirror, named by its device
run 3 --inventory "$data/check-shared-lun.json"
has "$tmp/out" "INVALID"
has "$tmp/out" "copies share device lun-100"
run 3 --inventory "$data/check-shared-lun.json" --json --level device
jsonq 'j["lvs"][0]["status"] == "invalid" and j["lvs"][0]["protection"] is None and "lun-100" in j["lvs"][0]["reason"]'

# both copies in one pool: invalid, the pool is named
run 3 --inventory "$data/check-same-pool.json"
has "$tmp/out" "copies share pool vios1/sp"

# two pools of one server: pool level only
run 3 --inventory "$data/check-same-server.json"
has "$tmp/out" "below"
has "$tmp/out" "copies share server vios1"
run 0 --inventory "$data/check-same-server.json" --level pool --json
jsonq 'j["ok"] is True and j["lvs"][0]["protection"] == "pool" and j["level"] == "pool"'

# three copies, two of them on one server: any two pool failures are survived, not two servers
run 3 --inventory "$data/check-three-copies.json" --json
jsonq 'j["lvs"][0]["copies"] == 3 and j["lvs"][0]["protection"] == "pool" and j["lvs"][0]["status"] == "below"'
jsonq '"server vios1" in j["lvs"][0]["reason"]'
run 0 --inventory "$data/check-three-copies.json" --level pool

# a single copy is below any level
run 3 --inventory "$data/check-single.json"
has "$tmp/out" "unmirrored"
run 3 --inventory "$data/check-single.json" --level device --json
jsonq 'j["lvs"][0]["status"] == "unmirrored" and j["lvs"][0]["copies"] == 1 and j["lvs"][0]["protection"] is None'

# --partition limits the audit
run 0 --inventory "$data/check-two-partitions.json" --partition lpar1 --json
jsonq '[l["partition"] for l in j["lvs"]] == ["lpar1"]'
run 3 --inventory "$data/check-two-partitions.json" --partition lpar2
run 3 --inventory "$data/check-two-partitions.json" --json
jsonq '[l["status"] for l in j["lvs"]] == ["ok", "unmirrored"]'
run 1 --inventory "$data/check-two-partitions.json" --partition lpar9
has "$tmp/err" 'unknown partition "lpar9"'

# stdin
"$vdm" check --inventory - --json <"$data/check-good.json" >"$tmp/out" 2>"$tmp/err" ||
	fail "stdin: exit $?"
jsonq 'j["ok"] is True'
"$vdm" check --inventory - <"$data/check-shared-lun.json" >"$tmp/out" 2>"$tmp/err"
[ $? = 3 ] || fail "stdin shared LUN: want exit 3"
echo '{"version": 1, "servers": 5}' | "$vdm" check --inventory - >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "stdin bad: want exit 1"
has "$tmp/err" "stdin: servers: must be an array"

# bad input: exit 1, the file is named
run 1 --inventory "$tmp/missing.json"
has "$tmp/err" "$tmp/missing.json: cannot open"
printf '{"version": 1,\n "servers": [}\n' >"$tmp/bad.json"
run 1 --inventory "$tmp/bad.json"
has "$tmp/err" "$tmp/bad.json: line 2 column"
sed 's|"pool": "vios2/sp"|"pool": "vios9/sp"|' "$data/check-good.json" >"$tmp/unknown.json"
run 1 --inventory "$tmp/unknown.json"
has "$tmp/err" "$tmp/unknown.json: partitions[0].disks[1].pool: unknown pool \"vios9/sp\""
[ -s "$tmp/out" ] && fail "bad input printed a report"
run 1 --inventory "$data/check-good.json" --level rack
has "$tmp/err" '--level rack: not one of device, pool, server, frame, site'
run 1
has "$tmp/err" "--inventory is required"
run 1 --inventory "$data/check-good.json" --bogus
run 0 --help
has "$tmp/out" "usage: vdmirror check --inventory"

if [ "$fails" -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"
