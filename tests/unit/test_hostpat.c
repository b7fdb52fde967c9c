/* test_hostpat.c — unit tests of host patterns: canonical form of client-sent hosts, the
 * allowlist grammar (valid and refused patterns) and the allow/deny decision. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cordon/hostpat.h"
#include "cordon/policy.h"

/* canon: canonicalise s (without its NUL) and return the result in a static buffer, or NULL. */
static const char *canon_n(const char *s, size_t n, bool *is_ip)
{
	static char out[300];
	struct cordon_error e;
	bool ip = false;

	if (cordon_host_canonical(s, n, out, sizeof(out), &ip, &e) < 0)
		return NULL;
	if (is_ip)
		*is_ip = ip;
	return out;
}

static const char *canon(const char *s, bool *is_ip)
{
	return canon_n(s, strlen(s), is_ip);
}

static void ipv4_spellings_canonicalise_to_dotted_quad(void **state)
{
	(void)state;
	const char *spellings[] = {"127.0.0.1",	       "127.1",	     "0x7f.0.0.1",
				   "2130706433",       "0177.0.0.1", "0x7f000001",
				   "127.0.1",	       "0X7F.1",     "[::ffff:127.0.0.1]",
				   "::ffff:127.0.0.1", "127.0.0.1."};
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		bool ip = false;
		const char *c = canon(spellings[i], &ip);
		assert_non_null(c);
		assert_string_equal(c, "127.0.0.1");
		assert_true(ip);
	}
}

static void ipv6_canonicalises_without_brackets(void **state)
{
	(void)state;
	bool ip = false;
	assert_string_equal(canon("[::1]", &ip), "::1");
	assert_true(ip);
	assert_string_equal(canon("[0:0:0:0:0:0:0:1]", NULL), "::1");
	assert_string_equal(canon("[FD00:EC2::254]", NULL), "fd00:ec2::254");
	assert_null(canon("[::1", NULL));
	assert_null(canon("[]", NULL));
	assert_null(canon("[example.com]", NULL));
	assert_null(canon("[::1%eth0]", NULL));
}

static void names_are_lowercased_and_lose_the_trailing_dot(void **state)
{
	(void)state;
	bool ip = true;
	assert_string_equal(canon("Example.COM.", &ip), "example.com");
	assert_false(ip);
	assert_string_equal(canon("localhost", NULL), "localhost");
	assert_string_equal(canon("a-b.c_d.example", NULL), "a-b.c_d.example");
}

static void canonical_refuses_hostile_bytes(void **state)
{
	(void)state;
	/* SOCKS5 hands over a length: an embedded NUL must not truncate the name. */
	assert_null(canon_n("allowed.test\0.evil", 18, NULL));
	assert_null(canon_n("", 0, NULL));
	assert_null(canon("a b.com", NULL));
	assert_null(canon("a\tb.com", NULL));
	assert_null(canon("a\r\nb.com", NULL));
	assert_null(canon("ex%61mple.com", NULL));
	assert_null(canon("user@example.com", NULL));
	assert_null(canon("example.com/path", NULL));
	assert_null(canon("ex\xc3\xa4mple.com", NULL));
	assert_null(canon("a..b", NULL));
	assert_null(canon(".", NULL));
	assert_null(canon("..", NULL));
	assert_null(canon("-a.com", NULL));
	assert_null(canon("a-.com", NULL));
	assert_null(canon("a*.com", NULL));
	/* numeric last label that inet_aton refuses is not a DNS name either */
	assert_null(canon("1.2.3.4.5", NULL));
	assert_null(canon("256.0.0.1", NULL));
	assert_null(canon("08.0.0.1", NULL));
}

static void canonical_enforces_length_limits(void **state)
{
	(void)state;
	char label[80], name[300];
	memset(label, 'a', 63);
	label[63] = '\0';
	assert_non_null(canon(label, NULL));
	memset(label, 'a', 64);
	label[64] = '\0';
	assert_null(canon(label, NULL));

	/* 4 labels of 63 + 3 dots = 255 > 253 */
	snprintf(name, sizeof(name), "%.63s.%.63s.%.63s.%.63s", label, label, label, label);
	assert_null(canon(name, NULL));
	/* 253 characters exactly is fine: 63*3 + 3 dots + 61 */
	snprintf(name, sizeof(name), "%.63s.%.63s.%.63s.%.61s", label, label, label, label);
	assert_int_equal(strlen(name), 253);
	assert_non_null(canon(name, NULL));
	char small[8];
	bool ip;
	struct cordon_error e;
	assert_int_equal(cordon_host_canonical("example.com", 11, small, sizeof(small), &ip, &e),
			 -ENAMETOOLONG);
}

/* parse: 0 on success, rule in *r (caller frees r->host). */
static int parse(const char *pat, struct cordon_host_rule *r, char *msg, size_t len)
{
	struct cordon_error e = {.msg = ""};
	int ret = cordon_host_rule_parse(pat, r, &e);
	if (msg)
		snprintf(msg, len, "%s", e.msg);
	return ret;
}

static void valid_patterns_parse_to_canonical_rules(void **state)
{
	(void)state;
	const struct {
		const char *pat, *host;
		bool wildcard, is_ip;
		uint16_t port;
		const char *fmt;
	} ok[] = {
	    {"example.com", "example.com", false, false, 0, "example.com"},
	    {"EXAMPLE.com.", "example.com", false, false, 0, "example.com"},
	    {"*.example.com", "example.com", true, false, 0, "*.example.com"},
	    {"*.Example.com:8443", "example.com", true, false, 8443, "*.example.com:8443"},
	    {"api.example.com:443", "api.example.com", false, false, 443, "api.example.com:443"},
	    {"127.1", "127.0.0.1", false, true, 0, "127.0.0.1"},
	    {"0x7f.0.0.1:8080", "127.0.0.1", false, true, 8080, "127.0.0.1:8080"},
	    {"[::1]", "::1", false, true, 0, "[::1]"},
	    {"[::1]:443", "::1", false, true, 443, "[::1]:443"},
	    {"[::ffff:127.0.0.1]", "127.0.0.1", false, true, 0, "127.0.0.1"},
	    {"localhost", "localhost", false, false, 0, "localhost"},
	    {"x:65535", "x", false, false, 65535, "x:65535"},
	    {"x:1", "x", false, false, 1, "x:1"},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cordon_host_rule r;
		char msg[1024], fmt[300];
		int ret = parse(ok[i].pat, &r, msg, sizeof(msg));
		if (ret != 0)
			fail_msg("\"%s\" refused: %s", ok[i].pat, msg);
		assert_string_equal(r.host, ok[i].host);
		assert_int_equal(r.wildcard, ok[i].wildcard);
		assert_int_equal(r.is_ip, ok[i].is_ip);
		assert_int_equal(r.port, ok[i].port);
		cordon_host_rule_format(&r, fmt, sizeof(fmt));
		assert_string_equal(fmt, ok[i].fmt);
		free(r.host);
	}
}

static void invalid_patterns_are_refused_with_a_reason(void **state)
{
	(void)state;
	char long_label[80], long_name[300];
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	memset(long_name, 'a', 254);
	for (int i = 10; i < 254; i += 10)
		long_name[i] = '.';
	long_name[254] = '\0';
	const struct {
		const char *pat, *why;
	} bad[] = {
	    {"", "empty"},
	    {"*", "wildcard"},
	    {"*.", "wildcard"},
	    {"*.com", "top-level domain"},
	    {"*.com.", "top-level domain"},
	    {"*.localhost", "top-level domain"},
	    {"a.*.b", "'*'"},
	    {"*foo.com", "wildcard"},
	    {"foo*.com", "'*'"},
	    {"*.*.example.com", "'*'"},
	    {"*.127.0.0.1", "IP address"},
	    {"http://x", "scheme"},
	    {"https://example.com/", "scheme"},
	    {"a/b", "path"},
	    {"user@host", "userinfo"},
	    {"ex%61mple.com", "percent"},
	    {"a\tb", "control"},
	    {"a\x01"
	     "b",
	     "control"},
	    {"a b", "space"},
	    {"ex\xc3\xa4mple.com", "non-ASCII"},
	    {long_label, "label longer"},
	    {long_name, "longer than 253"},
	    {"x:0", "port"},
	    {"x:65536", "port"},
	    {"x:", "port"},
	    {"x:-1", "port"},
	    {"x:443x", "port"},
	    {":443", "empty host"},
	    {"::1", "brackets"},
	    {"2001:db8::1:443", "brackets"},
	    {"[::1", "unterminated"},
	    {"[::1]x", "after"},
	    {"[::1]:0", "port"},
	    {"[example.com]", "IPv6"},
	    {"[127.0.0.1]", "IPv6"},
	    {"a..b", "empty label"},
	    {"-a.com", "'-'"},
	    {"1.2.3.4.5", "IPv4"},
	    {"a\\b", "backslash"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cordon_host_rule r;
		char msg[1024];
		int ret = parse(bad[i].pat, &r, msg, sizeof(msg));
		if (ret != -EINVAL)
			fail_msg("\"%s\" accepted (ret %d)", bad[i].pat, ret);
		assert_null(r.host);
		if (!strstr(msg, bad[i].why))
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i].pat, msg,
				 bad[i].why);
		if (!strstr(msg, "invalid host pattern"))
			fail_msg("\"%s\": message \"%s\" does not name the pattern", bad[i].pat,
				 msg);
	}
}

/* decide: allow/deny lists from NULL-terminated pattern arrays, then decide host:port. */
static enum cordon_verdict decide(const char *const *allow, const char *const *deny,
				  const char *host, uint16_t port)
{
	struct cordon_policy p;
	struct cordon_error e;
	char c[300];
	bool ip;

	assert_int_equal(cordon_policy_init(&p, NULL, &e), 0);
	for (; allow && *allow; allow++)
		assert_int_equal(cordon_policy_add_host(&p.allow_hosts, *allow, &e), 0);
	for (; deny && *deny; deny++)
		assert_int_equal(cordon_policy_add_host(&p.deny_hosts, *deny, &e), 0);
	enum cordon_verdict v = CORDON_VERDICT_DENY;
	if (cordon_host_canonical(host, strlen(host), c, sizeof(c), &ip, &e) == 0)
		v = cordon_host_decide(&p, c, port);
	cordon_policy_free(&p);
	return v;
}

static void exact_rule_matches_case_insensitively_and_only_that_host(void **state)
{
	(void)state;
	const char *const allow[] = {"allowed.test", NULL};
	assert_int_equal(decide(allow, NULL, "allowed.test", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "ALLOWED.Test.", 80), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "allowed.test.evil.example", 443),
			 CORDON_VERDICT_UNLISTED);
	assert_int_equal(decide(allow, NULL, "evilallowed.test", 443), CORDON_VERDICT_UNLISTED);
	assert_int_equal(decide(allow, NULL, "sub.allowed.test", 443), CORDON_VERDICT_UNLISTED);
	assert_int_equal(decide(allow, NULL, "allowed.tes", 443), CORDON_VERDICT_UNLISTED);
}

static void wildcard_matches_strict_subdomains_only(void **state)
{
	(void)state;
	const char *const allow[] = {"*.allowed.test", NULL};
	assert_int_equal(decide(allow, NULL, "a.allowed.test", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "a.b.ALLOWED.test", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "allowed.test", 443), CORDON_VERDICT_UNLISTED);
	assert_int_equal(decide(allow, NULL, "evilallowed.test", 443), CORDON_VERDICT_UNLISTED);
	assert_int_equal(decide(allow, NULL, "allowed.test.evil", 443), CORDON_VERDICT_UNLISTED);
	assert_int_equal(decide(allow, NULL, ".allowed.test", 443), CORDON_VERDICT_DENY);
}

static void rule_with_port_matches_that_port_only(void **state)
{
	(void)state;
	const char *const allow[] = {"git.test:443", "*.db.test:5432", NULL};
	assert_int_equal(decide(allow, NULL, "git.test", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "git.test", 22), CORDON_VERDICT_UNLISTED);
	assert_int_equal(decide(allow, NULL, "a.db.test", 5432), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "a.db.test", 25), CORDON_VERDICT_UNLISTED);
}

static void deny_wins_over_allow(void **state)
{
	(void)state;
	const char *const allow[] = {"*.example.com", "example.com", NULL};
	const char *const deny[] = {"bad.example.com", "example.com:22", NULL};
	assert_int_equal(decide(allow, deny, "good.example.com", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, deny, "bad.example.com", 443), CORDON_VERDICT_DENY);
	assert_int_equal(decide(allow, deny, "BAD.example.com.", 443), CORDON_VERDICT_DENY);
	assert_int_equal(decide(allow, deny, "example.com", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, deny, "example.com", 22), CORDON_VERDICT_DENY);
}

static void ip_rules_match_every_spelling_of_the_address(void **state)
{
	(void)state;
	const char *const allow[] = {"127.0.0.1:8080", "[::1]", NULL};
	assert_int_equal(decide(allow, NULL, "127.1", 8080), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "2130706433", 8080), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "0177.0.0.1", 8080), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "[::ffff:127.0.0.1]", 8080), CORDON_VERDICT_ALLOW);
	assert_int_equal(decide(allow, NULL, "127.0.0.1", 8081), CORDON_VERDICT_UNLISTED);
	assert_int_equal(decide(allow, NULL, "127.0.0.2", 8080), CORDON_VERDICT_UNLISTED);
	assert_int_equal(decide(allow, NULL, "[0::1]", 1), CORDON_VERDICT_ALLOW);
	const char *const deny[] = {"0x7f.1", NULL};
	assert_int_equal(decide(allow, deny, "127.0.0.1", 8080), CORDON_VERDICT_DENY);
	assert_int_equal(decide(NULL, NULL, "127.0.0.1", 8080), CORDON_VERDICT_UNLISTED);
}

static void add_host_drops_duplicates_and_remove_host_removes_them(void **state)
{
	(void)state;
	struct cordon_host_list l = {0};
	struct cordon_error e;
	assert_int_equal(cordon_policy_add_host(&l, "Example.com", &e), 0);
	assert_int_equal(cordon_policy_add_host(&l, "example.com.", &e), 0);
	assert_int_equal(cordon_policy_add_host(&l, "example.com:443", &e), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(cordon_policy_add_host(&l, "*.com", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "*.com"));
	assert_int_equal(l.n, 2);
	assert_int_equal(cordon_policy_remove_host(&l, "EXAMPLE.COM", &e), 1);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].host, "example.com");
	assert_int_equal(l.v[0].port, 443);
	assert_int_equal(cordon_policy_remove_host(&l, "other.com", &e), 0);
	assert_int_equal(cordon_policy_remove_host(&l, "a/b", &e), -EINVAL);
	assert_int_equal(cordon_policy_remove_host(&l, "example.com:443", &e), 1);
	assert_int_equal(l.n, 0);
	free(l.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ipv4_spellings_canonicalise_to_dotted_quad),
	    cmocka_unit_test(ipv6_canonicalises_without_brackets),
	    cmocka_unit_test(names_are_lowercased_and_lose_the_trailing_dot),
	    cmocka_unit_test(canonical_refuses_hostile_bytes),
	    cmocka_unit_test(canonical_enforces_length_limits),
	    cmocka_unit_test(valid_patterns_parse_to_canonical_rules),
	    cmocka_unit_test(invalid_patterns_are_refused_with_a_reason),
	    cmocka_unit_test(exact_rule_matches_case_insensitively_and_only_that_host),
	    cmocka_unit_test(wildcard_matches_strict_subdomains_only),
	    cmocka_unit_test(rule_with_port_matches_that_port_only),
	    cmocka_unit_test(deny_wins_over_allow),
	    cmocka_unit_test(ip_rules_match_every_spelling_of_the_address),
	    cmocka_unit_test(add_host_drops_duplicates_and_remove_host_removes_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
