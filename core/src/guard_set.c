/* guard_set.c — the guard set: (directory st_dev, st_ino, name) pairs naming entries the guard
 * worker must refuse to create, unlink or rename (guard.h); filled by the mount layout. */
#include "cordon/guard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cordon_guard_set_free(struct cordon_guard_set *g)
{
	if (!g)
		return;
	free(g->v);
	g->v = NULL;
	g->n = 0;
}

int cordon_guard_set_add(struct cordon_guard_set *g, dev_t dev, ino_t ino, const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= sizeof(g->v[0].name) || strchr(name, '/'))
		return -EINVAL;
	/* the same pair reached from two writable trees (nested, or home inside one) is kept once
	 */
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].dev == dev && g->v[i].ino == ino && strcmp(g->v[i].name, name) == 0)
			return 0;
	/* grow by doubling from 16 */
	if ((g->n & (g->n - 1)) == 0 && (g->n == 0 || g->n >= 16)) {
		size_t cap = g->n < 16 ? 16 : g->n * 2;
		struct cordon_guard_entry *v = realloc(g->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		g->v = v;
	}
	struct cordon_guard_entry *en = &g->v[g->n++];
	en->dev = dev;
	en->ino = ino;
	memcpy(en->name, name, len + 1);
	return 0;
}
