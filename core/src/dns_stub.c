/* dns_stub.c — the sandbox's DNS stub's answers (dns_stub.h): messages parsed and built with
 * ldns; dns_stub_serve.c serves them. */
#include "dns_stub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/hostpat.h"
#include "dl/dl_ldns.h"

#define EDNS_PAYLOAD 1232 /* DNS flag day 2020: no fragmentation on any path */

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

	return !strcmp(name, "localhost") || (n > 10 && !strcmp(name + n - 10, ".localhost"));
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
			int v = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
						       : -1;
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
		const char *n =
		    ptr_addr(name, &ss) ? dns_pool_name(pool, (struct sockaddr *)&ss, now) : NULL;
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

int dns_stub_answer(struct dns_pool *pool, const struct cordon_policy *p, bool v6, const uint8_t *q,
		    size_t qlen, uint64_t now, uint8_t **out, size_t *outlen,
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
	/* ldns is opened at the first query (dl/dl.h); without it no query is answered. */
	if ((rc = cordon_dl_ldns_load(NULL)) < 0)
		return rc;
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

const char *dns_stub_load_error(void)
{
	return cordon_dl_why(&cordon_dl_ldns_lib);
}
