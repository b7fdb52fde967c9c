/* dedup.c — order-keeping duplicate removal and the doubling growth of append-only arrays
 * (dedup.h). */
#include "cordon/dedup.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* by_value: the element order of cmp, then the address (the original position), so that the
 * first of equal elements sorts first. */
struct order {
	int (*cmp)(const void *, const void *);
};

static int by_value(const void *a, const void *b, void *arg)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int r = ((const struct order *)arg)->cmp(x, y);

	if (r)
		return r;
	return x < y ? -1 : x > y;
}

long cordon_dedup(void *v, size_t n, size_t sz, int (*cmp)(const void *, const void *),
		  void (*drop)(void *))
{
	struct order o = {cmp};
	char *base = v, **ord;
	unsigned char *dead;
	size_t out = 0;

	if (n < 2)
		return (long)n;
	ord = malloc(n * sizeof(*ord));
	dead = calloc(n, 1);
	if (!ord || !dead) {
		free(ord);
		free(dead);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		ord[i] = base + i * sz;
	/* qsort_r (glibc, musl >= 1.2.3) passes cmp through without a global */
	qsort_r(ord, n, sizeof(*ord), by_value, &o);
	for (size_t i = 1; i < n; i++)
		if (cmp(ord[i - 1], ord[i]) == 0)
			dead[(size_t)(ord[i] - base) / sz] = 1;
	for (size_t i = 0; i < n; i++) {
		if (dead[i]) {
			if (drop)
				drop(base + i * sz);
			continue;
		}
		if (out != i)
			memcpy(base + out * sz, base + i * sz, sz);
		out++;
	}
	free(ord);
	free(dead);
	return (long)out;
}

int cordon_grow(void **v, size_t n, size_t *cap, size_t sz)
{
	size_t want;
	void *nv;

	if (n < *cap && *v)
		return 0;
	want = *cap < 8 ? 8 : *cap * 2;
	if (want < n + 1)
		want = n + 1;
	if (want > SIZE_MAX / sz)
		return -ENOMEM;
	if (!(nv = realloc(*v, want * sz)))
		return -ENOMEM;
	*v = nv;
	*cap = want;
	return 0;
}
