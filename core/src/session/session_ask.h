/* session_ask.h — private to the session process: the network/ask link to the editor's
 * `cordon serve` (ask.h wire format), wired into the proxy's ask hook (proxy.h). */
#ifndef CORDON_SESSION_ASK_H
#define CORDON_SESSION_ASK_H

#include <stdint.h>
#include <sys/types.h>

#include "cordon/policy.h"
#include "cordon/proxy.h"
#include "loop.h"

struct session_ask {
	int fd;			      /* connection to serve, -1 when none or gone */
	struct cordon_proxy *px;      /* set once the proxy exists */
	struct cordon_policy *policy; /* the live policy ("allow" messages add to it) */
};

/* session_ask_open: if CORDON_ASK_ENV names an abstract socket, connect to it and say hello with
 * the session id and log path, then the caller's pid (0 when unknown). a->fd stays -1 when the
 * variable is unset or the server cannot be reached (unlisted hosts are then refused as without
 * an editor). Never fails the session. */
void session_ask_open(struct session_ask *a, const char *id, const char *log_path, pid_t caller);

/* session_ask_bye: the session ends as it should: say so ("bye"), so that serve does not take
 * the connection's end for the session process's death. Nothing when a->fd is -1. */
void session_ask_bye(struct session_ask *a);

/* session_ask_question: the proxy's cfg.ask (arg = struct session_ask *): send the question.
 * Returns 0, or -EPIPE when there is no server to ask. */
int session_ask_question(void *arg, uint64_t token, const char *host, uint16_t port);

/* session_ask_event: loop_watch callback (loop.h) for a->fd: answers and "allow" messages go to
 * a->px; at hang-up every open question is denied and the fd is dropped (returns 1). */
int session_ask_event(struct cordon_loop *l, int fd, uint32_t events, void *arg);

#endif
