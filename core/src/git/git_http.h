/* git_http.h — private to the git relay: reading one HTTP/1.1 message (request from git inside,
 * response from the remote) with http_parser, over a plain socket or a TLS connection. */
#ifndef CORDON_GIT_HTTP_H
#define CORDON_GIT_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cordon/error.h"

/* Where a message is read from and its answer written to. */
struct git_io {
	ssize_t (*read)(void *arg, void *buf, size_t len);    /* count, 0 at the end, -errno */
	int (*write)(void *arg, const void *buf, size_t len); /* all of it: 0 or -errno */
	void *arg;
};

/* git_io_fd: io over a connected socket (blocking, with SO_RCVTIMEO/SO_SNDTIMEO set). */
void git_io_fd(struct git_io *io, int *fd);

#define GIT_HTTP_HEAD_MAX 32768 /* request line or status line and fields, bytes */
#define GIT_HTTP_HDR_MAX 100	/* header fields */
#define GIT_HTTP_BUF 65536

/* Receives the body, dechunked (RFC 9112 §7.1). Returns 0, or -errno to stop. */
typedef int (*git_http_body_cb)(void *arg, const char *data, size_t len);

struct git_http_msg {
	http_parser p;
	struct git_io *io;
	char head[GIT_HTTP_HEAD_MAX]; /* url, names and values, each NUL-terminated */
	size_t head_used;
	int kind; /* of the last span appended: 0 none, 1 url, 2 name, 3 value */
	size_t url_off;
	size_t name_off[GIT_HTTP_HDR_MAX], value_off[GIT_HTTP_HDR_MAX];
	size_t nhdr;
	bool overflow, headers_done, complete;
	char early[GIT_HTTP_BUF]; /* body bytes parsed with the head, before a sink was set */
	size_t early_len;
	git_http_body_cb sink;
	void *sink_arg;
	int sink_err;
	char buf[GIT_HTTP_BUF];
};

/* git_http_read_head: read until the head of a request (response false) or response (true) is
 * complete. m is initialised here. Returns 0, or -errno with e->msg (-EPROTO for malformed
 * HTTP or a head over the limits, -ECONNRESET when the peer closed first). */
int git_http_read_head(struct git_http_msg *m, struct git_io *io, bool response,
		       struct cordon_error *e);

/* git_http_read_body: pass the body to cb (the bytes parsed with the head first), until the
 * message is complete. A response without length ends with the connection (RFC 9112 §6.3).
 * Returns 0, cb's error, or -errno with e->msg. */
int git_http_read_body(struct git_http_msg *m, git_http_body_cb cb, void *arg,
		       struct cordon_error *e);

/* git_http_url: the request-target as sent. git_http_header: the value of the first field
 * called name (case-insensitive), or NULL. */
const char *git_http_url(const struct git_http_msg *m);
const char *git_http_header(const struct git_http_msg *m, const char *name);

/* git_http_chunked: was the body sent with Transfer-Encoding: chunked? git_http_length: the
 * Content-Length, or -1 when there is none. */
bool git_http_chunked(const struct git_http_msg *m);
long long git_http_length(const struct git_http_msg *m);

#endif
