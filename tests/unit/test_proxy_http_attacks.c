/* test_proxy_http_attacks.c — request heads crafted to make the head the proxy checks differ from
 * the head the upstream reads: obs-fold, CR/LF in fields, Transfer-Encoding tricks, Connection
 * naming the framing fields, HTTP/0.9. Each head is fed whole, one byte at a time, and one byte
 * at a time with a call that brings nothing new after each (a wake-up without data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/proxy/proxy_http.h"

static struct px_http_req *req;

static int setup(void **state)
{
	(void)state;
	req = malloc(sizeof(*req));
	return req ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(req);
	return 0;
}

#define PARSE_MODES 3

/* parse: feed head whole (mode 0), one byte more at each call (1), or one byte more at each call
 * followed by a call with no new byte (2); the final result. */
static int parse(const char *head, int mode)
{
	size_t n = strlen(head);
	int r = 0;

	px_http_init(req);
	if (mode == 0)
		return px_http_feed(req, head, n);
	for (size_t i = 1; i <= n && r == 0; i++) {
		r = px_http_feed(req, head, i);
		if (mode == 2 && r == 0)
			r = px_http_feed(req, head, i);
	}
	return r;
}

static void assert_refused_every_way(const char *head, int status)
{
	for (int b = 0; b < PARSE_MODES; b++) {
		assert_int_equal(parse(head, b), -1);
		assert_int_equal(req->status, status);
	}
}

static void obs_fold_is_refused_not_forwarded(void **state)
{
	(void)state;
	assert_refused_every_way(
	    "GET http://allowed.test/ HTTP/1.1\r\nX-A: a\r\n Host: evil.test\r\n"
	    "\r\n",
	    400);
	assert_refused_every_way(
	    "GET http://allowed.test/ HTTP/1.1\r\nX-A: a\r\n\tb\r\nX-B: c\r\n\r\n", 400);
}

static void a_value_with_inner_blanks_is_still_accepted(void **state)
{
	const char *head = "GET http://allowed.test/ HTTP/1.1\r\nX-A: a  b\tc\r\n\r\n";
	char out[512];
	int n;

	(void)state;
	for (int b = 0; b < PARSE_MODES; b++) {
		assert_int_equal(parse(head, b), 1);
		n = px_http_rewrite(req, head, out, sizeof(out));
		assert_true(n > 0);
		out[n] = '\0';
		assert_non_null(strstr(out, "\r\nX-A: a  b\tc\r\n"));
	}
}

static void transfer_encoding_other_than_chunked_is_refused(void **state)
{
	(void)state;
	assert_refused_every_way("POST http://allowed.test/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
				 "\r\n",
				 400);
	assert_refused_every_way("POST http://allowed.test/ HTTP/1.1\r\n"
				 "Transfer-Encoding: chunked, gzip\r\n\r\n",
				 400);
	assert_refused_every_way("POST http://allowed.test/ HTTP/1.1\r\n"
				 "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
				 400);
}

static void chunked_alone_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("POST http://allowed.test/ HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n"
		  "\r\n",
		  0),
	    1);
	assert_true(req->body_len == UINT64_MAX);
}

static void content_length_with_transfer_encoding_is_refused(void **state)
{
	(void)state;
	assert_refused_every_way("POST http://allowed.test/ HTTP/1.1\r\nContent-Length: 4\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n",
				 400);
}

static void connection_cannot_strip_the_framing_fields(void **state)
{
	const char *head = "POST http://allowed.test/ HTTP/1.1\r\n"
			   "Connection: content-length, transfer-encoding, x-drop\r\n"
			   "Content-Length: 4\r\nX-Drop: 1\r\n\r\n";
	char out[512];
	int n;

	(void)state;
	assert_int_equal(parse(head, 0), 1);
	assert_true(req->body_len == 4);
	n = px_http_rewrite(req, head, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_non_null(strstr(out, "\r\nContent-Length: 4\r\n"));
	assert_null(strstr(out, "X-Drop"));
}

static void http_0_9_and_2_are_refused(void **state)
{
	(void)state;
	assert_refused_every_way("GET http://allowed.test/\r\n\r\n", 505);
	assert_int_equal(parse("GET http://allowed.test/ HTTP/2.0\r\n\r\n", 0), -1);
	assert_int_not_equal(req->status, 0);
	assert_int_equal(parse("GET http://allowed.test/ HTTP/1.0\r\n\r\n", 0), 1);
}

static void tab_or_line_break_in_the_target_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("GET\thttp://allowed.test/\tHTTP/1.1\r\n\r\n", 0), -1);
	assert_int_equal(parse("GET http://allowed.test/ http://evil.test/ HTTP/1.1\r\n\r\n", 0),
			 -1);
	assert_int_equal(parse("CONNECT allowed.test:443:80 HTTP/1.1\r\n\r\n", 0), -1);
	assert_int_equal(parse("CONNECT http://evil.test:80/ HTTP/1.1\r\n\r\n", 0), -1);
	assert_int_equal(parse("OPTIONS * HTTP/1.1\r\nHost: allowed.test\r\n\r\n", 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(obs_fold_is_refused_not_forwarded),
	    cmocka_unit_test(a_value_with_inner_blanks_is_still_accepted),
	    cmocka_unit_test(transfer_encoding_other_than_chunked_is_refused),
	    cmocka_unit_test(chunked_alone_is_accepted),
	    cmocka_unit_test(content_length_with_transfer_encoding_is_refused),
	    cmocka_unit_test(connection_cannot_strip_the_framing_fields),
	    cmocka_unit_test(http_0_9_and_2_are_refused),
	    cmocka_unit_test(tab_or_line_break_in_the_target_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
