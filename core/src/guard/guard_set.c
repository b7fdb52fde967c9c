/* guard_set.c — the guard set: (directory st_dev, st_ino, name) pairs naming entries the guard
 * worker must refuse to create, unlink, rename or chmod (guard.h); filled by the mount layout
 * in the session's builder and carried to the worker in a sealed memfd. */
#include "cordon/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void cordon_guard_set_free(struct cordon_guard_set *g)
{
	if (!g)
		return;
	free(g->v);
	free(g->slot);
	g->v = NULL;
	g->slot = NULL;
	g->n = g->nslot = 0;
}

#define KIND(flags) ((flags) & (CORDON_GUARD_PREFIX | CORDON_GUARD_SUBTREE))

/* hash: FNV-1a over what makes two entries the same pair (cordon_guard_set_add_ex). */
static size_t hash(dev_t dev, ino_t ino, const char *name, unsigned kind)
{
	uint64_t h = 0xcbf29ce484222325u, w[3] = {(uint64_t)dev, (uint64_t)ino, kind};
	const unsigned char *b = (const unsigned char *)w;

	for (size_t i = 0; i < sizeof(w); i++)
		h = (h ^ b[i]) * 0x100000001b3u;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 0x100000001b3u;
	return (size_t)h;
}

static void index_put(struct cordon_guard_set *g, size_t i)
{
	const struct cordon_guard_entry *en = &g->v[i];
	size_t k = hash(en->dev, en->ino, en->name, KIND(en->flags)) & (g->nslot - 1);

	while (g->slot[k])
		k = (k + 1) & (g->nslot - 1);
	g->slot[k] = i + 1;
}

/* index_room: an index with room for one more entry, at most half full; rebuilt from v when it
 * is missing or grows. */
static int index_room(struct cordon_guard_set *g)
{
	size_t want = g->nslot ? g->nslot : 64;

	while (want < 2 * (g->n + 1))
		want *= 2;
	if (want == g->nslot)
		return 0;
	size_t *slot = calloc(want, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	free(g->slot);
	g->slot = slot;
	g->nslot = want;
	for (size_t i = 0; i < g->n; i++)
		index_put(g, i);
	return 0;
}

/* find: the entry for the pair, or NULL (the index has room: index_room). */
static struct cordon_guard_entry *find(const struct cordon_guard_set *g, dev_t dev, ino_t ino,
				       const char *name, unsigned kind)
{
	for (size_t k = hash(dev, ino, name, kind) & (g->nslot - 1); g->slot[k];
	     k = (k + 1) & (g->nslot - 1)) {
		struct cordon_guard_entry *en = &g->v[g->slot[k] - 1];
		if (en->dev == dev && en->ino == ino && KIND(en->flags) == kind &&
		    strcmp(en->name, name) == 0)
			return en;
	}
	return NULL;
}

/* grow: room for one more entry (capacity doubles from 16). */
static int grow(struct cordon_guard_set *g)
{
	if ((g->n & (g->n - 1)) == 0 && (g->n == 0 || g->n >= 16)) {
		size_t cap = g->n < 16 ? 16 : g->n * 2;
		struct cordon_guard_entry *v = realloc(g->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		g->v = v;
	}
	return 0;
}

int cordon_guard_set_add_ex(struct cordon_guard_set *g, dev_t dev, ino_t ino, const char *name,
			    unsigned flags, dev_t obj_dev, ino_t obj_ino, unsigned why)
{
	size_t len = strlen(name);
	/* an empty prefix matches every new name (a directory where nothing may be added) */
	if ((len == 0 && !(flags & CORDON_GUARD_PREFIX)) || len >= sizeof(g->v[0].name) ||
	    strchr(name, '/'))
		return -EINVAL;
	/* the same pair reached from two writable trees (nested, or home inside one) is kept once;
	 * a full entry wins over a kept one */
	if (index_room(g) < 0)
		return -ENOMEM;
	struct cordon_guard_entry *en = find(g, dev, ino, name, KIND(flags));
	if (en) {
		if (!(flags & CORDON_GUARD_KEEP))
			en->flags &= ~(unsigned)CORDON_GUARD_KEEP;
		en->flags |= flags & CORDON_GUARD_READ_ONLY;
		if (obj_ino) {
			en->obj_dev = obj_dev;
			en->obj_ino = obj_ino;
		}
		return 1;
	}
	if (grow(g) < 0)
		return -ENOMEM;
	en = &g->v[g->n++];
	memset(en, 0, sizeof(*en));
	en->dev = dev;
	en->ino = ino;
	en->flags = flags;
	en->obj_dev = obj_dev;
	en->obj_ino = obj_ino;
	en->why = why;
	memcpy(en->name, name, len + 1);
	index_put(g, g->n - 1);
	return 0;
}

int cordon_guard_set_add(struct cordon_guard_set *g, dev_t dev, ino_t ino, const char *name)
{
	return cordon_guard_set_add_ex(g, dev, ino, name, 0, 0, 0, CORDON_WHY_MANDATORY);
}

/* The memfd holds a header and the entries as they are in memory: writer and reader are the same
 * build of libcordon on the same machine (the builder child and the process it hands them to). */
struct wire_header {
	uint32_t magic;
	uint32_t entry_size;
	uint64_t n;
};
#define WIRE_MAGIC 0x43475331u /* "CGS1" */

int cordon_guard_set_to_fd(const struct cordon_guard_set *g, struct cordon_error *e)
{
	struct wire_header h = {.magic = WIRE_MAGIC,
				.entry_size = sizeof(struct cordon_guard_entry),
				.n = g ? g->n : 0};
	size_t body = (size_t)h.n * sizeof(struct cordon_guard_entry);
	int fd = memfd_create("cordon-guard-set", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return cordon_error_set(e, errno, "guard set: memfd_create: %m");
	if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    (body && write(fd, g->v, body) != (ssize_t)body)) {
		int err = errno ? errno : EIO;
		close(fd);
		return cordon_error_set(e, err, "guard set: writing the memfd: %s", strerror(err));
	}
	/* sealed: whoever holds a copy can read it, nobody can change it (memfd_create(2)) */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		int err = errno;
		close(fd);
		return cordon_error_set(e, err, "guard set: sealing the memfd: %s", strerror(err));
	}
	return fd;
}

int cordon_guard_set_from_fd(int fd, struct cordon_guard_set *g, struct cordon_error *e)
{
	struct wire_header h;
	int seals = fcntl(fd, F_GET_SEALS);

	memset(g, 0, sizeof(*g));
	if (seals < 0 || !(seals & F_SEAL_WRITE) || !(seals & F_SEAL_GROW))
		return cordon_error_set(e, EPROTO, "guard set: the memfd is not sealed");
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.magic != WIRE_MAGIC ||
	    h.entry_size != sizeof(struct cordon_guard_entry) || h.n > (1u << 20))
		return cordon_error_set(e, EPROTO, "guard set: malformed memfd");
	if (h.n == 0)
		return 0;
	size_t body = (size_t)h.n * sizeof(struct cordon_guard_entry);
	g->v = malloc(body);
	if (!g->v)
		return cordon_error_set(e, ENOMEM, "guard set: out of memory");
	if (pread(fd, g->v, body, sizeof(h)) != (ssize_t)body) {
		cordon_guard_set_free(g);
		return cordon_error_set(e, EPROTO, "guard set: truncated memfd");
	}
	g->n = (size_t)h.n;
	for (size_t i = 0; i < g->n; i++)
		g->v[i].name[sizeof(g->v[i].name) - 1] = '\0';
	return 0;
}

const char *cordon_guard_why_text(unsigned why)
{
	switch (why) {
	case CORDON_WHY_GIT:
		return "git repository protection";
	case CORDON_WHY_GIT_CONFIG:
		return "git config is read-only (filesystem.allowGitConfig)";
	case CORDON_WHY_HOME:
		return "dot-file of a writable home (allow a cache by name)";
	case CORDON_WHY_DENY_WRITE:
		return "filesystem.denyWrite";
	case CORDON_WHY_GIT_NESTED:
		return "no repository inside a working tree: clone or init it outside, or in /tmp";
	default:
		return "mandatory write-deny";
	}
}
