/* proxy_resolve.h — private to the proxy: asynchronous name resolution with c-ares inside the
 * session's event loop, and the test hook that resolves names from a hosts(5) file. */
#ifndef CORDON_PROXY_RESOLVE_H
#define CORDON_PROXY_RESOLVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cordon/error.h"

struct cordon_loop;

#define PX_ADDRS_MAX 16

struct px_addrs {
	size_t n;
	struct sockaddr_storage a[PX_ADDRS_MAX]; /* ports already set */
};

struct px_resolver;
struct px_lookup;

/* Result of a pending lookup: err 0 and addrs, or a negative errno and a static reason. */
typedef void (*px_resolve_cb)(void *arg, int err, const struct px_addrs *addrs, const char *why);

/* px_resolver_new: a resolver on a c-ares channel whose sockets join loop (loop.h) through the
 * socket state callback (ares_init_options ARES_OPT_SOCK_STATE_CB); hosts_file (may be NULL) is
 * the test hook. The channel is made at the first lookup (px_resolve), not here. Returns 0 or
 * -ENOMEM with e->msg set. */
int px_resolver_new(struct cordon_loop *loop, const char *hosts_file, struct px_resolver **out,
		    struct cordon_error *e);
void px_resolver_free(struct px_resolver *r);

/* px_resolve: resolve name (canonical, not an IP literal) for TCP port. Names found in the hosts
 * file resolve from it alone. Returns 1 when the answer is known now (in *now), 0 when pending (cb
 * will be called from the loop, *handle lets the caller cancel), or -errno with *why set (-EIO
 * with c-ares's reason when its channel cannot be made, then at every later lookup too). */
int px_resolve(struct px_resolver *r, const char *name, uint16_t port, struct px_addrs *now,
	       const char **why, px_resolve_cb cb, void *arg, struct px_lookup **handle);

/* px_lookup_cancel: the callback of a pending lookup will not be called. */
void px_lookup_cancel(struct px_lookup *l);

/* px_resolver_timeout_ms: milliseconds until c-ares must run for its timeouts (<= max_ms;
 * max_ms < 0 means no limit, -1 returned for none). */
int px_resolver_timeout_ms(struct px_resolver *r, int max_ms);

/* px_resolver_tick: let c-ares handle expired timeouts (ares_process_fd without fds). */
void px_resolver_tick(struct px_resolver *r);

/* px_resolver_reap: free socket handlers retired during the last batch of events. */
void px_resolver_reap(struct px_resolver *r);

/* px_hosts_lookup: addresses of name in the hosts(5) file path, in file order, with port set.
 * Returns 1 when found, 0 when not named there, -errno when the file cannot be read. */
int px_hosts_lookup(const char *path, const char *name, uint16_t port, struct px_addrs *out);

#endif
