/* hostpat.c — host patterns of the network allowlist: parsing, canonical form of client-sent
 * hosts (CONNECT authority, SOCKS5 domain) and the allow/deny decision made before any DNS lookup.
 */
#include "cordon/hostpat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOST_MAX 253 /* RFC 1035 §2.3.4: 255 octets on the wire = 253 characters of text */
#define LABEL_MAX 63 /* RFC 1035 §2.3.4 */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_label_char(char c)
{
	/* RFC 1123 §2.1 letters, digits, hyphen; '_' is tolerated because real names use it
	 * (service labels such as "_acme-challenge") and it cannot change how a name matches. */
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_';
}

/* A label that inet_aton(3) would read as a number: decimal digits or "0x" hex. WHATWG URL
 * §3.5 treats a name whose last label is numeric as an IPv4 address, never as a DNS name. */
static bool label_is_numeric(const char *s, size_t n)
{
	if (n == 0)
		return false;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (size_t i = 2; i < n; i++)
			if (!is_hex(s[i]))
				return false;
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* refuse_char: the reason a byte can never appear in a host, or NULL. */
static const char *refuse_char(unsigned char c)
{
	if (c == '\0')
		return "contains a NUL byte";
	if (c < 0x20 || c == 0x7f)
		return "contains a control character";
	if (c == ' ')
		return "contains a space";
	if (c >= 0x80)
		return "contains a non-ASCII byte (use the IDNA \"xn--\" form)";
	if (c == '%')
		return "contains a percent-escape";
	if (c == '@')
		return "contains userinfo ('@')";
	if (c == '/')
		return "contains a path ('/')";
	if (c == '\\')
		return "contains a backslash";
	return NULL;
}

/* Canonicalise an IPv6 literal (no brackets) into out; IPv4-mapped addresses become IPv4
 * (RFC 4291 §2.5.5.2), so "[::ffff:127.0.0.1]" and "127.0.0.1" are one host. */
static int canon_ipv6(const char *s, size_t n, char *out, size_t outlen, struct cordon_error *e)
{
	char tmp[INET6_ADDRSTRLEN];
	struct in6_addr a6;

	if (n == 0 || n >= sizeof(tmp))
		return cordon_error_set(e, EINVAL, "invalid IPv6 literal");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET6, tmp, &a6) != 1)
		return cordon_error_set(e, EINVAL, "invalid IPv6 literal \"%s\"", tmp);
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		if (!inet_ntop(AF_INET, &a6.s6_addr[12], out, outlen))
			return cordon_error_set(e, ENAMETOOLONG, "output buffer too small");
	} else if (!inet_ntop(AF_INET6, &a6, out, outlen)) {
		return cordon_error_set(e, ENAMETOOLONG, "output buffer too small");
	}
	return 0;
}

int cordon_host_canonical(const char *host, size_t len, char *out, size_t outlen, bool *is_ip,
			  struct cordon_error *e)
{
	char buf[HOST_MAX + 2];
	const char *why;

	*is_ip = false;
	if (len == 0)
		return cordon_error_set(e, EINVAL, "empty host");
	for (size_t i = 0; i < len; i++)
		if ((why = refuse_char((unsigned char)host[i])))
			return cordon_error_set(e, EINVAL, "host %s", why);

	if (host[0] == '[') {
		if (host[len - 1] != ']')
			return cordon_error_set(e, EINVAL, "unterminated '[' in host");
		int r = canon_ipv6(host + 1, len - 2, out, outlen, e);
		if (r == 0)
			*is_ip = true;
		return r;
	}
	if (memchr(host, ':', len)) {
		/* SOCKS5 and split authorities may hand over a bare IPv6 address. */
		int r = canon_ipv6(host, len, out, outlen, e);
		if (r == 0)
			*is_ip = true;
		return r;
	}

	if (host[len - 1] == '.')
		len--; /* the root label: "example.com." is "example.com" (RFC 1034 §3.1) */
	if (len == 0)
		return cordon_error_set(e, EINVAL, "empty host");
	if (len > HOST_MAX)
		return cordon_error_set(e, EINVAL, "host longer than %d characters", HOST_MAX);
	for (size_t i = 0; i < len; i++) {
		char c = host[i];
		buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	buf[len] = '\0';

	/* Labels: 1..63 characters, RFC 1123 characters, no hyphen at either end. */
	const char *last = buf;
	for (const char *p = buf;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t n = (size_t)(p - last);
			if (n == 0)
				return cordon_error_set(e, EINVAL, "empty label in host \"%s\"",
							buf);
			if (n > LABEL_MAX)
				return cordon_error_set(
				    e, EINVAL, "label longer than %d characters", LABEL_MAX);
			if (last[0] == '-' || p[-1] == '-')
				return cordon_error_set(
				    e, EINVAL, "label starts or ends with '-' in \"%s\"", buf);
			if (*p == '\0')
				break;
			last = p + 1;
		} else if (!is_label_char(*p)) {
			return cordon_error_set(e, EINVAL, "invalid character '%c' in host \"%s\"",
						*p, buf);
		}
	}

	/* IPv4 in any inet_aton(3) spelling: "127.1", "0x7f.0.0.1", "2130706433", "0177.0.0.1". */
	if (label_is_numeric(last, strlen(last))) {
		struct in_addr a4;
		if (inet_aton(buf, &a4) == 0)
			return cordon_error_set(e, EINVAL, "invalid IPv4 address \"%s\"", buf);
		if (!inet_ntop(AF_INET, &a4, out, outlen))
			return cordon_error_set(e, ENAMETOOLONG, "output buffer too small");
		*is_ip = true;
		return 0;
	}
	if (len + 1 > outlen)
		return cordon_error_set(e, ENAMETOOLONG, "output buffer too small");
	memcpy(out, buf, len + 1);
	return 0;
}

/* parse_port: decimal 1..65535 (RFC 3986 §3.2.3 port, without leading sign or spaces). */
static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int cordon_host_rule_parse(const char *pattern, struct cordon_host_rule *out,
			   struct cordon_error *e)
{
	char host[HOST_MAX + 4], canon[HOST_MAX + 2];
	const char *hp = pattern, *portstr = NULL, *why;
	size_t hn;
	bool wildcard = false, is_ip = false, bracket = false;
	uint16_t port = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (!pattern || !*pattern)
		return cordon_error_set(e, EINVAL, "invalid host pattern \"\": empty");
	if (strstr(pattern, "://"))
		return cordon_error_set(e, EINVAL,
					"invalid host pattern \"%s\": a URL scheme is not allowed, "
					"give the host only",
					pattern);
	for (const char *c = pattern; *c; c++)
		if ((why = refuse_char((unsigned char)*c)))
			return cordon_error_set(e, EINVAL, "invalid host pattern \"%s\": %s",
						pattern, why);

	/* Split HOST[:PORT]; an IPv6 literal must be bracketed, since "2001:db8::1:443" is itself
	 * an address (RFC 3986 §3.2.2). */
	if (pattern[0] == '[') {
		const char *close = strchr(pattern, ']');
		if (!close)
			return cordon_error_set(
			    e, EINVAL, "invalid host pattern \"%s\": unterminated '['", pattern);
		hp = pattern;
		hn = (size_t)(close - pattern) + 1;
		bracket = true;
		if (close[1] == ':')
			portstr = close + 2;
		else if (close[1] != '\0')
			return cordon_error_set(
			    e, EINVAL, "invalid host pattern \"%s\": text after ']'", pattern);
	} else {
		const char *colon = strchr(pattern, ':');
		if (colon && strchr(colon + 1, ':'))
			return cordon_error_set(
			    e, EINVAL,
			    "invalid host pattern \"%s\": an IPv6 literal must be in "
			    "brackets, as in \"[::1]:443\"",
			    pattern);
		hn = colon ? (size_t)(colon - pattern) : strlen(pattern);
		if (colon)
			portstr = colon + 1;
	}
	if (portstr && parse_port(portstr, &port) < 0)
		return cordon_error_set(
		    e, EINVAL, "invalid host pattern \"%s\": port must be a number from 1 to 65535",
		    pattern);
	if (hn == 0)
		return cordon_error_set(e, EINVAL, "invalid host pattern \"%s\": empty host",
					pattern);
	if (hn >= sizeof(host))
		return cordon_error_set(e, EINVAL,
					"invalid host pattern \"%.40s...\": host longer than %d "
					"characters",
					pattern, HOST_MAX);
	memcpy(host, hp, hn);
	host[hn] = '\0';

	if (!bracket && host[0] == '*') {
		if (host[1] != '.' || host[2] == '\0')
			return cordon_error_set(
			    e, EINVAL,
			    "invalid host pattern \"%s\": a wildcard must be \"*.\" "
			    "followed by a domain",
			    pattern);
		wildcard = true;
		memmove(host, host + 2, hn - 1);
		hn -= 2;
	}
	if (strchr(host, '*'))
		return cordon_error_set(
		    e, EINVAL,
		    "invalid host pattern \"%s\": '*' is allowed only as a whole "
		    "leading label (\"*.example.com\")",
		    pattern);
	if (bracket && host[hn - 1] == ']' && memchr(host + 1, '.', hn - 2) &&
	    !memchr(host + 1, ':', hn - 2))
		return cordon_error_set(
		    e, EINVAL, "invalid host pattern \"%s\": brackets are for IPv6 literals only",
		    pattern);

	r = cordon_host_canonical(host, hn, canon, sizeof(canon), &is_ip, e);
	if (r < 0)
		return cordon_error_prefix(e, r, "invalid host pattern \"%s\"", pattern);
	if (wildcard) {
		if (is_ip)
			return cordon_error_set(
			    e, EINVAL,
			    "invalid host pattern \"%s\": a wildcard cannot cover an "
			    "IP address",
			    pattern);
		if (!strchr(canon, '.'))
			return cordon_error_set(
			    e, EINVAL,
			    "invalid host pattern \"%s\": a wildcard over a single "
			    "label covers a whole top-level domain",
			    pattern);
	}
	out->host = strdup(canon);
	if (!out->host)
		return cordon_error_set(e, ENOMEM, "out of memory");
	out->wildcard = wildcard;
	out->is_ip = is_ip;
	out->port = port;
	return 0;
}

/* rule_matches: canon_host is canonical (lowercase, no trailing dot). A wildcard matches
 * strict subdomains only: "a.example.com" for "*.example.com", never "example.com" itself nor
 * "evilexample.com". */
static bool rule_matches(const struct cordon_host_rule *r, const char *canon_host, uint16_t port)
{
	if (r->port != 0 && r->port != port)
		return false;
	if (!r->wildcard)
		return strcasecmp(canon_host, r->host) == 0;
	size_t hl = strlen(canon_host), sl = strlen(r->host);
	if (hl <= sl + 1)
		return false;
	return canon_host[hl - sl - 1] == '.' && strcasecmp(canon_host + hl - sl, r->host) == 0;
}

enum cordon_verdict cordon_host_decide(const struct cordon_policy *p, const char *canon_host,
				       uint16_t port)
{
	if (!canon_host || !*canon_host)
		return CORDON_VERDICT_DENY;
	for (size_t i = 0; i < p->deny_hosts.n; i++)
		if (rule_matches(&p->deny_hosts.v[i], canon_host, port))
			return CORDON_VERDICT_DENY;
	for (size_t i = 0; i < p->allow_hosts.n; i++)
		if (rule_matches(&p->allow_hosts.v[i], canon_host, port))
			return CORDON_VERDICT_ALLOW;
	return CORDON_VERDICT_UNLISTED;
}

void cordon_host_rule_format(const struct cordon_host_rule *r, char *buf, size_t len)
{
	bool v6 = r->is_ip && strchr(r->host, ':');
	char port[8] = "";

	if (len == 0)
		return;
	if (r->port)
		snprintf(port, sizeof(port), ":%u", (unsigned)r->port);
	snprintf(buf, len, "%s%s%s%s%s", r->wildcard ? "*." : "", v6 ? "[" : "", r->host,
		 v6 ? "]" : "", port);
}
