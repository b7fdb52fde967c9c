/* dns_pool.c — names ↔ addresses of the private pools (dns_pool.h): an array of entries
 * indexed by the address offset, and an open-addressing hash of the names. */
#include "dns_pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *name;    /* NULL: free */
	uint64_t used; /* CLOCK_MONOTONIC seconds of the last lookup or connection */
};

struct dns_pool {
	struct entry *e; /* e[1 .. n]; e[0] unused */
	size_t n, cap;
	uint32_t *slot; /* hash slots: entry index, 0 = empty */
	size_t nslot;	/* power of two, at least twice n */
};

/* FNV-1a, 64 bits: names come from confined processes, but a collision costs only probing. */
static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static size_t find_slot(const struct dns_pool *p, const char *name, bool *found)
{
	size_t i = (size_t)hash(name) & (p->nslot - 1);

	for (;; i = (i + 1) & (p->nslot - 1)) {
		uint32_t k = p->slot[i];
		if (!k) {
			*found = false;
			return i;
		}
		if (!strcmp(p->e[k].name, name)) {
			*found = true;
			return i;
		}
	}
}

static int rehash(struct dns_pool *p, size_t nslot)
{
	uint32_t *s = calloc(nslot, sizeof(*s));
	bool found;

	if (!s)
		return -ENOMEM;
	free(p->slot);
	p->slot = s;
	p->nslot = nslot;
	for (size_t k = 1; k <= p->n; k++)
		if (p->e[k].name)
			p->slot[find_slot(p, p->e[k].name, &found)] = (uint32_t)k;
	return 0;
}

struct dns_pool *dns_pool_new(void)
{
	struct dns_pool *p = calloc(1, sizeof(*p));

	if (!p || rehash(p, 1024) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

void dns_pool_free(struct dns_pool *p)
{
	if (!p)
		return;
	for (size_t k = 1; k <= p->n; k++)
		free(p->e[k].name);
	free(p->e);
	free(p->slot);
	free(p);
}

static void fill(uint32_t k, struct in_addr *a4, struct in6_addr *a6)
{
	if (a4)
		a4->s_addr = htonl(DNS_POOL_V4_BASE + k);
	if (a6) {
		memset(a6, 0, sizeof(*a6));
		a6->s6_addr[0] = 0x20;
		a6->s6_addr[1] = 0x01;
		a6->s6_addr[3] = 0x02; /* 2001:2:: */
		a6->s6_addr[12] = (uint8_t)(k >> 24);
		a6->s6_addr[13] = (uint8_t)(k >> 16);
		a6->s6_addr[14] = (uint8_t)(k >> 8);
		a6->s6_addr[15] = (uint8_t)k;
	}
}

/* take: an entry for a new name: the next never used one, else the least recently used entry
 * idle long enough. Returns its index or 0. */
static uint32_t take(struct dns_pool *p, uint64_t now)
{
	uint32_t best = 0;

	if (p->n < DNS_POOL_SIZE) {
		if (p->n + 1 >= p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 256;
			struct entry *e = realloc(p->e, cap * sizeof(*e));
			if (!e)
				return 0;
			memset(e + p->cap, 0, (cap - p->cap) * sizeof(*e));
			p->e = e;
			p->cap = cap;
		}
		return (uint32_t)++p->n;
	}
	for (uint32_t k = 1; k <= p->n; k++)
		if (p->e[k].used + DNS_POOL_REUSE_AFTER <= now &&
		    (!best || p->e[k].used < p->e[best].used))
			best = k;
	if (best) {
		free(p->e[best].name);
		p->e[best].name = NULL;
		if (rehash(p, p->nslot) < 0)
			return 0;
	}
	return best;
}

int dns_pool_assign(struct dns_pool *p, const char *name, uint64_t now, struct in_addr *a4,
		    struct in6_addr *a6)
{
	bool found;
	size_t i;
	uint32_t k;

	if (strlen(name) > 253)
		return -EINVAL;
	i = find_slot(p, name, &found);
	if (found) {
		k = p->slot[i];
		p->e[k].used = now;
		fill(k, a4, a6);
		return 0;
	}
	if (2 * (p->n + 1) > p->nslot) {
		if (rehash(p, p->nslot * 2) < 0)
			return -ENOMEM;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	k = take(p, now);
	if (!k) {
		free(copy);
		return p->n < DNS_POOL_SIZE ? -ENOMEM : -ENOSPC;
	}
	p->e[k].name = copy;
	p->e[k].used = now;
	p->slot[find_slot(p, name, &found)] = k;
	fill(k, a4, a6);
	return 0;
}

/* index_of: the entry index sa would be (0 when outside the pools or not an entry address). */
static uint32_t index_of(const struct sockaddr *sa)
{
	uint32_t v4;

	if (sa->sa_family == AF_INET) {
		v4 = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t pfx[6] = {0x20, 0x01, 0x00, 0x02, 0x00, 0x00};
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)b)) {
			memcpy(&v4, b + 12, 4);
			v4 = ntohl(v4);
		} else {
			if (memcmp(b, pfx, 6))
				return 0;
			for (int j = 6; j < 12; j++)
				if (b[j])
					return UINT32_MAX; /* in the /48, not an entry address */
			uint32_t k = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
				     (uint32_t)b[14] << 8 | b[15];
			return k >= 1 && k <= DNS_POOL_SIZE ? k : UINT32_MAX;
		}
	} else {
		return 0;
	}
	if ((v4 >> DNS_POOL_V4_BITS) != (DNS_POOL_V4_BASE >> DNS_POOL_V4_BITS))
		return 0;
	uint32_t k = v4 - DNS_POOL_V4_BASE;
	return k >= 1 && k <= DNS_POOL_SIZE ? k : UINT32_MAX;
}

bool dns_pool_in_range(const struct sockaddr *sa)
{
	return index_of(sa) != 0;
}

const char *dns_pool_name(struct dns_pool *p, const struct sockaddr *sa, uint64_t now)
{
	uint32_t k = index_of(sa);

	if (k == 0 || k == UINT32_MAX || k > p->n || !p->e[k].name)
		return NULL;
	p->e[k].used = now;
	return p->e[k].name;
}

size_t dns_pool_count(const struct dns_pool *p)
{
	size_t c = 0;

	for (size_t k = 1; k <= p->n; k++)
		c += p->e[k].name != NULL;
	return c;
}
