/* git_http.c — one HTTP/1.1 message read with http_parser (git_http.h; RFC 9112). */
#include "git_http.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static ssize_t fd_read(void *arg, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(*(int *)arg, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? (errno == EAGAIN ? -ETIMEDOUT : -errno) : n;
}

static int fd_write(void *arg, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(*(int *)arg, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void git_io_fd(struct git_io *io, int *fd)
{
	io->read = fd_read;
	io->write = fd_write;
	io->arg = fd;
}

static struct git_http_msg *msg_of(http_parser *p)
{
	return p->data;
}

/* span: append at (len bytes) to the span of kind, starting a new one when the kind changes. */
static int span(struct git_http_msg *m, int kind, const char *at, size_t len)
{
	if (m->kind != kind) {
		if (m->kind && m->head_used < sizeof(m->head))
			m->head[m->head_used++] = '\0';
		if (kind == 2) {
			if (m->nhdr >= GIT_HTTP_HDR_MAX) {
				m->overflow = true;
				return 1;
			}
			m->name_off[m->nhdr++] = m->head_used;
		} else if (kind == 3) {
			m->value_off[m->nhdr - 1] = m->head_used;
		} else {
			m->url_off = m->head_used;
		}
		m->kind = kind;
	}
	if (m->head_used + len + 1 >= sizeof(m->head)) {
		m->overflow = true;
		return 1;
	}
	memcpy(m->head + m->head_used, at, len);
	m->head_used += len;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	return span(msg_of(p), 1, at, len);
}

static int on_field(http_parser *p, const char *at, size_t len)
{
	return span(msg_of(p), 2, at, len);
}

static int on_value(http_parser *p, const char *at, size_t len)
{
	struct git_http_msg *m = msg_of(p);
	if (m->nhdr == 0)
		return 1;
	return span(m, 3, at, len);
}

static int on_headers_complete(http_parser *p)
{
	struct git_http_msg *m = msg_of(p);

	if (m->kind && m->head_used < sizeof(m->head))
		m->head[m->head_used++] = '\0';
	/* a field without a value (allowed by http_parser) gets the empty string */
	for (size_t i = 0; i < m->nhdr; i++)
		if (m->value_off[i] == 0)
			m->value_off[i] = m->head_used - 1;
	m->kind = 0;
	m->headers_done = true;
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct git_http_msg *m = msg_of(p);

	if (m->sink) {
		m->sink_err = m->sink(m->sink_arg, at, len);
		return m->sink_err ? 1 : 0;
	}
	if (m->early_len + len > sizeof(m->early)) {
		m->sink_err = -EPROTO;
		return 1;
	}
	memcpy(m->early + m->early_len, at, len);
	m->early_len += len;
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct git_http_msg *m = msg_of(p);
	m->complete = true;
	http_parser_pause(p, 1); /* nothing after the message is read: Connection: close */
	return 0;
}

static const http_parser_settings settings = {
    .on_url = on_url,
    .on_header_field = on_field,
    .on_header_value = on_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* feed: one read from the peer through the parser; at the end of the stream the parser is told
 * so (a close-delimited body ends there). Returns 1 on data, 0 at the end, or -errno. */
static int feed(struct git_http_msg *m, struct cordon_error *e)
{
	ssize_t n = m->io->read(m->io->arg, m->buf, sizeof(m->buf));

	if (n < 0)
		return cordon_error_set(e, (int)-n, "read: %s", strerror((int)-n));
	size_t done = http_parser_execute(&m->p, &settings, m->buf, (size_t)n);
	enum http_errno err = HTTP_PARSER_ERRNO(&m->p);
	if (m->sink_err)
		return m->sink_err == -EPROTO
			   ? cordon_error_set(e, EPROTO, "body bytes before the head was handled")
			   : m->sink_err;
	if (m->overflow)
		return cordon_error_set(e, EPROTO, "HTTP head too large");
	if (err == HPE_PAUSED && m->complete)
		return n > 0 ? 1 : 0;
	if (err != HPE_OK)
		return cordon_error_set(e, EPROTO, "malformed HTTP: %s",
					http_errno_description(err));
	if (done != (size_t)n)
		return cordon_error_set(e, EPROTO, "malformed HTTP");
	return n > 0 ? 1 : 0;
}

int git_http_read_head(struct git_http_msg *m, struct git_io *io, bool response,
		       struct cordon_error *e)
{
	memset(m, 0, offsetof(struct git_http_msg, early));
	m->early_len = 0;
	m->sink = NULL;
	m->sink_err = 0;
	m->io = io;
	m->head[0] = '\0';
	m->head_used = 1; /* offset 0 means "unset" */
	http_parser_init(&m->p, response ? HTTP_RESPONSE : HTTP_REQUEST);
	m->p.data = m;
	while (!m->headers_done) {
		int r = feed(m, e);
		if (r < 0)
			return r;
		if (r == 0 && !m->headers_done)
			return cordon_error_set(e, ECONNRESET,
						"the peer closed before the head ended");
	}
	return 0;
}

int git_http_read_body(struct git_http_msg *m, git_http_body_cb cb, void *arg,
		       struct cordon_error *e)
{
	int r;

	if (m->early_len && (r = cb(arg, m->early, m->early_len)) < 0)
		return r;
	m->early_len = 0;
	m->sink = cb;
	m->sink_arg = arg;
	while (!m->complete) {
		r = feed(m, e);
		if (r < 0)
			return r;
		if (r == 0) {
			if (!m->complete)
				return cordon_error_set(e, ECONNRESET,
							"the connection ended inside the body");
			break;
		}
	}
	return 0;
}

const char *git_http_url(const struct git_http_msg *m)
{
	return m->url_off ? m->head + m->url_off : "";
}

const char *git_http_header(const struct git_http_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nhdr; i++)
		if (!strcasecmp(m->head + m->name_off[i], name))
			return m->head + m->value_off[i];
	return NULL;
}

bool git_http_chunked(const struct git_http_msg *m)
{
	return (m->p.flags & F_CHUNKED) != 0;
}

long long git_http_length(const struct git_http_msg *m)
{
	/* http_parser has checked the field (digits only, one value) */
	const char *v = git_http_header(m, "Content-Length");
	return v ? strtoll(v, NULL, 10) : -1;
}
