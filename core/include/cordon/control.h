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
};

/* cordon_control_handle: session side. Handle one request (req, len bytes, not NUL-terminated)
 * and return a malloc'd NUL-terminated reply in *reply ("ok ..." / "err ..."). Verbs:
 * "allow-host H...", "deny-host H...", "hosts" (JSON), "policy" (JSON), "status" (JSON).
 * Returns 0 (a reply was made, even an "err" one) or -ENOMEM. */
int cordon_control_handle(struct cordon_control_ctx *c, const char *req, size_t len, char **reply);

/* cordon_control_call: caller side. Send a request made of words (NULL-terminated argv) with an
 * optional fd (-1 for none), wait for the reply and return it malloc'd in *reply (without the
 * "ok " prefix). An "err" reply returns -EPERM (locked) or -EINVAL with e->msg = the message.
 * Returns 0 or a negative errno. */
int cordon_control_call(int ctl_fd, char *const *words, int fd, char **reply,
			struct cordon_error *e);

#endif
