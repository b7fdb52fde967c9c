/* dedup.h — order-keeping removal of duplicates from an array in O(n log n): what the policy
 * loaders run once after a file instead of a linear search per added entry. */
#ifndef CORDON_DEDUP_H
#define CORDON_DEDUP_H

#include <stddef.h>

/* cordon_dedup: drop every element of v (n elements of sz bytes) that compares equal (cmp == 0)
 * to an earlier one; the first of each run of equals stays, and the survivors keep their order
 * (an order that matters to a list's reader is not changed). cmp is a total order over the
 * elements; drop (may be NULL) releases what a dropped element owns. Sorts an index of n
 * pointers (qsort(3)), hence O(n log n) comparisons. Returns the new number of elements, or
 * -ENOMEM with v unchanged. */
long cordon_dedup(void *v, size_t n, size_t sz, int (*cmp)(const void *, const void *),
		  void (*drop)(void *));

/* cordon_grow: make room for one more element in *v (n in use, *cap allocated, sz bytes each),
 * doubling the allocation when full so that n appends cost O(n) in all. Returns 0 or -ENOMEM
 * (*v and *cap unchanged). */
int cordon_grow(void **v, size_t n, size_t *cap, size_t sz);

#endif
