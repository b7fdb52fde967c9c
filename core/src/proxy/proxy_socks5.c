/* proxy_socks5.c — SOCKS5 (RFC 1928) message parsing and replies for the proxy: method 0x00
 * only (no authentication), CONNECT only, address types IPv4, domain name and IPv6. */
#include "proxy_socks5.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

int px_socks5_greeting(const uint8_t *b, size_t n, size_t *used)
{
	size_t nm;

	if (n < 1)
		return -EAGAIN;
	if (b[0] != 5)
		return -EPROTO;
	if (n < 2)
		return -EAGAIN;
	nm = b[1];
	if (nm == 0)
		return -EPROTO;
	if (n < 2 + nm)
		return -EAGAIN;
	*used = 2 + nm;
	return memchr(b + 2, 0x00, nm) ? 1 : 0;
}

static int refuse(struct px_socks5_req *r, uint8_t rep, int err)
{
	r->rep = rep;
	return err;
}

int px_socks5_request(const uint8_t *b, size_t n, struct px_socks5_req *r, size_t *used)
{
	size_t alen, need;

	memset(r, 0, sizeof(*r));
	if (n < 4)
		return -EAGAIN;
	if (b[0] != 5 || b[2] != 0)
		return refuse(r, PX_SOCKS5_FAILURE, -EPROTO);
	r->cmd = b[1];
	r->atyp = b[3];
	switch (r->atyp) {
	case 1:
		alen = 4;
		need = 4 + 4 + 2;
		break;
	case 4:
		alen = 16;
		need = 4 + 16 + 2;
		break;
	case 3:
		if (n < 5)
			return -EAGAIN;
		alen = b[4];
		need = 5 + alen + 2;
		break;
	default:
		return refuse(r, PX_SOCKS5_ATYP_UNSUPPORTED, -EAFNOSUPPORT);
	}
	/* The command is checked once the address is complete, so the reply follows a whole
	 * request (RFC 1928 §4). */
	if (n < need)
		return -EAGAIN;
	*used = need;
	if (r->cmd != 1)
		return refuse(r, PX_SOCKS5_CMD_UNSUPPORTED, -EOPNOTSUPP);
	r->port = (uint16_t)(b[need - 2] << 8 | b[need - 1]);
	if (r->atyp == 3) {
		if (alen == 0)
			return refuse(r, PX_SOCKS5_NOT_ALLOWED, -EINVAL);
		for (size_t i = 0; i < alen; i++)
			if (b[5 + i] < 0x20 || b[5 + i] == 0x7f)
				return refuse(r, PX_SOCKS5_NOT_ALLOWED, -EINVAL);
		memcpy(r->host, b + 5, alen);
		r->host[alen] = '\0';
		r->host_len = alen;
	} else {
		if (!inet_ntop(r->atyp == 1 ? AF_INET : AF_INET6, b + 4, r->host, sizeof(r->host)))
			return refuse(r, PX_SOCKS5_FAILURE, -EINVAL);
		r->host_len = strlen(r->host);
	}
	if (r->port == 0)
		return refuse(r, PX_SOCKS5_NOT_ALLOWED, -EINVAL);
	return 0;
}

size_t px_socks5_reply(uint8_t *out, uint8_t rep, const struct sockaddr *bnd)
{
	out[0] = 5;
	out[1] = rep;
	out[2] = 0;
	if (bnd && bnd->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)bnd;

		out[3] = 4;
		memcpy(out + 4, &s6->sin6_addr, 16);
		memcpy(out + 20, &s6->sin6_port, 2);
		return 22;
	}
	out[3] = 1;
	if (bnd && bnd->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)bnd;

		memcpy(out + 4, &s4->sin_addr, 4);
		memcpy(out + 8, &s4->sin_port, 2);
	} else {
		memset(out + 4, 0, 6);
	}
	return 10;
}
