/* capture_nft.c — the nftables ruleset that sends every TCP connection and DNS query of the
 * sandbox to the session process (capture_int.h), built with libnftnl and sent in one nfnetlink
 * batch with libmnl; the rules in nft(8) syntax are in capture_int.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture_int.h"

#define TABLE "cordon"

/* A rule under construction: expressions are added in order; on any allocation failure the
 * rule is marked bad and freed by rule_end. */
struct rb {
	struct nftnl_rule *r;
	bool bad;
};

static void add(struct rb *b, struct nftnl_expr *x)
{
	if (!x) {
		b->bad = true;
		return;
	}
	if (b->r)
		nftnl_rule_add_expr(b->r, x);
	else
		nftnl_expr_free(x);
}

/* meta KEY → reg1 (nft: `meta l4proto`, `meta nfproto`). */
static void x_meta(struct rb *b, uint32_t key)
{
	struct nftnl_expr *x = nftnl_expr_alloc("meta");
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(x, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	add(b, x);
}

/* reg1 == data, else next rule. */
static void x_cmp(struct rb *b, const void *data, uint32_t len)
{
	struct nftnl_expr *x = nftnl_expr_alloc("cmp");
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(x, NFTNL_EXPR_CMP_DATA, data, len);
	}
	add(b, x);
}

static void x_cmp8(struct rb *b, uint8_t v)
{
	x_cmp(b, &v, 1);
}

/* payload BASE OFFSET LEN → reg1. */
static void x_payload(struct rb *b, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *x = nftnl_expr_alloc("payload");
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	add(b, x);
}

/* reg1 = reg1 & mask (len bytes). */
static void x_and(struct rb *b, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *x = nftnl_expr_alloc("bitwise");
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(x, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(x, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	add(b, x);
}

static void x_verdict(struct rb *b, int verdict)
{
	struct nftnl_expr *x = nftnl_expr_alloc("immediate");
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	}
	add(b, x);
}

/* redirect [to :port] (port in host order, 0 = keep the destination port). */
static void x_redirect(struct rb *b, uint16_t port)
{
	struct nftnl_expr *x;

	if (port) {
		uint16_t be = htons(port);
		x = nftnl_expr_alloc("immediate");
		if (x) {
			nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
			nftnl_expr_set(x, NFTNL_EXPR_IMM_DATA, &be, sizeof(be));
		}
		add(b, x);
	}
	x = nftnl_expr_alloc("redir");
	if (x && port) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_REDIR_REG_PROTO_MIN, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_REDIR_REG_PROTO_MAX, NFT_REG_1);
	}
	add(b, x);
}

/* `ip daddr 127.0.0.0/8` (family check first: the table is inet). */
static void m_v4_loopback(struct rb *b)
{
	static const uint8_t mask[4] = {255, 0, 0, 0}, net[4] = {127, 0, 0, 0};

	x_meta(b, NFT_META_NFPROTO);
	x_cmp8(b, NFPROTO_IPV4);
	x_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 16, 4); /* RFC 791: destination at 16 */
	x_and(b, mask, 4);
	x_cmp(b, net, 4);
}

/* `ip6 daddr ::1`. */
static void m_v6_loopback(struct rb *b)
{
	x_meta(b, NFT_META_NFPROTO);
	x_cmp8(b, NFPROTO_IPV6);
	x_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 24, 16); /* RFC 8200: destination at 24 */
	x_cmp(b, &in6addr_loopback, 16);
}

/* `meta l4proto PROTO th dport PORT`. */
static void m_dport(struct rb *b, uint8_t proto, uint16_t port)
{
	uint16_t be = htons(port);

	x_meta(b, NFT_META_L4PROTO);
	x_cmp8(b, proto);
	x_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2); /* TCP and UDP: destination port */
	x_cmp(b, &be, 2);
}

struct batch {
	struct mnl_nlmsg_batch *b;
	uint32_t seq;
	bool bad;
};

static struct nlmsghdr *hdr(struct batch *bt, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, bt->seq++);
}

static void put_rule(struct batch *bt, struct rb *b)
{
	if (b->bad || !b->r) {
		bt->bad = true;
	} else {
		nftnl_rule_set_str(b->r, NFTNL_RULE_TABLE, TABLE);
		nftnl_rule_set_u32(b->r, NFTNL_RULE_FAMILY, NFPROTO_INET);
		nftnl_rule_nlmsg_build_payload(
		    hdr(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), b->r);
		mnl_nlmsg_batch_next(bt->b);
	}
	if (b->r)
		nftnl_rule_free(b->r);
}

static struct rb rule(const char *chain)
{
	struct rb b = {.r = nftnl_rule_alloc()};

	if (b.r)
		nftnl_rule_set_str(b.r, NFTNL_RULE_CHAIN, chain);
	return b;
}

static void put_chain(struct batch *bt, const char *name, const char *type, int prio,
		      uint32_t policy)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c) {
		bt->bad = true;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_OUT);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, policy);
	nftnl_chain_nlmsg_build_payload(hdr(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE), c);
	mnl_nlmsg_batch_next(bt->b);
	nftnl_chain_free(c);
}

/* build: the whole ruleset into bt (see capture_int.h for it in nft syntax). */
static void build(struct batch *bt, uint16_t tport)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct rb b;

	nftnl_batch_begin(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);
	if (!t) {
		bt->bad = true;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_nlmsg_build_payload(hdr(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE), t);
	mnl_nlmsg_batch_next(bt->b);
	nftnl_table_free(t);

	/* NAT: DNS first (to any address, the stub's own included), then the namespace's own
	 * loopback stays as it is, then every other TCP connection goes to the capture port. */
	put_chain(bt, "nat_out", "nat", -100, NF_ACCEPT);
	b = rule("nat_out");
	m_dport(&b, IPPROTO_UDP, 53);
	x_redirect(&b, 0);
	put_rule(bt, &b);
	b = rule("nat_out");
	m_dport(&b, IPPROTO_TCP, 53);
	x_redirect(&b, 0);
	put_rule(bt, &b);
	b = rule("nat_out");
	m_v4_loopback(&b);
	x_verdict(&b, NF_ACCEPT);
	put_rule(bt, &b);
	b = rule("nat_out");
	m_v6_loopback(&b);
	x_verdict(&b, NF_ACCEPT);
	put_rule(bt, &b);
	b = rule("nat_out");
	x_meta(&b, NFT_META_L4PROTO);
	x_cmp8(&b, IPPROTO_TCP);
	x_redirect(&b, tport);
	put_rule(bt, &b);

	/* Filter, after NAT (priority 0 > -100): what was redirected now has a loopback
	 * destination; replies of accepted connections pass; everything else is dropped. */
	put_chain(bt, "filter_out", "filter", 0, NF_DROP);
	b = rule("filter_out");
	m_v4_loopback(&b);
	x_verdict(&b, NF_ACCEPT);
	put_rule(bt, &b);
	b = rule("filter_out");
	m_v6_loopback(&b);
	x_verdict(&b, NF_ACCEPT);
	put_rule(bt, &b);
	b = rule("filter_out");
	{
		struct nftnl_expr *x = nftnl_expr_alloc("ct");
		if (x) {
			nftnl_expr_set_u32(x, NFTNL_EXPR_CT_KEY, NFT_CT_DIRECTION);
			nftnl_expr_set_u32(x, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		}
		add(&b, x);
	}
	x_cmp8(&b, 1); /* IP_CT_DIR_REPLY, enum ip_conntrack_dir (nf_conntrack_tuple_common.h) */
	x_verdict(&b, NF_ACCEPT);
	put_rule(bt, &b);

	nftnl_batch_end(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);
}

int capture_nft_apply(uint16_t tport, struct cordon_error *e)
{
	size_t cap = 2 * MNL_SOCKET_BUFFER_SIZE;
	char *buf = malloc(cap), rbuf[MNL_SOCKET_BUFFER_SIZE];
	struct batch bt = {.seq = (uint32_t)time(NULL)};
	struct mnl_socket *nl = NULL;
	uint32_t first;
	int r = 0;
	ssize_t n;

	if (!buf)
		return cordon_error_set(e, ENOMEM, "nftables: out of memory");
	bt.b = mnl_nlmsg_batch_start(buf, MNL_SOCKET_BUFFER_SIZE);
	first = bt.seq;
	build(&bt, tport);
	if (bt.bad) {
		r = cordon_error_set(e, ENOMEM, "nftables: building the ruleset: out of memory");
		goto out;
	}
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = cordon_error_set(e, errno, "nftables: netlink socket: %m");
		goto out;
	}
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(bt.b), mnl_nlmsg_batch_size(bt.b)) < 0) {
		r = cordon_error_set(e, errno, "nftables: send: %m");
		goto out;
	}
	/* One ack per message with NLM_F_ACK (every one but the batch delimiters); an error
	 * aborts the whole batch (the transaction is all or nothing). */
	for (uint32_t acks = 0, want = bt.seq - first - 2; acks < want;) {
		n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0) {
			r = cordon_error_set(e, errno, "nftables: receive: %m");
			goto out;
		}
		int len = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *er = mnl_nlmsg_get_payload(h);
				if (er->error) {
					errno = -er->error;
					r = cordon_error_set(
					    e, -er->error,
					    "nftables: the kernel refused the capture ruleset "
					    "(message %u: %m); nf_tables with nat, redir and "
					    "conntrack are needed",
					    h->nlmsg_seq - first);
					goto out;
				}
				acks++;
			}
		}
	}
out:
	if (nl)
		mnl_socket_close(nl);
	free(buf);
	return r;
}
