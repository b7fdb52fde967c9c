/* test_proxy_http.c — request heads the proxy accepts and refuses (proxy_http.c): CONNECT
 * authority forms, absolute-form, IPv6 authorities, userinfo, percent escapes, NUL, sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

static int parse(const char *head)
{
	px_http_init(req);
	return px_http_feed(req, head, strlen(head));
}

static void connect_host_port_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n\r\n"), 1);
	assert_true(req->connect);
	assert_string_equal(req->host, "allowed.test");
	assert_int_equal(req->port, 443);
	assert_false(req->ipv6);
}

static void connect_ipv6_authority_loses_its_brackets(void **state)
{
	(void)state;
	assert_int_equal(parse("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n"), 1);
	assert_string_equal(req->host, "::1");
	assert_true(req->ipv6);
	assert_int_equal(req->port, 8443);
}

static void connect_without_port_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("CONNECT allowed.test HTTP/1.1\r\n\r\n"), -1);
	assert_int_equal(req->status, 400);
}

static void connect_with_userinfo_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("CONNECT user@allowed.test:443 HTTP/1.1\r\n\r\n"), -1);
	assert_int_equal(req->status, 400);
	assert_non_null(strstr(req->why, "userinfo"));
}

static void absolute_form_names_host_port_and_target(void **state)
{
	char out[1024];
	int n;

	(void)state;
	assert_int_equal(parse("GET http://Allowed.test:8080/a/b?x=1#frag HTTP/1.1\r\n"
			       "Host: evil.test\r\nAccept: */*\r\nProxy-Connection: keep-alive\r\n"
			       "Connection: keep-alive, X-Secret\r\nX-Secret: 1\r\n\r\n"),
			 1);
	assert_false(req->connect);
	assert_string_equal(req->host, "Allowed.test");
	assert_int_equal(req->port, 8080);
	assert_int_equal(req->body_len, 0);
	n = px_http_rewrite(req,
			    "GET http://Allowed.test:8080/a/b?x=1#frag HTTP/1.1\r\n"
			    "Host: evil.test\r\nAccept: */*\r\nProxy-Connection: keep-alive\r\n"
			    "Connection: keep-alive, X-Secret\r\nX-Secret: 1\r\n\r\n",
			    out, sizeof(out));
	assert_true(n > 0);
	assert_string_equal(out, "GET /a/b?x=1 HTTP/1.1\r\nAccept: */*\r\n"
				 "Host: Allowed.test:8080\r\nConnection: close\r\n\r\n");
}

static void host_header_is_replaced_by_the_target_authority(void **state)
{
	const char *h = "GET http://allowed.test HTTP/1.1\r\nHost: evil.test\r\n\r\n";
	char out[512];

	(void)state;
	assert_int_equal(parse(h), 1);
	assert_int_equal(req->port, 80);
	assert_true(px_http_rewrite(req, h, out, sizeof(out)) > 0);
	assert_null(strstr(out, "evil.test"));
	assert_non_null(strstr(out, "\r\nHost: allowed.test\r\n"));
	assert_true(!strncmp(out, "GET / HTTP/1.1\r\n", 16));
}

static void absolute_form_ipv6_keeps_brackets_in_host_header(void **state)
{
	const char *h = "GET http://[::1]:81/ HTTP/1.1\r\n\r\n";
	char out[512];

	(void)state;
	assert_int_equal(parse(h), 1);
	assert_string_equal(req->host, "::1");
	assert_true(px_http_rewrite(req, h, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\r\nHost: [::1]:81\r\n"));
}

static void absolute_form_with_userinfo_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("GET http://user:pw@allowed.test/ HTTP/1.1\r\n\r\n"), -1);
	assert_int_equal(req->status, 400);
}

static void origin_form_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("GET /index.html HTTP/1.1\r\nHost: allowed.test\r\n\r\n"), -1);
	assert_int_equal(req->status, 400);
	assert_non_null(strstr(req->why, "origin-form"));
	assert_int_equal(parse("OPTIONS * HTTP/1.1\r\n\r\n"), -1);
	assert_int_equal(req->status, 400);
}

static void https_absolute_form_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("GET https://allowed.test/ HTTP/1.1\r\n\r\n"), -1);
	assert_int_equal(req->status, 400);
	assert_int_equal(parse("GET ftp://allowed.test/ HTTP/1.1\r\n\r\n"), -1);
}

static void percent_escape_in_host_is_not_decoded(void **state)
{
	int r;

	(void)state;
	/* Either the parser refuses it, or the host keeps the '%' that canonicalisation refuses. */
	r = parse("GET http://allowed.test%2eevil.test/ HTTP/1.1\r\n\r\n");
	if (r == 1)
		assert_non_null(strchr(req->host, '%'));
	else
		assert_int_equal(req->status, 400);
	r = parse("CONNECT allowed%2etest:443 HTTP/1.1\r\n\r\n");
	if (r == 1)
		assert_non_null(strchr(req->host, '%'));
	else
		assert_int_equal(req->status, 400);
}

static void nul_byte_is_refused(void **state)
{
	static const char h1[] = "CONNECT allowed.test\0.evil:443 HTTP/1.1\r\n\r\n";
	static const char h2[] = "GET http://allowed.test/ HTTP/1.1\r\nX: a\0b\r\n\r\n";

	(void)state;
	px_http_init(req);
	assert_int_equal(px_http_feed(req, h1, sizeof(h1) - 1), -1);
	assert_int_equal(req->status, 400);
	px_http_init(req);
	assert_int_equal(px_http_feed(req, h2, sizeof(h2) - 1), -1);
	assert_int_equal(req->status, 400);
}

static void head_arriving_in_pieces_is_assembled(void **state)
{
	const char *h = "CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n"
			"User-Agent: x\r\n\r\nTLS-BYTES";
	size_t total = strlen(h), i;
	int r = 0;

	(void)state;
	px_http_init(req);
	for (i = 1; i <= total && r == 0; i++)
		r = px_http_feed(req, h, i);
	assert_int_equal(r, 1);
	assert_string_equal(req->host, "allowed.test");
	assert_int_equal(req->head_len, total - strlen("TLS-BYTES"));
	assert_int_equal(req->nhdr, 2);
}

static void a_call_without_new_bytes_asks_for_more(void **state)
{
	/* The proxy feeds on every wake-up, some of which bring no bytes (the write-readiness
	 * event after accept): those calls must not read as the end of the stream, which
	 * http_parser takes a zero-length buffer to mean. */
	const char *h = "CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n\r\n";
	size_t line = strlen("CONNECT allowed.test:443 HTTP/1.1\r\n");

	(void)state;
	px_http_init(req);
	assert_int_equal(px_http_feed(req, h, 0), 0);
	assert_int_equal(px_http_feed(req, h, 10), 0);
	assert_int_equal(px_http_feed(req, h, 10), 0);
	assert_int_equal(px_http_feed(req, h, line), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(px_http_feed(req, h, line), 0);
	assert_int_equal(px_http_feed(req, h, strlen(h) - 2), 0); /* all but the blank line */
	assert_int_equal(px_http_feed(req, h, strlen(h) - 2), 0);
	assert_int_equal(px_http_feed(req, h, strlen(h)), 1);
	assert_string_equal(req->host, "allowed.test");
	assert_int_equal(px_http_feed(req, h, strlen(h)), 1); /* complete stays complete */
}

static void the_end_of_the_stream_inside_a_head_is_400_and_before_one_nothing(void **state)
{
	const char *h = "CONNECT allowed.test:443 HTTP/1.1\r\nHost: a";

	(void)state;
	px_http_init(req);
	assert_int_equal(px_http_feed(req, h, strlen(h)), 0);
	assert_int_equal(px_http_end(req), -1);
	assert_int_equal(req->status, 400);
	assert_non_null(strstr(req->why, "unexpected time"));
	px_http_init(req); /* control: a client that sent nothing is just gone */
	assert_int_equal(px_http_feed(req, h, 0), 0);
	assert_int_equal(px_http_end(req), 0);
}

/* Heads accepted and refused; each must get the same answer however it is cut. */
static const char *const split_heads[] = {
    "CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\nUser-Agent: x\r\n\r\n",
    "CONNECT [::1]:8443 HTTP/1.1\r\n\r\n",
    "GET http://Allowed.test:8080/a/b?x=1 HTTP/1.1\r\nHost: evil.test\r\nAccept: */*\r\n\r\n",
    "POST http://allowed.test/ HTTP/1.1\r\nContent-Length: 12\r\n\r\nhello, world",
    "POST http://allowed.test/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    "CONNECT allowed.test HTTP/1.1\r\n\r\n",
    "GET /origin-form HTTP/1.1\r\nHost: allowed.test\r\n\r\n",
    "GET http://allowed.test/ HTTP/1.1\r\nX-A: a\r\n Host: evil.test\r\n\r\n",
    "POST http://allowed.test/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    "GARBAGE\r\n\r\n",
    "GET http://allowed.test/ HTTP/2.0\r\n\r\n",
};

static void a_head_split_at_every_byte_with_empty_calls_parses_as_when_whole(void **state)
{
	struct px_http_req *whole = malloc(sizeof(*whole));

	(void)state;
	assert_non_null(whole);
	for (size_t h = 0; h < sizeof(split_heads) / sizeof(split_heads[0]); h++) {
		const char *head = split_heads[h];
		size_t n = strlen(head);
		int want;

		px_http_init(whole);
		want = px_http_feed(whole, head, n);
		for (size_t k = 0; k < n; k++) {
			int r;

			px_http_init(req);
			r = px_http_feed(req, head, k);
			/* wake-ups with nothing new, before and after the cut */
			for (int i = 0; i < 3 && r == 0; i++)
				r = px_http_feed(req, head, k);
			if (r == 0)
				r = px_http_feed(req, head, n);
			if (r == 0)
				r = px_http_feed(req, head, n);
			if (r != want)
				print_error("head %zu cut at %zu: %d, whole %d (%s)\n", h, k, r,
					    want, r < 0 ? req->why : "");
			assert_int_equal(r, want);
			if (want == 1) {
				assert_string_equal(req->host, whole->host);
				assert_int_equal(req->port, whole->port);
				assert_int_equal(req->head_len, whole->head_len);
				assert_int_equal(req->nhdr, whole->nhdr);
				assert_true(req->body_len == whole->body_len);
			} else if (want < 0) {
				assert_int_equal(req->status, whole->status);
			}
		}
	}
	free(whole);
}

static void incomplete_head_asks_for_more(void **state)
{
	(void)state;
	assert_int_equal(parse("CONNECT allowed.test:443 HTTP/1.1\r\nHost: a"), 0);
}

static void oversized_head_is_431(void **state)
{
	char *h = malloc(PX_HTTP_HEAD_MAX + 100);
	size_t n;

	(void)state;
	n = (size_t)sprintf(h, "GET http://allowed.test/ HTTP/1.1\r\nX-Big: ");
	memset(h + n, 'a', PX_HTTP_HEAD_MAX + 100 - n);
	px_http_init(req);
	assert_int_equal(px_http_feed(req, h, PX_HTTP_HEAD_MAX + 100), -1);
	assert_int_equal(req->status, 431);
	free(h);
}

static void too_many_fields_is_431(void **state)
{
	char h[8192];
	size_t n = (size_t)sprintf(h, "GET http://allowed.test/ HTTP/1.1\r\n");

	(void)state;
	for (int i = 0; i < PX_HTTP_HDR_MAX + 1; i++)
		n += (size_t)sprintf(h + n, "X%d: y\r\n", i);
	sprintf(h + n, "\r\n");
	assert_int_equal(parse(h), -1);
	assert_int_equal(req->status, 431);
}

static void malformed_request_line_is_400(void **state)
{
	(void)state;
	assert_int_equal(parse("GARBAGE\r\n\r\n"), -1);
	assert_int_equal(req->status, 400);
	assert_int_equal(parse("GET http://allowed.test/ HTTP/1.1\r\nBad Header\r\n\r\n"), -1);
	assert_int_equal(req->status, 400);
}

static void body_length_comes_from_content_length_or_chunked(void **state)
{
	(void)state;
	assert_int_equal(parse("POST http://allowed.test/ HTTP/1.1\r\nContent-Length: 12\r\n\r\n"),
			 1);
	assert_int_equal(req->body_len, 12);
	assert_int_equal(
	    parse("POST http://allowed.test/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 1);
	assert_true(req->body_len == UINT64_MAX);
	assert_int_equal(parse("POST http://allowed.test/ HTTP/1.1\r\nContent-Length: 1\r\n"
			       "Transfer-Encoding: chunked\r\n\r\n"),
			 -1);
}

static void pipelined_request_is_not_part_of_the_head(void **state)
{
	const char *h = "GET http://a.test/ HTTP/1.1\r\n\r\nGET http://b.test/ HTTP/1.1\r\n\r\n";

	(void)state;
	assert_int_equal(parse(h), 1);
	assert_string_equal(req->host, "a.test");
	assert_int_equal(req->head_len, strlen("GET http://a.test/ HTTP/1.1\r\n\r\n"));
	assert_int_equal(req->body_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(connect_host_port_is_accepted),
	    cmocka_unit_test(connect_ipv6_authority_loses_its_brackets),
	    cmocka_unit_test(connect_without_port_is_refused),
	    cmocka_unit_test(connect_with_userinfo_is_refused),
	    cmocka_unit_test(absolute_form_names_host_port_and_target),
	    cmocka_unit_test(host_header_is_replaced_by_the_target_authority),
	    cmocka_unit_test(absolute_form_ipv6_keeps_brackets_in_host_header),
	    cmocka_unit_test(absolute_form_with_userinfo_is_refused),
	    cmocka_unit_test(origin_form_is_refused),
	    cmocka_unit_test(https_absolute_form_is_refused),
	    cmocka_unit_test(percent_escape_in_host_is_not_decoded),
	    cmocka_unit_test(nul_byte_is_refused),
	    cmocka_unit_test(head_arriving_in_pieces_is_assembled),
	    cmocka_unit_test(a_call_without_new_bytes_asks_for_more),
	    cmocka_unit_test(a_head_split_at_every_byte_with_empty_calls_parses_as_when_whole),
	    cmocka_unit_test(the_end_of_the_stream_inside_a_head_is_400_and_before_one_nothing),
	    cmocka_unit_test(incomplete_head_asks_for_more),
	    cmocka_unit_test(oversized_head_is_431),
	    cmocka_unit_test(too_many_fields_is_431),
	    cmocka_unit_test(malformed_request_line_is_400),
	    cmocka_unit_test(body_length_comes_from_content_length_or_chunked),
	    cmocka_unit_test(pipelined_request_is_not_part_of_the_head),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
