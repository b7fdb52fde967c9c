/* dl_ldns.h — ldns, opened on first use (dl.h): the symbols dns_stub.c (the DNS stub's packets)
 * calls, and the macros that send those calls through the table. Include it after the library's
 * own headers in the file that uses the library. */
#ifndef CORDON_DL_LDNS_H
#define CORDON_DL_LDNS_H

#include <ldns/ldns.h>

#include "dl/dl.h"

#define CORDON_DL_LDNS_SYMS(X)                                                                     \
	X(ldns_dname_new_frm_str)                                                                  \
	X(ldns_pkt2wire)                                                                           \
	X(ldns_pkt_edns)                                                                           \
	X(ldns_pkt_free)                                                                           \
	X(ldns_pkt_get_opcode)                                                                     \
	X(ldns_pkt_new)                                                                            \
	X(ldns_pkt_push_rr)                                                                        \
	X(ldns_pkt_qdcount)                                                                        \
	X(ldns_pkt_question)                                                                       \
	X(ldns_pkt_rd)                                                                             \
	X(ldns_pkt_set_aa)                                                                         \
	X(ldns_pkt_set_edns_udp_size)                                                              \
	X(ldns_pkt_set_id)                                                                         \
	X(ldns_pkt_set_opcode)                                                                     \
	X(ldns_pkt_set_qr)                                                                         \
	X(ldns_pkt_set_ra)                                                                         \
	X(ldns_pkt_set_rcode)                                                                      \
	X(ldns_pkt_set_rd)                                                                         \
	X(ldns_rdf2str)                                                                            \
	X(ldns_rdf_clone)                                                                          \
	X(ldns_rdf_deep_free)                                                                      \
	X(ldns_rdf_new_frm_data)                                                                   \
	X(ldns_rr_clone)                                                                           \
	X(ldns_rr_free)                                                                            \
	X(ldns_rr_get_class)                                                                       \
	X(ldns_rr_get_type)                                                                        \
	X(ldns_rr_list_rr)                                                                         \
	X(ldns_rr_list_rr_count)                                                                   \
	X(ldns_rr_new)                                                                             \
	X(ldns_rr_owner)                                                                           \
	X(ldns_rr_push_rdf)                                                                        \
	X(ldns_rr_set_class)                                                                       \
	X(ldns_rr_set_owner)                                                                       \
	X(ldns_rr_set_ttl)                                                                         \
	X(ldns_rr_set_type)                                                                        \
	X(ldns_wire2pkt)

struct cordon_dl_ldns {
	CORDON_DL_LDNS_SYMS(CORDON_DL_SLOT)
};

extern struct cordon_dl_ldns cordon_dl_ldns;
extern struct cordon_dl_lib cordon_dl_ldns_lib;

/* cordon_dl_ldns_load: cordon_dl_load of ldns; call it before the first call into the
 * library. Returns 0 or -errno with e->msg (dl.h). */
static inline int cordon_dl_ldns_load(struct cordon_error *e)
{
	return cordon_dl_load(&cordon_dl_ldns_lib, e);
}

/* dl_ldns.c defines the table itself and needs the plain names. */
#ifndef CORDON_DL_TABLE
#define ldns_dname_new_frm_str (*cordon_dl_ldns.ldns_dname_new_frm_str)
#define ldns_pkt2wire (*cordon_dl_ldns.ldns_pkt2wire)
#define ldns_pkt_edns (*cordon_dl_ldns.ldns_pkt_edns)
#define ldns_pkt_free (*cordon_dl_ldns.ldns_pkt_free)
#define ldns_pkt_get_opcode (*cordon_dl_ldns.ldns_pkt_get_opcode)
#define ldns_pkt_new (*cordon_dl_ldns.ldns_pkt_new)
#define ldns_pkt_push_rr (*cordon_dl_ldns.ldns_pkt_push_rr)
#define ldns_pkt_qdcount (*cordon_dl_ldns.ldns_pkt_qdcount)
#define ldns_pkt_question (*cordon_dl_ldns.ldns_pkt_question)
#define ldns_pkt_rd (*cordon_dl_ldns.ldns_pkt_rd)
#define ldns_pkt_set_aa (*cordon_dl_ldns.ldns_pkt_set_aa)
#define ldns_pkt_set_edns_udp_size (*cordon_dl_ldns.ldns_pkt_set_edns_udp_size)
#define ldns_pkt_set_id (*cordon_dl_ldns.ldns_pkt_set_id)
#define ldns_pkt_set_opcode (*cordon_dl_ldns.ldns_pkt_set_opcode)
#define ldns_pkt_set_qr (*cordon_dl_ldns.ldns_pkt_set_qr)
#define ldns_pkt_set_ra (*cordon_dl_ldns.ldns_pkt_set_ra)
#define ldns_pkt_set_rcode (*cordon_dl_ldns.ldns_pkt_set_rcode)
#define ldns_pkt_set_rd (*cordon_dl_ldns.ldns_pkt_set_rd)
#define ldns_rdf2str (*cordon_dl_ldns.ldns_rdf2str)
#define ldns_rdf_clone (*cordon_dl_ldns.ldns_rdf_clone)
#define ldns_rdf_deep_free (*cordon_dl_ldns.ldns_rdf_deep_free)
#define ldns_rdf_new_frm_data (*cordon_dl_ldns.ldns_rdf_new_frm_data)
#define ldns_rr_clone (*cordon_dl_ldns.ldns_rr_clone)
#define ldns_rr_free (*cordon_dl_ldns.ldns_rr_free)
#define ldns_rr_get_class (*cordon_dl_ldns.ldns_rr_get_class)
#define ldns_rr_get_type (*cordon_dl_ldns.ldns_rr_get_type)
#define ldns_rr_list_rr (*cordon_dl_ldns.ldns_rr_list_rr)
#define ldns_rr_list_rr_count (*cordon_dl_ldns.ldns_rr_list_rr_count)
#define ldns_rr_new (*cordon_dl_ldns.ldns_rr_new)
#define ldns_rr_owner (*cordon_dl_ldns.ldns_rr_owner)
#define ldns_rr_push_rdf (*cordon_dl_ldns.ldns_rr_push_rdf)
#define ldns_rr_set_class (*cordon_dl_ldns.ldns_rr_set_class)
#define ldns_rr_set_owner (*cordon_dl_ldns.ldns_rr_set_owner)
#define ldns_rr_set_ttl (*cordon_dl_ldns.ldns_rr_set_ttl)
#define ldns_rr_set_type (*cordon_dl_ldns.ldns_rr_set_type)
#define ldns_wire2pkt (*cordon_dl_ldns.ldns_wire2pkt)
#endif

#endif
