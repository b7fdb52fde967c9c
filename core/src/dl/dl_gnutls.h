/* dl_gnutls.h — GnuTLS, opened on first use (dl.h): the symbols tls_client.c (the git relay's
 * TLS client) calls, and the macros that send those calls through the table. Include it after
 * the library's own headers in the one file that uses the library. */
#ifndef CORDON_DL_GNUTLS_H
#define CORDON_DL_GNUTLS_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "dl/dl.h"

#define CORDON_DL_GNUTLS_SYMS(X)                                                                   \
	X(gnutls_alpn_set_protocols)                                                               \
	X(gnutls_bye)                                                                              \
	X(gnutls_certificate_allocate_credentials)                                                 \
	X(gnutls_certificate_free_credentials)                                                     \
	X(gnutls_certificate_set_x509_system_trust)                                                \
	X(gnutls_certificate_set_x509_trust_file)                                                  \
	X(gnutls_certificate_type_get)                                                             \
	X(gnutls_certificate_verification_status_print)                                            \
	X(gnutls_credentials_set)                                                                  \
	X(gnutls_deinit)                                                                           \
	X(gnutls_error_is_fatal)                                                                   \
	X(gnutls_free)                                                                             \
	X(gnutls_handshake)                                                                        \
	X(gnutls_handshake_set_timeout)                                                            \
	X(gnutls_init)                                                                             \
	X(gnutls_record_recv)                                                                      \
	X(gnutls_record_send)                                                                      \
	X(gnutls_record_set_timeout)                                                               \
	X(gnutls_server_name_set)                                                                  \
	X(gnutls_session_get_verify_cert_status)                                                   \
	X(gnutls_session_set_verify_cert)                                                          \
	X(gnutls_set_default_priority)                                                             \
	X(gnutls_strerror)                                                                         \
	X(gnutls_transport_set_int2)

struct cordon_dl_gnutls {
	CORDON_DL_GNUTLS_SYMS(CORDON_DL_SLOT)
};

extern struct cordon_dl_gnutls cordon_dl_gnutls;
extern struct cordon_dl_lib cordon_dl_gnutls_lib;

/* cordon_dl_gnutls_load: cordon_dl_load of GnuTLS; call it before the first call into the
 * library. Returns 0 or -errno with e->msg (dl.h). */
static inline int cordon_dl_gnutls_load(struct cordon_error *e)
{
	return cordon_dl_load(&cordon_dl_gnutls_lib, e);
}

/* dl_gnutls.c defines the table itself and needs the plain names. */
#ifndef CORDON_DL_TABLE
#define gnutls_alpn_set_protocols (*cordon_dl_gnutls.gnutls_alpn_set_protocols)
#define gnutls_bye (*cordon_dl_gnutls.gnutls_bye)
#define gnutls_certificate_allocate_credentials                                                    \
	(*cordon_dl_gnutls.gnutls_certificate_allocate_credentials)
#define gnutls_certificate_free_credentials (*cordon_dl_gnutls.gnutls_certificate_free_credentials)
#define gnutls_certificate_set_x509_system_trust                                                   \
	(*cordon_dl_gnutls.gnutls_certificate_set_x509_system_trust)
#define gnutls_certificate_set_x509_trust_file                                                     \
	(*cordon_dl_gnutls.gnutls_certificate_set_x509_trust_file)
#define gnutls_certificate_type_get (*cordon_dl_gnutls.gnutls_certificate_type_get)
#define gnutls_certificate_verification_status_print                                               \
	(*cordon_dl_gnutls.gnutls_certificate_verification_status_print)
#define gnutls_credentials_set (*cordon_dl_gnutls.gnutls_credentials_set)
#define gnutls_deinit (*cordon_dl_gnutls.gnutls_deinit)
#define gnutls_error_is_fatal (*cordon_dl_gnutls.gnutls_error_is_fatal)
/* gnutls_free is a variable (a pointer to the allocator's free) behind a macro that also
 * clears its argument (gnutls.h): the same, through the variable's address in the table. */
#undef gnutls_free
#define gnutls_free(a) (*cordon_dl_gnutls.gnutls_free)((void *)(a)), a = NULL
#define gnutls_handshake (*cordon_dl_gnutls.gnutls_handshake)
#define gnutls_handshake_set_timeout (*cordon_dl_gnutls.gnutls_handshake_set_timeout)
#define gnutls_init (*cordon_dl_gnutls.gnutls_init)
#define gnutls_record_recv (*cordon_dl_gnutls.gnutls_record_recv)
#define gnutls_record_send (*cordon_dl_gnutls.gnutls_record_send)
#define gnutls_record_set_timeout (*cordon_dl_gnutls.gnutls_record_set_timeout)
#define gnutls_server_name_set (*cordon_dl_gnutls.gnutls_server_name_set)
#define gnutls_session_get_verify_cert_status                                                      \
	(*cordon_dl_gnutls.gnutls_session_get_verify_cert_status)
#define gnutls_session_set_verify_cert (*cordon_dl_gnutls.gnutls_session_set_verify_cert)
#define gnutls_set_default_priority (*cordon_dl_gnutls.gnutls_set_default_priority)
#define gnutls_strerror (*cordon_dl_gnutls.gnutls_strerror)
#define gnutls_transport_set_int2 (*cordon_dl_gnutls.gnutls_transport_set_int2)
#endif

#endif
