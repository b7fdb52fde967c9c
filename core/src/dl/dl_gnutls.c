/* dl_gnutls.c — the table of dl_gnutls.h and its library's entry for the loader (dl.h). */
#define CORDON_DL_TABLE
#include "dl/dl_gnutls.h"

#ifndef CORDON_SONAME_GNUTLS
#error "CORDON_SONAME_GNUTLS (the library's SONAME) comes from the Makefile"
#endif

#define ENTRY(name) CORDON_DL_ENTRY(struct cordon_dl_gnutls, name)
CORDON_DL_DEFINE(gnutls, CORDON_DL_GNUTLS_SYMS(ENTRY), CORDON_SONAME_GNUTLS);
