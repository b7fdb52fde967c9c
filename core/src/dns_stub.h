/* dns_stub.h — private to the capture: the DNS stub the session process serves on the sandbox's
 * 127.0.0.1:53 and [::1]:53 (UDP and TCP). It answers from the address pool (dns_pool.h) and
 * never asks an upstream resolver: no query, and so no query name, leaves the sandbox. */
#ifndef CORDON_DNS_STUB_H
#define CORDON_DNS_STUB_H

#include <stddef.h>
#include <stdint.h>

#include "capture/capture_int.h"
#include "cordon/policy.h"
#include "cordon/proxy.h"
#include "dns_pool.h"

/* What dns_stub_answer tells its caller to log: a name the policy refuses on every port. */
struct dns_stub_note {
	char name[256]; /* canonical, or as sent (escaped by ldns) when invalid; "" = nothing */
	const char *reason;
};

/* dns_stub_answer: the reply to one DNS message q (qlen bytes, without TCP's length prefix),
 * parsed and built with ldns (ldns_wire2pkt, ldns_pkt2wire), into a malloc'd *out (*outlen
 * bytes). Answers (RFC 1035 §4.1; rcodes RFC 1035 §4.1.1, RFC 6895):
 *   - A / AAAA for a valid name: its pool address (dns_pool_assign), TTL DNS_POOL_TTL, AA set,
 *     for every name, allowed or not (the refusal comes at connect time, naming the host);
 *     AAAA with no answer (NODATA) when v6 is false;
 *   - "localhost" and names under it (RFC 6761 §6.3): 127.0.0.1 / ::1;
 *   - PTR for a pool address (in-addr.arpa, ip6.arpa): the name it stands for;
 *   - any other type for a valid name: NOERROR with no answer (NODATA, RFC 2308 §2.2);
 *   - a name that is not a host name (characters outside letters, digits, '-', '_', '.'; an IP
 *     literal; empty), or a PTR outside the pools: NXDOMAIN;
 *   - class other than IN: REFUSED; opcode other than QUERY: NOTIMP; not exactly one question
 *     or an unparsable message of at least 12 bytes: FORMERR.
 * An EDNS query (RFC 6891) gets an OPT record with a 1232-byte payload size. A response (QR set)
 * or a message shorter than a header gets no reply (returns -EINVAL). note (may be NULL)
 * receives a name refused by policy p on every port, for the caller to log.
 * now: CLOCK_MONOTONIC seconds. Returns 0, -EINVAL, -ENOMEM, or -ENOENT / -ENOSYS when ldns
 * (opened at the first query, dl/dl.h) cannot be loaded: dns_stub_load_error says why. */
int dns_stub_answer(struct dns_pool *pool, const struct cordon_policy *p, bool v6, const uint8_t *q,
		    size_t qlen, uint64_t now, uint8_t **out, size_t *outlen,
		    struct dns_stub_note *note);

/* dns_stub_load_error: why ldns could not be loaded (naming the library and the missing
 * symbol), or "" when it has not failed. */
const char *dns_stub_load_error(void);

struct dns_stub;

/* dns_stub_start: serve the stub's sockets of f (CFD_DNS_*; ownership passes to the proxy's
 * loop) in px's loop, answering with pool and the live policy p; refused names are logged
 * through cordon_proxy_log (proto "dns", port 0), each name once per session (while the
 * record of logged names has room) and at most DNS_STUB_LOG_PER_S lines a second.
 * Returns 0 with *out, or -errno with e->msg set. */
#define DNS_STUB_LOG_PER_S 20
int dns_stub_start(struct cordon_proxy *px, struct dns_pool *pool, struct cordon_policy *p,
		   struct capture_fds *f, struct dns_stub **out, struct cordon_error *e);

/* dns_stub_free: free the stub's own state (its fds belong to px's loop). */
void dns_stub_free(struct dns_stub *s);

#endif
