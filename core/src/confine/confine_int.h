/* confine_int.h — internal interface between confine.c (the order) and its helpers:
 * confine_children.c (the nested Landlock domain every direct child of an in-place confined shell
 * enters at fork) and confine_fds.c (inherited descriptors moved onto the sandbox's mounts). */
#ifndef CORDON_CONFINE_INT_H
#define CORDON_CONFINE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/error.h"
#include "cordon/policy.h"

/* cordon_children_nest_prepare: register a pthread_atfork(3) child handler in the calling
 * process (the shell confining itself in place) so that every process it forks with fork(3)
 * enters a Landlock domain nested below the shell's (landlock_restrict_self(2) on a ruleset
 * prepared here) and closes ctl_fd (-1: none) before running anything else. landlock_abi is the
 * kernel's ABI (> 0). A child whose nesting fails prints the reason on fd 2 and _exit(126)s.
 * Requires NNP. May be called once per process (pthread_atfork cannot be undone).
 * Returns 0 or a negative errno with e->msg set. */
int cordon_children_nest_prepare(int landlock_abi, int ctl_fd, struct cordon_error *e);

/* The descriptors confine_fds_snapshot found worth a second look (confine_fds.c). */
struct confine_fd;
struct confine_fds {
	struct confine_fd *v;
	size_t n;
};

/* confine_fds_snapshot: before joining the mount namespace, record every open fd of the caller
 * (but those in skip[0..nskip)) that is a directory or a regular file (write fds only above 2):
 * its path, inode, flags, whether its mount is read-only and whether it lies in one of p's
 * writable trees. only_stdio: fds 0..2 alone (cordon run closes every other before its command
 * runs). Returns 0 or -errno. */
int confine_fds_snapshot(struct confine_fds *s, const struct cordon_policy *p, const int *skip,
			 int nskip, bool only_stdio, struct cordon_error *e);

/* confine_fds_rehome: after joining, apply the rules of confine_fds.c to each recorded fd:
 * reopen it on the sandbox's mounts (same number, close-on-exec flag and offset), leave it, or
 * refuse (a negative errno with e->msg naming the fd and why). Returns 0 or a negative errno. */
int confine_fds_rehome(const struct confine_fds *s, struct cordon_error *e);

void confine_fds_free(struct confine_fds *s);

#endif
