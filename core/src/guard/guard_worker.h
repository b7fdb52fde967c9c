/* guard_worker.h — private to confine.c: starting the guard worker inside the confining process's
 * Landlock domain and handing it the seccomp listener (guard_worker.c says why there). */
#ifndef CORDON_GUARD_WORKER_H
#define CORDON_GUARD_WORKER_H

#include <stdbool.h>

#include "cordon/error.h"

/* guard_worker_spawn: fork the guard worker with copies of set_fd (a sealed guard-set memfd,
 * cordon_guard_set_to_fd) and log_fd (the session's guard-log socket, -1 for none); with detach
 * it is no child of the caller (spawn_detached: a shell confined in place), else the caller's
 * child. The worker keeps only CAP_SYS_PTRACE, becomes non-dumpable, leads a session of its own
 * and waits on *chan (the caller's end of a SOCK_SEQPACKET pair, close-on-exec) for its listener.
 * Call after the caller's Landlock ruleset and before its capability drop. Returns 0 or a
 * negative errno. */
int guard_worker_spawn(int set_fd, int log_fd, bool detach, int *chan, struct cordon_error *e);

/* guard_worker_hand: send listener (the seccomp user-notification fd) over chan and wait for the
 * worker's answer: 0 once it serves, or a negative errno with the worker's reason. The caller
 * closes its copies of listener and chan afterwards. */
int guard_worker_hand(int chan, int listener, struct cordon_error *e);

#endif
