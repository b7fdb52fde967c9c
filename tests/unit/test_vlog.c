/* test_vlog.c — the violation log's line format: proxy entries unchanged, refused-write entries
 * with their extra keys, old lines still read, and the readable text of each kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/vlog.h"

static struct cordon_vlog_entry *write_entry(const char *path)
{
	struct cordon_vlog_entry *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	v->time = 1700000000;
	v->pid = 4242;
	snprintf(v->reason, sizeof(v->reason), "mandatory write-deny");
	snprintf(v->proto, sizeof(v->proto), "write");
	snprintf(v->path, sizeof(v->path), "%s", path);
	snprintf(v->syscall, sizeof(v->syscall), "openat");
	return v;
}

static void a_proxy_entry_keeps_its_exact_line(void **state)
{
	struct cordon_vlog_entry v = {0};
	char line[CORDON_VLOG_LINE_MAX];

	(void)state;
	v.time = 1700000000;
	snprintf(v.host, sizeof(v.host), "evil.test");
	v.port = 443;
	snprintf(v.reason, sizeof(v.reason), "not on the allowlist");
	snprintf(v.proto, sizeof(v.proto), "connect");
	assert_true(cordon_vlog_format(&v, line, sizeof(line)) > 0);
	assert_string_equal(line, "{\"time\":\"2023-11-14T22:13:20Z\",\"host\":\"evil.test\","
				  "\"port\":443,\"pid\":0,\"reason\":\"not on the allowlist\","
				  "\"proto\":\"connect\"}\n");
}

static void a_write_entry_round_trips_with_path_and_syscall(void **state)
{
	struct cordon_vlog_entry *v = write_entry("/home/u/proj/.bashrc"),
				 *back = malloc(sizeof(*v));
	struct cordon_error e = {{0}};
	char line[CORDON_VLOG_LINE_MAX];
	int n;

	(void)state;
	n = cordon_vlog_format(v, line, sizeof(line));
	assert_true(n > 0);
	assert_string_equal(
	    line, "{\"time\":\"2023-11-14T22:13:20Z\",\"host\":\"\",\"port\":0,"
		  "\"pid\":4242,\"reason\":\"mandatory write-deny\",\"proto\":"
		  "\"write\",\"path\":\"/home/u/proj/.bashrc\",\"syscall\":\"openat\"}\n");
	assert_int_equal(cordon_vlog_parse(line, (size_t)n, back, &e), 0);
	assert_string_equal(back->path, "/home/u/proj/.bashrc");
	assert_string_equal(back->syscall, "openat");
	assert_string_equal(back->proto, "write");
	assert_int_equal(back->pid, 4242);
	assert_int_equal(back->time, 1700000000);
	free(v);
	free(back);
}

static void an_old_line_without_the_new_keys_still_parses(void **state)
{
	const char *old = "{\"time\":\"2023-11-14T22:13:20Z\",\"host\":\"evil.test\",\"port\":80,"
			  "\"pid\":0,\"reason\":\"on the denylist\",\"proto\":\"http\"}";
	struct cordon_vlog_entry *v = malloc(sizeof(*v));
	struct cordon_error e = {{0}};

	(void)state;
	assert_int_equal(cordon_vlog_parse(old, strlen(old), v, &e), 0);
	assert_string_equal(v->host, "evil.test");
	assert_string_equal(v->path, "");
	assert_string_equal(v->syscall, "");
	free(v);
}

static void a_path_of_every_byte_escaped_fits_the_line_max(void **state)
{
	struct cordon_vlog_entry *v = write_entry(""), *back = malloc(sizeof(*v));
	char *line = malloc(CORDON_VLOG_LINE_MAX);
	struct cordon_error e = {{0}};
	int n;

	(void)state;
	memset(v->host, 0x01, sizeof(v->host) - 1);
	memset(v->reason, 0xff, sizeof(v->reason) - 1);
	memset(v->proto, 0x1b, sizeof(v->proto) - 1);
	memset(v->path, 0x80, sizeof(v->path) - 1);
	memset(v->syscall, '"', sizeof(v->syscall) - 1);
	v->pid = -2147483647 - 1;
	n = cordon_vlog_format(v, line, CORDON_VLOG_LINE_MAX);
	assert_true(n > 0);
	assert_int_equal(line[n - 1], '\n');
	assert_ptr_equal(strchr(line, '\n'), line + n - 1); /* one line */
	assert_int_equal(cordon_vlog_parse(line, (size_t)n, back, &e), 0);
	assert_int_equal(strlen(back->path), sizeof(v->path) - 1);
	free(line);
	free(v);
	free(back);
}

static void the_text_of_a_write_entry_names_path_syscall_and_pid(void **state)
{
	struct cordon_vlog_entry *v = write_entry("/p/.mcp.json\x1b[2J");
	char text[256];

	(void)state;
	setenv("TZ", "UTC", 1);
	cordon_vlog_text(v, text, sizeof(text));
	assert_string_equal(text, "2023-11-14 22:13:20  write refused  /p/.mcp.json\\x1b[2J  "
				  "(openat, pid 4242)");
	/* truncated to the buffer, NUL-terminated */
	assert_true(cordon_vlog_text(v, text, 12) < 12);
	assert_int_equal(strlen(text), 11);
	free(v);
}

static void the_text_of_a_proxy_entry_is_unchanged(void **state)
{
	struct cordon_vlog_entry v = {0};
	char text[256];

	(void)state;
	setenv("TZ", "UTC", 1);
	v.time = 1700000000;
	snprintf(v.host, sizeof(v.host), "::1");
	v.port = 80;
	v.pid = 7;
	snprintf(v.reason, sizeof(v.reason), "resolves to loopback");
	snprintf(v.proto, sizeof(v.proto), "socks5");
	cordon_vlog_text(&v, text, sizeof(text));
	assert_string_equal(text,
			    "2023-11-14 22:13:20  [::1]:80  resolves to loopback  (socks5, pid 7)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_proxy_entry_keeps_its_exact_line),
	    cmocka_unit_test(a_write_entry_round_trips_with_path_and_syscall),
	    cmocka_unit_test(an_old_line_without_the_new_keys_still_parses),
	    cmocka_unit_test(a_path_of_every_byte_escaped_fits_the_line_max),
	    cmocka_unit_test(the_text_of_a_write_entry_names_path_syscall_and_pid),
	    cmocka_unit_test(the_text_of_a_proxy_entry_is_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
