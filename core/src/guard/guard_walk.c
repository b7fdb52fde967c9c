/* guard_walk.c — walking from a directory up to the root by "..", as the guard's "is this
 * beneath a guarded name" and "inside which subtree" checks do for every creating call, with as
 * few system calls as the answer allows: one fstatat(2) per level (a growing "../.." path from
 * the start, no fd opened or closed), an fd only where a visitor must look inside a level, and
 * the names of the levels read once from the kernel (d_path through /proc/self/fd) for a visitor
 * that wants to know under which name the walk came up. */
#include "guard_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 2048 /* deeper than any path PATH_MAX can name */
/* the start's path is split into at most this many names; deeper levels get none (NULL) */
#define MAX_NAMES 256

struct walk_names {
	bool read;	     /* readlink tried */
	char path[PATH_MAX]; /* the start directory's path, as d_path gives it */
	int n;		     /* its names, last first: name[0] is the start's own */
	const char *name[MAX_NAMES];
	size_t len[MAX_NAMES];
};

/* names_read: split the kernel's path of fd into names (a path that is not absolute, or that
 * names a deleted directory, gives none). */
static void names_read(struct walk_names *w, int fd)
{
	char lk[64];
	w->read = true;
	w->n = 0;
	snprintf(lk, sizeof(lk), "/proc/self/fd/%d", fd);
	ssize_t len = readlink(lk, w->path, sizeof(w->path) - 1);
	if (len <= 0 || w->path[0] != '/')
		return;
	w->path[len] = '\0';
	size_t e = (size_t)len;
	while (w->n < MAX_NAMES && e > 0) {
		while (e > 0 && w->path[e - 1] == '/')
			e--;
		size_t s = e;
		while (s > 0 && w->path[s - 1] != '/')
			s--;
		if (s == e)
			break;
		w->name[w->n] = w->path + s;
		w->len[w->n] = e - s;
		w->n++;
		e = s;
	}
}

const char *guard_walk_child_name(const struct guard_walk_pos *pos, size_t *len)
{
	struct walk_names *w = pos->names;
	if (pos->depth == 0)
		return NULL;
	if (!w->read)
		names_read(w, pos->start);
	/* at depth k, the child is the level k-1 up from the start: name[k-1] */
	if (pos->depth - 1 >= w->n)
		return NULL;
	*len = w->len[pos->depth - 1];
	return w->name[pos->depth - 1];
}

int guard_walk_open(const struct guard_walk_pos *pos)
{
	int fd = openat(pos->base, pos->up, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	/* the path was resolved again: the directories on it may have moved meanwhile */
	if (st.st_dev != pos->cur->st_dev || st.st_ino != pos->cur->st_ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int guard_walk_up(int fd, const struct stat *st,
		  int (*visit)(void *arg, const struct guard_walk_pos *pos), void *arg,
		  int too_deep, bool chained)
{
	struct stat cur = *st, child = {0};
	struct walk_names names = {.read = false};
	char up[PATH_MAX] = ".";
	size_t ulen = 0; /* 0: up is "." */
	int base = fd, r;

	for (int depth = 0;; depth++) {
		struct guard_walk_pos pos = {.start = fd,
					     .base = base,
					     .up = up,
					     .depth = depth,
					     .cur = &cur,
					     .child = depth ? &child : NULL,
					     .names = &names};
		if ((r = visit(arg, &pos)) != 0)
			break;
		if (depth == MAX_DEPTH) {
			r = too_deep;
			break;
		}
		if (chained) {
			/* the parent of this very level, wherever it is now (not the path from the
			 * start again, whose levels may have moved since they were looked at) */
			int nb = openat(base, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (nb < 0) {
				r = -errno;
				break;
			}
			if (base != fd)
				close(base);
			base = nb;
			child = cur;
			if (fstat(base, &cur) < 0) {
				r = -errno;
				break;
			}
			if (cur.st_dev == child.st_dev && cur.st_ino == child.st_ino)
				break; /* ".." of the root is the root; r is 0 */
			continue;
		}
		if (ulen + 4 > sizeof(up)) {
			/* the "../.." path is full: continue from an fd of this level */
			int nb = guard_walk_open(&pos);
			if (nb < 0) {
				r = nb;
				break;
			}
			if (base != fd)
				close(base);
			base = nb;
			ulen = 0;
		}
		if (ulen)
			up[ulen++] = '/';
		up[ulen++] = '.';
		up[ulen++] = '.';
		up[ulen] = '\0';
		child = cur;
		if (fstatat(base, up, &cur, 0) < 0) {
			r = -errno;
			break;
		}
		if (cur.st_dev == child.st_dev && cur.st_ino == child.st_ino)
			break; /* ".." of the root is the root; r is 0 */
	}
	if (base != fd)
		close(base);
	return r;
}

void guard_mnt_open(struct guard_mnt *m, size_t n)
{
	m->gen = 1;
	m->call = 0;
	m->n = n;
	m->seen = calloc(n ? n : 1, sizeof(*m->seen));
	m->mounted = calloc(n ? n : 1, sizeof(*m->mounted));
	m->fd = m->seen && m->mounted ? open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC) : -1;
}

void guard_mnt_close(struct guard_mnt *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	free(m->seen);
	free(m->mounted);
	m->seen = NULL;
	m->mounted = NULL;
}

bool guard_mnt_sync(struct guard_mnt *m, uint64_t id)
{
	if (m->fd < 0)
		return false;
	if (m->call == id && id != 0)
		return true;
	struct pollfd p = {.fd = m->fd, .events = POLLPRI};
	int r = poll(&p, 1, 0);
	if (r < 0 || (p.revents & POLLNVAL))
		return false;
	/* the event is consumed by this poll (the kernel's mounts_poll keeps the count per file) */
	if (r > 0 && (p.revents & (POLLPRI | POLLERR)))
		m->gen++;
	m->call = id;
	return true;
}
