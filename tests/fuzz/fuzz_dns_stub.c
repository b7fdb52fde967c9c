/* fuzz_dns_stub.c — libFuzzer target for the DNS stub's answer (dns_stub.c): any message from a
 * confined process gets no reply or a well-formed one (ldns parses it back), with the query's
 * id, and the pool stays consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "../../core/src/dns_stub.h"
#include "cordon/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_pool *pool;
	static struct cordon_policy p;
	struct dns_stub_note note;
	struct cordon_error e;
	uint8_t *out;
	size_t outlen;
	ldns_pkt *r = NULL;

	if (!pool) {
		pool = dns_pool_new();
		if (!pool || cordon_policy_init(&p, NULL, &e) < 0 ||
		    cordon_policy_add_host(&p.allow_hosts, "allowed.test", &e) < 0)
			abort();
	}
	if (dns_stub_answer(pool, &p, true, data, size, 1, &out, &outlen, &note) < 0)
		return 0;
	if (ldns_wire2pkt(&r, out, outlen) != LDNS_STATUS_OK || !ldns_pkt_qr(r) ||
	    ldns_pkt_id(r) != (uint16_t)(data[0] << 8 | data[1]))
		abort();
	ldns_pkt_free(r);
	free(out);
	return 0;
}
