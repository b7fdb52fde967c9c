/* netif.c — brings the loopback interface of a new network namespace up (see netif.h); the
 * proxy's listening sockets are bound to 127.0.0.1 on it. */
#include "cordon/netif.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int cordon_netif_lo_up(struct cordon_error *e)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return cordon_error_set(e, errno, "loopback: socket: %m");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = cordon_error_set(e, errno,
				     "loopback: get the flags of \"lo\" (SIOCGIFFLAGS): %m");
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		r = cordon_error_set(e, errno, "loopback: set \"lo\" up (SIOCSIFFLAGS): %m");
out:
	close(fd);
	return r;
}
