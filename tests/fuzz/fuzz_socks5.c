/* fuzz_socks5.c — libFuzzer target for the SOCKS5 messages (proxy_socks5.c): greeting, then the
 * request in what follows it, then the reply for the parsed address. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/proxy/proxy_socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_socks5_req r;
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	uint8_t *buf, out[32];
	size_t used = 0, rest;
	int rc;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	rc = px_socks5_greeting(buf, size, &used);
	if (rc < 0 || used > size)
		used = 0;
	rest = size - used;
	rc = px_socks5_request(buf + used, rest, &r, &used);
	if (rc == 0) {
		if (used > rest || r.host_len >= sizeof(r.host) || r.host[r.host_len] != '\0' ||
		    r.cmd != 1 || r.port == 0)
			abort();
	}
	(void)px_socks5_reply(out, r.rep, NULL);
	(void)px_socks5_reply(out, r.rep, (const struct sockaddr *)&s6);
	free(buf);
	return 0;
}
