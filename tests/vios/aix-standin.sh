#!/bin/sh
# aix-standin.sh: a stand-in for one AIX command (no AIX here: a mock of the AIX userland, and
# only that), reached through a link named after the command (lspv, lsvg, lslv, ...). It prints
# the recorded output of "NAME ARGS" from $VDM_STANDIN_DIR (the replay transport's key), its
# stderr and exit status; a command the recording lacks fails as an unknown one would. Each
# call's key is appended to $VDM_STANDIN_LOG when that is set. Used by local-mirror.sh and
# test_aix_discover.c.
cmd=$(basename "$0")
[ $# -gt 0 ] && cmd="$cmd $*"
key=$(printf '%s' "$cmd" | tr -c 'A-Za-z0-9.-' '_')
[ -n "${VDM_STANDIN_LOG:-}" ] && echo "$key" >>"$VDM_STANDIN_LOG"
d=$VDM_STANDIN_DIR
[ -f "$d/$key.out" ] || { echo "$(basename "$0"): not recorded: $*" >&2; exit 127; }
cat "$d/$key.out"
[ -f "$d/$key.err" ] && cat "$d/$key.err" >&2
[ -f "$d/$key.rc" ] && exit "$(cat "$d/$key.rc")"
exit 0
