/* capture_int.h — private to the transparent capture (capture_*.c, dns_*.c, tls_sni.c,
 * proxy_transparent.c, expose.c): what the builder child B sets up inside the sandbox's network
 * namespace so that every TCP connection and every DNS query of a confined process reaches the
 * session process S, and how the pieces reach S. */
#ifndef CORDON_CAPTURE_INT_H
#define CORDON_CAPTURE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cordon/error.h"
#include "cordon/policy.h"

/* The fds B hands S for capture, in this order; -1 for one that is absent (IPv6 off). */
enum {
	CFD_TCP4,     /* transparent TCP listener, 127.0.0.1:port (nftables redirects here) */
	CFD_TCP6,     /* the same on [::1]:port (the same port number: one redirect rule) */
	CFD_DNS_UDP4, /* the DNS stub, 127.0.0.1:53 UDP (resolv.conf inside points here) */
	CFD_DNS_UDP6, /* [::1]:53 UDP */
	CFD_DNS_TCP4, /* 127.0.0.1:53 TCP (RFC 7766) */
	CFD_DNS_TCP6, /* [::1]:53 TCP */
	CFD_FACTORY,  /* socket factory: a SEQPACKET channel to a process in the network namespace
			 that answers each request with a new TCP socket made there (expose.c) */
	CFD_N
};

struct capture_fds {
	int fd[CFD_N];
	uint16_t tport; /* the transparent listeners' port */
	bool v6;	/* IPv6 is captured too (the kernel has IPv6 in the namespace) */
};

/* What S knows of capture after B's report: in force, or why not. */
struct capture_state {
	bool on;
	char why[256]; /* when !on: the step that failed, e.g. "nftables: ... Operation not
			  supported"; empty when capture was not tried */
	struct capture_fds fds;
};

/* capture_route_add: in the calling process's network namespace, `local` routes for every
 * address (0.0.0.0/0 with preferred source 127.0.0.1; ::/0 when v6) in the local table on lo
 * (ip-route(8) "local": the destinations are this host's), so that connect(2) to any address
 * finds a route instead of failing with ENETUNREACH, and the nftables output hook sees the
 * packet (netfilter runs after the route lookup). Only lo exists: nothing can leave the
 * namespace through these routes. libnl-route-3 (rtnetlink(7) RTM_NEWROUTE).
 * Returns 0 or -errno with e->msg naming the route. */
int capture_route_add(bool v6, struct cordon_error *e);

/* capture_nft_apply: the nftables ruleset of the namespace (table inet cordon), through
 * libnftnl + libmnl in one batch (nfnetlink, NFNL_SUBSYS_NFTABLES):
 *   chain nat_out   (nat, output hook, priority -100):
 *     udp dport 53 redirect; tcp dport 53 redirect      (every DNS query: the stub on :53)
 *     ip daddr 127.0.0.0/8 accept; ip6 daddr ::1 accept (the sandbox's own loopback)
 *     meta l4proto tcp redirect to :tport               (every other TCP connection)
 *   chain filter_out (filter, output hook, priority 0, policy drop):
 *     ip daddr 127.0.0.0/8 accept; ip6 daddr ::1 accept; ct direction reply accept
 * so UDP other than DNS, ICMP and anything else to a non-loopback address fails with EPERM
 * (a dropped locally generated packet, nf_hook_slow). REDIRECT maps the destination to the
 * primary address of the loopback (127.0.0.1 / ::1), keeping the port unless given
 * (nft(8) "REDIRECT"); SO_ORIGINAL_DST gives the original (proxy_transparent.c).
 * Returns 0 or -errno with e->msg naming the step (e.g. a kernel without nf_tables nat). */
int capture_nft_apply(uint16_t tport, struct cordon_error *e);

/* capture_setup: run by B inside the new namespaces with full capabilities there, after lo is
 * up and the mounts are laid out: routes, the transparent listeners, the DNS stub's sockets
 * (binding port 53 needs CAP_NET_BIND_SERVICE in the namespace's user namespace, which B has),
 * the nftables ruleset, /etc/resolv.conf inside (a read-only bind of a file naming the stub,
 * over the file the path resolves to), and the socket factory's channel: out->fd[CFD_FACTORY]
 * for S, *factory for B, which serves it once its work is done (capture_factory_serve). Returns 0
 * with out filled, or -errno with e->msg naming the step; nothing half-done stays in force on
 * failure (the table is applied last but one, the resolv.conf bind last, and a failure before
 * removes nothing that matters: listeners are closed, routes on lo lead nowhere without the
 * table). */
int capture_setup(const struct cordon_policy *p, struct capture_fds *out, int *factory,
		  struct cordon_error *e);

/* capture_factory_serve: become the socket factory on sock (B's end of the channel, its last
 * work): every other fd closed, no capability (socket(2) of TCP needs none), non-dumpable,
 * no_new_privs; each request is answered with a new TCP socket of this network namespace. Exits
 * when S hangs up. Never returns. */
__attribute__((noreturn)) void capture_factory_serve(int sock);

/* capture_report_send: B → S, one SEQPACKET message right after B's main report: status 0
 * with the fds of f, or a negative status with e->msg (capture not in force). */
int capture_report_send(int sock, int status, const struct capture_fds *f,
			const struct cordon_error *e);

/* capture_report_recv: S's side of capture_report_send, into st. Returns 0 (st->on tells),
 * or -errno when the message did not come (B ended). */
int capture_report_recv(int sock, struct capture_state *st);

/* capture_fds_close: close every fd of f and mark it -1. */
void capture_fds_close(struct capture_fds *f);

/* capture_factory_socket: ask the socket factory on fd for a new non-blocking TCP socket of
 * family (AF_INET or AF_INET6) made in the sandbox's network namespace; waits at most 1 s.
 * Returns the fd (close-on-exec) or -errno. */
int capture_factory_socket(int fd, int family);

#endif
