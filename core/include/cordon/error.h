/* error.h — how libcordon reports failure: a negative errno plus a message the caller owns.
 * The library never prints and never exits; the outermost adapter prints cordon_error.msg. */
#ifndef CORDON_ERROR_H
#define CORDON_ERROR_H

#include <stddef.h>

struct cordon_error {
	char msg[1024]; /* NUL-terminated, human-readable, names what failed and where */
};

/* cordon_error_set: format fmt into e->msg (if e is non-NULL) and return -errnum.
 * Inputs: errnum is a positive errno value (EINVAL, EPERM, ...). Output: -errnum.
 * Usage: return cordon_error_set(e, EINVAL, "%s:%d:%d: unknown key \"%s\"", ...); */
int cordon_error_set(struct cordon_error *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* cordon_error_prefix: prepend "prefix: " to an existing message (keeps the original text).
 * Returns -errnum unchanged so it can wrap a failing call: return cordon_error_prefix(e, r, "mounts"); */
int cordon_error_prefix(struct cordon_error *e, int negerr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
