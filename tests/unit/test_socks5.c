/* test_socks5.c — SOCKS5 messages the proxy accepts and refuses (proxy_socks5.c, RFC 1928). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "../../core/src/proxy/proxy_socks5.h"

static void greeting_with_no_auth_is_accepted(void **state)
{
	const uint8_t g[] = {5, 2, 0x02, 0x00};
	size_t used = 0;

	(void)state;
	assert_int_equal(px_socks5_greeting(g, sizeof(g), &used), 1);
	assert_int_equal(used, 4);
}

static void greeting_without_no_auth_gets_no_method(void **state)
{
	const uint8_t g[] = {5, 1, 0x02};
	size_t used = 0;

	(void)state;
	assert_int_equal(px_socks5_greeting(g, sizeof(g), &used), 0);
}

static void greeting_of_socks4_or_empty_is_refused(void **state)
{
	const uint8_t g4[] = {4, 1, 0, 80, 127, 0, 0, 1, 0};
	const uint8_t g0[] = {5, 0};
	size_t used;

	(void)state;
	assert_int_equal(px_socks5_greeting(g4, sizeof(g4), &used), -EPROTO);
	assert_int_equal(px_socks5_greeting(g0, sizeof(g0), &used), -EPROTO);
}

static void partial_messages_ask_for_more(void **state)
{
	const uint8_t g[] = {5, 3, 0};
	const uint8_t r[] = {5, 1, 0, 3, 12, 'a', 'l', 'l'};
	struct px_socks5_req req;
	size_t used;

	(void)state;
	assert_int_equal(px_socks5_greeting(g, sizeof(g), &used), -EAGAIN);
	assert_int_equal(px_socks5_request(r, sizeof(r), &req, &used), -EAGAIN);
	assert_int_equal(px_socks5_request(r, 3, &req, &used), -EAGAIN);
}

static void connect_to_domain_name(void **state)
{
	const uint8_t r[] = {5,	  1,   0,   3,	 12,  'a', 'l', 'l',  'o',  'w',
			     'e', 'd', '.', 't', 'e', 's', 't', 0x01, 0xbb, 'X'};
	struct px_socks5_req req;
	size_t used = 0;

	(void)state;
	assert_int_equal(px_socks5_request(r, sizeof(r), &req, &used), 0);
	assert_int_equal(used, sizeof(r) - 1);
	assert_string_equal(req.host, "allowed.test");
	assert_int_equal(req.host_len, 12);
	assert_int_equal(req.port, 443);
	assert_int_equal(req.atyp, 3);
}

static void connect_to_ipv4_and_ipv6(void **state)
{
	const uint8_t r4[] = {5, 1, 0, 1, 127, 0, 0, 2, 0, 80};
	uint8_t r6[22] = {5, 1, 0, 4};
	struct px_socks5_req req;
	size_t used = 0;

	(void)state;
	assert_int_equal(px_socks5_request(r4, sizeof(r4), &req, &used), 0);
	assert_string_equal(req.host, "127.0.0.2");
	assert_int_equal(req.port, 80);
	r6[19] = 1; /* ::1 */
	r6[20] = 0x1f;
	r6[21] = 0x90;
	assert_int_equal(px_socks5_request(r6, sizeof(r6), &req, &used), 0);
	assert_string_equal(req.host, "::1");
	assert_int_equal(req.port, 8080);
}

static void nul_in_domain_name_is_not_allowed(void **state)
{
	const uint8_t r[] = {5,	  1,   0,   3,	 17,  'a', 'l', 'l', 'o', 'w', 'e', 'd',
			     '.', 't', 'e', 's', 't', 0,   'e', 'v', 'i', 'l', 0,   80};
	struct px_socks5_req req;
	size_t used;

	(void)state;
	assert_int_equal(px_socks5_request(r, sizeof(r), &req, &used), -EINVAL);
	assert_int_equal(req.rep, PX_SOCKS5_NOT_ALLOWED);
}

static void control_character_and_empty_name_are_not_allowed(void **state)
{
	const uint8_t r1[] = {5, 1, 0, 3, 3, 'a', '\n', 'b', 0, 80};
	const uint8_t r2[] = {5, 1, 0, 3, 0, 0, 80};
	struct px_socks5_req req;
	size_t used;

	(void)state;
	assert_int_equal(px_socks5_request(r1, sizeof(r1), &req, &used), -EINVAL);
	assert_int_equal(req.rep, PX_SOCKS5_NOT_ALLOWED);
	assert_int_equal(px_socks5_request(r2, sizeof(r2), &req, &used), -EINVAL);
	assert_int_equal(req.port, 80); /* the port asked for, for the log */
	assert_int_equal(px_socks5_request(r1, sizeof(r1), &req, &used), -EINVAL);
	assert_int_equal(req.port, 80);
}

static void bind_and_udp_associate_are_unsupported(void **state)
{
	const uint8_t b[] = {5, 2, 0, 1, 127, 0, 0, 1, 0, 80};
	const uint8_t u[] = {5, 3, 0, 1, 127, 0, 0, 1, 0, 80};
	struct px_socks5_req req;
	size_t used;

	(void)state;
	assert_int_equal(px_socks5_request(b, sizeof(b), &req, &used), -EOPNOTSUPP);
	assert_int_equal(req.rep, PX_SOCKS5_CMD_UNSUPPORTED);
	assert_int_equal(px_socks5_request(u, sizeof(u), &req, &used), -EOPNOTSUPP);
	assert_int_equal(req.rep, PX_SOCKS5_CMD_UNSUPPORTED);
}

static void unknown_address_type_and_bad_version_are_refused(void **state)
{
	const uint8_t a[] = {5, 1, 0, 9, 1, 2, 3, 4, 0, 80};
	const uint8_t v[] = {4, 1, 0, 1, 1, 2, 3, 4, 0, 80};
	struct px_socks5_req req;
	size_t used;

	(void)state;
	assert_int_equal(px_socks5_request(a, sizeof(a), &req, &used), -EAFNOSUPPORT);
	assert_int_equal(req.rep, PX_SOCKS5_ATYP_UNSUPPORTED);
	assert_int_equal(px_socks5_request(v, sizeof(v), &req, &used), -EPROTO);
}

static void reply_carries_code_and_bound_address(void **state)
{
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(1234)};
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(80)};
	uint8_t out[32];

	(void)state;
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	assert_int_equal(px_socks5_reply(out, PX_SOCKS5_OK, (struct sockaddr *)&s4), 10);
	assert_memory_equal(out, ((uint8_t[]){5, 0, 0, 1, 127, 0, 0, 1, 0x04, 0xd2}), 10);
	assert_int_equal(px_socks5_reply(out, PX_SOCKS5_NOT_ALLOWED, NULL), 10);
	assert_memory_equal(out, ((uint8_t[]){5, 2, 0, 1, 0, 0, 0, 0, 0, 0}), 10);
	assert_int_equal(px_socks5_reply(out, PX_SOCKS5_OK, (struct sockaddr *)&s6), 22);
	assert_int_equal(out[3], 4);
	assert_int_equal(out[21], 80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(greeting_with_no_auth_is_accepted),
	    cmocka_unit_test(greeting_without_no_auth_gets_no_method),
	    cmocka_unit_test(greeting_of_socks4_or_empty_is_refused),
	    cmocka_unit_test(partial_messages_ask_for_more),
	    cmocka_unit_test(connect_to_domain_name),
	    cmocka_unit_test(connect_to_ipv4_and_ipv6),
	    cmocka_unit_test(nul_in_domain_name_is_not_allowed),
	    cmocka_unit_test(control_character_and_empty_name_are_not_allowed),
	    cmocka_unit_test(bind_and_udp_associate_are_unsupported),
	    cmocka_unit_test(unknown_address_type_and_bad_version_are_refused),
	    cmocka_unit_test(reply_carries_code_and_bound_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
