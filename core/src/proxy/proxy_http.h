/* proxy_http.h — private to the proxy: parsing of an HTTP/1.1 request head sent to the proxy
 * (CONNECT authority-form, absolute-form) with http_parser, and the rewrite sent upstream. */
#ifndef CORDON_PROXY_HTTP_H
#define CORDON_PROXY_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PX_HTTP_HEAD_MAX 16384 /* largest request head accepted, bytes (then 431) */
#define PX_HTTP_HDR_MAX 100    /* most header fields accepted (then 431) */

struct px_span {
	uint32_t off, len; /* into the head buffer */
};

struct px_http_req {
	http_parser parser;
	size_t fed;	  /* bytes of the head buffer already given to the parser */
	bool complete;	  /* the head ended */
	bool in_value;	  /* last header callback was a value */
	bool too_many;	  /* more than PX_HTTP_HDR_MAX fields */
	bool folded;	  /* a field continued on a folded line (obs-fold) */
	const char *base; /* the head buffer during px_http_feed */

	/* Filled once complete (px_http_feed returned 1). */
	bool connect;	/* CONNECT (authority-form); else absolute-form http:// */
	char host[256]; /* host of the request-target, IPv6 without brackets, NUL-terminated */
	size_t host_len;
	bool ipv6;     /* host was a bracketed IPv6 literal */
	uint16_t port; /* explicit port, or 80 for absolute-form without one */
	bool port_given;
	size_t head_len;   /* bytes of the head including the final CRLF */
	uint64_t body_len; /* absolute-form: Content-Length, UINT64_MAX if chunked, else 0 */
	struct px_span url, target; /* raw request-target; origin-form part (path?query) */
	struct px_span name[PX_HTTP_HDR_MAX], value[PX_HTTP_HDR_MAX];
	size_t nhdr;

	int status;	 /* on error: 400 or 431 */
	const char *why; /* on error: static text for the response body */
};

/* px_http_init: prepare r for a new request head. */
void px_http_init(struct px_http_req *r);

/* px_http_feed: give the parser the bytes buf[r->fed..len) (buf holds the whole head received so
 * far and must not move between calls; a call with no new bytes only returns 0 — the end of the
 * stream is the caller's to see). Returns 1 when the head is complete and valid (r filled),
 * 0 when more bytes are needed, or -1 with r->status (400, 431, 505) and r->why set. Refused: heads
 * over PX_HTTP_HEAD_MAX bytes or PX_HTTP_HDR_MAX fields (431), HTTP versions other than 1.x (505),
 * NUL bytes, obs-fold and CR/LF inside fields, Transfer-Encoding other than one "chunked" (RFC
 * 9112 §5.2, §6.3: framing the upstream could read differently), malformed syntax, origin-form
 * or asterisk-form targets (the client must name the host: RFC 9112 §3.2.2), schemes other than
 * http, userinfo in the authority (RFC 9110 §4.2.4), CONNECT without a port (RFC 9110 §9.3.6). */
int px_http_feed(struct px_http_req *r, const char *buf, size_t len);

/* px_http_end: the client ended its stream (recv returned 0) before the head was complete.
 * Returns 0 when it sent nothing of a request (nothing to answer), or -1 with r->status 400 and
 * r->why ("stream ended at an unexpected time") for a head cut short (http_parser: a zero
 * length given to http_parser_execute is the end of the stream). */
int px_http_end(struct px_http_req *r);

/* px_http_rewrite: build in out (len bytes) the head sent upstream for an absolute-form request:
 * "METHOD origin-form HTTP/x.y", the client's header fields without Host and hop-by-hop fields
 * (Connection and the fields it names, Proxy-Connection, Keep-Alive, Proxy-Authorization, TE,
 * Upgrade; RFC 9110 §7.6.1; Content-Length and Transfer-Encoding are kept even when Connection
 * names them, since the relay frames the body by them), then "Host: <request-target authority>"
 * (RFC 9112 §3.2.2: the proxy replaces Host with the authority of the target) and "Connection:
 * close". Returns the length or -ENOSPC. */
int px_http_rewrite(const struct px_http_req *r, const char *buf, char *out, size_t len);

#endif
