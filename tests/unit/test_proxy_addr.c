/* test_proxy_addr.c — which resolved addresses the proxy connects to (proxy_addr.c): loopback,
 * link-local, unspecified and metadata addresses only when the allowlist names the literal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/proxy_addr.h"
#include "cordon/hostpat.h"

static struct sockaddr_storage sa(const char *lit)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, lit, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, lit, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	return ss;
}

static enum px_addr_class cls(const char *lit)
{
	struct sockaddr_storage ss = sa(lit);

	assert_int_not_equal(ss.ss_family, 0);
	return px_addr_classify((struct sockaddr *)&ss);
}

static void classes_of_special_addresses(void **state)
{
	(void)state;
	assert_int_equal(cls("127.0.0.1"), PX_ADDR_LOOPBACK);
	assert_int_equal(cls("127.255.0.9"), PX_ADDR_LOOPBACK);
	assert_int_equal(cls("::1"), PX_ADDR_LOOPBACK);
	assert_int_equal(cls("169.254.1.1"), PX_ADDR_LINKLOCAL);
	assert_int_equal(cls("fe80::1"), PX_ADDR_LINKLOCAL);
	assert_int_equal(cls("febf::1"), PX_ADDR_LINKLOCAL);
	assert_int_equal(cls("0.0.0.0"), PX_ADDR_UNSPECIFIED);
	assert_int_equal(cls("0.1.2.3"), PX_ADDR_UNSPECIFIED);
	assert_int_equal(cls("::"), PX_ADDR_UNSPECIFIED);
	assert_int_equal(cls("169.254.169.254"), PX_ADDR_METADATA);
	assert_int_equal(cls("fd00:ec2::254"), PX_ADDR_METADATA);
}

static void ipv4_mapped_forms_are_classified_as_ipv4(void **state)
{
	(void)state;
	assert_int_equal(cls("::ffff:127.0.0.1"), PX_ADDR_LOOPBACK);
	assert_int_equal(cls("::ffff:169.254.169.254"), PX_ADDR_METADATA);
	assert_int_equal(cls("::ffff:0.0.0.0"), PX_ADDR_UNSPECIFIED);
	assert_int_equal(cls("::ffff:93.184.216.34"), PX_ADDR_PUBLIC);
}

static void ordinary_addresses_are_public(void **state)
{
	(void)state;
	assert_int_equal(cls("93.184.216.34"), PX_ADDR_PUBLIC);
	assert_int_equal(cls("128.0.0.1"), PX_ADDR_PUBLIC);
	assert_int_equal(cls("169.253.1.1"), PX_ADDR_PUBLIC);
	assert_int_equal(cls("2001:db8::1"), PX_ADDR_PUBLIC);
	assert_int_equal(cls("fec0::1"), PX_ADDR_PUBLIC);
}

static void literal_of_mapped_address_is_dotted_quad(void **state)
{
	struct sockaddr_storage ss = sa("::ffff:127.0.0.1");
	char buf[64];

	(void)state;
	assert_int_equal(px_addr_literal((struct sockaddr *)&ss, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "127.0.0.1");
	ss = sa("fd00:ec2::254");
	assert_int_equal(px_addr_literal((struct sockaddr *)&ss, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fd00:ec2::254");
}

static int check(struct cordon_policy *p, const char *lit, uint16_t port)
{
	struct sockaddr_storage ss = sa(lit);
	char why[256];

	return px_addr_check(p, (struct sockaddr *)&ss, port, why, sizeof(why));
}

static void loopback_is_refused_unless_the_literal_is_allowed(void **state)
{
	struct cordon_policy p;
	struct cordon_error e;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "allowed.test", &e), 0);
	assert_int_not_equal(check(&p, "127.0.0.1", 80), 0);
	assert_int_not_equal(check(&p, "::ffff:127.0.0.1", 80), 0);
	assert_int_not_equal(check(&p, "169.254.169.254", 80), 0);
	assert_int_equal(check(&p, "93.184.216.34", 80), 0); /* positive control */
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "127.0.0.1", &e), 0);
	assert_int_equal(check(&p, "127.0.0.1", 80), 0);
	assert_int_equal(check(&p, "::ffff:127.0.0.1", 80), 0);
	assert_int_not_equal(check(&p, "127.0.0.2", 80), 0);
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "[::1]:8080", &e), 0);
	assert_int_equal(check(&p, "::1", 8080), 0);
	assert_int_not_equal(check(&p, "::1", 8081), 0);
	cordon_policy_free(&p);
}

static void denied_literal_beats_a_public_address(void **state)
{
	struct cordon_policy p;
	struct cordon_error e;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(check(&p, "93.184.216.34", 443), 0);
	assert_int_equal(cordon_policy_add_host(&p.deny_hosts, "93.184.216.34", &e), 0);
	assert_int_not_equal(check(&p, "93.184.216.34", 443), 0);
	cordon_policy_free(&p);
}

/* a_host_address: the first address of this machine's interfaces that px_addr_classify calls
 * public (not loopback, not link-local), as a literal; 0, or -1 when there is none. */
static int a_host_address(char *buf, size_t len)
{
	struct ifaddrs *list, *i;
	int r = -1;

	if (getifaddrs(&list) < 0)
		return -1;
	for (i = list; i && r < 0; i = i->ifa_next)
		if (i->ifa_addr && px_addr_classify(i->ifa_addr) == PX_ADDR_PUBLIC &&
		    (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
			r = px_addr_literal(i->ifa_addr, buf, len) == 0 ? 0 : -1;
	freeifaddrs(list);
	return r;
}

static void the_hosts_own_address_is_refused_unless_the_literal_is_allowed(void **state)
{
	struct cordon_policy p;
	struct cordon_error e;
	struct sockaddr_storage ss;
	char lit[64], why[256];

	(void)state;
	if (a_host_address(lit, sizeof(lit)) < 0) {
		print_message("skipped: this machine has no address other than loopback/link-local\n");
		skip();
	}
	ss = sa(lit);
	assert_int_equal(px_addr_is_host((struct sockaddr *)&ss), 1);
	ss = sa("192.0.2.254"); /* TEST-NET-1 (RFC 5737): the control, on no interface here */
	if (px_addr_is_host((struct sockaddr *)&ss) == 0) {
		memset(&p, 0, sizeof(p));
		assert_int_equal(check(&p, "192.0.2.254", 443), 0);
	}
	memset(&p, 0, sizeof(p));
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "allowed.test", &e), 0);
	ss = sa(lit);
	assert_int_equal(px_addr_check(&p, (struct sockaddr *)&ss, 443, why, sizeof(why)),
			 -EACCES);
	assert_non_null(strstr(why, "this host's address"));
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, lit, &e), 0);
	assert_int_equal(check(&p, lit, 443), 0);
	cordon_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(classes_of_special_addresses),
	    cmocka_unit_test(ipv4_mapped_forms_are_classified_as_ipv4),
	    cmocka_unit_test(ordinary_addresses_are_public),
	    cmocka_unit_test(literal_of_mapped_address_is_dotted_quad),
	    cmocka_unit_test(loopback_is_refused_unless_the_literal_is_allowed),
	    cmocka_unit_test(denied_literal_beats_a_public_address),
	    cmocka_unit_test(the_hosts_own_address_is_refused_unless_the_literal_is_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
