/* control.h — the private control channel between a confined shell (or cordon binary) and its
 * session process: a SOCK_SEQPACKET socketpair, one request per message, one reply per request.
 * Requests are text: "VERB[ ARG]..." (args separated by single spaces); replies are
 * "ok[ PAYLOAD]" or "err MESSAGE". SCM_RIGHTS fds ride on a request whose verb needs one
 * ("listener": the seccomp notification fd for the guard). */
#ifndef CORDON_CONTROL_H
#define CORDON_CONTROL_H

#include <stddef.h>

#include "cordon/error.h"
#include "cordon/policy.h"

#define CORDON_CONTROL_MAX 65536 /* largest request or reply, bytes */

/* Session-side state a request may read or change. */
struct cordon_control_ctx {
	struct cordon_policy *policy; /* live policy: allow-host/deny-host change its host lists */
	const char *session_id;
	const char *log_path;
	int locked;                   /* lockPolicy: loosening verbs only file a request */
	size_t proxy_max_conns;       /* connections the proxy holds at once (proxy.h), 0: unknown */
	/* Kept by control.c; zero-initialise the struct. */
	char layers[1024];            /* the confined side's layer report (JSON), set by "layers" */
	char pending[16][256];        /* hosts requested while locked, waiting for `cordon approve` */
	int n_pending;
};

/* cordon_control_handle: session side. Handle one request (req, len bytes, not NUL-terminated)
 * and return a malloc'd NUL-terminated reply in *reply ("ok ..." / "err ..."). Verbs:
 * "allow-host H...", "deny-host H...", "hosts" (JSON), "policy" (JSON), "status" (JSON: session,
 * session_pid, locked, log, layers, pending, proxy_max_connections),
 * "log" (the log's tail, JSON lines), "log FROM" ("NEXT\n" then the complete JSON lines from
 * byte FROM on, at most about CORDON_CONTROL_MAX bytes; ask again from NEXT: `log -f`).
 * Returns 0 (a reply was made, even an "err" one) or -ENOMEM. */
int cordon_control_handle(struct cordon_control_ctx *c, const char *req, size_t len, char **reply);

/* cordon_control_call: caller side. Send a request made of words (NULL-terminated argv) with an
 * optional fd (-1 for none), wait for the reply and return it malloc'd in *reply (without the
 * "ok " prefix). An "err" reply returns -EPERM (locked) or -EINVAL with e->msg = the message.
 * Returns 0 or a negative errno. */
int cordon_control_call(int ctl_fd, char *const *words, int fd, char **reply,
			struct cordon_error *e);

/* Approval channel of a locked session (docs/design.md §6, `cordon approve SESSION HOST`): a
 * SOCK_SEQPACKET unix socket at $XDG_RUNTIME_DIR/cordon/ID.sock (the sandbox sees a tmpfs over
 * /run/user/UID), or, when XDG_RUNTIME_DIR is unset, in the 0700 directory
 * $XDG_STATE_HOME/cordon/approval (default ~/.local/state/cordon/approval); either way no confined
 * process can connect (seccomp refuses socket(AF_UNIX); the peer check refuses its userns).
 * The session process (session.c) listens when lockPolicy is set and unlinks it at the end.
 * Requests: "approve HOST", "reject HOST", "pending"; replies as above. */

/* cordon_control_approval_path: the socket path for session id into buf.
 * Returns 0, -ENOENT (none of XDG_RUNTIME_DIR, XDG_STATE_HOME, HOME set) or -ENAMETOOLONG. */
int cordon_control_approval_path(const char *id, char *buf, size_t len);

/* cordon_control_approval_listen: session side. Create the directory (0700, owned by the caller,
 * not a symlink) and a listening socket for session id; *fd is non-blocking and CLOEXEC. The
 * caller watches it (on the session's loop) and calls cordon_control_approval_serve on EPOLLIN,
 * and unlinks the path at the end. Returns 0 or a negative errno. */
int cordon_control_approval_listen(const char *id, int *fd, struct cordon_error *e);

/* cordon_control_approval_serve: session side. Accept one connection on listen_fd, refuse it
 * unless the peer (SO_PEERCRED, unix(7)) has the caller's uid and is in the caller's user
 * namespace (so no confined process can approve), then answer one request. Returns 0 or a
 * negative errno (a refused peer is not an error of the listener: 0). */
int cordon_control_approval_serve(struct cordon_control_ctx *c, int listen_fd,
				  struct cordon_error *e);

/* cordon_control_approve: outside side (`cordon approve SESSION HOST`). Send "approve HOST" (or
 * any request words) to the session's approval socket and return the reply payload malloc'd.
 * Returns 0, -ENOENT (no such session), or a negative errno with e->msg set. */
int cordon_control_approve(const char *id, char *const *words, char **reply,
			   struct cordon_error *e);

#endif
