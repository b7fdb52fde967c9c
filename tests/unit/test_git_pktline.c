/* test_git_pktline.c — unit tests of git's pkt-line framing and receive-pack update requests as
 * the git relay reads them (gitprotocol-common(5), gitprotocol-pack(5)), and of the refusal it
 * writes back (report-status, side band). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/src/git/git_pktline.h"

#define OLD "74730d410fcb6603ace96f1dc55ea6196122532d"
#define NEW "5a3f6be755bbb7deae50065988cbfa1ffa9ab68a"
#define ZERO "0000000000000000000000000000000000000000"

/* pkt: s as one pkt-line appended to b (n bytes of s, NUL bytes allowed). */
static void pkt(struct cordon_strbuf *b, const char *s, size_t n)
{
	git_pkt_add(b, s, n);
}

static void flush_delim_and_data_lines_are_told_apart(void **state)
{
	struct git_pkt p;
	size_t used;
	(void)state;

	assert_int_equal(git_pkt_parse("0000", 4, &p, &used), 1);
	assert_int_equal(p.type, GIT_PKT_FLUSH);
	assert_int_equal(used, 4);
	assert_int_equal(git_pkt_parse("0001", 4, &p, &used), 1);
	assert_int_equal(p.type, GIT_PKT_DELIM);
	assert_int_equal(git_pkt_parse("0002", 4, &p, &used), 1);
	assert_int_equal(p.type, GIT_PKT_END);
	/* the example of gitprotocol-common(5): "0006a\n" */
	assert_int_equal(git_pkt_parse("0006a\nrest", 10, &p, &used), 1);
	assert_int_equal(p.type, GIT_PKT_DATA);
	assert_int_equal(p.len, 2);
	assert_memory_equal(p.data, "a\n", 2);
	assert_int_equal(used, 6);
	/* "0004" is an empty data line */
	assert_int_equal(git_pkt_parse("0004", 4, &p, &used), 1);
	assert_int_equal(p.type, GIT_PKT_DATA);
	assert_int_equal(p.len, 0);
}

static void partial_lines_ask_for_more_and_bad_prefixes_are_refused(void **state)
{
	struct git_pkt p;
	size_t used;
	(void)state;

	assert_int_equal(git_pkt_parse("00", 2, &p, &used), 0);
	assert_int_equal(git_pkt_parse("000aabc", 7, &p, &used), 0);
	assert_int_equal(git_pkt_parse("0003", 4, &p, &used), -EINVAL);
	assert_int_equal(git_pkt_parse("00g4", 4, &p, &used), -EINVAL);
	assert_int_equal(git_pkt_parse(" 004", 4, &p, &used), -EINVAL);
	/* longer than 65520 bytes (fff1 = 65521) */
	assert_int_equal(git_pkt_parse("fff1", 4, &p, &used), -EINVAL);
	/* uppercase hexadecimal digits are read too, as git's hex2chr does */
	assert_int_equal(git_pkt_parse("000A", 4, &p, &used), 0);
}

static void written_lines_read_back(void **state)
{
	struct cordon_strbuf b = {0};
	struct git_pkt p;
	size_t used;
	(void)state;

	git_pkt_add(&b, "hello\n", 6);
	git_pkt_flush(&b);
	assert_string_equal(b.s, "000ahello\n0000");
	assert_int_equal(git_pkt_parse(b.s, b.len, &p, &used), 1);
	assert_int_equal(p.len, 6);
	cordon_sb_free(&b);
}

static void update_request_commands_and_capabilities(void **state)
{
	struct cordon_strbuf b = {0};
	struct git_push_req req;
	struct cordon_error e = {{0}};
	const char first[] = OLD " " NEW " refs/heads/main\0 report-status side-band-64k "
				 "agent=git/2.39.5";
	(void)state;

	pkt(&b, first, sizeof(first) - 1);
	pkt(&b, ZERO " " NEW " refs/heads/cordon/new\n", 41 + 41 + 22);
	pkt(&b, OLD " " ZERO " refs/tags/v1", 41 + 41 + 12);
	git_pkt_flush(&b);
	size_t pack_at = b.len;
	cordon_sb_add(&b, "PACK\0\0\0\2");
	assert_int_equal(git_push_req_parse(b.s, b.len, &req, &e), 1);
	assert_int_equal(req.n, 3);
	assert_string_equal(req.cmds[0].old_oid, OLD);
	assert_string_equal(req.cmds[0].new_oid, NEW);
	assert_string_equal(req.cmds[0].ref, "refs/heads/main");
	assert_string_equal(req.cmds[1].ref, "refs/heads/cordon/new");
	assert_true(git_oid_is_zero(req.cmds[1].old_oid));
	assert_string_equal(req.cmds[2].ref, "refs/tags/v1");
	assert_true(git_oid_is_zero(req.cmds[2].new_oid));
	assert_true(req.report_status);
	assert_true(req.side_band_64k);
	assert_false(req.side_band);
	assert_false(req.push_options);
	assert_int_equal(req.pack_off, pack_at);
	git_push_req_free(&req);
	cordon_sb_free(&b);
}

static void a_request_cut_short_asks_for_more(void **state)
{
	struct cordon_strbuf b = {0};
	struct git_push_req req;
	struct cordon_error e = {{0}};
	const char first[] = OLD " " NEW " refs/heads/main\0report-status";
	(void)state;

	pkt(&b, first, sizeof(first) - 1);
	git_pkt_flush(&b);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(git_push_req_parse(b.s, n, &req, &e), 0);
	assert_int_equal(git_push_req_parse(b.s, b.len, &req, &e), 1);
	git_push_req_free(&req);
	cordon_sb_free(&b);
}

static void push_options_and_shallow_lines_are_skipped(void **state)
{
	struct cordon_strbuf b = {0};
	struct git_push_req req;
	struct cordon_error e = {{0}};
	const char first[] = OLD " " NEW " refs/heads/x\0report-status push-options";
	(void)state;

	pkt(&b, "shallow " OLD, 8 + 40);
	pkt(&b, first, sizeof(first) - 1);
	git_pkt_flush(&b);
	pkt(&b, "ci.skip", 7);
	git_pkt_flush(&b);
	size_t pack_at = b.len;
	cordon_sb_add(&b, "PACK");
	assert_int_equal(git_push_req_parse(b.s, b.len, &req, &e), 1);
	assert_int_equal(req.n, 1);
	assert_true(req.push_options);
	assert_int_equal(req.pack_off, pack_at);
	git_push_req_free(&req);
	/* without the options' own flush-pkt the request is not complete */
	assert_int_equal(git_push_req_parse(b.s, pack_at - 4, &req, &e), 0);
	cordon_sb_free(&b);
}

static void sha256_object_format_takes_64_digit_ids(void **state)
{
	struct cordon_strbuf b = {0};
	struct git_push_req req;
	struct cordon_error e = {{0}};
	char line[300];
	const char *o = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *n = "2222222222222222222222222222222222222222222222222222222222222222";
	(void)state;

	int len = snprintf(line, sizeof(line),
			   "%s %s refs/heads/m%creport-status object-format=sha256", o, n, 0);
	pkt(&b, line, (size_t)len);
	git_pkt_flush(&b);
	assert_int_equal(git_push_req_parse(b.s, b.len, &req, &e), 1);
	assert_int_equal(req.oid_len, 64);
	assert_string_equal(req.cmds[0].new_oid, n);
	git_push_req_free(&req);
	cordon_sb_free(&b);
}

static void malformed_commands_are_refused_with_a_reason(void **state)
{
	static const char *const bad[] = {
	    OLD " " NEW,						     /* no ref */
	    OLD " " NEW " main",					     /* not under refs/ */
	    OLD "x " NEW " refs/heads/m",				     /* id too long */
	    "74730D410FCB6603ACE96F1DC55EA6196122532D " NEW " refs/heads/m", /* uppercase */
	    OLD " " NEW " refs/heads/a b",				     /* space in the ref */
	};
	struct git_push_req req;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cordon_strbuf b = {0};
		struct cordon_error e = {{0}};
		pkt(&b, bad[i], strlen(bad[i]));
		git_pkt_flush(&b);
		assert_int_equal(git_push_req_parse(b.s, b.len, &req, &e), -EINVAL);
		assert_true(e.msg[0] != '\0');
		cordon_sb_free(&b);
	}
}

static void push_certificates_are_refused_as_unsupported(void **state)
{
	struct cordon_strbuf b = {0};
	struct git_push_req req;
	struct cordon_error e = {{0}};
	const char cert[] = "push-cert\0report-status\n";
	(void)state;

	pkt(&b, cert, sizeof(cert) - 1);
	pkt(&b, "certificate version 0.1\n", 24);
	assert_int_equal(git_push_req_parse(b.s, b.len, &req, &e), -ENOTSUP);
	assert_non_null(strstr(e.msg, "signed"));
	cordon_sb_free(&b);
}

static void an_empty_probe_request_is_complete(void **state)
{
	struct git_push_req req;
	struct cordon_error e = {{0}};
	(void)state;

	assert_int_equal(git_push_req_parse("0000", 4, &req, &e), 1);
	assert_int_equal(req.n, 0);
	assert_int_equal(req.pack_off, 4);
	git_push_req_free(&req);
}

struct seen {
	int ok, ng;
	char last_ref[64], last_why[256];
};

static void on_status(void *arg, bool ok, const char *ref, size_t rl, const char *why, size_t wl)
{
	struct seen *s = arg;
	if (ok)
		s->ok++;
	else
		s->ng++;
	snprintf(s->last_ref, sizeof(s->last_ref), "%.*s", (int)rl, ref);
	snprintf(s->last_why, sizeof(s->last_why), "%.*s", (int)wl, why);
}

/* The refusal git's send-pack reads: the reason on band 2, then the report-status in band 1, a
 * flush-pkt at the end; read back through git_report_scan as the relay reads a remote's. */
static void refusal_with_side_band_carries_report_status_in_band_one(void **state)
{
	struct cordon_strbuf b = {0}, line = {0};
	struct git_push_req req = {0};
	struct git_push_cmd cmds[2];
	struct seen s = {0};
	const char *why[2] = {"cordon: refs/heads/main is not allowed by git.pushRefs", NULL};
	struct git_pkt p;
	size_t used;
	(void)state;

	memset(cmds, 0, sizeof(cmds));
	strcpy(cmds[0].ref, "refs/heads/main");
	strcpy(cmds[1].ref, "refs/heads/cordon/a");
	req.cmds = cmds;
	req.n = 2;
	req.side_band_64k = req.report_status = true;
	git_push_refusal(&b, &req, why, "cordon: push refused\n");
	assert_false(b.oom);
	/* first packet: band 2 */
	assert_int_equal(git_pkt_parse(b.s, b.len, &p, &used), 1);
	assert_int_equal(p.data[0], 2);
	assert_memory_equal(p.data + 1, "cordon: push refused\n", 21);
	/* the stream ends with a flush-pkt */
	assert_memory_equal(b.s + b.len - 4, "0000", 4);
	assert_int_equal(git_report_scan(b.s, b.len, true, on_status, &s), 2);
	assert_int_equal(s.ng, 2);
	assert_int_equal(s.ok, 0);
	assert_string_equal(s.last_ref, "refs/heads/cordon/a");
	assert_non_null(strstr(s.last_why, "another ref of this push"));
	cordon_sb_free(&b);
	cordon_sb_free(&line);
}

static void refusal_without_side_band_is_the_bare_report(void **state)
{
	struct cordon_strbuf b = {0};
	struct git_push_req req = {0};
	struct git_push_cmd cmd;
	const char *why[1] = {"deleting refs/heads/x is refused (git.allowDelete is false)"};
	(void)state;

	memset(&cmd, 0, sizeof(cmd));
	strcpy(cmd.ref, "refs/heads/x");
	req.cmds = &cmd;
	req.n = 1;
	req.report_status = true;
	git_push_refusal(&b, &req, why, "ignored without a side band\n");
	assert_string_equal(b.s, "000eunpack ok\n"
				 "0050ng refs/heads/x deleting refs/heads/x is refused "
				 "(git.allowDelete is false)\n"
				 "0000");
	cordon_sb_free(&b);
}

/* A remote's answer as receive-pack sends it (the example of gitprotocol-pack(5)). */
static void a_remote_report_is_read_line_by_line(void **state)
{
	const char body[] = "000eunpack ok\n"
			    "0018ok refs/heads/debug\n"
			    "002ang refs/heads/master non-fast-forward\n"
			    "0000";
	struct seen s = {0};
	(void)state;

	assert_int_equal(git_report_scan(body, sizeof(body) - 1, false, on_status, &s), 2);
	assert_int_equal(s.ok, 1);
	assert_int_equal(s.ng, 1);
	assert_string_equal(s.last_ref, "refs/heads/master");
	assert_string_equal(s.last_why, "non-fast-forward");
	assert_int_equal(git_report_scan("zzzz", 4, false, on_status, &s), -EINVAL);
}

static void long_side_band_data_is_split_into_packets(void **state)
{
	struct cordon_strbuf b = {0};
	char *data = malloc(70000);
	struct git_pkt p;
	size_t used, off = 0, total = 0;
	int n = 0;
	(void)state;

	memset(data, 'x', 70000);
	git_sideband_add(&b, 2, false, data, 70000);
	while (off < b.len) {
		assert_int_equal(git_pkt_parse(b.s + off, b.len - off, &p, &used), 1);
		assert_true(p.len <= GIT_PKT_DATA_MAX);
		assert_int_equal(p.data[0], 2);
		total += p.len - 1;
		off += used;
		n++;
	}
	assert_int_equal(total, 70000);
	assert_int_equal(n, 2);
	cordon_sb_free(&b);
	/* the older side-band: packets of at most 1000 bytes */
	git_sideband_add(&b, 2, true, data, 5000);
	assert_int_equal(git_pkt_parse(b.s, b.len, &p, &used), 1);
	assert_true(used <= 1000);
	cordon_sb_free(&b);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(flush_delim_and_data_lines_are_told_apart),
	    cmocka_unit_test(partial_lines_ask_for_more_and_bad_prefixes_are_refused),
	    cmocka_unit_test(written_lines_read_back),
	    cmocka_unit_test(update_request_commands_and_capabilities),
	    cmocka_unit_test(a_request_cut_short_asks_for_more),
	    cmocka_unit_test(push_options_and_shallow_lines_are_skipped),
	    cmocka_unit_test(sha256_object_format_takes_64_digit_ids),
	    cmocka_unit_test(malformed_commands_are_refused_with_a_reason),
	    cmocka_unit_test(push_certificates_are_refused_as_unsupported),
	    cmocka_unit_test(an_empty_probe_request_is_complete),
	    cmocka_unit_test(refusal_with_side_band_carries_report_status_in_band_one),
	    cmocka_unit_test(refusal_without_side_band_is_the_bare_report),
	    cmocka_unit_test(a_remote_report_is_read_line_by_line),
	    cmocka_unit_test(long_side_band_data_is_split_into_packets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
