/* proxy_relay.c — the proxy's bytes once a request is decided: the final reply and the gentle
 * close after it, the reply that opens a tunnel, and the splice(2) relay both ways. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy_conn.h"
#include "proxy_socks5.h"

void px_sock_relay(int fd)
{
	static const int on = 1;

	/* Without it Nagle's algorithm (RFC 896) holds back a small segment while an earlier one
	 * is unacknowledged, and a peer that delays its ACK (RFC 1122 §4.2.3.2; Linux: up to 40
	 * ms) waiting for that very segment stalls the exchange: a client's request head and body,
	 * a server's response head and body, TLS records, each written by the peer with
	 * TCP_NODELAY set, reach the far side only after the stall once the relay has split them.
	 * The relay writes what it read at once and never has more to add, so it has nothing to
	 * gain from coalescing. TCP_QUICKACK is left alone: the relay delays ACKs no more than the
	 * peers would (the kernel's quick-ack heuristics still apply to its sockets), and the
	 * option is not sticky (tcp(7)), so it would take a setsockopt after every read. splice(2)
	 * into the socket pushes at the end of each call (no SPLICE_F_MORE), so with TCP_NODELAY
	 * each relayed chunk leaves at once. A failure only costs latency. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/* px_send_buf: send buf[*off..len) on fd. Returns 1 when all is sent, 0 when it would block,
 * -1 on error. */
int px_send_buf(int fd, const char *buf, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = send(fd, buf + *off, len - *off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		*off += (size_t)n;
	}
	return 1;
}

int px_set_out(char **buf, size_t *len, size_t *off, const void *data, size_t n)
{
	char *b = malloc(n ? n : 1);

	if (!b)
		return -ENOMEM;
	memcpy(b, data, n);
	free(*buf);
	*buf = b;
	*len = n;
	*off = 0;
	return 0;
}

/* px_finish: the final reply is queued in outc; send it, then shut the write side and drain. */
void px_finish(struct px_conn *c)
{
	int r;

	c->st = ST_CLOSING;
	px_drop_upstream(c);
	r = px_send_buf(c->evc.fd, c->outc, c->outc_len, &c->outc_off);
	if (r < 0) {
		px_conn_close(c);
		return;
	}
	if (r == 0) {
		px_timer_start(c);
		return;
	}
	px_linger(c);
}

/* px_linger: after the reply, close gently: with unread client bytes, close(2) would send a reset
 * that can destroy the reply before the client reads it (RFC 9112 §9.6). */
void px_linger(struct px_conn *c)
{
	char junk[4096];
	ssize_t n;

	if (c->st != ST_LINGER) {
		c->st = ST_LINGER;
		shutdown(c->evc.fd, SHUT_WR);
		px_timer_start(c);
	}
	/* Bounded: a client that keeps sending after its refusal would otherwise hold the loop
	 * (and the connection slot) for the whole linger time. */
	while ((n = recv(c->evc.fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0) {
		c->drained += (size_t)n;
		if (c->drained > PX_LINGER_MAX) {
			px_conn_close(c);
			return;
		}
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		px_conn_close(c);
}

/* ---- relay ---- */

/* move: relay src → pipe → dst until both sides would block. limit: bytes still allowed from
 * src (NULL: unlimited). Returns 0, or -1 when the connection failed. */
static int move(struct px_dir *d, int src, int dst, uint64_t *limit)
{
	const unsigned fl = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

	for (;;) {
		bool progress = false;
		ssize_t n;

		if (d->pend > 0) {
			n = splice(d->pipe[0], NULL, dst, NULL, d->pend, fl);
			if (n > 0) {
				d->pend -= (size_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (!d->eof && limit && *limit == 0)
			d->eof = true;
		if (!d->eof && d->pend < PX_PIPE_CAP) {
			size_t want = PX_PIPE_CAP - d->pend;

			if (limit && *limit < want)
				want = (size_t)*limit;
			n = splice(src, NULL, d->pipe[1], NULL, want, fl);
			if (n > 0) {
				d->pend += (size_t)n;
				if (limit)
					*limit -= (uint64_t)n;
				progress = true;
			} else if (n == 0) {
				d->eof = true;
				progress = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (!progress)
			return 0;
	}
}

void px_pump(struct px_conn *c)
{
	int rc = px_send_buf(c->evc.fd, c->outc, c->outc_len, &c->outc_off);
	int ru;

	if (rc < 0)
		goto broken;
	ru = px_send_buf(c->evu.fd, c->outu, c->outu_len, &c->outu_off);
	if (ru < 0)
		goto broken;
	if (c->gate) {
		char why[256];
		int g = px_transparent_gate(c->px->capture, c->evc.fd, c->px->policy, c->canon,
					    c->is_ip, c->port, why, sizeof(why));
		if (g < 0) {
			px_log_refusal(c, why);
			px_transparent_reset(c->evc.fd);
			goto broken;
		}
		if (g > 0) {
			c->gate = false;
			px_timer_stop(c);
		} else if (!c->timed) {
			/* Part of a ClientHello came: the rest must follow within the set-up time.
			 * Nothing yet is no deadline (the server may speak first: SSH, SMTP). */
			char b;
			if (recv(c->evc.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1)
				px_timer_start(c);
		}
	}
	if (ru == 1 && !c->gate &&
	    move(&c->cu, c->evc.fd, c->evu.fd, c->tunnel ? NULL : &c->body_left) < 0)
		goto broken;
	if (rc == 1 && move(&c->uc, c->evu.fd, c->evc.fd, NULL) < 0)
		goto broken;
	if (c->tunnel && c->cu.eof && c->cu.pend == 0 && !c->cu.shut) {
		shutdown(c->evu.fd, SHUT_WR);
		c->cu.shut = true;
	}
	if (c->uc.eof && c->uc.pend == 0 && !c->uc.shut) {
		if (!c->tunnel) {
			/* One request per upstream connection: the response is complete. */
			px_drop_upstream(c);
			px_linger(c);
			return;
		}
		shutdown(c->evc.fd, SHUT_WR);
		c->uc.shut = true;
	}
	if (c->cu.shut && c->uc.shut)
		px_conn_close(c);
	return;
broken:
	px_conn_close(c);
}

void px_start_relay(struct px_conn *c)
{
	const char *rest = c->in + c->used;
	size_t nrest = c->inlen - c->used;

	px_timer_stop(c);
	if (c->proto == PX_FORWARD) {
		/* Nothing to answer, nothing to check: relay as it comes. */
	} else if (c->proto == PX_TRANSPARENT) {
		/* Nothing to answer; the client's first bytes wait for the TLS check. */
		c->gate = true;
	} else if (c->proto == PX_SOCKS) {
		struct sockaddr_storage bnd;
		socklen_t bl = sizeof(bnd);
		uint8_t rep[32];
		size_t n;

		if (getsockname(c->evu.fd, (struct sockaddr *)&bnd, &bl) < 0)
			bnd.ss_family = AF_UNSPEC;
		n = px_socks5_reply(rep, PX_SOCKS5_OK, (struct sockaddr *)&bnd);
		if (px_set_out(&c->outc, &c->outc_len, &c->outc_off, rep, n) < 0 ||
		    px_set_out(&c->outu, &c->outu_len, &c->outu_off, rest, nrest) < 0)
			goto nomem;
	} else if (c->tunnel) {
		static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";

		if (px_set_out(&c->outc, &c->outc_len, &c->outc_off, ok, sizeof(ok) - 1) < 0 ||
		    px_set_out(&c->outu, &c->outu_len, &c->outu_off, rest, nrest) < 0)
			goto nomem;
	} else {
		/* The rewritten head, then the part of the body already read; bytes beyond the
		 * body (a pipelined request) are dropped: one request per upstream connection. */
		char *head = malloc(PX_HTTP_HEAD_MAX + 1024);
		int hl;
		size_t body = nrest < c->req->body_len ? nrest : (size_t)c->req->body_len;

		if (!head)
			goto nomem;
		hl = px_http_rewrite(c->req, c->in, head, PX_HTTP_HEAD_MAX);
		if (hl < 0) {
			free(head);
			px_fail(c, 431, 0, "cordon: request head too large after rewriting\n");
			return;
		}
		memcpy(head + hl, rest, body);
		free(c->outu);
		c->outu = head;
		c->outu_len = (size_t)hl + body;
		c->outu_off = 0;
		c->body_left = c->req->body_len - body;
	}
	free(c->in);
	c->in = NULL;
	free(c->req);
	c->req = NULL;
	if (pipe2(c->cu.pipe, O_NONBLOCK | O_CLOEXEC) < 0 ||
	    pipe2(c->uc.pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		px_fail(c, 503, PX_SOCKS5_FAILURE, "cordon: proxy out of file descriptors\n");
		return;
	}
	c->st = ST_RELAY;
	px_pump(c);
	return;
nomem:
	px_fail(c, 503, PX_SOCKS5_FAILURE, "cordon: proxy out of memory\n");
}
