/* git_sign.h — the inside half of `git commit -S` in a session: git runs cordon as its
 * gpg.ssh.program (git_env.h), which hands the object to the session's signing service and
 * writes back the signature made outside with the key of git.signingKey. */
#ifndef CORDON_GIT_SIGN_H
#define CORDON_GIT_SIGN_H

#include <stddef.h>

#include "cordon/error.h"

/* cordon_git_sign_request: POST data (len bytes: the commit or tag object git gives its signing
 * program) to the signing service at endpoint ("http://127.0.0.1:PORT", $CORDON_GIT_ENDPOINT)
 * and return its answer, an armored SSH signature ("-----BEGIN SSH SIGNATURE-----",
 * PROTOCOL.sshsig), in *sig (malloc'd). Returns 0, or -errno with e->msg holding the service's
 * reason (a refusal names the rule: not a commit, not in the confined repository, no
 * git.signingKey, ssh-keygen's error). */
int cordon_git_sign_request(const char *endpoint, const char *data, size_t len, char **sig,
			    struct cordon_error *e);

#endif
