/* proxy.h — the filtering proxy served by the session process: HTTP/1.1 CONNECT (RFC 9110 §9.3.6),
 * absolute-form HTTP forwarding (RFC 9112 §3.2.2) and SOCKS5 CONNECT (RFC 1928) on the session's
 * event loop, splice(2) relays, c-ares name resolution, policy decided before any lookup. */
#ifndef CORDON_PROXY_H
#define CORDON_PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "cordon/error.h"
#include "cordon/policy.h"

struct cordon_proxy;
struct cordon_vlog_entry;
struct cordon_loop; /* the session's event loop (core/src/loop.h) */
struct vlog_sink;   /* the session's violation-log sink (core/src/vlog_sink.h) */
struct px_capture;

struct cordon_proxy_config {
	struct cordon_policy *policy; /* live: allow/deny lists may change between connections */
	int http_fd;                  /* listening TCP socket (created inside the netns), or -1 */
	int socks_fd;                 /* listening TCP socket for SOCKS5, or -1 */
	int log_fd;                   /* violation log, JSON lines appended, or -1 */
	const char *log_path;         /* when log_fd is -1: opened (cordon_vlog_open) on the first
	                                 violation, so a session without one leaves no file; or NULL */
	const char *hosts_file;       /* test hook: names resolved from this file first, or NULL */
	/* Inside libcordon (the session process): the loop to serve on and the sink to log to,
	 * both the caller's (they outlive the proxy). NULL: the proxy makes a loop of its own
	 * (cordon_proxy_run runs it) and logs to log_fd / log_path. */
	struct cordon_loop *loop;
	struct vlog_sink *sink;

	/* Transparent capture (capture_int.h), or NULL: then transparent_fd is not read. The
	 * listeners (IPv4, IPv6; -1 for none) take connections nftables redirected; each is
	 * decided by where it was headed (proxy_transparent.h), then like a CONNECT request. */
	const struct px_capture *capture;
	int transparent_fd[2];

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

/* Callback for extra fds served by the same loop. events: EPOLL* bits. Return 0 to keep the fd,
 * or non-zero to remove and close it. (Inside libcordon, loop.h's loop_watch has this shape.) */
typedef int (*cordon_fd_cb)(struct cordon_proxy *px, int fd, uint32_t events, void *arg);

/* cordon_proxy_new: set up the proxy for cfg on cfg->loop (or a loop of its own); the listening
 * fds and log_fd become the proxy's. Returns 0 or -errno. */
int cordon_proxy_new(const struct cordon_proxy_config *cfg, struct cordon_proxy **out,
		     struct cordon_error *e);

/* cordon_proxy_watch: serve fd on the proxy's loop, calling cb on events; fd is closed when cb
 * returns non-zero, or when the proxy is freed. */
int cordon_proxy_watch(struct cordon_proxy *px, int fd, uint32_t events, cordon_fd_cb cb, void *arg,
		       struct cordon_error *e);

/* cordon_proxy_log: append v to the proxy's violation-log sink (cfg->sink, or log_fd / log_path
 * opened on the first entry, so a session without violations leaves no file). For refusals
 * decided elsewhere in the session (the guard worker's). Returns 0 or -errno; a log that cannot
 * be opened is given up, as for the proxy's own entries. */
int cordon_proxy_log(struct cordon_proxy *px, const struct cordon_vlog_entry *v);

/* cordon_proxy_forward: relay between client_fd (accepted) and upstream_fd (a non-blocking
 * connect(2) in progress) in the proxy's loop, with its timeouts and limits, deciding nothing
 * (the session's `expose` forwards). Both fds become the proxy's, also on failure. A connect
 * that fails resets the client. Returns 0 or -errno with e->msg set. */
int cordon_proxy_forward(struct cordon_proxy *px, int client_fd, int upstream_fd,
			 struct cordon_error *e);

/* cordon_proxy_answer: the answer to the question with this token (from cfg->ask); token 0
 * answers every open question (e.g. DENY when the asker went away). The address checks after the
 * lookup apply as for any allowed name. Returns 0, or -ENOENT when no connection waits for token
 * (it closed or timed out: nothing to do). */
int cordon_proxy_answer(struct cordon_proxy *px, uint64_t token, enum cordon_ask_answer a);

/* The session process raises its soft RLIMIT_NOFILE to its hard limit, but to this many at most:
 * each relayed connection holds CORDON_PROXY_FDS_PER_CONN fds, and memory for the relay grows
 * with them (about 11 KB per idle tunnel, tens of KB while data is in the pipes). */
#define CORDON_PROXY_NOFILE_MAX 65536
#define CORDON_PROXY_FDS_PER_CONN 6    /* client, upstream, two pipes (splice(2)) */
#define CORDON_PROXY_FDS_RESERVED 64   /* kept for c-ares, the session's own fds and callers */
#define CORDON_PROXY_CONNS_UNLIMITED 100000 /* the connection limit with no fd limit at all */

/* cordon_proxy_nofile_target: the soft fd limit the session process runs with, given its limits
 * rl: the hard limit, at most CORDON_PROXY_NOFILE_MAX, never below the soft limit it has. */
unsigned long cordon_proxy_nofile_target(const struct rlimit *rl);

/* cordon_proxy_nofile_raise: raise this process's soft RLIMIT_NOFILE to
 * cordon_proxy_nofile_target (setrlimit(2); an unprivileged process may raise it up to the hard
 * limit). For the session process: the confined side keeps the limits it had (a soft limit above
 * FD_SETSIZE breaks programs that use select(2)). Returns the soft limit now in force (LONG_MAX
 * for none), or -errno (the limit is then unchanged). */
long cordon_proxy_nofile_raise(void);

/* cordon_proxy_capacity: the connections a proxy holds at once with a soft fd limit of nofile
 * (RLIM_INFINITY: CORDON_PROXY_CONNS_UNLIMITED): (nofile - CORDON_PROXY_FDS_RESERVED) /
 * CORDON_PROXY_FDS_PER_CONN, at least 1. Beyond it the proxy evicts clients still sending their
 * request, else answers 503 / SOCKS5 "no acceptable method". */
size_t cordon_proxy_capacity(unsigned long nofile);

/* cordon_proxy_max_conns: the capacity of px, fixed when it was made. */
size_t cordon_proxy_max_conns(const struct cordon_proxy *px);

/* cordon_proxy_each_tunnel: call fn for every connection relaying a tunnel (CONNECT or SOCKS5)
 * now, with the accepted client socket and the canonical host (hostpat.h) and port it was
 * allowed for. For the agent socket (agent_filter.c), which signs only while the asking ssh has
 * a tunnel to an allowed SSH host. fn must not close client_fd. */
void cordon_proxy_each_tunnel(struct cordon_proxy *px,
			      void (*fn)(void *arg, int client_fd, const char *host, uint16_t port),
			      void *arg);

/* cordon_proxy_run: run the proxy's loop until cordon_proxy_stop is called (from a callback) or
 * a fatal error. Returns 0 or a negative errno. */
int cordon_proxy_run(struct cordon_proxy *px, struct cordon_error *e);
void cordon_proxy_stop(struct cordon_proxy *px);
void cordon_proxy_free(struct cordon_proxy *px);

#endif
