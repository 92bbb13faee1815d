#!/usr/bin/env bash
# lab-libvirt-keepalive: one vdmirror session keeps its libvirt connection while it spends
# longer than libvirtd's keepalive between two libvirt calls. libvirtd drops a client that
# leaves its pings unanswered, and libvirt answers them only from a running event loop: a
# backend that ran the loop only during an unplug lost its connection in every sync longer
# than ~30 s and failed at verify ("client socket is closed").
# The lab's libvirtd gets a keepalive of 1 s x 2 pings (a client silent ~3 s is dropped);
# lab/libvirt-md.json's md0 (48 MiB) is mirrored with --sync-rate 6 (MiB/s, a cap md obeys:
# >= 8 s of sync, during which the session talks to the guest only); verify then asks libvirt
# for the storage again. The mirror must succeed and the data be intact.
. "$(dirname "$0")/lib.sh"
libvirt_requires
# names of its own (libvirt's are machine-wide), the daemon's short keepalive
CFG=$(mktemp /tmp/vdm-lv-keepalive.XXXXXX.json)
jq '.name = "libvirt-keepalive" | .libvirtd = {keepalive_interval: 1, keepalive_count: 2} |
	.pools |= map(.name |= sub("^vdm-m"; "vdm-ka")) |
	.partitions[0].name = "vdm-ka" |
	.partitions[0].disks |= map(.pool |= sub("^vdm-m"; "vdm-ka"))' \
	"$VDM_SOURCE_ROOT/lab/libvirt-md.json" >"$CFG"
libvirt_lab_up "$CFG"
rm -f "$CFG"
P=vdm-ka VG=md0

# the daemon must be the one this lab started with that keepalive: a libvirtd that another lab
# (or the machine) started keeps its own, and a 30 s keepalive would need minutes of sync
ka=$("$VDM" lab status --state "$STATE" --json | jq -c .libvirtd)
if [ "$ka" != '{"keepalive_interval":1,"keepalive_count":2}' ]; then
	echo "SKIP: libvirtd was not started by this lab (keepalive ${ka/null/unknown}): stop the other libvirt labs first"
	exit 77
fi

fill_lv $P $VG data 31 0 16 || fail "fill md0"
expect_rc 0 "$VDM" mirror $P $VG --level device --yes --sync-rate 6 "${B[@]}"
grep -q "every LV protected at level device" "$STATE/out" || { cat "$STATE/out"; fail "mirror: no verified result"; }
NEW=$(sed -n 's/^created \([^:]*\): .* in pool .*/\1/p' "$STATE/out" | head -1)
[ -n "$NEW" ] || { cat "$STATE/out"; fail "mirror: which disk did it create?"; }
two_legs_intact $P $VG data 31 16 "after the mirror"
ok "mirror with a sync longer than libvirtd's keepalive: verified through the same connection, md0 two legs in sync, data intact"
