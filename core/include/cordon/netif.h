/* netif.h — network interfaces of the sandbox's network namespace: only the loopback
 * interface exists there, and it starts down (network_namespaces(7)); cordon brings it up. */
#ifndef CORDON_NETIF_H
#define CORDON_NETIF_H

#include "cordon/error.h"

/* cordon_netif_lo_up: set IFF_UP on "lo" of the caller's network namespace through rtnetlink
 * (libnl-route-3: rtnl_link_get_kernel, rtnl_link_set_flags, rtnl_link_change; rtnetlink(7)).
 * Needs CAP_NET_ADMIN in the user namespace owning the network namespace.
 * Returns 0, or -EPERM / -EIO / -ENOMEM with e->msg naming the netlink step and libnl's reason. */
int cordon_netif_lo_up(struct cordon_error *e);

#endif
