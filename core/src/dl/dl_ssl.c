/* dl_ssl.c — the table of dl_ssl.h and its library's entry for the loader (dl.h). */
#define CORDON_DL_TABLE
#include "dl/dl_ssl.h"

#ifndef CORDON_SONAME_SSL
#error "CORDON_SONAME_SSL (the library's SONAME) comes from the Makefile"
#endif

#define ENTRY(name) CORDON_DL_ENTRY(struct cordon_dl_ssl, name)
CORDON_DL_DEFINE(ssl, CORDON_DL_SSL_SYMS(ENTRY), CORDON_SONAME_SSL);
