/* agent_filter.h — private to the session process: the ssh-agent socket inside the sandbox,
 * served from the user's real agent outside ($SSH_AUTH_SOCK of the caller). It offers only the
 * keys of git.sshKeys and signs only SSH user authentications, only for an ssh process that has
 * a tunnel (its ProxyCommand, `cordon connect`) to a host of git.sshHosts at that moment, and
 * never over a forwarded agent connection; every other request is refused. */
#ifndef CORDON_AGENT_FILTER_H
#define CORDON_AGENT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cordon/error.h"
#include "cordon/policy.h"
#include "cordon/proxy.h"

struct agent_filter;

/* agent_filter_listen: bind the agent socket at path (its missing parent directories made with
 * mode 0700; a stale socket there is replaced) and listen. Called before the mounts are laid
 * out, so the socket exists in the sandbox's view. Returns the listening fd or -errno with
 * e->msg set. */
int agent_filter_listen(const char *path, struct cordon_error *e);

/* agent_filter_start: serve listen_fd (ownership passes) in px's loop under policy p: reads the
 * public keys of git.sshKeys (files or key lines) and $SSH_AUTH_SOCK. diag_fd (ownership passes;
 * -1 for none) is a sock_diag socket of the sandbox's network namespace, which names the asking
 * process (unix_peer.h); without it no connection is taken to have a tunnel, so none gets a
 * key. Each connection is served
 * by a child process, reaped through its pidfd; refusals go to the violation log at log_path
 * (proto "agent"). Returns 0 and *out or -errno with e->msg naming the key that cannot be read. */
int agent_filter_start(struct cordon_proxy *px, int listen_fd, int diag_fd,
		       const struct cordon_policy *p, const char *log_path,
		       struct agent_filter **out, struct cordon_error *e);

/* agent_key_blob: the key blob of a public key line "TYPE BASE64 [COMMENT]" (the base64 field
 * decoded, RFC 4253 §6.6, with Nettle) into a malloc'd *blob of *len bytes. Returns 0, -EINVAL,
 * or -ENOENT / -ENOSYS when Nettle (opened on first use, dl/dl.h) cannot be loaded. */
int agent_key_blob(const char *line, unsigned char **blob, size_t *len);

/* agent_sign_data_is_userauth: is data (len bytes, the "data" of SSH_AGENTC_SIGN_REQUEST) an SSH
 * user authentication request signed with key (RFC 4252 §7: string session identifier, byte
 * SSH_MSG_USERAUTH_REQUEST, string user, string "ssh-connection", string "publickey" (or
 * OpenSSH's "publickey-hostbound-v00@openssh.com"), TRUE, string algorithm, string the key
 * blob)? An SSHSIG blob (ssh-keygen -Y sign) or any other data is not. */
bool agent_sign_data_is_userauth(const unsigned char *data, size_t len, const unsigned char *key,
				 size_t key_len);

#endif
