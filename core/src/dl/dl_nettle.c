/* dl_nettle.c — the table of dl_nettle.h and its library's entry for the loader (dl.h). */
#define CORDON_DL_TABLE
#include "dl/dl_nettle.h"

#ifndef CORDON_SONAME_NETTLE
#error "CORDON_SONAME_NETTLE (the library's SONAME) comes from the Makefile"
#endif

#define ENTRY(name) CORDON_DL_ENTRY(struct cordon_dl_nettle, name)
CORDON_DL_DEFINE(nettle, CORDON_DL_NETTLE_SYMS(ENTRY), CORDON_SONAME_NETTLE);
