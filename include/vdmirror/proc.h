/* proc.h: starting and ending helper processes by argv (never a shell string), with timeouts. */
#ifndef VDMIRROR_PROC_H
#define VDMIRROR_PROC_H

#include <stdint.h>
#include <sys/types.h>
#include "vdmirror/error.h"
#include "vdmirror/util.h"

/* Runs argv[0] (looked up in PATH) with argv, waits at most timeout_ms (<0: forever).
 * Collects stdout into *out and stderr into *errout when they are not NULL (each capped at
 * 16 MiB). Returns the exit status (0..255), or a negative code with *err set when the program
 * could not be started, was killed by a signal, or timed out (then it is SIGKILLed). */
int vdm_run(char *const argv[], int64_t timeout_ms, char **out, char **errout,
	    struct vdm_error *err);

/* Ends the process pid: SIGTERM, waits up to grace_ms, then SIGKILL. Works for processes
 * that are not our children too (polls kill(pid, 0)). Returns 0 once it is gone. */
int vdm_kill_wait(pid_t pid, int64_t grace_ms);

#endif
