/* capture_session.h — private to the session process S: the capture's state there (the DNS
 * stub, the address pool, the TLS parser, the forwards of `expose`) and its two hooks into the
 * session's start: before the proxy exists (its config) and once it serves. */
#ifndef CORDON_CAPTURE_SESSION_H
#define CORDON_CAPTURE_SESSION_H

#include <stdbool.h>

#include "capture_int.h"
#include "cordon/proxy.h"

struct capture_session;

/* capture_session_new: from B's capture report st (its fds pass to the result): when capture is
 * on, fill cfg->capture and cfg->transparent_fd for cordon_proxy_new. *out is always set (also
 * when capture is off, to hold the reason). Returns 0 or -ENOMEM. */
int capture_session_new(struct capture_state *st, struct cordon_proxy_config *cfg,
			struct capture_session **out, struct cordon_error *e);

/* capture_session_serve: once px exists: serve the DNS stub in its loop, and the forwards
 * policy p asks for at start (expose.h). Returns 0 or -errno with e->msg set. */
int capture_session_serve(struct capture_session *cs, struct cordon_proxy *px,
			  struct cordon_policy *p, struct cordon_error *e);

/* capture_session_on: capture is in force; otherwise why (may be "") names the reason. */
bool capture_session_on(const struct capture_session *cs, const char **why);

/* capture_session_control: a control request for the capture ("expose PORT [HOSTPORT]",
 * "unexpose HOSTPORT", "exposed"): returns true and a malloc'd reply ("ok ..."/"err ...", or
 * NULL when out of memory) in *reply, or false when req is not one of them. */
bool capture_session_control(struct capture_session *cs, const char *req, char **reply);

void capture_session_free(struct capture_session *cs);

#endif
