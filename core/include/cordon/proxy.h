/* proxy.h — the filtering proxy served by the session process: HTTP/1.1 CONNECT (RFC 9110 §9.3.6),
 * absolute-form HTTP forwarding (RFC 9112 §3.2.2) and SOCKS5 CONNECT (RFC 1928), one epoll loop,
 * splice(2) relays, c-ares name resolution, policy decided before any lookup. */
#ifndef CORDON_PROXY_H
#define CORDON_PROXY_H

#include <stdint.h>

#include "cordon/error.h"
#include "cordon/policy.h"

struct cordon_proxy;
struct cordon_vlog_entry;

struct cordon_proxy_config {
	struct cordon_policy *policy; /* live: allow/deny lists may change between connections */
	int http_fd;                  /* listening TCP socket (created inside the netns), or -1 */
	int socks_fd;                 /* listening TCP socket for SOCKS5, or -1 */
	int log_fd;                   /* violation log, JSON lines appended, or -1 */
	const char *log_path;         /* when log_fd is -1: opened (cordon_vlog_open) on the first
	                                 violation, so a session without one leaves no file; or NULL */
	const char *hosts_file;       /* test hook: names resolved from this file first, or NULL */

	/* Optional network/ask hook (NULL: a host neither list names is refused, as always).
	 * Called with a canonical host (hostpat.h) and port for which cordon_host_decide says
	 * CORDON_VERDICT_UNLISTED, before any lookup; the connection then waits, without a
	 * lookup, for cordon_proxy_answer(px, token, ...) or ask_timeout_ms (then refused).
	 * Return 0 when the question is on its way, or a negative errno to refuse at once. */
	int (*ask)(void *arg, uint64_t token, const char *host, uint16_t port);
	void *ask_arg;
	unsigned ask_timeout_ms; /* longest wait for an answer; 0: CORDON_PROXY_ASK_TIMEOUT_MS */
};

#define CORDON_PROXY_ASK_TIMEOUT_MS 600000 /* 10 min: the asker applies its own, shorter one */

/* Answers to an ask. */
enum cordon_ask_answer {
	CORDON_ASK_DENY = 0,    /* refused: 403 / SOCKS5 0x02, logged "denied when asked" */
	CORDON_ASK_ONCE = 1,    /* this connection goes on to the lookup and the address checks */
	CORDON_ASK_SESSION = 2, /* as ONCE, and HOST:PORT joins the live allowlist */
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

/* cordon_proxy_log: append v to the violation log of cfg (vlog.h), opening cfg->log_path on the
 * first entry as for the proxy's own refusals (so a session without violations leaves no file).
 * For refusals decided elsewhere in the session (the guard worker's). Returns 0 or -errno; a log
 * that cannot be opened is given up, as for the proxy's own entries. */
int cordon_proxy_log(struct cordon_proxy *px, const struct cordon_vlog_entry *v);

/* cordon_proxy_answer: the answer to the question with this token (from cfg->ask); token 0
 * answers every open question (e.g. DENY when the asker went away). The address checks after the
 * lookup apply as for any allowed name. Returns 0, or -ENOENT when no connection waits for token
 * (it closed or timed out: nothing to do). */
int cordon_proxy_answer(struct cordon_proxy *px, uint64_t token, enum cordon_ask_answer a);

/* cordon_proxy_each_tunnel: call fn for every connection relaying a tunnel (CONNECT or SOCKS5)
 * now, with the accepted client socket and the canonical host (hostpat.h) and port it was
 * allowed for. For the agent socket (agent_filter.c), which signs only while the asking ssh has
 * a tunnel to an allowed SSH host. fn must not close client_fd. */
void cordon_proxy_each_tunnel(struct cordon_proxy *px,
			      void (*fn)(void *arg, int client_fd, const char *host, uint16_t port),
			      void *arg);

/* cordon_proxy_run: serve until cordon_proxy_stop is called (from a callback) or a fatal error.
 * Returns 0 or a negative errno. */
int cordon_proxy_run(struct cordon_proxy *px, struct cordon_error *e);
void cordon_proxy_stop(struct cordon_proxy *px);
void cordon_proxy_free(struct cordon_proxy *px);

#endif
