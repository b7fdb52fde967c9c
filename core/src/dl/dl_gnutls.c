/* dl_gnutls.c — the table of dl_gnutls.h and its library's entry for the loader (dl.h). */
#define CORDON_DL_TABLE
#include "dl/dl_gnutls.h"

#ifndef CORDON_SONAME_GNUTLS
#error "CORDON_SONAME_GNUTLS (the library's SONAME) comes from the Makefile"
#endif

#define ENTRY(name) CORDON_DL_ENTRY(struct cordon_dl_gnutls, name)
static const struct cordon_dl_sym syms[] = {CORDON_DL_GNUTLS_SYMS(ENTRY)};

struct cordon_dl_gnutls cordon_dl_gnutls;
struct cordon_dl_lib cordon_dl_gnutls_lib = {
    .soname = CORDON_SONAME_GNUTLS,
    .syms = syms,
    .nsyms = sizeof(syms) / sizeof(syms[0]),
    .table = &cordon_dl_gnutls,
    .size = sizeof(cordon_dl_gnutls),
    .lock = PTHREAD_MUTEX_INITIALIZER,
};
