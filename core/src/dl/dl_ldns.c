/* dl_ldns.c — the table of dl_ldns.h and its library's entry for the loader (dl.h). */
#define CORDON_DL_TABLE
#include "dl/dl_ldns.h"

#ifndef CORDON_SONAME_LDNS
#error "CORDON_SONAME_LDNS (the library's SONAME) comes from the Makefile"
#endif

#define ENTRY(name) CORDON_DL_ENTRY(struct cordon_dl_ldns, name)
static const struct cordon_dl_sym syms[] = {CORDON_DL_LDNS_SYMS(ENTRY)};

struct cordon_dl_ldns cordon_dl_ldns;
struct cordon_dl_lib cordon_dl_ldns_lib = {
    .soname = CORDON_SONAME_LDNS,
    .syms = syms,
    .nsyms = sizeof(syms) / sizeof(syms[0]),
    .table = &cordon_dl_ldns,
    .size = sizeof(cordon_dl_ldns),
    .lock = PTHREAD_MUTEX_INITIALIZER,
};
