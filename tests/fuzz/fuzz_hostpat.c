/* fuzz_hostpat.c — libFuzzer target for host patterns (hostpat.c): the input as a client-sent
 * host (canonical form, decision) and as an allowlist pattern (parse, format, re-parse). A
 * canonical host must be stable: canonicalising it again gives itself. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/hostpat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cordon_error e = {{0}};
	struct cordon_policy pol;
	struct cordon_host_rule rule;
	char canon[256], again[256], fmt[300];
	bool is_ip, is_ip2;
	char *buf;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&pol, 0, sizeof(pol));
	(void)cordon_policy_add_host(&pol.allow_hosts, "*.allowed.test", &e);
	(void)cordon_policy_add_host(&pol.allow_hosts, "allowed.test:443", &e);
	(void)cordon_policy_add_host(&pol.deny_hosts, "deny.allowed.test", &e);

	if (cordon_host_canonical(buf, size, canon, sizeof(canon), &is_ip, &e) == 0) {
		if (!canon[0] || strlen(canon) > 253)
			abort();
		if (cordon_host_canonical(canon, strlen(canon), again, sizeof(again), &is_ip2,
					  &e) != 0 ||
		    strcmp(canon, again) != 0 || is_ip != is_ip2)
			abort();
		(void)cordon_host_decide(&pol, canon, 443);
	}
	if (cordon_host_rule_parse(buf, &rule, &e) == 0) {
		struct cordon_host_rule r2;

		cordon_host_rule_format(&rule, fmt, sizeof(fmt));
		if (cordon_host_rule_parse(fmt, &r2, &e) != 0 || strcmp(rule.host, r2.host) ||
		    rule.wildcard != r2.wildcard || rule.port != r2.port)
			abort();
		free(r2.host);
		free(rule.host);
	}
	cordon_policy_free(&pol);
	free(buf);
	return 0;
}
