/* dl_ssl.c — the table of dl_ssl.h and its library's entry for the loader (dl.h). */
#define CORDON_DL_TABLE
#include "dl/dl_ssl.h"

#ifndef CORDON_SONAME_SSL
#error "CORDON_SONAME_SSL (the library's SONAME) comes from the Makefile"
#endif

#define ENTRY(name) CORDON_DL_ENTRY(struct cordon_dl_ssl, name)
static const struct cordon_dl_sym syms[] = {CORDON_DL_SSL_SYMS(ENTRY)};

struct cordon_dl_ssl cordon_dl_ssl;
struct cordon_dl_lib cordon_dl_ssl_lib = {
    .soname = CORDON_SONAME_SSL,
    .syms = syms,
    .nsyms = sizeof(syms) / sizeof(syms[0]),
    .table = &cordon_dl_ssl,
    .size = sizeof(cordon_dl_ssl),
    .lock = PTHREAD_MUTEX_INITIALIZER,
};
