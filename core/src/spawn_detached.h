/* spawn_detached.h — private to libcordon: starting helper processes (the session process, the
 * guard worker of a shell confined in place) as nobody's child of the caller. */
#ifndef CORDON_SPAWN_DETACHED_H
#define CORDON_SPAWN_DETACHED_H

/* spawn_detached: run fn(arg) in a new process whose parent is not the caller (a shell's
 * waitpid(-1) must not reap it, and its end leaves no zombie): the caller's vfork(2) child forks
 * it and exits at once, so the caller's address space is copied once (fork(2)), not twice. fn
 * must not return (the process exits 127 if it does); it starts with every signal blocked and a
 * copy of the caller's fds. Returns 0
 * once the intermediate child has exited after forking, or a negative errno (-EAGAIN: its fork
 * failed). */
int spawn_detached(void (*fn)(void *), void *arg);

#endif
