/* env.h — the environment of a confined session (docs/design.md §7): variables to set (proxy
 * variables, GIT_SSH_COMMAND, SANDBOX_RUNTIME, CORDON_SESSION) and to remove (socket-naming and
 * loader variables). Adapters apply the list with their own means (setenv, bash/zsh variables). */
#ifndef CORDON_ENV_H
#define CORDON_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/policy.h"
#include "cordon/session.h"

struct cordon_env_entry {
	const char *name;
	char *value;   /* malloc'd; NULL means "unset this variable" */
	bool if_unset; /* a default: applied only when the variable is not set already */
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

/* The cache directories cordon_env_add_cache_defaults names, in the session's private /tmp. */
#define CORDON_NPM_CACHE "/tmp/cordon-cache/npm"
#define CORDON_PIP_CACHE "/tmp/cordon-cache/pip"

/* cordon_env_add_cache_defaults: package-manager caches that work inside without the person
 * doing anything, outside the project (so `git add -A` never stages them) and thrown away with
 * the private /tmp: npm_config_cache (npm-config(7) "cache", default ~/.npm) when ~/.npm is not
 * writable under policy p, and PIP_CACHE_DIR (pip's documented cache variable, default
 * $XDG_CACHE_HOME/pip or ~/.cache/pip) when that is not writable. Both are defaults (if_unset):
 * a value the person set wins. Nothing is added without a private /tmp (p->private_tmp false:
 * /tmp is not writable then). home is $HOME (NULL: nothing added). Returns 0 or -ENOMEM. */
int cordon_env_add_cache_defaults(struct cordon_env *env, const struct cordon_policy *p,
				  const char *home, struct cordon_error *e);

/* cordon_env_check_proxy_command: called inside the sandbox once confinement is in force: can the
 * confined processes execute self_exe, the ProxyCommand of GIT_SSH_COMMAND? A binary under /tmp
 * (hidden by the private /tmp) or under a denyRead mask cannot be. Returns 0 when it can (or
 * self_exe is NULL), else -errno of access(2) with a warning for the person in msg (len bytes)
 * that names the path and says that git over SSH will fail. A bare name (no '/': the binary was
 * not found at all) is -ENOENT with a warning that says so, whatever the current directory holds. */
int cordon_env_check_proxy_command(const char *self_exe, char *msg, size_t len);

#endif
