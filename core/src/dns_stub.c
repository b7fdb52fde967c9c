/* dns_stub.c — the sandbox's DNS stub (dns_stub.h): messages parsed and built with ldns, UDP
 * and TCP (RFC 7766) served in the session process's loop. */
#include "dns_stub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cordon/hostpat.h"
#include "cordon/vlog.h"

#define EDNS_PAYLOAD 1232 /* DNS flag day 2020: no fragmentation on any path */
#define TCP_CONNS_MAX 64
#define LOGGED_MAX 4096

static uint64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* host_name: the question name as a canonical host name into out, or false when it is not one
 * (RFC 952/1123 letters, digits and '-', plus '_' of service labels; not an IP literal). */
static bool host_name(const ldns_rdf *owner, char *out, size_t len, char *raw, size_t rawlen)
{
	char *s = ldns_rdf2str(owner);
	struct cordon_error e;
	bool is_ip = false;
	size_t n;

	raw[0] = out[0] = '\0';
	if (!s)
		return false;
	snprintf(raw, rawlen, "%s", s);
	n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.')) {
			free(s);
			return false;
		}
	}
	bool ok = n > 1 && cordon_host_canonical(s, n, out, len, &is_ip, &e) == 0 && !is_ip;
	free(s);
	return ok;
}

/* localhost: RFC 6761 §6.3. */
static bool is_localhost(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "localhost") ||
	       (n > 10 && !strcmp(name + n - 10, ".localhost"));
}

/* ptr_addr: the address a reverse-lookup name stands for (RFC 1035 §3.5, RFC 3596 §2.5). */
static bool ptr_addr(const char *name, struct sockaddr_storage *ss)
{
	size_t n = strlen(name);

	memset(ss, 0, sizeof(*ss));
	if (n > 13 && !strcmp(name + n - 13, ".in-addr.arpa")) {
		unsigned a, b, c, d;
		char tail;
		if (sscanf(name, "%u.%u.%u.%u.in-addr.arp%c", &d, &c, &b, &a, &tail) != 5 ||
		    a > 255 || b > 255 || c > 255 || d > 255)
			return false;
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(a << 24 | b << 16 | c << 8 | d);
		return true;
	}
	if (n == 72 && !strcmp(name + 64, "ip6.arpa")) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		for (int i = 0; i < 32; i++) {
			char c = name[2 * i];
			int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (v < 0 || name[2 * i + 1] != '.')
				return false;
			int nib = 31 - i; /* the first label is the lowest nibble */
			s6->sin6_addr.s6_addr[nib / 2] |= (uint8_t)(nib % 2 ? v : v << 4);
		}
		s6->sin6_family = AF_INET6;
		return true;
	}
	return false;
}

/* refused_everywhere: the verdict when no port is allowed for name: DENY or UNLISTED, or ALLOW
 * when some port is (a rule "host:443" allows that port only, hostpat.h). */
static enum cordon_verdict verdict_any_port(const struct cordon_policy *p, const char *name)
{
	enum cordon_verdict v = cordon_host_decide(p, name, 0);

	if (v == CORDON_VERDICT_ALLOW)
		return v;
	for (size_t i = 0; i < p->allow_hosts.n; i++)
		if (p->allow_hosts.v[i].port &&
		    cordon_host_decide(p, name, p->allow_hosts.v[i].port) == CORDON_VERDICT_ALLOW)
			return CORDON_VERDICT_ALLOW;
	return v;
}

static bool push_rdata(ldns_pkt *r, const ldns_rdf *owner, ldns_rr_type t, ldns_rdf *rd)
{
	ldns_rr *a = rd ? ldns_rr_new() : NULL;
	ldns_rdf *o = a ? ldns_rdf_clone(owner) : NULL;

	if (!a || !o) {
		if (a)
			ldns_rr_free(a);
		if (rd)
			ldns_rdf_deep_free(rd);
		return false;
	}
	ldns_rr_set_owner(a, o);
	ldns_rr_set_type(a, t);
	ldns_rr_set_class(a, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(a, DNS_POOL_TTL);
	ldns_rr_push_rdf(a, rd);
	return ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, a);
}

/* answer_question: fill r's answer and rcode for question rr. */
static int answer_question(ldns_pkt *r, const ldns_rr *rr, struct dns_pool *pool,
			   const struct cordon_policy *p, bool v6, uint64_t now,
			   struct dns_stub_note *note)
{
	const ldns_rdf *owner = ldns_rr_owner(rr);
	ldns_rr_type t = ldns_rr_get_type(rr);
	char name[256], raw[1024];
	struct in_addr a4;
	struct in6_addr a6;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_REFUSED);
		return 0;
	}
	if (!host_name(owner, name, sizeof(name), raw, sizeof(raw))) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
		if (note && raw[0]) {
			snprintf(note->name, sizeof(note->name), "%s", raw);
			note->reason = "looked up; not a host name";
		}
		return 0;
	}
	if (t == LDNS_RR_TYPE_PTR) {
		struct sockaddr_storage ss;
		const char *n = ptr_addr(name, &ss) ? dns_pool_name(pool, (struct sockaddr *)&ss, now)
						    : NULL;
		if (!n) {
			ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
			return 0;
		}
		ldns_rdf *d = ldns_dname_new_frm_str(n);
		return push_rdata(r, owner, LDNS_RR_TYPE_PTR, d) ? 0 : -ENOMEM;
	}
	if (t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA)
		return 0; /* NODATA */
	if (t == LDNS_RR_TYPE_AAAA && !v6)
		return 0;
	if (is_localhost(name)) {
		a4.s_addr = htonl(INADDR_LOOPBACK);
		a6 = in6addr_loopback;
	} else {
		int rc = dns_pool_assign(pool, name, now, &a4, &a6);
		if (rc < 0) {
			ldns_pkt_set_rcode(r, LDNS_RCODE_SERVFAIL);
			if (note) {
				snprintf(note->name, sizeof(note->name), "%s", name);
				note->reason = "looked up; the sandbox's address pool is full";
			}
			return rc == -ENOMEM ? rc : 0;
		}
		enum cordon_verdict v = verdict_any_port(p, name);
		if (note && v != CORDON_VERDICT_ALLOW) {
			snprintf(note->name, sizeof(note->name), "%s", name);
			note->reason = v == CORDON_VERDICT_DENY ? "looked up; on the denylist"
								: "looked up; not on the allowlist";
		}
	}
	ldns_rdf *d = t == LDNS_RR_TYPE_A ? ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, &a4)
					  : ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, &a6);
	return push_rdata(r, owner, t, d) ? 0 : -ENOMEM;
}

int dns_stub_answer(struct dns_pool *pool, const struct cordon_policy *p, bool v6,
		    const uint8_t *q, size_t qlen, uint64_t now, uint8_t **out, size_t *outlen,
		    struct dns_stub_note *note)
{
	ldns_pkt *qp = NULL, *r;
	int rc = 0;

	*out = NULL;
	*outlen = 0;
	if (note)
		note->name[0] = '\0';
	if (qlen < LDNS_HEADER_SIZE || (q[2] & 0x80))
		return -EINVAL; /* not a query: never answer a response (no reflection loops) */
	r = ldns_pkt_new();
	if (!r)
		return -ENOMEM;
	ldns_pkt_set_id(r, (uint16_t)(q[0] << 8 | q[1]));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, LDNS_PACKET_QUERY);
	ldns_pkt_set_rcode(r, LDNS_RCODE_NOERROR);
	if (ldns_wire2pkt(&qp, q, qlen) != LDNS_STATUS_OK) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_FORMERR);
		goto wire;
	}
	ldns_pkt_set_rd(r, ldns_pkt_rd(qp));
	ldns_pkt_set_ra(r, true);
	if (ldns_pkt_get_opcode(qp) != LDNS_PACKET_QUERY) {
		ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(qp));
		ldns_pkt_set_rcode(r, LDNS_RCODE_NOTIMPL);
		goto wire;
	}
	if (ldns_pkt_qdcount(qp) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(qp)) != 1) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_FORMERR);
		goto wire;
	}
	const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_question(qp), 0);
	ldns_rr *qc = ldns_rr_clone(rr);
	if (!qc || !ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, qc)) {
		if (qc)
			ldns_rr_free(qc);
		rc = -ENOMEM;
		goto done;
	}
	ldns_pkt_set_aa(r, true);
	if (ldns_pkt_edns(qp))
		ldns_pkt_set_edns_udp_size(r, EDNS_PAYLOAD);
	rc = answer_question(r, rr, pool, p, v6, now, note);
	if (rc < 0)
		goto done;
wire:
	if (ldns_pkt2wire(out, r, outlen) != LDNS_STATUS_OK) {
		*out = NULL;
		rc = -ENOMEM;
	}
done:
	if (qp)
		ldns_pkt_free(qp);
	ldns_pkt_free(r);
	return rc;
}

/* ---- serving ---- */

struct tcp_conn {
	struct dns_stub *s;
	uint8_t buf[2 + 65535];
	size_t len;
};

struct dns_stub {
	struct cordon_proxy *px;
	struct dns_pool *pool;
	struct cordon_policy *p;
	bool v6;
	size_t ntcp;
	uint64_t logged[LOGGED_MAX]; /* hashes of names logged (a ring once full) */
	size_t nlogged;
	uint64_t log_window;
	unsigned log_lines;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static void note_log(struct dns_stub *s, const struct dns_stub_note *n)
{
	struct cordon_vlog_entry v = {0};
	uint64_t h, now;
	size_t have;

	if (!n->name[0])
		return;
	h = name_hash(n->name);
	have = s->nlogged < LOGGED_MAX ? s->nlogged : LOGGED_MAX;
	for (size_t i = 0; i < have; i++)
		if (s->logged[i] == h)
			return;
	now = mono_s();
	if (now != s->log_window) {
		s->log_window = now;
		s->log_lines = 0;
	}
	if (s->log_lines >= DNS_STUB_LOG_PER_S)
		return;
	s->log_lines++;
	s->logged[s->nlogged++ % LOGGED_MAX] = h;
	v.time = time(NULL);
	snprintf(v.host, sizeof(v.host), "%s", n->name);
	snprintf(v.reason, sizeof(v.reason), "%s", n->reason);
	snprintf(v.proto, sizeof(v.proto), "dns");
	(void)cordon_proxy_log(s->px, &v);
}

static int on_udp(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct dns_stub *s = arg;
	uint8_t q[4096];

	(void)px;
	if (!(events & EPOLLIN))
		return 0;
	/* Bounded per wake-up so one flood cannot hold the loop. */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		struct dns_stub_note note;
		uint8_t *out;
		size_t outlen;
		ssize_t n = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		if (dns_stub_answer(s->pool, s->p, s->v6, q, (size_t)n, mono_s(), &out, &outlen,
				    &note) < 0)
			continue;
		note_log(s, &note);
		(void)sendto(fd, out, outlen, MSG_DONTWAIT | MSG_NOSIGNAL,
			     (struct sockaddr *)&from, fl);
		free(out);
	}
	return 0;
}

/* on_tcp_conn: RFC 7766 §8: each message with a two-byte length; answered in order. */
static int on_tcp_conn(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct tcp_conn *c = arg;
	struct dns_stub *s = c->s;
	ssize_t n;

	(void)px;
	for (;;) {
		n = recv(fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			goto close;
		if (n < 0)
			break;
		c->len += (size_t)n;
		while (c->len >= 2) {
			size_t m = (size_t)c->buf[0] << 8 | c->buf[1];
			struct dns_stub_note note;
			uint8_t *out;
			size_t outlen;

			if (c->len < 2 + m)
				break;
			if (dns_stub_answer(s->pool, s->p, s->v6, c->buf + 2, m, mono_s(), &out,
					    &outlen, &note) == 0) {
				uint8_t pre[2] = {(uint8_t)(outlen >> 8), (uint8_t)outlen};
				struct iovec iov[2] = {{pre, 2}, {out, outlen}};
				struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
				note_log(s, &note);
				/* A reply is a few hundred bytes to a fresh socket: a client
				 * that does not read its replies is dropped. */
				ssize_t w = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
				free(out);
				if (w != (ssize_t)(outlen + 2))
					goto close;
			}
			memmove(c->buf, c->buf + 2 + m, c->len - 2 - m);
			c->len -= 2 + m;
		}
	}
	if (events & (EPOLLHUP | EPOLLERR))
		goto close;
	return 0;
close:
	s->ntcp--;
	free(c);
	return 1;
}

static int on_tcp_listen(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct dns_stub *s = arg;
	struct cordon_error e;

	(void)events;
	for (int i = 0; i < 16; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tcp_conn *tc;

		if (c < 0)
			break;
		if (s->ntcp >= TCP_CONNS_MAX || !(tc = calloc(1, sizeof(*tc)))) {
			close(c);
			continue;
		}
		tc->s = s;
		if (cordon_proxy_watch(px, c, EPOLLIN | EPOLLRDHUP, on_tcp_conn, tc, &e) < 0) {
			free(tc);
			close(c);
			continue;
		}
		s->ntcp++;
	}
	return 0;
}

int dns_stub_start(struct cordon_proxy *px, struct dns_pool *pool, struct cordon_policy *p,
		   struct capture_fds *f, struct dns_stub **out, struct cordon_error *e)
{
	struct dns_stub *s = calloc(1, sizeof(*s));
	static const int slots[] = {CFD_DNS_UDP4, CFD_DNS_UDP6, CFD_DNS_TCP4, CFD_DNS_TCP6};

	if (!s)
		return cordon_error_set(e, ENOMEM, "DNS stub: out of memory");
	s->px = px;
	s->pool = pool;
	s->p = p;
	s->v6 = f->v6;
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		int fd = f->fd[slots[i]];
		bool udp = slots[i] == CFD_DNS_UDP4 || slots[i] == CFD_DNS_UDP6;
		if (fd < 0)
			continue;
		int r = cordon_proxy_watch(px, fd, EPOLLIN, udp ? on_udp : on_tcp_listen, s, e);
		if (r < 0) {
			free(s);
			return cordon_error_prefix(e, r, "DNS stub");
		}
		f->fd[slots[i]] = -1; /* the loop owns it now */
	}
	*out = s;
	return 0;
}

void dns_stub_free(struct dns_stub *s)
{
	free(s);
}
