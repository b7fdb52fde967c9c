/* confine.h — the one function that is the confinement order of docs/design.md §3, used alike by
 * the bash builtin, the zsh module and the cordon binary (minijail_enter's shape). */
#ifndef CORDON_CONFINE_H
#define CORDON_CONFINE_H

#include <stdbool.h>

#include "cordon/error.h"
#include "cordon/layers.h"
#include "cordon/policy.h"
#include "cordon/session.h"

struct cordon_layers_report {
	bool userns, mountns, netns, caps_dropped, nnp, landlock, seccomp, guard;
	bool capture; /* transparent capture of TCP and DNS (capture_int.h) */
	int landlock_abi;
	char missing[512]; /* names of layers not in force, comma-separated, empty when none */
};

/* Hook run after joining the namespaces and before dropping capabilities, inside the new user
 * namespace with full capabilities there (cordon run uses it to enter a PID namespace and mount a
 * fresh /proc). Return 0 to continue the confinement, a negative errno with e->msg set, or a
 * positive value in a supervising process the hook forked off from (cordon run's outer process,
 * parent of the PID namespace's reaper): cordon_confine then only drops its capabilities and
 * makes it non-dumpable, and returns that value. */
typedef int (*cordon_confine_hook)(void *arg, struct cordon_error *e);

/* cordon_confine: confine the calling process for policy p with session s:
 * probe kernel → NNP → join user+mount+net (mounts were laid out by the session) → inherited fds
 * onto the sandbox's mounts → hook → Landlock → guard worker forked in that domain → drop
 * capabilities → PR_SET_DUMPABLE 0 → Landlock scope layer → seccomp (listener handed to the
 * worker) → self-check of /proc/self/status (confine.c says why in this order). Before the
 * first irreversible step a failure changes nothing; after it, the process is left more
 * confined (see confine.c) and the message says so. s may be NULL (Landlock and seccomp alone,
 * the namespaces reported in r->missing; used by tests, no adapter confines without a session).
 * r->missing lists layers not in force; with p->strict any missing layer is refused before the
 * first irreversible step.
 * Returns 0 with *r filled, the hook's positive value (see above), or a negative errno with
 * e->msg naming the layer. */
int cordon_confine(const struct cordon_policy *p, struct cordon_session *s, const char *cwd,
		   cordon_confine_hook hook, void *hook_arg, struct cordon_layers_report *r,
		   struct cordon_error *e);

/* cordon_confine_in_place: cordon_confine for a shell that confines itself and keeps running
 * (bash builtin, zsh module). Same order, except that the shell stays dumpable (so the guard
 * worker can read its system call arguments) and instead every process it forks with fork(3)
 * enters a Landlock domain nested below the shell's before running anything, with ctl_fd (the
 * shell's control channel, -1 for none) closed: no child can then ptrace the shell or open its
 * /proc/PID/{mem,environ,fd} (landlock(7), "Ptrace restrictions"). A child that cannot nest exits
 * with status 126. Without Landlock the shell is made non-dumpable as by cordon_confine.
 * Call at most once per process. Returns as cordon_confine (no hook). */
int cordon_confine_in_place(const struct cordon_policy *p, struct cordon_session *s,
			    const char *cwd, int ctl_fd, struct cordon_layers_report *r,
			    struct cordon_error *e);

/* cordon_fds_precheck: before confining in place, the inherited fds that confinement would
 * refuse after its first irreversible step (confine_fds.c): fds whose names cannot be checked, and
 * read or O_PATH fds of files the policy p hides in a writable tree. Each is appended to list
 * (len bytes) as "  fd N: why PATH\n"; fds in skip[0..nskip) are not looked at. Returns their
 * number. */
int cordon_fds_precheck(const struct cordon_policy *p, const int *skip, int nskip, char *list,
			size_t len);

/* cordon_fds_precheck_session: the same, once session s is started and before anything changes:
 * write fds above 2 of files the session shows read-only inside a writable tree (the entries of
 * its guard set marked CORDON_GUARD_READ_ONLY, compared by device and inode: .git/config, hooks,
 * dot-files), which confinement would refuse after joining. Appended to list as
 * "  fd N: why PATH\n"; returns their number (0 when s runs no guard). */
int cordon_fds_precheck_session(const struct cordon_policy *p, const struct cordon_session *s,
				const int *skip, int nskip, char *list, size_t len);

#endif
