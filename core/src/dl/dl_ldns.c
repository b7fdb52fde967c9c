/* dl_ldns.c — the table of dl_ldns.h and its library's entry for the loader (dl.h). */
#define CORDON_DL_TABLE
#include "dl/dl_ldns.h"

#ifndef CORDON_SONAME_LDNS
#error "CORDON_SONAME_LDNS (the library's SONAME) comes from the Makefile"
#endif

#define ENTRY(name) CORDON_DL_ENTRY(struct cordon_dl_ldns, name)
CORDON_DL_DEFINE(ldns, CORDON_DL_LDNS_SYMS(ENTRY), CORDON_SONAME_LDNS);
