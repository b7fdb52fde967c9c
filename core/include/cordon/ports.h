/* ports.h — the dev-server ports of a policy: TCP ports confined processes may bind, and
 * forwards from the host's loopback into the sandbox. */
#ifndef CORDON_PORTS_H
#define CORDON_PORTS_H

#include <stdint.h>

#include "cordon/error.h"
#include "cordon/policy.h"

/* cordon_port_parse: a TCP port "1".."65535" (decimal, nothing else). Returns the port or
 * -EINVAL with e->msg naming what. */
int cordon_port_parse(const char *s, const char *what, struct cordon_error *e);

/* cordon_policy_add_bind: add "PORT" to p->allow_bind (duplicates dropped). Returns 0, -EINVAL
 * or -ENOSPC (more than CORDON_PORTS_MAX) with e->msg set. */
int cordon_policy_add_bind(struct cordon_policy *p, const char *port, struct cordon_error *e);

/* cordon_policy_add_expose: add "PORT" or "PORT:HOSTPORT" to p->expose (host port defaults to
 * PORT); the sandbox's PORT joins allow_bind too, since a server must bind it to be reached.
 * Returns 0, -EINVAL, -EEXIST (the host port is already forwarded) or -ENOSPC. */
int cordon_policy_add_expose(struct cordon_policy *p, const char *spec, struct cordon_error *e);

/* cordon_policy_binds: may a confined process bind TCP port under p (allowLocalBinding, or the
 * port is in allow_bind)? */
bool cordon_policy_binds(const struct cordon_policy *p, uint16_t port);

#endif
