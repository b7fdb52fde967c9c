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
 * in the head buffer, which never moves, so a span only grows. */
static void span_add(struct px_span *s, const struct px_http_req *r, const char *at, size_t len)
{
	if (s->len == 0)
		s->off = (uint32_t)(at - r->base);
	s->len += (uint32_t)len;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct px_http_req *r = req_of(p);

	span_add(&r->url, r, at, len);
	return 0;
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
	span_add(&r->name[r->nhdr - 1], r, at, len);
	return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct px_http_req *r = req_of(p);

	if (r->nhdr == 0)
		return 1;
	r->in_value = true;
	span_add(&r->value[r->nhdr - 1], r, at, len);
	return 0;
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

int px_http_feed(struct px_http_req *r, const char *buf, size_t len)
{
	size_t n, start = r->fed;
	enum http_errno err;

	if (r->complete)
		return 1;
	if (len > PX_HTTP_HEAD_MAX)
		len = PX_HTTP_HEAD_MAX;
	r->base = buf;
	n = http_parser_execute(&r->parser, &settings, buf + start, len - start);
	r->base = NULL;
	r->fed = start + n;
	err = HTTP_PARSER_ERRNO(&r->parser);
	if (r->too_many)
		return fail(r, 431, "too many header fields");
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
