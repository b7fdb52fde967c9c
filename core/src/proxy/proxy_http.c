/* proxy_http.c — request heads sent to the proxy: incremental parsing with http_parser (CONNECT
 * authority-form, absolute-form), validation of the request-target, and the upstream rewrite. */
#include "proxy_http.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static struct px_http_req *req_of(http_parser *p)
{
	return (struct px_http_req *)p->data;
}

/* span_add: http_parser may hand one element in several pieces across calls; they are adjacent
 * in the head buffer, which never moves, so a span only grows. A piece that does not follow the
 * span is a folded line (obs-fold, "X: a\r\n b"): the span would then cover the CR LF and the
 * rewrite would send a line break of the client's choosing upstream. Returns -1 then. */
static int span_add(struct px_span *s, struct px_http_req *r, const char *at, size_t len)
{
	uint32_t off = (uint32_t)(at - r->base);

	if (s->len == 0)
		s->off = off;
	else if (off != s->off + s->len)
		return -1;
	s->len += (uint32_t)len;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct px_http_req *r = req_of(p);

	if (span_add(&r->url, r, at, len) < 0)
		r->folded = true;
	return r->folded;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct px_http_req *r = req_of(p);

	if (r->nhdr == 0 || r->in_value) {
		if (r->nhdr == PX_HTTP_HDR_MAX) {
			r->too_many = true;
			return 1;
		}
		r->nhdr++;
		r->name[r->nhdr - 1] = (struct px_span){0, 0};
		r->value[r->nhdr - 1] = (struct px_span){0, 0};
		r->in_value = false;
	}
	if (span_add(&r->name[r->nhdr - 1], r, at, len) < 0)
		r->folded = true;
	return r->folded;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct px_http_req *r = req_of(p);

	if (r->nhdr == 0)
		return 1;
	r->in_value = true;
	if (span_add(&r->value[r->nhdr - 1], r, at, len) < 0)
		r->folded = true;
	return r->folded;
}

/* Returning 1 tells http_parser not to parse a body: the proxy relays it as bytes. */
static int on_headers_complete(http_parser *p)
{
	(void)p;
	return 1;
}

static int on_message_complete(http_parser *p)
{
	req_of(p)->complete = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
};

void px_http_init(struct px_http_req *r)
{
	memset(r, 0, sizeof(*r));
	http_parser_init(&r->parser, HTTP_REQUEST);
	r->parser.data = r;
}

static int fail(struct px_http_req *r, int status, const char *why)
{
	r->status = status;
	r->why = why;
	return -1;
}

/* target: validate the request-target and fill host, port and the origin-form span. */
static int target(struct px_http_req *r, const char *buf)
{
	const char *url = buf + r->url.off;
	size_t ulen = r->url.len;
	struct http_parser_url u;
	uint16_t hoff, hlen;

	if (ulen == 0)
		return fail(r, 400, "empty request-target");
	if (memchr(url, '@', ulen))
		return fail(r, 400, "userinfo in the request-target is refused");
	r->connect = r->parser.method == HTTP_CONNECT;
	if (!r->connect && (url[0] == '/' || url[0] == '*'))
		return fail(r, 400,
			    "origin-form request sent to a proxy: "
			    "the request-target must name the host (absolute-form)");
	http_parser_url_init(&u);
	if (http_parser_parse_url(url, ulen, r->connect, &u))
		return fail(r, 400, "malformed request-target");
	if (u.field_set & (1 << UF_USERINFO))
		return fail(r, 400, "userinfo in the request-target is refused");
	if (!(u.field_set & (1 << UF_HOST)))
		return fail(r, 400, "request-target without a host");
	if (r->connect) {
		if (!(u.field_set & (1 << UF_PORT)))
			return fail(r, 400, "CONNECT request-target must be host:port");
	} else {
		if (!(u.field_set & (1 << UF_SCHEMA)) || u.field_data[UF_SCHEMA].len != 4 ||
		    strncasecmp(url + u.field_data[UF_SCHEMA].off, "http", 4))
			return fail(r, 400,
				    "only http:// absolute-form requests are forwarded; "
				    "use CONNECT for https");
		if (u.field_set & (1 << UF_PATH)) {
			r->target.off = r->url.off + u.field_data[UF_PATH].off;
			r->target.len = u.field_data[UF_PATH].len;
			if (u.field_set & (1 << UF_QUERY))
				r->target.len = u.field_data[UF_QUERY].off +
						u.field_data[UF_QUERY].len -
						u.field_data[UF_PATH].off;
		} else if (u.field_set & (1 << UF_QUERY)) {
			/* "http://h?q": the '?' precedes the query; the rewrite adds the '/'. */
			r->target.off = r->url.off + u.field_data[UF_QUERY].off - 1;
			r->target.len = u.field_data[UF_QUERY].len + 1;
		}
	}
	hoff = u.field_data[UF_HOST].off;
	hlen = u.field_data[UF_HOST].len;
	if (hlen == 0 || hlen >= sizeof(r->host))
		return fail(r, 400, "bad host length in the request-target");
	memcpy(r->host, url + hoff, hlen);
	r->host[hlen] = '\0';
	r->host_len = hlen;
	r->ipv6 = hoff > 0 && url[hoff - 1] == '[';
	r->port_given = u.field_set & (1 << UF_PORT);
	r->port = r->port_given ? u.port : 80;
	if (r->port == 0)
		return fail(r, 400, "port 0 in the request-target");
	return 0;
}

static bool span_is(const char *buf, struct px_span s, const char *lit);

/* token_is: does the span, without surrounding blanks, equal lit (case-insensitively)? */
static bool token_is(const char *buf, struct px_span s, const char *lit)
{
	while (s.len && (buf[s.off] == ' ' || buf[s.off] == '\t')) {
		s.off++;
		s.len--;
	}
	while (s.len && (buf[s.off + s.len - 1] == ' ' || buf[s.off + s.len - 1] == '\t'))
		s.len--;
	return span_is(buf, s, lit);
}

/* fields: refuse header fields that would let the message framing the proxy relays differ from
 * the framing the upstream server reads (request smuggling, RFC 9112 section 11.2): CR or LF
 * inside a field, and a Transfer-Encoding other than a single "chunked" (RFC 9112 section 6.3:
 * the body length of a request whose final coding is not chunked cannot be determined). */
static int fields(struct px_http_req *r, const char *buf)
{
	size_t te = 0;

	for (size_t i = 0; i < r->nhdr; i++) {
		if (memchr(buf + r->name[i].off, '\r', r->name[i].len) ||
		    memchr(buf + r->name[i].off, '\n', r->name[i].len) ||
		    memchr(buf + r->value[i].off, '\r', r->value[i].len) ||
		    memchr(buf + r->value[i].off, '\n', r->value[i].len))
			return fail(r, 400, "line break inside a header field");
		if (!span_is(buf, r->name[i], "transfer-encoding"))
			continue;
		if (++te > 1 || !token_is(buf, r->value[i], "chunked"))
			return fail(r, 400,
				    "only \"Transfer-Encoding: chunked\" is accepted on a request "
				    "(RFC 9112 section 6.3)");
	}
	if (te && !(r->parser.flags & F_CHUNKED))
		return fail(r, 400, "Transfer-Encoding not understood");
	return 0;
}

int px_http_feed(struct px_http_req *r, const char *buf, size_t len)
{
	size_t n, start = r->fed;
	enum http_errno err;

	if (r->complete)
		return 1;
	if (len > PX_HTTP_HEAD_MAX)
		len = PX_HTTP_HEAD_MAX;
	/* Nothing new (a wake-up without bytes): http_parser_execute takes a zero length as the
	 * end of the stream (http_parser.h) and fails a head cut short with HPE_INVALID_EOF_STATE.
	 * The caller sees the end of the stream itself (recv returns 0). */
	if (len <= start)
		return 0;
	r->base = buf;
	n = http_parser_execute(&r->parser, &settings, buf + start, len - start);
	r->base = NULL;
	r->fed = start + n;
	err = HTTP_PARSER_ERRNO(&r->parser);
	if (r->too_many)
		return fail(r, 431, "too many header fields");
	if (r->folded)
		return fail(r, 400,
			    "line folding (obs-fold) in a header field is refused "
			    "(RFC 9112 section 5.2)");
	if (!r->complete) {
		if (err == HPE_HEADER_OVERFLOW)
			return fail(r, 431, "request head too large");
		if (err != HPE_OK)
			return fail(r, 400, http_errno_description(err));
		if (len >= PX_HTTP_HEAD_MAX)
			return fail(r, 431, "request head too large");
		return 0;
	}
	r->head_len = r->fed;
	if (memchr(buf, '\0', r->head_len))
		return fail(r, 400, "NUL byte in the request head");
	if (r->parser.http_major != 1)
		return fail(r, 505, "only HTTP/1.0 and HTTP/1.1 requests are served");
	if (fields(r, buf) < 0)
		return -1;
	if (target(r, buf) < 0)
		return -1;
	if (r->connect)
		r->body_len = 0;
	else if (r->parser.flags & F_CHUNKED)
		r->body_len = UINT64_MAX;
	else if (r->parser.content_length != ULLONG_MAX)
		r->body_len = r->parser.content_length;
	else
		r->body_len = 0;
	return 1;
}

int px_http_end(struct px_http_req *r)
{
	enum http_errno err;

	if (r->complete)
		return 0;
	http_parser_execute(&r->parser, &settings, NULL, 0);
	err = HTTP_PARSER_ERRNO(&r->parser);
	if (err == HPE_OK)
		return 0;
	return fail(r, 400, http_errno_description(err));
}

static bool span_is(const char *buf, struct px_span s, const char *lit)
{
	return s.len == strlen(lit) && !strncasecmp(buf + s.off, lit, s.len);
}

/* named_by_connection: is the field name listed in a Connection header's value
 * (RFC 9110 §7.6.1: those fields are hop-by-hop too)? */
static bool named_by_connection(const struct px_http_req *r, const char *buf, struct px_span name)
{
	for (size_t i = 0; i < r->nhdr; i++) {
		const char *v, *end;

		if (!span_is(buf, r->name[i], "connection"))
			continue;
		v = buf + r->value[i].off;
		end = v + r->value[i].len;
		while (v < end) {
			const char *tok;

			while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
				v++;
			tok = v;
			while (v < end && *v != ',' && *v != ' ' && *v != '\t')
				v++;
			if ((size_t)(v - tok) == name.len &&
			    !strncasecmp(tok, buf + name.off, name.len))
				return true;
		}
	}
	return false;
}

static bool hop_by_hop(const struct px_http_req *r, const char *buf, struct px_span name)
{
	static const char *const drop[] = {"host",	 "connection",		"proxy-connection",
					   "keep-alive", "proxy-authorization", "te",
					   "upgrade"};

	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (span_is(buf, name, drop[i]))
			return true;
	/* "Connection: content-length" must not strip the framing: the proxy relays exactly the
	 * body it counted, and without the field the upstream would read those bytes as a second
	 * request (RFC 9110 section 7.6.1 lets the proxy keep fields it needs). */
	if (span_is(buf, name, "content-length") || span_is(buf, name, "transfer-encoding"))
		return false;
	return named_by_connection(r, buf, name);
}

int px_http_rewrite(const struct px_http_req *r, const char *buf, char *out, size_t len)
{
	size_t off = 0;
	int n;

#define PUT(...)                                                                                   \
	do {                                                                                       \
		n = snprintf(out + off, len - off, __VA_ARGS__);                                   \
		if (n < 0 || (size_t)n >= len - off)                                               \
			return -ENOSPC;                                                            \
		off += (size_t)n;                                                                  \
	} while (0)
	PUT("%s ", http_method_str((enum http_method)r->parser.method));
	if (r->target.len == 0 || buf[r->target.off] == '?')
		PUT("/");
	PUT("%.*s HTTP/%u.%u\r\n", (int)r->target.len, buf + r->target.off, r->parser.http_major,
	    r->parser.http_minor);
	for (size_t i = 0; i < r->nhdr; i++) {
		if (hop_by_hop(r, buf, r->name[i]))
			continue;
		PUT("%.*s: %.*s\r\n", (int)r->name[i].len, buf + r->name[i].off,
		    (int)r->value[i].len, buf + r->value[i].off);
	}
	PUT("Host: %s%s%s", r->ipv6 ? "[" : "", r->host, r->ipv6 ? "]" : "");
	if (r->port_given)
		PUT(":%u", r->port);
	PUT("\r\nConnection: close\r\n\r\n");
#undef PUT
	return (int)off;
}
