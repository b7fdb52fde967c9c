/* mounts.h — the mount-namespace layout of docs/design.md §4, built by the session's builder
 * child inside the new user+mount namespace: "/" read-only recursively, writable trees bound back,
 * denyRead masks, allowRead carve-outs, read-only pins for denyWrite + mandatory denies and their
 * ancestors, private /tmp, tmpfs over /run/user/$UID and other socket directories. */
#ifndef CORDON_MOUNTS_H
#define CORDON_MOUNTS_H

#include <sys/types.h>

#include "cordon/error.h"
#include "cordon/guard.h"
#include "cordon/policy.h"

/* cordon_mounts_setup: lay out the mounts for p in the caller's (new, private) mount namespace.
 * home is $HOME (may be NULL), uid the real uid outside. Fills guard with (directory, name) pairs
 * for mandatory-deny names that do not exist yet (and the entries git and home keep), and notes
 * (notes_len bytes, may be NULL) with notices for the person, "; "-separated (home read-only,
 * a git scan cut short). Returns 0 or a negative errno with e->msg naming the path and the mount
 * step. */
int cordon_mounts_setup(const struct cordon_policy *p, const char *home, uid_t uid,
			struct cordon_guard_set *guard, char *notes, size_t notes_len,
			struct cordon_error *e);

/* cordon_mounts_preview: lay out the mounts for p in a throwaway user and mount namespace (a
 * child process; nothing of the caller changes) and return in *out (malloc'd) one line per
 * protection a session would have: "read-only\tPATH" (a read-only bind), "never created\tPATH"
 * (a guarded name; PATH ending in '*' for every name with that prefix), "fixed\tPATH" (an existing
 * name that cannot be replaced or removed), "kept\tPATH" (cannot be removed, moved away or
 * chmod'ed), or "error\tMESSAGE". Returns 0 or a negative errno. */
int cordon_mounts_preview(const struct cordon_policy *p, const char *home, char **out,
			  struct cordon_error *e);

/* cordon_mandatory_denies: the mandatory write-deny names relative to a writable root
 * (".bashrc", ".git/hooks", ".git/config" unless allow_git_config, ".vscode", ...), NULL-terminated,
 * static storage. */
const char *const *cordon_mandatory_denies(const struct cordon_policy *p);

#endif
