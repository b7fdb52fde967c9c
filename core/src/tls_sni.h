/* tls_sni.h — private to the capture: the server name a TLS client asks for, read from its
 * ClientHello without consuming any byte of the connection (MSG_PEEK). */
#ifndef CORDON_TLS_SNI_H
#define CORDON_TLS_SNI_H

#include <stddef.h>
#include <stdint.h>

/* Longest ClientHello looked at, in bytes of TLS records: a larger one is refused. Today's
 * hellos with post-quantum key shares are under 2 KiB; the TCP receive buffer must hold it. */
#define TLS_SNI_MAX 65536

enum tls_sni_result {
	TLS_SNI_WAIT = 0,    /* not enough bytes yet: call again when more arrive */
	TLS_SNI_NOT_TLS = 1, /* the first bytes are not a TLS handshake record (or EOF) */
	TLS_SNI_NONE = 2,    /* a ClientHello without server_name */
	TLS_SNI_FOUND = 3,   /* a ClientHello naming a host (copied to name) */
};

struct tls_sni;

/* tls_sni_new: the parser's state (an OpenSSL server context used only to parse hellos, made at
 * the first parse). Returns NULL when out of memory. */
struct tls_sni *tls_sni_new(void);
void tls_sni_free(struct tls_sni *t);

/* tls_sni_need: how many leading bytes of buf (len bytes, what the client sent so far) make up
 * the TLS records that carry the whole ClientHello (RFC 8446 §5.1 record framing, §4 handshake
 * header: a ClientHello may be fragmented over several records). Returns that count (> 0),
 * which may exceed len (then read up to it and call again); 0 when not even that is known yet
 * (fewer than 5 bytes: read more); -ENOTTY when buf does not start a TLS
 * handshake record with a ClientHello (not TLS: content type 22, version major 3, handshake
 * type 1); -EMSGSIZE beyond TLS_SNI_MAX; -EPROTO for a record framing error (an empty or
 * over-long record, RFC 8446 §5.1, or a non-handshake record before the hello ends). */
long tls_sni_need(const uint8_t *buf, size_t len);

/* tls_sni_parse: the server name in the ClientHello carried by buf (exactly the records
 * tls_sni_need counted). OpenSSL parses the hello (a server SSL object fed from a memory BIO,
 * stopped in its client-hello callback, SSL_CTX_set_client_hello_cb(3)), and the callback takes
 * the server_name extension (SSL_client_hello_get0_ext), whose body is a ServerNameList
 * (RFC 6066 §3) read here: one host_name entry, 1..255 bytes. Returns TLS_SNI_FOUND with name
 * (NUL-terminated, as sent), TLS_SNI_NONE, or -EPROTO when OpenSSL does not accept the hello or
 * the extension is malformed. */
int tls_sni_parse(struct tls_sni *t, const uint8_t *buf, size_t len, char *name, size_t namelen);

/* tls_sni_peek: tls_sni_need and tls_sni_parse on what is queued on the connected socket fd,
 * read with recv(MSG_PEEK) of exactly the bytes needed, so nothing past the ClientHello's
 * records is read and nothing at all is consumed. An empty queue at EOF is TLS_SNI_NOT_TLS.
 * Returns an enum tls_sni_result, or -EPROTO / -EMSGSIZE as above, or -errno of recv. */
int tls_sni_peek(struct tls_sni *t, int fd, char *name, size_t namelen);

/* tls_sni_parse and tls_sni_peek return -ENOENT or -ENOSYS when OpenSSL, opened at the first
 * parse (dl/dl.h), cannot be loaded; tls_sni_load_error is then why (naming the library and the
 * missing symbol), else "". */
const char *tls_sni_load_error(void);

#endif
