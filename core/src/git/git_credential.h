/* git_credential.h — private to the git relay: the credential for a remote, obtained outside the
 * sandbox from the unconfined user's git (`git credential fill`, so every configured credential
 * helper works), never sent inside. */
#ifndef CORDON_GIT_CREDENTIAL_H
#define CORDON_GIT_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>

struct git_cred {
	bool have;
	char username[512];
	char password[8192];
};

/* git_credential_fill: ask `git credential fill` (git-credential(1), "INPUT/OUTPUT FORMAT") for
 * https://authority/path (path without its leading '/'; dropped by git unless
 * credential.useHttpPath), with GIT_TERMINAL_PROMPT=0: the session has no terminal, so a helper
 * or askpass program answers or nothing does. Returns 0 with c->have set when git gave a
 * username and password, 0 with c->have false when it gave none (an anonymous remote), or
 * -errno when git could not be run; why (len bytes) says what git reported. */
int git_credential_fill(const char *authority, const char *path, struct git_cred *c, char *why,
			size_t len);

/* git_credential_basic: "Basic BASE64(user:password)" (RFC 7617 §2) into buf. Returns 0,
 * -ENOSPC, or -ENOENT / -ENOSYS when Nettle (opened on first use, dl/dl.h) cannot be loaded. */
int git_credential_basic(const struct git_cred *c, char *buf, size_t len);

/* git_credential_wipe: clear c's secret from memory. */
void git_credential_wipe(struct git_cred *c);

#endif
