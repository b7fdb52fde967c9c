/* capture_route.c — `local` routes for every address on lo in the sandbox's network namespace
 * (capture_int.h), with libnl-route-3, so that connect(2) to any address reaches the nftables
 * output hook instead of failing with ENETUNREACH at the route lookup. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include "capture_int.h"

static int nl_err(int r)
{
	switch (r < 0 ? -r : r) {
	case NLE_PERM:
		return EPERM;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_EXIST:
		return EEXIST;
	case NLE_AF_NOSUPPORT:
	case NLE_OPNOTSUPP:
		return EAFNOSUPPORT;
	default:
		return EIO;
	}
}

/* add_local: `ip route add local DST dev lo [src SRC] table local` (ip-route(8)). */
static int add_local(struct nl_sock *sk, int family, const char *dst, const char *src,
		     struct cordon_error *e)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d = NULL, *s = NULL;
	int r;

	if (!rt || !nh) {
		r = cordon_error_set(e, ENOMEM, "capture: route: out of memory");
		goto out;
	}
	r = nl_addr_parse(dst, family, &d);
	if (r == 0 && src)
		r = nl_addr_parse(src, family, &s);
	if (r < 0) {
		r = cordon_error_set(e, EINVAL, "capture: route %s: %s", dst, nl_geterror(r));
		goto out;
	}
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_table(rt, RT_TABLE_LOCAL);
	rtnl_route_set_type(rt, RTN_LOCAL);
	rtnl_route_set_scope(rt, RT_SCOPE_HOST);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_dst(rt, d);
	if (s)
		rtnl_route_set_pref_src(rt, s);
	rtnl_route_nh_set_ifindex(nh, (int)if_nametoindex("lo"));
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* owned by rt now */
	r = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		r = cordon_error_set(e, nl_err(r), "capture: route local %s dev lo: %s", dst,
				     nl_geterror(r));
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (rt)
		rtnl_route_put(rt);
	nl_addr_put(d);
	nl_addr_put(s);
	return r;
}

int capture_route_add(bool v6, struct cordon_error *e)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return cordon_error_set(e, ENOMEM, "capture: nl_socket_alloc: out of memory");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		r = cordon_error_set(e, nl_err(r), "capture: netlink connect: %s", nl_geterror(r));
		goto out;
	}
	/* Source 127.0.0.1: the connection's 4-tuple stays on loopback, so REDIRECT's rewritten
	 * destination and the client's source agree (otherwise the source would be the
	 * destination itself, RTN_LOCAL's default). IPv6 picks ::1, lo's only address. */
	r = add_local(sk, AF_INET, "0.0.0.0/0", "127.0.0.1", e);
	if (r == 0 && v6)
		r = add_local(sk, AF_INET6, "::/0", NULL, e);
out:
	nl_socket_free(sk);
	return r;
}
