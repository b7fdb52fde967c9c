/* confine_int.h — internal interface between confine.c (the order) and its helpers:
 * confine_children.c (the nested Landlock domain every direct child of an in-place confined shell
 * enters at fork) and confine_fds.c (inherited descriptors moved onto the sandbox's mounts). */
#ifndef CORDON_CONFINE_INT_H
#define CORDON_CONFINE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/error.h"

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
 * (but those in skip[0..nskip)) that is a directory, or a read-only or O_PATH regular file with a
 * name: its path, inode, flags and whether its mount is read-only. Returns 0 or -errno. */
int confine_fds_snapshot(struct confine_fds *s, const int *skip, int nskip, struct cordon_error *e);

/* confine_fds_rehome: after joining, reopen each recorded directory at its path inside the
 * sandbox (-EXDEV or the open's errno, naming the fd, when the sandbox shows another object or
 * none there), and each recorded regular file that the sandbox shows on a read-only mount while
 * its own mount is writable (a pin), installing the new fd at the same number with the same
 * close-on-exec flag and file offset. Returns 0 or a negative errno with e->msg set. */
int confine_fds_rehome(const struct confine_fds *s, struct cordon_error *e);

void confine_fds_free(struct confine_fds *s);

#endif
