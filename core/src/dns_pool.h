/* dns_pool.h — private to the capture: the session's map between host names and the private
 * addresses the DNS stub hands out for them, so that a later connection to such an address is
 * decided by the name. */
#ifndef CORDON_DNS_POOL_H
#define CORDON_DNS_POOL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The pools. IPv4: 198.18.0.0/15, reserved for benchmarking (RFC 2544 §C.2.2, RFC 6890 §2.2.2:
 * not globally reachable), so no real destination can carry one of them. IPv6: 2001:2::/48,
 * the IPv6 benchmarking range (RFC 5180 §8, RFC 6890 §2.2.3: not globally reachable), the same
 * kind of reservation: entry i gets 198.18.0.0 + i and 2001:2:: + i. Entry 0 and the last IPv4
 * address of the range are never handed out. */
#define DNS_POOL_V4_BASE 0xc6120000u /* 198.18.0.0 */
#define DNS_POOL_V4_BITS 15
#define DNS_POOL_SIZE ((1u << (32 - DNS_POOL_V4_BITS)) - 2) /* entries 1 .. 131070 */
/* An entry unused (neither looked up nor connected to) for this long may be given to another
 * name once the pool is full: longer than any TTL the stub gives (DNS_POOL_TTL), so a client
 * that honours the TTL never connects to an address that now means another name. Seconds. */
#define DNS_POOL_REUSE_AFTER 600
#define DNS_POOL_TTL 60 /* seconds, the TTL of the stub's answers */

struct dns_pool;

/* dns_pool_new: an empty map. Returns NULL when out of memory. */
struct dns_pool *dns_pool_new(void);
void dns_pool_free(struct dns_pool *p);

/* dns_pool_assign: the addresses of name (canonical: hostpat.h cordon_host_canonical, not an IP
 * literal), the same for the whole session while the entry is in use; a new name takes the next
 * free entry, or, when all are taken, the least recently used one idle for DNS_POOL_REUSE_AFTER.
 * now: CLOCK_MONOTONIC seconds. Returns 0 with *a4 and *a6 filled (either may be NULL),
 * -ENOSPC when the pool is full of entries in use, -ENOMEM, or -EINVAL for a name over 253
 * bytes. */
int dns_pool_assign(struct dns_pool *p, const char *name, uint64_t now, struct in_addr *a4,
		    struct in6_addr *a6);

/* dns_pool_in_range: is sa (AF_INET or AF_INET6; ::ffff:a.b.c.d as a.b.c.d) inside either pool
 * range, assigned or not? */
bool dns_pool_in_range(const struct sockaddr *sa);

/* dns_pool_name: the name whose entry sa is, marked used at now; NULL when sa is outside the
 * pools or its entry was never handed out (or was given to another name since, which a client
 * honouring the TTL cannot see). The string lives until the entry is reused. */
const char *dns_pool_name(struct dns_pool *p, const struct sockaddr *sa, uint64_t now);

/* dns_pool_count: entries handed out. */
size_t dns_pool_count(const struct dns_pool *p);

#endif
