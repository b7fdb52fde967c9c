/* dl_nettle.c — the table of dl_nettle.h and its library's entry for the loader (dl.h). */
#define CORDON_DL_TABLE
#include "dl/dl_nettle.h"

#ifndef CORDON_SONAME_NETTLE
#error "CORDON_SONAME_NETTLE (the library's SONAME) comes from the Makefile"
#endif

#define ENTRY(name) CORDON_DL_ENTRY(struct cordon_dl_nettle, name)
static const struct cordon_dl_sym syms[] = {CORDON_DL_NETTLE_SYMS(ENTRY)};

struct cordon_dl_nettle cordon_dl_nettle;
struct cordon_dl_lib cordon_dl_nettle_lib = {
    .soname = CORDON_SONAME_NETTLE,
    .syms = syms,
    .nsyms = sizeof(syms) / sizeof(syms[0]),
    .table = &cordon_dl_nettle,
    .size = sizeof(cordon_dl_nettle),
    .lock = PTHREAD_MUTEX_INITIALIZER,
};
