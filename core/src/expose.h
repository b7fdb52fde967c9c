/* expose.h — private to the session process: forwards from the host's loopback into the
 * sandbox (`sandbox expose PORT [HOSTPORT]`, `--expose`): the session process listens on host
 * 127.0.0.1:HOSTPORT and connects each accepted connection to 127.0.0.1:PORT inside the
 * sandbox's network namespace, with a socket the socket factory made there (capture_int.h). */
#ifndef CORDON_EXPOSE_H
#define CORDON_EXPOSE_H

#include <stdint.h>

#include "cordon/policy.h"
#include "cordon/proxy.h"

#define EXPOSE_MAX 32

struct expose;

/* expose_new: the forwards' state; factory is the socket factory's channel (owned from now
 * on). Returns 0 or -ENOMEM. */
int expose_new(struct cordon_proxy *px, int factory, struct expose **out, struct cordon_error *e);

/* expose_start: the forwards policy p names (p->expose, from --expose). Returns 0 or -errno
 * with e->msg naming the one that failed (e.g. the host port is taken). */
int expose_start(struct expose *x, const struct cordon_policy *p, struct cordon_error *e);

/* expose_add: forward host 127.0.0.1:host_port (0: the same as port) to port inside.
 * Returns 0 or -errno with e->msg set (-EADDRINUSE, -EEXIST, -ENOSPC beyond EXPOSE_MAX). */
int expose_add(struct expose *x, uint16_t port, uint16_t host_port, struct cordon_error *e);

/* expose_control: the control requests "expose PORT [HOSTPORT]", "unexpose HOSTPORT",
 * "exposed" (the list, "ok PORT>HOSTPORT ..."). Returns a malloc'd reply or NULL (out of
 * memory). */
char *expose_control(struct expose *x, const char *req);

void expose_free(struct expose *x);

#endif
