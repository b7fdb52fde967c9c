/* test_vlog_attacks.c — the violation log stays one valid JSON line per refusal whatever host name
 * a hostile client sends: quotes, newlines, escape sequences and bytes that are not UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cordon/vlog.h"

static struct cordon_vlog_entry entry(const char *host)
{
	struct cordon_vlog_entry v;

	memset(&v, 0, sizeof(v));
	v.time = 1700000000;
	snprintf(v.host, sizeof(v.host), "%s", host);
	v.port = 443;
	snprintf(v.reason, sizeof(v.reason), "not on the allowlist");
	snprintf(v.proto, sizeof(v.proto), "socks5");
	return v;
}

/* one_ascii_line: exactly one '\n', at the end, and nothing outside printable ASCII. */
static void assert_one_ascii_line(const char *line, int n)
{
	assert_true(n > 0);
	assert_int_equal(line[n - 1], '\n');
	for (int i = 0; i < n - 1; i++) {
		unsigned char c = (unsigned char)line[i];

		assert_true(c >= 0x20 && c < 0x7f);
	}
}

static void quotes_and_newlines_in_a_host_cannot_forge_a_second_entry(void **state)
{
	const char *evil = "evil\"}\n{\"host\":\"allowed.test\",\"reason\":\"x\x1b[31m\r";
	struct cordon_vlog_entry v = entry(evil), back;
	struct cordon_error e = {{0}};
	char line[2048];
	int n;

	(void)state;
	n = cordon_vlog_format(&v, line, sizeof(line));
	assert_one_ascii_line(line, n);
	assert_int_equal(cordon_vlog_parse(line, (size_t)n - 1, &back, &e), 0);
	assert_string_equal(back.host, evil);
	assert_string_equal(back.reason, "not on the allowlist");
}

static void bytes_that_are_not_utf8_are_escaped(void **state)
{
	struct cordon_vlog_entry v = entry("\xff\xfe.allowed.test\x80\xc3");
	struct cordon_vlog_entry back;
	struct cordon_error e = {{0}};
	char line[2048];
	int n;

	(void)state;
	n = cordon_vlog_format(&v, line, sizeof(line));
	assert_one_ascii_line(line, n);
	assert_non_null(strstr(line, "\\u00ff\\u00fe.allowed.test\\u0080\\u00c3"));
	assert_int_equal(cordon_vlog_parse(line, (size_t)n - 1, &back, &e), 0);
	assert_string_equal(back.proto, "socks5");
}

static void a_host_of_255_escaped_bytes_still_fits_one_line(void **state)
{
	struct cordon_vlog_entry v = entry("");
	char line[2048];
	int n;

	(void)state;
	memset(v.host, 0xff, sizeof(v.host) - 1);
	v.host[sizeof(v.host) - 1] = '\0';
	n = cordon_vlog_format(&v, line, sizeof(line));
	assert_one_ascii_line(line, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(quotes_and_newlines_in_a_host_cannot_forge_a_second_entry),
	    cmocka_unit_test(bytes_that_are_not_utf8_are_escaped),
	    cmocka_unit_test(a_host_of_255_escaped_bytes_still_fits_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
