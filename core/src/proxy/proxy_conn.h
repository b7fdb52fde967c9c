/* proxy_conn.h — private to the proxy: the proxy's state, one connection's state, and the calls
 * its three files make into each other: proxy.c (listeners, limits, timers, public API),
 * proxy_conn.c (request, decision, lookup, connect, refusals) and proxy_relay.c (the bytes). */
#ifndef CORDON_PROXY_CONN_H
#define CORDON_PROXY_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cordon/proxy.h"
#include "loop.h"
#include "proxy_http.h"
#include "proxy_peer.h"
#include "proxy_resolve.h"
#include "proxy_transparent.h"
#include "vlog_sink.h"

#define PX_SETUP_TIMEOUT_MS 10000 /* head, lookup, each connect attempt, lingering close */
#define PX_PIPE_CAP 65536	  /* default pipe capacity, pipe(7) */
#define PX_LINGER_MAX 65536	  /* bytes drained after a final reply before closing outright */

#define container_of(p, T, m) ((T *)((char *)(p)-offsetof(T, m)))

enum px_proto {
	PX_HTTP,
	PX_SOCKS,
	PX_TRANSPARENT, /* captured: proxy_transparent.h */
	PX_FORWARD,	/* cordon_proxy_forward: a fixed upstream, no decision */
};

enum px_state {
	ST_HTTP_HEAD,	/* reading the request head */
	ST_SOCKS_GREET, /* reading the method negotiation */
	ST_SOCKS_REQ,	/* reading the SOCKS5 request */
	ST_ASKING,	/* unlisted host: waiting for cordon_proxy_answer (network/ask) */
	ST_RESOLVING,	/* c-ares lookup pending */
	ST_CONNECTING,	/* non-blocking connect to addrs.a[ai] */
	ST_RELAY,	/* splice both ways */
	ST_CLOSING,	/* sending a final reply to the client */
	ST_LINGER,	/* reply sent and write side shut: draining the client until EOF */
};

/* One direction of a relay: src → pipe → dst. */
struct px_dir {
	int pipe[2];
	size_t pend; /* bytes in the pipe */
	bool eof;    /* src ended (or, upstream-bound absolute-form, the body is complete) */
	bool shut;   /* dst's write side was shut down */
};

struct px_conn {
	struct loop_ev evc, evu; /* client and upstream sockets */
	struct cordon_proxy *px;
	enum px_proto proto;
	enum px_state st;
	bool tunnel; /* CONNECT or SOCKS5 (else absolute-form: one request, then close) */
	struct px_conn *prev, *next;   /* px->conns, or px->dead */
	struct px_conn *tprev, *tnext; /* px->timers, in deadline order */
	bool timed;
	uint64_t deadline; /* CLOCK_MONOTONIC ms */

	char *in;	    /* head buffer, PX_HTTP_HEAD_MAX bytes, freed once relaying */
	size_t inlen, used; /* used: bytes of in that made the head / SOCKS5 request */
	struct px_http_req *req;

	char *outc, *outu; /* bytes to send before relaying, to the client and upstream */
	size_t outc_len, outc_off, outu_len, outu_off;

	char canon[256]; /* canonical host */
	uint16_t port;
	const char *vproto; /* "connect", "http", "socks5" */
	struct px_addrs addrs;
	size_t ai;
	struct px_lookup *lookup;
	int connect_err;

	struct px_dir cu, uc;
	uint64_t body_left; /* absolute-form: request body bytes still to relay upstream */
	size_t drained;	    /* bytes discarded while lingering */

	uint64_t ask_token;    /* ST_ASKING: the question's token */
	uint64_t ask_deadline; /* ST_ASKING: CLOCK_MONOTONIC ms */
	bool is_ip;	       /* the host is an IP literal */
	bool gate;	       /* captured: client bytes held until px_transparent_gate opens */
};

struct px_listener {
	struct loop_ev ev;
	struct cordon_proxy *px;
	enum px_proto proto;
};

struct px_compat_watch; /* cordon_proxy_watch's adapters (proxy.c) */

struct cordon_proxy {
	struct cordon_loop *loop; /* the session's (cfg->loop), or own_loop */
	struct cordon_loop *own_loop;
	struct loop_hook hook; /* timers, c-ares timeouts, freeing closed connections */
	struct cordon_policy *policy;
	struct vlog_sink *sink; /* the session's (cfg->sink), or &own_sink */
	struct vlog_sink own_sink;
	int reserve_fd; /* spare fd released to accept-and-refuse when the fd table is full */
	struct px_listener http, socks;
	struct px_listener tp4, tp6; /* transparent listeners, when capture is in force */
	const struct px_capture *capture;
	struct px_resolver *res;
	struct px_conn *conns, *dead;
	struct px_conn *thead, *ttail;
	struct px_compat_watch *compat;
	size_t nconns, max_conns;

	int (*ask)(void *arg, uint64_t token, const char *host, uint16_t port);
	void *ask_arg;
	unsigned ask_timeout_ms;
	uint64_t ask_seq; /* last token handed out */
	size_t n_asking;  /* connections in ST_ASKING */
	/* Time spent finding refused clients' pids (proxy_peer.h). */
	struct px_peer_meter peer_meter;
};

/* ---- proxy.c ---- */

uint64_t px_now_ms(void);
/* px_timer_start: (re)arm c's deadline PX_SETUP_TIMEOUT_MS from now. px_timer_stop: disarm. */
void px_timer_start(struct px_conn *c);
void px_timer_stop(struct px_conn *c);

/* ---- proxy_conn.c ---- */

/* px_client_ev / px_upstream_ev: loop_ev callbacks of a connection's two sockets. */
void px_client_ev(struct loop_ev *ev, uint32_t events);
void px_upstream_ev(struct loop_ev *ev, uint32_t events);
/* px_conn_close: close every fd of c and move it to px->dead (freed by px_conn_free after the
 * batch). px_drop_upstream: close the upstream socket only. */
void px_conn_close(struct px_conn *c);
void px_conn_free(struct px_conn *c);
void px_drop_upstream(struct px_conn *c);
/* px_fail: refuse the request with an HTTP status (a SOCKS5 client gets reply code rep). */
void px_fail(struct px_conn *c, int status, uint8_t rep, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* px_proceed: the host is allowed: lookup (or the literal), address checks, connect. */
void px_proceed(struct px_conn *c);
/* px_ask_refuse: the question about c was answered deny, or not in time (why). */
void px_ask_refuse(struct px_conn *c, const char *why);
/* px_try_connect: connect to c->addrs from c->ai on; refuses when none is left. */
void px_try_connect(struct px_conn *c);
/* px_transparent_request: a captured connection is decided on where it was headed
 * (proxy_transparent.h), then goes on as a CONNECT request for that host and port. */
void px_transparent_request(struct px_conn *c);
/* px_log_refusal: log c's host refused for why (the violation log, vlog.h). */
void px_log_refusal(struct px_conn *c, const char *why);

/* ---- proxy_relay.c ---- */

/* px_sock_relay: socket options of both ends of a relayed connection (the client's accepted
 * socket, the upstream one): TCP_NODELAY (tcp(7)). */
void px_sock_relay(int fd);
/* px_send_buf: send buf[*off..len) on fd. Returns 1 when all is sent, 0 when it would block,
 * -1 on error. */
int px_send_buf(int fd, const char *buf, size_t len, size_t *off);
/* px_set_out: replace *buf with a copy of data (n bytes), nothing sent yet. 0 or -ENOMEM. */
int px_set_out(char **buf, size_t *len, size_t *off, const void *data, size_t n);
/* px_finish: send the final reply queued in outc, then shut the write side and linger. */
void px_finish(struct px_conn *c);
/* px_linger: drain the client after the final reply until EOF (bounded), then close. */
void px_linger(struct px_conn *c);
/* px_start_relay: the upstream is connected: the reply to the client, then splice both ways. */
void px_start_relay(struct px_conn *c);
/* px_pump: move what is ready in both directions; closes c when the relay is over. */
void px_pump(struct px_conn *c);

#endif
