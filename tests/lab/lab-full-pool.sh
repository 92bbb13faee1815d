#!/usr/bin/env bash
# A disk bigger than a pool's free space: a clear error naming the pool, its free space and
# the need; nothing created (no image, no export, free space unchanged).
. "$(dirname "$0")/functions.sh"
lab_requires
lab_up
POOL=vios1/sp1
free0=$(pool_free $POOL)
exports0=$("$TOOL" "$STATE" discover | jq -c '[.partitions[].disks[].name]')
ls "$STATE/pools/vios1_sp1" >"$STATE/files0"
rc=0
"$TOOL" "$STATE" create $POOL lpar1-big $((free0 + 1)) 2>"$STATE/err" || rc=$?
[ $rc = 4 ] || fail "create beyond the pool: exit $rc, want 4"
grep -q "pool $POOL has $free0 MiB free of [0-9]* MiB, $((free0 + 1)) MiB needed" "$STATE/err" || fail "unclear error: $(cat "$STATE/err")"
ls "$STATE/pools/vios1_sp1" | diff - "$STATE/files0" || fail "a file was left in the pool"
[ "$(pool_free $POOL)" = "$free0" ] || fail "free space changed"
[ "$("$TOOL" "$STATE" discover | jq -c '[.partitions[].disks[].name]')" = "$exports0" ] || fail "disks changed"
ok "full pool: $(cat "$STATE/err")"
# exactly the free space fits
"$TOOL" "$STATE" create $POOL lpar1-fit "$free0" || fail "a disk of exactly the free space"
[ "$(pool_free $POOL)" = 0 ] || fail "pool not full after filling it"
"$TOOL" "$STATE" create $POOL lpar1-one 1 2>/dev/null && fail "create in a full pool"
"$TOOL" "$STATE" delete $POOL lpar1-fit || fail "delete"
[ "$(pool_free $POOL)" = "$free0" ] || fail "free not back"
ok "exact fit, then full"
