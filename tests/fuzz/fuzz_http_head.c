/* fuzz_http_head.c — libFuzzer target for the proxy's request-head parser (proxy_http.c): the
 * input is fed whole, then again in two pieces, and an accepted head is rewritten for upstream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/proxy_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(struct px_http_req *r, const char *buf, size_t size, size_t split)
{
	static char out[PX_HTTP_HEAD_MAX + 1024];
	int rc = 0;

	px_http_init(r);
	if (split > 0 && split < size)
		rc = px_http_feed(r, buf, split);
	if (rc == 0)
		rc = px_http_feed(r, buf, size);
	if (rc == 1) {
		if (r->head_len > size || r->host_len >= sizeof(r->host) || r->host[r->host_len])
			abort();
		(void)px_http_rewrite(r, buf, out, sizeof(out));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct px_http_req r;
	char *buf;

	if (size > PX_HTTP_HEAD_MAX + 64)
		return 0;
	/* An exact-size copy, so ASan sees any read past what the client sent. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	one(&r, buf, size, 0);
	one(&r, buf, size, size ? (size_t)data[0] * size / 256 : 0);
	free(buf);
	return 0;
}
