/* netif.c — brings the loopback interface of a new network namespace up with libnl-route-3
 * (see netif.h); the proxy's listening sockets are bound to 127.0.0.1 on it. */
#include "cordon/netif.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

/* nl_errno: a libnl error code as a negative errno (libnl's codes are its own, netlink/errno.h). */
static int nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	default:
		return -EIO;
	}
}

int cordon_netif_lo_up(struct cordon_error *e)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *lo = NULL, *change = NULL;
	int r;

	if (!sk)
		return cordon_error_set(e, ENOMEM, "loopback: nl_socket_alloc: out of memory");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		r = cordon_error_set(e, -nl_errno(r), "loopback: netlink connect: %s",
				     nl_geterror(r));
		goto out;
	}
	r = rtnl_link_get_kernel(sk, 0, "lo", &lo);
	if (r < 0) {
		r = cordon_error_set(e, -nl_errno(r), "loopback: get link \"lo\": %s",
				     nl_geterror(r));
		goto out;
	}
	change = rtnl_link_alloc();
	if (!change) {
		r = cordon_error_set(e, ENOMEM, "loopback: rtnl_link_alloc: out of memory");
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, lo, change, 0);
	if (r < 0) {
		r = cordon_error_set(e, -nl_errno(r), "loopback: set \"lo\" up: %s",
				     nl_geterror(r));
		goto out;
	}
	r = 0;
out:
	if (change)
		rtnl_link_put(change);
	if (lo)
		rtnl_link_put(lo);
	nl_socket_free(sk);
	return r;
}
