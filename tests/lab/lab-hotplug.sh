#!/usr/bin/env bash
# create + map a disk: the guest sees it with the right size and serial; map is idempotent by
# name, create is not: a name that exists (any size) is refused, never adopted (issue 9: only
# the journal's record or the run's owner tag makes it ours); unmap + delete: gone from the
# guest, the server and the pool, free space
# back. Guest view: the agent's disk list when the agent is in the initramfs, and the guest
# init's disk watcher on the serial console.
. "$(dirname "$0")/functions.sh"
lab_requires
lab_up
POOL=vios2/sp1 DISK=lpar1-n1
free0=$(pool_free $POOL)
"$TOOL" "$STATE" create $POOL $DISK 24 || fail "create"
"$TOOL" "$STATE" create $POOL $DISK 24 2>"$STATE/err" && fail "create of an existing name must fail"
grep -q "already exists (24 MiB)" "$STATE/err" || fail "unclear error: $(cat "$STATE/err")"
"$TOOL" "$STATE" create $POOL $DISK 25 2>"$STATE/err" && fail "create with another size must fail"
grep -q "already exists (24 MiB)" "$STATE/err" || fail "unclear error: $(cat "$STATE/err")"
[ "$(pool_free $POOL)" = $((free0 - 24)) ] || fail "pool free $(pool_free $POOL), want $((free0 - 24))"
ok "create of an existing name refused, pool free down by 24"
"$TOOL" "$STATE" map lpar1 $POOL $DISK || fail "map"
"$TOOL" "$STATE" map lpar1 $POOL $DISK || fail "map again (idempotent)"
wait_console lpar1 "^vdm-disk \+ $DISK vd[a-z]+ $((24 << 20))\$" 30
[ "$(grep -c "^vdm-disk + $DISK " "$STATE/lpar1.console")" = 1 ] || fail "disk plugged more than once"
"$VDM" inventory --lab --state "$STATE" --storage-only | \
	jq -e --arg d $DISK '[.partitions[0].disks[] | select(.name == $d)] == [{"name": $d, "size_mib": 24, "paths": ["vios2"], "pool": "vios2/sp1"}]' >/dev/null \
	|| fail "inventory does not list $DISK as mapped"
ok "guest sees $DISK with 24 MiB and its serial (console)"
if has_agent lpar1; then
	agent_request lpar1 "{\"op\":\"wait_disk\",\"serial\":\"$DISK\",\"timeout_ms\":10000,\"id\":1}" >/dev/null
	agent_request lpar1 '{"op":"disks","id":2}' | jq -e --arg d $DISK \
		'.ok and ([.disks[] | select(.serial == $d) | .size_bytes] == [25165824])' >/dev/null \
		|| fail "agent does not list $DISK with 24 MiB"
	ok "agent lists $DISK with 24 MiB"
fi

"$TOOL" "$STATE" unmap lpar1 $DISK || fail "unmap"
wait_console lpar1 "^vdm-disk - $DISK " 30
"$TOOL" "$STATE" unmap lpar1 $DISK || fail "unmap again (idempotent)"
"$TOOL" "$STATE" delete $POOL $DISK || fail "delete"
"$TOOL" "$STATE" delete $POOL $DISK || fail "delete again (idempotent)"
[ -e "$STATE/pools/vios2_sp1/$DISK.img" ] && fail "image left"
[ "$(pool_free $POOL)" = "$free0" ] || fail "pool free $(pool_free $POOL), want $free0 back"
"$VDM" inventory --lab --state "$STATE" --storage-only | jq -e --arg d $DISK \
	'[.partitions[0].disks[] | select(.name == $d)] == []' >/dev/null || fail "$DISK still listed"
if has_agent lpar1; then
	agent_request lpar1 '{"op":"disks","id":3}' | jq -e --arg d $DISK '.ok and ([.disks[] | select(.serial == $d)] == [])' >/dev/null \
		|| fail "agent still lists $DISK"
fi
ok "unmap + delete: gone, pool free back"

# delete while still mapped is refused (never pull a disk from under a partition, issue 9);
# after the unmap it goes; the VM keeps running
"$TOOL" "$STATE" create $POOL lpar1-n2 8 -- map lpar1 $POOL lpar1-n2 || fail "create+map n2"
wait_console lpar1 "^vdm-disk \+ lpar1-n2 " 30
"$TOOL" "$STATE" delete $POOL lpar1-n2 2>"$STATE/err" && fail "delete of a mapped disk must fail"
grep -q "mapped to partition lpar1" "$STATE/err" || fail "unclear refusal: $(cat "$STATE/err")"
[ -e "$STATE/pools/vios2_sp1/lpar1-n2.img" ] || fail "the refused delete removed the image"
"$TOOL" "$STATE" unmap lpar1 lpar1-n2 || fail "unmap"
"$TOOL" "$STATE" delete $POOL lpar1-n2 || fail "delete after unmap"
kill -0 "$(cat "$STATE/lpar1.pid")" || fail "VM died"
ok "delete of a mapped disk refused; unmap, then delete"
