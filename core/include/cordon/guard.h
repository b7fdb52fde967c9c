/* guard.h — mandatory write-denies for names that do not exist yet (DESIGN.md §1).
 * Existing dangerous paths are covered by read-only mounts (mounts.h). A dangerous name that
 * would be created later directly in a protected directory is refused by the guard worker: the
 * confined process's file-creating system calls go to a seccomp user-notification listener, and
 * the worker performs the call itself on a directory fd it checked, injecting the resulting fd
 * (SECCOMP_IOCTL_NOTIF_ADDFD), so no check-then-use race on the caller's memory exists. */
#ifndef CORDON_GUARD_H
#define CORDON_GUARD_H

#include <stddef.h>
#include <sys/types.h>

#include "cordon/error.h"
#include "cordon/policy.h"

struct cordon_guard_entry {
	dev_t dev;      /* the existing directory (st_dev, st_ino) ... */
	ino_t ino;
	char name[256]; /* ... in which this name must never be created */
};

struct cordon_guard_set {
	struct cordon_guard_entry *v;
	size_t n;
};

void cordon_guard_set_free(struct cordon_guard_set *g);

/* cordon_guard_set_add: append (dev, ino, name). Returns 0 or -ENOMEM. */
int cordon_guard_set_add(struct cordon_guard_set *g, dev_t dev, ino_t ino, const char *name);

#endif
