/* tls_sni.c — the server name of a TLS ClientHello (tls_sni.h): record framing counted here,
 * the hello itself parsed by OpenSSL. */
#include "tls_sni.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dl/dl_ssl.h"

#define REC_HDR 5
#define REC_MAX (16384 + 256) /* RFC 8446 §5.1/§5.2: 2^14 (+ expansion for older versions) */
#define CT_HANDSHAKE 22
#define HS_CLIENT_HELLO 1

struct tls_sni {
	SSL_CTX *ctx;
};

/* What the client-hello callback found, through the SSL object's app data. */
struct hello {
	int result; /* 0: callback not reached */
	char *name;
	size_t namelen;
};

long tls_sni_need(const uint8_t *buf, size_t len)
{
	size_t off = 0, hs_have = 0, hs_need = 0;

	/* Walk the records: each contributes its payload to the handshake stream until it holds
	 * the 4-byte handshake header and the hello's body. */
	for (;;) {
		if (len < off + REC_HDR) {
			if (off == 0 && len >= 1 && buf[0] != CT_HANDSHAKE)
				return -ENOTTY;
			if (off == 0 && len >= 2 && buf[1] != 3)
				return -ENOTTY;
			return off == 0 ? 0 : (long)(off + REC_HDR);
		}
		if (buf[off] != CT_HANDSHAKE || buf[off + 1] != 3)
			return off == 0 ? -ENOTTY : -EPROTO;
		size_t rl = (size_t)buf[off + 3] << 8 | buf[off + 4];
		if (rl == 0 || rl > REC_MAX)
			return -EPROTO;
		size_t start = off + REC_HDR;
		off = start + rl;
		if (off > TLS_SNI_MAX)
			return -EMSGSIZE;
		/* The handshake header is in the first record's first bytes (a header split
		 * over records is legal but no client does it; it is refused as a framing
		 * error rather than guessed at). */
		if (hs_have == 0) {
			if (rl < 4)
				return -EPROTO;
			if (len < start + 4)
				return (long)off;
			if (buf[start] != HS_CLIENT_HELLO)
				return -ENOTTY;
			hs_need = 4 + ((size_t)buf[start + 1] << 16 | (size_t)buf[start + 2] << 8 |
				       buf[start + 3]);
			if (hs_need > TLS_SNI_MAX)
				return -EMSGSIZE;
		}
		hs_have += rl;
		if (hs_have >= hs_need)
			return (long)off;
	}
}

/* sni_list: the host_name of a ServerNameList body (RFC 6066 §3). */
static int sni_list(const unsigned char *p, size_t n, struct hello *h)
{
	size_t list, nl;

	if (n < 2)
		return -EPROTO;
	list = (size_t)p[0] << 8 | p[1];
	if (list + 2 != n || list < 3)
		return -EPROTO;
	p += 2;
	/* "The ServerNameList MUST NOT contain more than one name of the same name_type";
	 * host_name (0) is the only type defined: the list holds exactly one entry. */
	if (p[0] != 0)
		return -EPROTO;
	nl = (size_t)p[1] << 8 | p[2];
	if (nl == 0 || nl > 255 || nl + 3 != list || nl + 1 > h->namelen)
		return -EPROTO;
	memcpy(h->name, p + 3, nl);
	h->name[nl] = '\0';
	if (memchr(h->name, '\0', nl))
		return -EPROTO;
	return TLS_SNI_FOUND;
}

static int on_hello(SSL *s, int *alert, void *arg)
{
	struct hello *h = SSL_get_app_data(s);
	const unsigned char *ext;
	size_t extlen;

	(void)arg;
	*alert = SSL_AD_INTERNAL_ERROR;
	if (!SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &ext, &extlen))
		h->result = TLS_SNI_NONE;
	else
		h->result = sni_list(ext, extlen, h);
	/* Stop here: nothing of the handshake goes on (no reply is ever produced). */
	return SSL_CLIENT_HELLO_ERROR;
}

struct tls_sni *tls_sni_new(void)
{
	/* The OpenSSL context is made at the first hello (ctx_of): initialising OpenSSL (its
	 * configuration file, every algorithm) is a good part of a session's start, and most
	 * sessions see no captured TLS connection. */
	return calloc(1, sizeof(struct tls_sni));
}

/* ctx_of: t's server context, made on first use; NULL when OpenSSL cannot make one. */
static SSL_CTX *ctx_of(struct tls_sni *t)
{
	if (!t->ctx) {
		if (cordon_dl_ssl_load(NULL) < 0)
			return NULL;
		t->ctx = SSL_CTX_new(TLS_server_method());
		if (t->ctx)
			SSL_CTX_set_client_hello_cb(t->ctx, on_hello, NULL);
	}
	return t->ctx;
}

void tls_sni_free(struct tls_sni *t)
{
	if (!t)
		return;
	if (t->ctx) /* else OpenSSL may never have been loaded */
		SSL_CTX_free(t->ctx);
	free(t);
}

int tls_sni_parse(struct tls_sni *t, const uint8_t *buf, size_t len, char *name, size_t namelen)
{
	struct hello h = {.name = name, .namelen = namelen};
	SSL *s;
	BIO *rb, *wb;

	if (len > TLS_SNI_MAX || namelen < 2)
		return -EPROTO;
	if (!ctx_of(t)) {
		int r = cordon_dl_ssl_load(NULL);
		return r < 0 ? r : -ENOMEM;
	}
	s = SSL_new(t->ctx);
	rb = BIO_new_mem_buf(buf, (int)len);
	wb = BIO_new(BIO_s_mem());
	if (!s || !rb || !wb) {
		BIO_free(rb);
		BIO_free(wb);
		SSL_free(s);
		return -ENOMEM;
	}
	SSL_set_bio(s, rb, wb); /* s owns both now */
	SSL_set_app_data(s, &h);
	SSL_set_accept_state(s);
	(void)SSL_do_handshake(s); /* fails by design once on_hello has run */
	SSL_free(s);
	/* OpenSSL keeps a per-thread error queue: leave nothing in it for other users. */
	ERR_clear_error();
	if (h.result == TLS_SNI_FOUND || h.result == TLS_SNI_NONE)
		return h.result;
	return -EPROTO;
}

int tls_sni_peek(struct tls_sni *t, int fd, char *name, size_t namelen)
{
	uint8_t *buf = malloc(TLS_SNI_MAX);
	size_t have = 0, want = REC_HDR;
	int r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = recv(fd, buf, want, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0) {
			r = errno == EAGAIN || errno == EINTR ? TLS_SNI_WAIT : -errno;
			break;
		}
		if (n == 0) {
			r = TLS_SNI_NOT_TLS; /* EOF before any byte: nothing to check */
			break;
		}
		have = (size_t)n;
		long need = tls_sni_need(buf, have);
		if (need == -ENOTTY) {
			r = TLS_SNI_NOT_TLS;
			break;
		}
		if (need < 0) {
			r = (int)need;
			break;
		}
		if (need == 0 || (size_t)need > have) {
			if (have < want) {
				r = TLS_SNI_WAIT; /* the queue holds less than asked: wait */
				break;
			}
			want = need ? (size_t)need : have + 1;
			continue;
		}
		r = tls_sni_parse(t, buf, (size_t)need, name, namelen);
		break;
	}
	free(buf);
	return r;
}

const char *tls_sni_load_error(void)
{
	return cordon_dl_why(&cordon_dl_ssl_lib);
}
