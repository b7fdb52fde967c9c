/* test_dns_stub.c — the sandbox's DNS stub answers (dns_stub.c): pool addresses for every name,
 * allowed or not, without any upstream; NODATA, NXDOMAIN, REFUSED, NOTIMP, FORMERR where
 * dns_stub.h says; the names the policy refuses reported for the log. Messages are made and read
 * with ldns, as a resolver would send them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/dns_stub.h"
#include "cordon/policy.h"

static struct cordon_policy pol;
static struct dns_pool *pool;

static int setup(void **state)
{
	struct cordon_error e;
	(void)state;
	pool = dns_pool_new();
	if (cordon_policy_init(&pol, NULL, &e) < 0 ||
	    cordon_policy_add_host(&pol.allow_hosts, "allowed.test", &e) < 0 ||
	    cordon_policy_add_host(&pol.allow_hosts, "port.test:443", &e) < 0 ||
	    cordon_policy_add_host(&pol.deny_hosts, "denied.test", &e) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cordon_policy_free(&pol);
	dns_pool_free(pool);
	return 0;
}

/* ask: the stub's reply to a query for name/type (edns: with an OPT record), parsed back. */
static ldns_pkt *ask(const char *name, ldns_rr_type t, ldns_rr_class c, bool edns,
		     struct dns_stub_note *note)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), t, c, LDNS_RD), *r = NULL;
	uint8_t *wire, *out;
	size_t len, outlen;

	assert_non_null(q);
	ldns_pkt_set_id(q, 0x4242);
	if (edns)
		ldns_pkt_set_edns_udp_size(q, 4096);
	assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
	assert_int_equal(dns_stub_answer(pool, &pol, true, wire, len, 1, &out, &outlen, note), 0);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(r), 0x4242);
	assert_true(ldns_pkt_qr(r));
	free(wire);
	free(out);
	ldns_pkt_free(q);
	return r;
}

static char *answer_text(ldns_pkt *r)
{
	assert_int_equal(ldns_pkt_ancount(r), 1);
	return ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(r), 0), 0));
}

static void an_allowed_name_gets_a_pool_address_and_no_note(void **state)
{
	struct dns_stub_note n;
	(void)state;
	ldns_pkt *r = ask("allowed.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, &n);
	char *a = answer_text(r);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_aa(r));
	assert_int_equal(strncmp(a, "198.18.", 7), 0);
	assert_string_equal(n.name, "");
	free(a);
	ldns_pkt_free(r);
}

static void a_name_not_allowed_still_gets_an_address_and_a_note(void **state)
{
	struct dns_stub_note n;
	(void)state;
	ldns_pkt *r =
	    ask("Secret-Data.Attacker.Example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, &n);
	char *a = answer_text(r);
	assert_int_equal(strncmp(a, "2001:2::", 8), 0);
	assert_string_equal(n.name, "secret-data.attacker.example");
	assert_non_null(strstr(n.reason, "not on the allowlist"));
	free(a);
	ldns_pkt_free(r);
	r = ask("denied.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, &n);
	assert_int_equal(ldns_pkt_ancount(r), 1);
	assert_non_null(strstr(n.reason, "denylist"));
	ldns_pkt_free(r);
	/* A name allowed on one port only is allowed somewhere: no note. */
	r = ask("port.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, &n);
	assert_string_equal(n.name, "");
	ldns_pkt_free(r);
}

static void the_same_name_gets_the_same_address_and_ptr_maps_back(void **state)
{
	struct dns_stub_note n;
	char ptr[64];
	unsigned a, b, c, d;
	(void)state;
	ldns_pkt *r1 = ask("same.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, &n);
	ldns_pkt *r2 = ask("SAME.test", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, &n);
	char *x = answer_text(r1), *y = answer_text(r2);
	assert_string_equal(x, y);
	assert_int_equal(sscanf(x, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	snprintf(ptr, sizeof(ptr), "%u.%u.%u.%u.in-addr.arpa.", d, c, b, a);
	ldns_pkt *r3 = ask(ptr, LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, false, &n);
	char *z = answer_text(r3);
	assert_string_equal(z, "same.test.");
	free(x);
	free(y);
	free(z);
	ldns_pkt_free(r1);
	ldns_pkt_free(r2);
	ldns_pkt_free(r3);
}

static void other_types_get_nodata_and_bad_names_nxdomain(void **state)
{
	struct dns_stub_note n;
	(void)state;
	ldns_pkt *r = ask("allowed.test.", LDNS_RR_TYPE_MX, LDNS_RR_CLASS_IN, false, &n);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	r = ask("allowed.test.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, false, &n);
	assert_int_equal(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	r = ask("a\\000b.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, &n);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	assert_non_null(strstr(n.reason, "not a host name"));
	ldns_pkt_free(r);
	r = ask("1.2.3.4.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, &n);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(r);
	r = ask("9.9.9.9.in-addr.arpa.", LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, false, &n);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(r);
	r = ask("allowed.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_CH, false, &n);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_REFUSED);
	ldns_pkt_free(r);
}

static void localhost_is_loopback(void **state)
{
	struct dns_stub_note n;
	(void)state;
	ldns_pkt *r = ask("localhost.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, &n);
	char *a = answer_text(r);
	assert_string_equal(a, "127.0.0.1");
	free(a);
	ldns_pkt_free(r);
	r = ask("db.localhost.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, &n);
	a = answer_text(r);
	assert_string_equal(a, "::1");
	free(a);
	ldns_pkt_free(r);
}

static void an_edns_query_gets_an_opt_record(void **state)
{
	struct dns_stub_note n;
	(void)state;
	ldns_pkt *r = ask("allowed.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, true, &n);
	assert_true(ldns_pkt_edns(r));
	assert_int_equal(ldns_pkt_edns_udp_size(r), 1232);
	ldns_pkt_free(r);
	r = ask("allowed.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, &n);
	assert_false(ldns_pkt_edns(r));
	ldns_pkt_free(r);
}

static void responses_and_runts_get_no_reply_garbage_gets_formerr(void **state)
{
	uint8_t resp[12] = {0x12, 0x34, 0x80}, runt[5] = {1, 2, 3, 4, 5};
	uint8_t junk[20] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x40, 'x'};
	uint8_t *out;
	size_t len;
	ldns_pkt *r = NULL;
	(void)state;
	assert_int_equal(dns_stub_answer(pool, &pol, true, resp, 12, 1, &out, &len, NULL), -EINVAL);
	assert_int_equal(dns_stub_answer(pool, &pol, true, runt, 5, 1, &out, &len, NULL), -EINVAL);
	assert_int_equal(dns_stub_answer(pool, &pol, true, junk, sizeof(junk), 1, &out, &len, NULL),
			 0);
	assert_int_equal(ldns_wire2pkt(&r, out, len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_id(r), 0x1234);
	ldns_pkt_free(r);
	free(out);
}

static void aaaa_without_ipv6_is_nodata(void **state)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str("allowed.test."), LDNS_RR_TYPE_AAAA,
					 LDNS_RR_CLASS_IN, LDNS_RD),
		 *r = NULL;
	uint8_t *wire, *out;
	size_t len, outlen;
	(void)state;
	assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
	assert_int_equal(dns_stub_answer(pool, &pol, false, wire, len, 1, &out, &outlen, NULL), 0);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(q);
	ldns_pkt_free(r);
	free(wire);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(an_allowed_name_gets_a_pool_address_and_no_note),
	    cmocka_unit_test(a_name_not_allowed_still_gets_an_address_and_a_note),
	    cmocka_unit_test(the_same_name_gets_the_same_address_and_ptr_maps_back),
	    cmocka_unit_test(other_types_get_nodata_and_bad_names_nxdomain),
	    cmocka_unit_test(localhost_is_loopback),
	    cmocka_unit_test(an_edns_query_gets_an_opt_record),
	    cmocka_unit_test(responses_and_runts_get_no_reply_garbage_gets_formerr),
	    cmocka_unit_test(aaaa_without_ipv6_is_nodata),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
