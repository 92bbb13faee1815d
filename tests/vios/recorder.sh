#!/bin/sh
# recorder.sh FIXTURES STATE: the sshd ForceCommand of the end-to-end test. It stands in for
# the VIOS padmin shell, the HMC and the AIX partition (no Power hardware here: this is the
# mock, and it says so): it logs every command it receives to STATE/received.log and answers
# from the recorded outputs in FIXTURES/<host>/ (file names as in src/transport/replay.c).
# Which host it plays comes from the loopback address the client connected to.
fx=$1 st=$2
set -- $SSH_CONNECTION
case $3 in
127.0.0.1) h=vios1 ;;
127.0.0.2) h=vios2 ;;
127.0.0.3) h=hmc ;;
127.0.0.4) h=lpar1 ;;
*) echo "recorder: unknown address $3" >&2; exit 97 ;;
esac
cmd=$SSH_ORIGINAL_COMMAND
printf '%s %s\n' "$h" "$cmd" >>"$st/received.log"
# the HMC's viosvrcmd -m SYS -p VIOS -c "COMMAND": the shell splits it as the HMC's would (the
# words come from vdmirror, which lets only [A-Za-z0-9._:/=,@+%-] through), then the VIOS
# named by -p answers COMMAND as its padmin shell would
case $h:$cmd in
"hmc:viosvrcmd "*)
	eval "set -- $cmd"
	if [ $# != 7 ] || [ "$2 $4 $6" != "-m -p -c" ]; then
		echo "recorder: viosvrcmd: expected -m SYS -p VIOS -c COMMAND" >&2; exit 96
	fi
	h=$5 cmd="ioscli $7"
	# a VIOS partition the HMC has no RMC connection to (down, not activated): the HMC's
	# HSCL2957 (code as published HMC outputs show it, text after IBM's RMC pages:
	# https://www.ibm.com/docs/en/rsct/3.2?topic=hmc-checking-status-rmc-connections)
	if [ -f "$st/down.$h" ]; then
		echo "HSCL2957 There is currently no RMC connection between the management console and the partition $h because of the partition's state or network. Verify the network setup on the partition." >&2
		exit 1
	fi ;;
esac
# a VIOS that answers, but garbage (untrusted input): still an error naming it; a VIOS that
# hangs (never answers in time)
case $h:$cmd in
vios*:*) [ -f "$st/hang.$h" ] && exec sleep 4 ;;
esac
case $h:$cmd in
vios*:"ioscli lssp "*) [ -f "$st/garbage.$h" ] && { echo "rootvg:lots:of:nonsense"; exit 0; } ;;
esac
# the AIX driver's discovery loop (lscfg, lsvg, lslv, lspv, lspath, lsattr of many objects in
# one command):
# a real shell runs it, and each command in it is answered by this recorder as if it had come
# alone (and logged so)
case $h:$cmd in
"lpar1:sh -c 'for a in "*)
	b=$(mktemp -d "$st/aixbin.XXXXXX")
	for c in lsvg lslv lspv lscfg lspath lsattr; do
		printf '#!/bin/sh\nSSH_ORIGINAL_COMMAND="%s $*" exec "%s" "%s" "%s"\n' "$c" "$0" "$fx" "$st" >"$b/$c"
		chmod +x "$b/$c"
	done
	PATH=$b:$PATH
	eval "$cmd"; rc=$?
	rm -rf "$b"
	exit $rc ;;
esac
case $cmd in
"echo "*) eval "$cmd"; exit $? ;;       # a real shell parses it: proves the quoting
"ioscli hang"*) exec sleep 4 ;;          # never answers in time
"ioscli fail"*) echo "0514-519 something failed" >&2; exit 3 ;;
"ioscli bigout"*) head -c 6000000 /dev/zero; exit 0 ;;
"sh -c 'umask 077 && d="*)               # the AIX map folder of mklvcopy -m
	echo /tmp/vdmirror.4242; exit 0 ;;
"sh -c 'sed "*) exit 0 ;;                # writes a map file: logged above
"extendvg "* | "mklvcopy "* | "chdev "* | "chvg "* | "savebase" | "bosboot "* | "bootlist "* | "sh -c 'nohup syncvg "*)
	exit 0 ;;                            # AIX steps: logged above, nothing to answer
"ioscli mkbdsp "* | "ioscli mkvdev "* | "ioscli rmbdsp "* | "ioscli rmvdev "*)
	if [ -f "$st/full" ]; then
		echo "0516-404 allocp: This system cannot fulfill the allocation request." >&2
		echo "        There are not enough free partitions or not enough physical volumes" >&2
		echo "        to keep strictness and satisfy allocation requests." >&2
		exit 1
	fi
	exit 0 ;;
esac
k=$(printf '%s' "$cmd" | tr -c 'A-Za-z0-9.-' '_')
f=$fx/$h/$k
# a test's own answer for this command (STATE/override/<host>/KEY.out): a partition that
# reports a disk missing, for instance
[ -f "$st/override/$h/$k.out" ] && f=$st/override/$h/$k
# a state recorded after a change (lslv -m once mklvcopy ran): KEY.after.out
[ -f "$f.after.out" ] && grep -q "^$h mklvcopy " "$st/received.log" && f=$f.after
if [ ! -f "$f.out" ]; then
	echo "recorder: nothing recorded for '$cmd'" >&2
	exit 127
fi
cat "$f.out"
[ -f "$f.err" ] && cat "$f.err" >&2
[ -f "$f.rc" ] && exit "$(cat "$f.rc")"
exit 0
