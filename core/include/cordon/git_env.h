/* git_env.h — what a session with a `git` policy section adds to the environment inside:
 * environment-only git configuration (GIT_CONFIG_COUNT, git-config(1) ENVIRONMENT) that sends
 * the remotes of git.remotes to the session's git endpoint and `git commit -S` to its signing
 * service, the agent socket as SSH_AUTH_SOCK, and the token variables git.passTokens keeps. */
#ifndef CORDON_GIT_ENV_H
#define CORDON_GIT_ENV_H

#include "cordon/env.h"
#include "cordon/policy.h"

/* cordon_env_git: amend env (from cordon_env_build) for policy p and session si:
 *  - with a git endpoint (si->git_port): for each host of git.remotes,
 *    url.http://127.0.0.1:PORT/git/AUTHORITY/.insteadOf = https://AUTHORITY/ (git-config(1)
 *    url.<base>.insteadOf), nothing written to any file; with git.signingKey and self_exe also
 *    gpg.format=ssh, gpg.ssh.program=SELF_EXE (cordon answers git's `-Y sign`), user.signingKey
 *    (the public key line, read now, outside) and CORDON_GIT_ENDPOINT for the signer. Entries
 *    go after those of a GIT_CONFIG_COUNT already in this process's environment;
 *  - SSH_AUTH_SOCK = git.agentPath (the filtered agent socket) instead of its removal;
 *  - the token variables of git.passTokens are no longer removed.
 * Returns 0 or -ENOMEM with e->msg set. */
int cordon_env_git(struct cordon_env *env, const struct cordon_policy *p,
		   const struct cordon_session_info *si, const char *self_exe,
		   struct cordon_error *e);

#endif
