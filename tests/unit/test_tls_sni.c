/* test_tls_sni.c — the server name of a real ClientHello (tls_sni.c): made by OpenSSL's client
 * into a memory BIO, framed and parsed back; fragments, non-TLS bytes, malformed hellos, and the
 * peek on a socket that reads nothing past the hello and consumes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/src/tls_sni.h"

static struct tls_sni *t;

static int setup(void **state)
{
	(void)state;
	t = tls_sni_new();
	return t ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tls_sni_free(t);
	return 0;
}

/* hello: the bytes an OpenSSL client sends first for server name sni (NULL: none). */
static size_t hello(const char *sni, uint8_t *buf, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *s = SSL_new(ctx);
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	int n;

	assert_non_null(s);
	SSL_set_bio(s, rb, wb);
	SSL_set_connect_state(s);
	if (sni)
		SSL_set_tlsext_host_name(s, sni);
	(void)SSL_do_handshake(s); /* wants to read the server's reply */
	n = BIO_read(wb, buf, (int)cap);
	assert_true(n > 0);
	SSL_free(s);
	SSL_CTX_free(ctx);
	return (size_t)n;
}

static void the_server_name_of_a_real_hello_is_found(void **state)
{
	uint8_t buf[8192];
	char name[256];
	size_t n = hello("registry.example.org", buf, sizeof(buf));
	(void)state;
	assert_int_equal(tls_sni_need(buf, n), (long)n);
	assert_int_equal(tls_sni_parse(t, buf, n, name, sizeof(name)), TLS_SNI_FOUND);
	assert_string_equal(name, "registry.example.org");
}

static void a_hello_without_server_name_says_none(void **state)
{
	uint8_t buf[8192];
	char name[256];
	size_t n = hello(NULL, buf, sizeof(buf));
	(void)state;
	assert_int_equal(tls_sni_parse(t, buf, n, name, sizeof(name)), TLS_SNI_NONE);
}

static void framing_asks_for_more_until_the_hello_is_complete(void **state)
{
	uint8_t buf[8192];
	size_t n = hello("a.test", buf, sizeof(buf));
	(void)state;
	assert_int_equal(tls_sni_need(buf, 0), 0);
	assert_int_equal(tls_sni_need(buf, 3), 0);
	assert_int_equal(tls_sni_need(buf, 5), (long)n); /* one record: its length is known */
	assert_int_equal(tls_sni_need(buf, n - 1), (long)n);
}

static void a_hello_split_over_two_records_is_reassembled(void **state)
{
	uint8_t buf[8192], two[8300];
	char name[256];
	size_t n = hello("split.example", buf, sizeof(buf)), body = n - 5, first = 40;
	(void)state;
	/* record 1: header + first 40 bytes of the handshake; record 2: the rest */
	memcpy(two, buf, 5);
	two[3] = (uint8_t)(first >> 8);
	two[4] = (uint8_t)first;
	memcpy(two + 5, buf + 5, first);
	memcpy(two + 5 + first, buf, 5);
	two[5 + first + 3] = (uint8_t)((body - first) >> 8);
	two[5 + first + 4] = (uint8_t)(body - first);
	memcpy(two + 10 + first, buf + 5 + first, body - first);
	assert_int_equal(tls_sni_need(two, 5 + first + 2), (long)(5 + first + 5));
	assert_int_equal(tls_sni_need(two, n + 5), (long)(n + 5));
	assert_int_equal(tls_sni_parse(t, two, n + 5, name, sizeof(name)), TLS_SNI_FOUND);
	assert_string_equal(name, "split.example");
}

static void other_protocols_are_not_tls(void **state)
{
	(void)state;
	assert_int_equal(tls_sni_need((const uint8_t *)"GET / HTTP/1.1\r\n", 16), -ENOTTY);
	assert_int_equal(tls_sni_need((const uint8_t *)"SSH-2.0-OpenSSH", 15), -ENOTTY);
	assert_int_equal(tls_sni_need((const uint8_t *)"\x16\x01", 2), -ENOTTY);
	/* a handshake record that is not a ClientHello */
	assert_int_equal(tls_sni_need((const uint8_t *)"\x16\x03\x01\x00\x04\x02\x00\x00\x00", 9),
			 -ENOTTY);
}

static void malformed_hellos_are_refused(void **state)
{
	uint8_t buf[8192];
	char name[256];
	size_t n;
	(void)state;
	/* an empty record, and one over the maximum */
	assert_int_equal(tls_sni_need((const uint8_t *)"\x16\x03\x01\x00\x00", 5), -EPROTO);
	assert_int_equal(tls_sni_need((const uint8_t *)"\x16\x03\x01\xff\xff", 5), -EPROTO);
	/* a hello longer than TLS_SNI_MAX */
	assert_int_equal(tls_sni_need((const uint8_t *)"\x16\x03\x01\x40\x00\x01\x7f\xff\xff", 9),
			 -EMSGSIZE);
	/* truncated: OpenSSL never reaches the callback */
	n = hello("y.test", buf, sizeof(buf));
	assert_int_equal(tls_sni_parse(t, buf, n / 2, name, sizeof(name)), -EPROTO);
}

static void the_peek_consumes_nothing_and_stops_at_the_hello(void **state)
{
	uint8_t buf[8192], back[9000];
	char name[256];
	int sv[2];
	size_t n = hello("peek.test", buf, sizeof(buf));
	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], buf, 20), 20);
	assert_int_equal(tls_sni_peek(t, sv[1], name, sizeof(name)), TLS_SNI_WAIT);
	assert_int_equal(write(sv[0], buf + 20, n - 20), (ssize_t)(n - 20));
	/* application bytes after the hello must not matter */
	assert_int_equal(write(sv[0], "\x17\x03\x03\x00\x01Z", 6), 6);
	assert_int_equal(tls_sni_peek(t, sv[1], name, sizeof(name)), TLS_SNI_FOUND);
	assert_string_equal(name, "peek.test");
	/* everything is still queued, in order */
	assert_int_equal(recv(sv[1], back, sizeof(back), MSG_DONTWAIT), (ssize_t)(n + 6));
	assert_memory_equal(back, buf, n);
	close(sv[0]);
	close(sv[1]);
	/* a client that sends something else goes through unchecked */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "GET / HTTP/1.0\r\n", 16), 16);
	assert_int_equal(tls_sni_peek(t, sv[1], name, sizeof(name)), TLS_SNI_NOT_TLS);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_server_name_of_a_real_hello_is_found),
	    cmocka_unit_test(a_hello_without_server_name_says_none),
	    cmocka_unit_test(framing_asks_for_more_until_the_hello_is_complete),
	    cmocka_unit_test(a_hello_split_over_two_records_is_reassembled),
	    cmocka_unit_test(other_protocols_are_not_tls),
	    cmocka_unit_test(malformed_hellos_are_refused),
	    cmocka_unit_test(the_peek_consumes_nothing_and_stops_at_the_hello),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
