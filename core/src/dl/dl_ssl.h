/* dl_ssl.h — OpenSSL (libssl, and libcrypto through it), opened on first use (dl.h): the symbols
 * tls_sni.c (the ClientHello parser) calls, and the macros that send those calls through the
 * table. Include it after the library's own headers in the one file that uses the library. */
#ifndef CORDON_DL_SSL_H
#define CORDON_DL_SSL_H

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "dl/dl.h"

#define CORDON_DL_SSL_SYMS(X)                                                                      \
	X(BIO_free)                                                                                \
	X(BIO_new)                                                                                 \
	X(BIO_new_mem_buf)                                                                         \
	X(BIO_s_mem)                                                                               \
	X(ERR_clear_error)                                                                         \
	X(SSL_CTX_free)                                                                            \
	X(SSL_CTX_new)                                                                             \
	X(SSL_CTX_set_client_hello_cb)                                                             \
	X(SSL_client_hello_get0_ext)                                                               \
	X(SSL_do_handshake)                                                                        \
	X(SSL_free)                                                                                \
	X(SSL_get_ex_data)                                                                         \
	X(SSL_new)                                                                                 \
	X(SSL_set_accept_state)                                                                    \
	X(SSL_set_bio)                                                                             \
	X(SSL_set_ex_data)                                                                         \
	X(TLS_server_method)

struct cordon_dl_ssl {
	CORDON_DL_SSL_SYMS(CORDON_DL_SLOT)
};

extern struct cordon_dl_ssl cordon_dl_ssl;
extern struct cordon_dl_lib cordon_dl_ssl_lib;

/* cordon_dl_ssl_load: cordon_dl_load of OpenSSL; call it before the first call into the
 * library. Returns 0 or -errno with e->msg (dl.h). */
static inline int cordon_dl_ssl_load(struct cordon_error *e)
{
	return cordon_dl_load(&cordon_dl_ssl_lib, e);
}

/* dl_ssl.c defines the table itself and needs the plain names. */
#ifndef CORDON_DL_TABLE
#define BIO_free (*cordon_dl_ssl.BIO_free)
#define BIO_new (*cordon_dl_ssl.BIO_new)
#define BIO_new_mem_buf (*cordon_dl_ssl.BIO_new_mem_buf)
#define BIO_s_mem (*cordon_dl_ssl.BIO_s_mem)
#define ERR_clear_error (*cordon_dl_ssl.ERR_clear_error)
#define SSL_CTX_free (*cordon_dl_ssl.SSL_CTX_free)
#define SSL_CTX_new (*cordon_dl_ssl.SSL_CTX_new)
#define SSL_CTX_set_client_hello_cb (*cordon_dl_ssl.SSL_CTX_set_client_hello_cb)
#define SSL_client_hello_get0_ext (*cordon_dl_ssl.SSL_client_hello_get0_ext)
#define SSL_do_handshake (*cordon_dl_ssl.SSL_do_handshake)
#define SSL_free (*cordon_dl_ssl.SSL_free)
#define SSL_get_ex_data (*cordon_dl_ssl.SSL_get_ex_data)
#define SSL_new (*cordon_dl_ssl.SSL_new)
#define SSL_set_accept_state (*cordon_dl_ssl.SSL_set_accept_state)
#define SSL_set_bio (*cordon_dl_ssl.SSL_set_bio)
#define SSL_set_ex_data (*cordon_dl_ssl.SSL_set_ex_data)
#define TLS_server_method (*cordon_dl_ssl.TLS_server_method)
#endif

#endif
