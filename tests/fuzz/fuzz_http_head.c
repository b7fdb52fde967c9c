/* fuzz_http_head.c — libFuzzer target for the proxy's request-head parser (proxy_http.c): the
 * input is fed whole, then in two pieces, then one byte more at each call with a call that brings
 * nothing new after each (the proxy's wake-ups without data); every way must give the answer the
 * whole input gave (accepted with the same fields, refused, or more bytes needed), and an
 * accepted head is rewritten for upstream. The status of a refusal may differ when a head is
 * wrong in two ways: a cut can report the problem in the part it saw first (a 101st field name
 * cut before its invalid byte is 431, whole it is 400). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/proxy/proxy_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The answer of one way of feeding, to compare with the whole input's. */
struct outcome {
	int rc;
	uint16_t port;
	size_t head_len, nhdr;
	char host[256];
};

static void record(const struct px_http_req *r, int rc, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->rc = rc;
	if (rc == 1) {
		o->port = r->port;
		o->head_len = r->head_len;
		o->nhdr = r->nhdr;
		memcpy(o->host, r->host, sizeof(o->host));
	}
}

static void check(const struct px_http_req *r, const char *buf, size_t size, int rc)
{
	static char out[PX_HTTP_HEAD_MAX + 1024];

	if (rc == 1) {
		if (r->head_len > size || r->host_len >= sizeof(r->host) || r->host[r->host_len])
			abort();
		(void)px_http_rewrite(r, buf, out, sizeof(out));
	}
}

/* in_two: the first split bytes, the same again (nothing new), then the rest. */
static int in_two(struct px_http_req *r, const char *buf, size_t size, size_t split)
{
	int rc = 0;

	px_http_init(r);
	if (split > 0 && split < size) {
		rc = px_http_feed(r, buf, split);
		if (rc == 0)
			rc = px_http_feed(r, buf, split);
	}
	if (rc == 0)
		rc = px_http_feed(r, buf, size);
	return rc;
}

/* bytewise: one byte more at each call, each followed by a call with no new byte. */
static int bytewise(struct px_http_req *r, const char *buf, size_t size)
{
	int rc = 0;

	px_http_init(r);
	rc = px_http_feed(r, buf, 0);
	for (size_t i = 1; i <= size && rc == 0; i++) {
		rc = px_http_feed(r, buf, i);
		if (rc == 0)
			rc = px_http_feed(r, buf, i);
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct px_http_req r;
	struct outcome whole, other;
	char *buf;
	int rc;

	if (size > PX_HTTP_HEAD_MAX + 64)
		return 0;
	/* An exact-size copy, so ASan sees any read past what the client sent. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	px_http_init(&r);
	rc = px_http_feed(&r, buf, size);
	check(&r, buf, size, rc);
	record(&r, rc, &whole);

	rc = in_two(&r, buf, size, size ? (size_t)data[0] * size / 256 : 0);
	check(&r, buf, size, rc);
	record(&r, rc, &other);
	if (memcmp(&whole, &other, sizeof(whole)))
		abort(); /* cut in two, the head parsed differently */

	rc = bytewise(&r, buf, size);
	check(&r, buf, size, rc);
	record(&r, rc, &other);
	if (memcmp(&whole, &other, sizeof(whole)))
		abort(); /* fed a byte at a time, the head parsed differently */
	free(buf);
	return 0;
}
