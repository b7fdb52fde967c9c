/* hostpat.h — host patterns of the network allowlist and their matching.
 * Grammar: HOST[:PORT] where HOST is a DNS name (RFC 1123 labels), "*.NAME" (strict subdomains),
 * an IPv4 literal in any inet_aton(3) spelling, or an IPv6 literal in brackets ("[::1]:443"). */
#ifndef CORDON_HOSTPAT_H
#define CORDON_HOSTPAT_H

#include <stdbool.h>
#include <stdint.h>

#include "cordon/policy.h"

/* cordon_host_rule_parse: parse an allowlist pattern into *out (out->host is malloc'd).
 * Refused with -EINVAL and a reason: empty, "*", "*.com" (wildcard over a single label / TLD),
 * a scheme ("http://x"), a path ("a/b"), userinfo, bad label characters, port 0 or > 65535. */
int cordon_host_rule_parse(const char *pattern, struct cordon_host_rule *out, struct cordon_error *e);

/* cordon_host_canonical: canonicalise a host as a client sent it (CONNECT authority, SOCKS5 domain,
 * absolute-form URI host) into out: lowercase, trailing dot removed, brackets removed from IPv6,
 * IPv4 in any inet_aton spelling ("127.1", "0x7f.0.0.1", "2130706433") as dotted quad, IPv4-mapped
 * IPv6 ("::ffff:127.0.0.1") as the IPv4 dotted quad. *is_ip tells whether it is an IP literal.
 * Refuses (-EINVAL) NUL/control characters, spaces, '%', '@', '/', empty and over-long (>253) names. */
int cordon_host_canonical(const char *host, size_t len, char *out, size_t outlen, bool *is_ip,
			  struct cordon_error *e);

enum cordon_verdict {
	CORDON_VERDICT_UNLISTED = 0, /* neither list names it: denied (or asked, for editors) */
	CORDON_VERDICT_ALLOW = 1,
	CORDON_VERDICT_DENY = 2, /* named by the denylist: deny wins over allow */
};

/* cordon_host_decide: decide a canonical host (from cordon_host_canonical) and port against the
 * policy's lists, before any DNS lookup. Exact rules match case-insensitively; "*.x" matches
 * strict subdomains only; a rule with a port matches that port only. */
enum cordon_verdict cordon_host_decide(const struct cordon_policy *p, const char *canon_host,
				       uint16_t port);

/* cordon_host_rule_format: "host", "*.host", "host:port" or "[v6]:port" into buf. */
void cordon_host_rule_format(const struct cordon_host_rule *r, char *buf, size_t len);

#endif
