/* env.h — the environment of a confined session (docs/design.md §7): variables to set (proxy
 * variables, GIT_SSH_COMMAND, SANDBOX_RUNTIME, CORDON_SESSION) and to remove (socket-naming and
 * loader variables). Adapters apply the list with their own means (setenv, bash/zsh variables). */
#ifndef CORDON_ENV_H
#define CORDON_ENV_H

#include <stddef.h>

#include "cordon/session.h"

struct cordon_env_entry {
	const char *name;
	char *value; /* malloc'd; NULL means "unset this variable" */
};

struct cordon_env {
	struct cordon_env_entry *v;
	size_t n;
};

/* cordon_env_build: the variables for session info si; self_exe is the absolute path of the cordon
 * binary used as ssh ProxyCommand (`cordon connect %h %p`). Returns 0 or -ENOMEM. */
int cordon_env_build(const struct cordon_session_info *si, const char *self_exe,
		     struct cordon_env *out, struct cordon_error *e);
void cordon_env_free(struct cordon_env *env);

/* cordon_env_check_proxy_command: called inside the sandbox once confinement is in force: can the
 * confined processes execute self_exe, the ProxyCommand of GIT_SSH_COMMAND? A binary under /tmp
 * (hidden by the private /tmp) or under a denyRead mask cannot be. Returns 0 when it can (or
 * self_exe is NULL), else -errno of access(2) with a warning for the person in msg (len bytes)
 * that names the path and says that git over SSH will fail. A bare name (no '/': the binary was
 * not found at all) is -ENOENT with a warning that says so, whatever the current directory holds. */
int cordon_env_check_proxy_command(const char *self_exe, char *msg, size_t len);

#endif
