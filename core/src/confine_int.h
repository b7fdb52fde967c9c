/* confine_int.h — internal interface between confine.c (the order) and confine_children.c (the
 * nested Landlock domain every direct child of an in-place confined shell enters at fork). */
#ifndef CORDON_CONFINE_INT_H
#define CORDON_CONFINE_INT_H

#include "cordon/error.h"

/* cordon_children_nest_prepare: register a pthread_atfork(3) child handler in the calling
 * process (the shell confining itself in place) so that every process it forks with fork(3)
 * enters a Landlock domain nested below the shell's (landlock_restrict_self(2) on a ruleset
 * prepared here) and closes ctl_fd (-1: none) before running anything else. landlock_abi is the
 * kernel's ABI (> 0). A child whose nesting fails prints the reason on fd 2 and _exit(126)s.
 * Requires NNP. May be called once per process (pthread_atfork cannot be undone).
 * Returns 0 or a negative errno with e->msg set. */
int cordon_children_nest_prepare(int landlock_abi, int ctl_fd, struct cordon_error *e);

#endif
