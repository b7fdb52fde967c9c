/* test_dns_pool.c — the map between names and the stub's pool addresses (dns_pool.c): stable per
 * name, reversible, inside 198.18.0.0/15 and 2001:2::/48, reused only after the idle time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../core/src/dns_pool.h"

static struct sockaddr_storage v4(struct in_addr a)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;
	s->sin_family = AF_INET;
	s->sin_addr = a;
	return ss;
}

static struct sockaddr_storage v6(struct in6_addr a)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
	s->sin6_family = AF_INET6;
	s->sin6_addr = a;
	return ss;
}

static void a_name_keeps_its_addresses_and_they_map_back(void **state)
{
	struct dns_pool *p = dns_pool_new();
	struct in_addr a, b, a2;
	struct in6_addr a6, b6;
	char txt[64];
	(void)state;
	assert_int_equal(dns_pool_assign(p, "example.com", 1, &a, &a6), 0);
	assert_int_equal(dns_pool_assign(p, "other.example", 1, &b, &b6), 0);
	assert_int_equal(dns_pool_assign(p, "example.com", 2, &a2, NULL), 0);
	assert_int_equal(a.s_addr, a2.s_addr);
	assert_int_not_equal(a.s_addr, b.s_addr);
	inet_ntop(AF_INET, &a, txt, sizeof(txt));
	assert_string_equal(txt, "198.18.0.1");
	inet_ntop(AF_INET6, &b6, txt, sizeof(txt));
	assert_string_equal(txt, "2001:2::2");
	struct sockaddr_storage s = v4(a), s6 = v6(b6);
	assert_string_equal(dns_pool_name(p, (struct sockaddr *)&s, 3), "example.com");
	assert_string_equal(dns_pool_name(p, (struct sockaddr *)&s6, 3), "other.example");
	assert_int_equal(dns_pool_count(p), 2);
	dns_pool_free(p);
}

static void addresses_never_handed_out_have_no_name(void **state)
{
	struct dns_pool *p = dns_pool_new();
	struct in_addr a;
	struct sockaddr_storage s;
	(void)state;
	inet_pton(AF_INET, "198.18.0.9", &a);
	s = v4(a);
	assert_true(dns_pool_in_range((struct sockaddr *)&s));
	assert_null(dns_pool_name(p, (struct sockaddr *)&s, 1));
	inet_pton(AF_INET, "198.20.0.1", &a); /* just past the /15 */
	s = v4(a);
	assert_false(dns_pool_in_range((struct sockaddr *)&s));
	inet_pton(AF_INET, "93.184.216.34", &a);
	s = v4(a);
	assert_false(dns_pool_in_range((struct sockaddr *)&s));
	dns_pool_free(p);
}

static void a_mapped_ipv4_pool_address_is_the_same_entry(void **state)
{
	struct dns_pool *p = dns_pool_new();
	struct in_addr a;
	struct in6_addr m;
	(void)state;
	assert_int_equal(dns_pool_assign(p, "mapped.test", 1, &a, NULL), 0);
	inet_pton(AF_INET6, "::ffff:198.18.0.1", &m);
	struct sockaddr_storage s = v6(m);
	assert_string_equal(dns_pool_name(p, (struct sockaddr *)&s, 1), "mapped.test");
	dns_pool_free(p);
}

static void many_names_get_distinct_addresses(void **state)
{
	struct dns_pool *p = dns_pool_new();
	char name[32];
	struct in_addr a;
	(void)state;
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		assert_int_equal(dns_pool_assign(p, name, 1, &a, NULL), 0);
		assert_int_equal(ntohl(a.s_addr), DNS_POOL_V4_BASE + (uint32_t)i + 1);
	}
	for (int i = 0; i < 5000; i += 499) {
		struct sockaddr_storage s;
		a.s_addr = htonl(DNS_POOL_V4_BASE + (uint32_t)i + 1);
		s = v4(a);
		snprintf(name, sizeof(name), "n%d.test", i);
		assert_string_equal(dns_pool_name(p, (struct sockaddr *)&s, 1), name);
	}
	dns_pool_free(p);
}

static void a_full_pool_reuses_only_entries_idle_long_enough(void **state)
{
	struct dns_pool *p = dns_pool_new();
	char name[32];
	struct in_addr a, first;
	(void)state;
	for (uint32_t i = 0; i < DNS_POOL_SIZE; i++) {
		snprintf(name, sizeof(name), "f%u.test", i);
		assert_int_equal(dns_pool_assign(p, name, i == 0 ? 1 : 100, i ? &a : &first, NULL),
				 0);
	}
	/* Every entry is in use within the idle time: nothing can be given away. */
	assert_int_equal(dns_pool_assign(p, "new.test", 200, &a, NULL), -ENOSPC);
	/* Past it, the least recently used (f0, used at 1) goes to the new name. */
	assert_int_equal(dns_pool_assign(p, "new.test", 1 + DNS_POOL_REUSE_AFTER, &a, NULL), 0);
	assert_int_equal(a.s_addr, first.s_addr);
	struct sockaddr_storage s = v4(a);
	assert_string_equal(dns_pool_name(p, (struct sockaddr *)&s, 700), "new.test");
	assert_int_equal(dns_pool_assign(p, "f1.test", 700, &a, NULL), 0); /* still there */
	assert_int_equal(ntohl(a.s_addr), DNS_POOL_V4_BASE + 2);
	dns_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_name_keeps_its_addresses_and_they_map_back),
	    cmocka_unit_test(addresses_never_handed_out_have_no_name),
	    cmocka_unit_test(a_mapped_ipv4_pool_address_is_the_same_entry),
	    cmocka_unit_test(many_names_get_distinct_addresses),
	    cmocka_unit_test(a_full_pool_reuses_only_entries_idle_long_enough),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
