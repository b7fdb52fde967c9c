/* proxy.h — the filtering proxy served by the session process: HTTP/1.1 CONNECT (RFC 9110 §9.3.6),
 * absolute-form HTTP forwarding (RFC 9112 §3.2.2) and SOCKS5 CONNECT (RFC 1928), one epoll loop,
 * splice(2) relays, c-ares name resolution, policy decided before any lookup. */
#ifndef CORDON_PROXY_H
#define CORDON_PROXY_H

#include <stdint.h>

#include "cordon/error.h"
#include "cordon/policy.h"

struct cordon_proxy;

struct cordon_proxy_config {
	struct cordon_policy *policy; /* live: allow/deny lists may change between connections */
	int http_fd;                  /* listening TCP socket (created inside the netns), or -1 */
	int socks_fd;                 /* listening TCP socket for SOCKS5, or -1 */
	int log_fd;                   /* violation log, JSON lines appended, or -1 */
	const char *log_path;         /* when log_fd is -1: opened (cordon_vlog_open) on the first
	                                 violation, so a session without one leaves no file; or NULL */
	const char *hosts_file;       /* test hook: names resolved from this file first, or NULL */
};

/* Callback for extra fds served by the same loop (the control channel). events: EPOLL* bits.
 * Return 0 to keep the fd, or non-zero to remove and close it. */
typedef int (*cordon_fd_cb)(struct cordon_proxy *px, int fd, uint32_t events, void *arg);

/* cordon_proxy_new: set up the loop for cfg (fds become owned by the proxy). Returns 0 or -errno. */
int cordon_proxy_new(const struct cordon_proxy_config *cfg, struct cordon_proxy **out,
		     struct cordon_error *e);

/* cordon_proxy_watch: serve fd in the same epoll loop, calling cb on events. */
int cordon_proxy_watch(struct cordon_proxy *px, int fd, uint32_t events, cordon_fd_cb cb, void *arg,
		       struct cordon_error *e);

/* cordon_proxy_run: serve until cordon_proxy_stop is called (from a callback) or a fatal error.
 * Returns 0 or a negative errno. */
int cordon_proxy_run(struct cordon_proxy *px, struct cordon_error *e);
void cordon_proxy_stop(struct cordon_proxy *px);
void cordon_proxy_free(struct cordon_proxy *px);

#endif
