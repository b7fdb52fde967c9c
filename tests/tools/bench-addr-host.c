/* bench-addr-host.c — the cost of the proxy's "is this address the host's?" check
 * (px_addr_is_host: one RTM_GETROUTE through libnl-route-3) beside a getifaddrs(3) scan.
 *
 * usage: bench-addr-host N ADDR...
 *   For each ADDR (IPv4 or IPv6 literal) prints "ADDR route-lookup NS_PER_CALL ANSWER" and
 *   "ADDR getifaddrs NS_PER_CALL ANSWER" (ANSWER: 1 host, 0 not, <0 -errno). Exit 0, or 2 on a
 *   usage error. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/src/proxy/proxy_addr.h"

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* bytes: the address of sa as 4 or 16 bytes (IPv4-mapped as IPv4); the length. */
static size_t bytes(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(out, a->s6_addr + 12, 4);
			return 4;
		}
		memcpy(out, a->s6_addr, 16);
		return 16;
	}
	return 0;
}

/* by_ifaddrs: is sa one of the interface addresses getifaddrs(3) lists? 1, 0 or -errno. */
static int by_ifaddrs(const struct sockaddr *sa)
{
	struct ifaddrs *list, *i;
	uint8_t x[16], y[16];
	size_t n = bytes(sa, x);
	int r = 0;

	if (getifaddrs(&list) < 0)
		return -errno;
	for (i = list; i && !r; i = i->ifa_next)
		r = i->ifa_addr && bytes(i->ifa_addr, y) == n && n && !memcmp(x, y, n);
	freeifaddrs(list);
	return r;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[1]) : 0;

	if (n <= 0) {
		fprintf(stderr, "usage: bench-addr-host N ADDR...\n");
		return 2;
	}
	for (int k = 2; k < argc; k++) {
		struct sockaddr_storage ss;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		double t0;
		int r = 0;

		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, argv[k], &((struct sockaddr_in *)&ss)->sin_addr) == 1)
			ss.ss_family = AF_INET;
		else if (inet_pton(AF_INET6, argv[k], &s6->sin6_addr) == 1)
			ss.ss_family = AF_INET6;
		else {
			fprintf(stderr, "bench-addr-host: not an address: %s\n", argv[k]);
			return 2;
		}
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			r = px_addr_is_host((struct sockaddr *)&ss);
		printf("%s route-lookup %.0f %d\n", argv[k], (now_ns() - t0) / n, r);
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			r = by_ifaddrs((struct sockaddr *)&ss);
		printf("%s getifaddrs %.0f %d\n", argv[k], (now_ns() - t0) / n, r);
	}
	return 0;
}
