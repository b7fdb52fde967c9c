/* proxy_socks5.h — private to the proxy: SOCKS5 messages (RFC 1928) — the method negotiation, the
 * CONNECT request and the reply — as pure functions over byte buffers. */
#ifndef CORDON_PROXY_SOCKS5_H
#define CORDON_PROXY_SOCKS5_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Reply codes, RFC 1928 §6. */
enum {
	PX_SOCKS5_OK = 0x00,
	PX_SOCKS5_FAILURE = 0x01,
	PX_SOCKS5_NOT_ALLOWED = 0x02,
	PX_SOCKS5_NET_UNREACHABLE = 0x03,
	PX_SOCKS5_HOST_UNREACHABLE = 0x04,
	PX_SOCKS5_REFUSED = 0x05,
	PX_SOCKS5_TTL_EXPIRED = 0x06,
	PX_SOCKS5_CMD_UNSUPPORTED = 0x07,
	PX_SOCKS5_ATYP_UNSUPPORTED = 0x08,
};

struct px_socks5_req {
	uint8_t cmd;	/* 1 CONNECT, 2 BIND, 3 UDP ASSOCIATE */
	uint8_t atyp;	/* 1 IPv4, 3 domain name, 4 IPv6 */
	char host[256]; /* domain name as sent, or the address as text (IPv6 without brackets) */
	size_t host_len;
	uint16_t port;
	uint8_t rep; /* on a refusal: the reply code to send */
};

/* px_socks5_greeting: parse the version/method-selection message (RFC 1928 §3) in b[0..n).
 * Returns 1 when method 0x00 (no authentication) is offered, 0 when it is not (answer 0xFF and
 * close), -EAGAIN when more bytes are needed, -EPROTO for a version other than 5 or no methods.
 * *used: bytes consumed on a non-negative return. */
int px_socks5_greeting(const uint8_t *b, size_t n, size_t *used);

/* px_socks5_request: parse a request (RFC 1928 §4-5) in b[0..n) into *r. Returns 0 for a valid
 * CONNECT, -EAGAIN when more bytes are needed, or a refusal with r->rep set: -EPROTO (bad version
 * or reserved byte: 0x01), -EOPNOTSUPP (BIND, UDP ASSOCIATE or unknown command: 0x07),
 * -EAFNOSUPPORT (unknown address type: 0x08), -EINVAL (empty domain name, or one with NUL or
 * control characters, which would make the name checked differ from the name resolved: 0x02;
 * port 0: 0x02). *used: bytes of the request on 0. r->port: the port asked for, on 0 and on
 * -EINVAL (so a refused name is logged with it). */
int px_socks5_request(const uint8_t *b, size_t n, struct px_socks5_req *r, size_t *used);

/* px_socks5_reply: write the reply (RFC 1928 §6) with code rep and bound address bnd (NULL:
 * 0.0.0.0:0) into out (at least 22 bytes). Returns its length. */
size_t px_socks5_reply(uint8_t *out, uint8_t rep, const struct sockaddr *bnd);

#endif
