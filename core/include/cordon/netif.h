/* netif.h — network interfaces of the sandbox's network namespace: only the loopback
 * interface exists there, and it starts down (network_namespaces(7)); cordon brings it up. */
#ifndef CORDON_NETIF_H
#define CORDON_NETIF_H

#include "cordon/error.h"

/* cordon_netif_lo_up: set IFF_UP on "lo" of the caller's network namespace with the SIOCGIFFLAGS
 * and SIOCSIFFLAGS ioctls of netdevice(7): two system calls (about 50 us), where rtnetlink through
 * libnl-route-3 took about 1 ms. Needs CAP_NET_ADMIN in the user namespace owning the network
 * namespace. Returns 0, or a negative errno (-EPERM, -ENODEV) with e->msg naming the step. */
int cordon_netif_lo_up(struct cordon_error *e);

#endif
