/* dl_nettle.h — Nettle (base64 only), opened on first use (dl.h): the symbols agent_filter.c and
 * git/git_credential.c call, and the macros that send those calls through the table. Include it
 * after the library's own headers in a file that uses the library. */
#ifndef CORDON_DL_NETTLE_H
#define CORDON_DL_NETTLE_H

#include <nettle/base64.h>

#include "dl/dl.h"

#define CORDON_DL_NETTLE_SYMS(X)                                                                   \
	X(nettle_base64_decode_final)                                                              \
	X(nettle_base64_decode_init)                                                               \
	X(nettle_base64_decode_update)                                                             \
	X(nettle_base64_encode_raw)

struct cordon_dl_nettle {
	CORDON_DL_NETTLE_SYMS(CORDON_DL_SLOT)
};

extern struct cordon_dl_nettle cordon_dl_nettle;
extern struct cordon_dl_lib cordon_dl_nettle_lib;

/* cordon_dl_nettle_load: cordon_dl_load of Nettle; call it before the first call into the
 * library. Returns 0 or -errno with e->msg (dl.h). */
static inline int cordon_dl_nettle_load(struct cordon_error *e)
{
	return cordon_dl_load(&cordon_dl_nettle_lib, e);
}

/* dl_nettle.c defines the table itself and needs the plain names. */
#ifndef CORDON_DL_TABLE
#define nettle_base64_decode_final (*cordon_dl_nettle.nettle_base64_decode_final)
#define nettle_base64_decode_init (*cordon_dl_nettle.nettle_base64_decode_init)
#define nettle_base64_decode_update (*cordon_dl_nettle.nettle_base64_decode_update)
#define nettle_base64_encode_raw (*cordon_dl_nettle.nettle_base64_encode_raw)
#endif

#endif
