/* confine_fds.c — descriptors the confining process holds from before its mount namespace, moved
 * onto the sandbox's mounts where the host's would be a way around them, or refused.
 *
 * An fd opened before joining names its file through the host's mount, which the sandbox's
 * read-only pins and masks do not cover (docs/threat-model.md §7, §41): a directory fd is
 * a walk into the host's view (`cordon run -- cat /proc/self/fd/0/home/u/.ssh/id < /`), and a
 * read fd can be reopened for writing through its magic link (/proc/self/fd/N, proc(5)) on the
 * host's writable mount wherever Landlock allows writing (`cordon run -- cmd < .git/config`). So,
 * after joining:
 * - a directory fd is reopened at its path inside the sandbox, and refused when the sandbox shows
 *   another object there or none;
 * - a read-only or O_PATH fd of a file that the sandbox shows read-only (a pin) while its own
 *   mount is writable is reopened on the sandbox's read-only mount; one the sandbox does not show
 *   at its path (a mask, a removed name) is refused when writing through it would be allowed
 *   (inside a writable tree) or when it is O_PATH (not a grant to read); a plain read fd of a
 *   file outside the writable trees stays: the person handed it in to be read;
 * - a write fd above 2 to a file that is read-only inside is refused (a redirection on 0..2 is
 *   the person's explicit grant for this command, and a shared file offset must stay shared);
 * - an fd whose name cannot be read back (longer than PATH_MAX, removed while other names remain)
 *   cannot be checked, and is refused unless its mount is read-only;
 * - a datagram or raw socket of any family is refused (sendto(2) names any address: a unix
 *   socket by path past the guard, an IP host from the host's network namespace past the
 *   proxy), and so is a stream or seqpacket one that is neither connected nor listening (it
 *   connects from where it was made); a connected or listening one (journald's stdout stream, a
 *   socketpair, inetd's connection) stays. */
#include "confine_int.h"
#include "cordon/guard.h"
#include "session/session_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

struct confine_fd {
	int fd;
	int flags;    /* fcntl F_GETFL */
	bool cloexec; /* FD_CLOEXEC */
	bool dir;
	bool write;		/* a write fd of a regular file (checked, never reopened) */
	bool unnamed;		/* its name could not be read back whole */
	bool host_ro;		/* on a read-only mount of the host */
	const char *bad_socket; /* a socket refused: why (static text), else NULL */
	bool in_tree;		/* its path lies in a writable tree */
	dev_t dev;
	ino_t ino;
	char path[PATH_MAX]; /* as /proc/self/fd names it before joining */
};

static bool skipped(int fd, const int *skip, int nskip)
{
	for (int i = 0; i < nskip; i++)
		if (skip[i] == fd)
			return true;
	return false;
}

static bool under(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return true;
	return !strncmp(path, root, n) && (path[n] == '/' || path[n] == '\0');
}

/* in_any: path lies in one of the paths of l (as given or through realpath). */
static bool in_any(const struct cordon_path_list *l, const char *path)
{
	char real[PATH_MAX];
	for (size_t i = 0; l && i < l->n; i++)
		if (under(path, l->v[i]) || (realpath(l->v[i], real) && under(path, real)))
			return true;
	return false;
}

/* snap_one: *c for fd when it is one to look at again after joining; false otherwise. */
/* socket_risk: why the socket fd may not be inherited (see the head of this file), or NULL.
 * SO_TYPE and SO_ACCEPTCONN from socket(7); getpeername(2) tells a connected one. */
static const char *socket_risk(int fd)
{
	int type = 0, acc = 0;
	socklen_t l = sizeof(type);
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0)
		return "a socket whose type cannot be read";
	if (type != SOCK_STREAM && type != SOCK_SEQPACKET)
		return "a datagram or raw socket (it sends to any address, from the host's "
		       "network)";
	l = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) == 0 && acc)
		return NULL;
	if (getpeername(fd, (struct sockaddr *)&peer, &pl) == 0)
		return NULL;
	return "a socket neither connected nor listening (it connects from the host's network)";
}

static bool snap_one(int fd, const struct cordon_policy *p, struct confine_fd *c)
{
	char lp[64];
	struct stat st;
	struct statvfs sv;

	memset(c, 0, sizeof(*c));
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
		c->bad_socket = socket_risk(fd);
		if (!c->bad_socket)
			return false;
		c->fd = fd;
		snprintf(c->path, sizeof(c->path), "socket:[%lu]", (unsigned long)st.st_ino);
		return true;
	}
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		return false; /* devices, FIFOs and sockets: Landlock decides their reopening */
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	if (fl < 0 || fdfl < 0)
		return false;
	bool opath = (fl & O_PATH) != 0;
	c->write = S_ISREG(st.st_mode) && !opath && (fl & O_ACCMODE) != O_RDONLY;
	if (c->write && fd <= 2)
		return false; /* the person's redirection for this command */
	snprintf(lp, sizeof(lp), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(lp, c->path, sizeof(c->path) - 1);
	if (n > 0 && (size_t)n < sizeof(c->path) - 1)
		c->path[n] = '\0';
	else
		c->path[0] = '\0';
	/* Not a name in the file system (memfd, nsfs) with no name left: nothing leads anywhere
	 * through it. */
	if (S_ISREG(st.st_mode) && st.st_nlink == 0)
		return false;
	if (c->path[0] && c->path[0] != '/')
		return false;
	static const char deleted[] = " (deleted)";
	size_t pl = strlen(c->path), dl = sizeof(deleted) - 1;
	c->unnamed = !c->path[0] || (pl > dl && !strcmp(c->path + pl - dl, deleted));
	c->fd = fd;
	c->flags = fl;
	c->cloexec = (fdfl & FD_CLOEXEC) != 0;
	c->dir = S_ISDIR(st.st_mode);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->host_ro = fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
	c->in_tree = !c->unnamed && in_any(&p->allow_write, c->path);
	return true;
}

int confine_fds_snapshot(struct confine_fds *s, const struct cordon_policy *p, const int *skip,
			 int nskip, bool only_stdio, struct cordon_error *e)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	memset(s, 0, sizeof(*s));
	if (!d)
		return cordon_error_set(e, errno, "inherited fds: opendir /proc/self/fd: %m");
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (de->d_name[0] == '.' || *end || fd == dirfd(d) ||
		    skipped((int)fd, skip, nskip) || (only_stdio && fd > 2))
			continue;
		struct confine_fd c;
		if (!snap_one((int)fd, p, &c))
			continue;
		struct confine_fd *v = realloc(s->v, (s->n + 1) * sizeof(*v));
		if (!v) {
			closedir(d);
			confine_fds_free(s);
			return cordon_error_set(e, ENOMEM, "inherited fds: out of memory");
		}
		s->v = v;
		s->v[s->n++] = c;
	}
	closedir(d);
	return 0;
}

static int refuse(const struct confine_fd *c, int err, const char *why, struct cordon_error *e)
{
	return cordon_error_set(e, err, "inherited fd %d (%s): %s; close it or pass another", c->fd,
				c->path[0] ? c->path : "a name longer than PATH_MAX", why);
}

/* reopen: the object at the O_PATH fd p, opened as c was, installed at c->fd's number. */
static int reopen(const struct confine_fd *c, int p, struct cordon_error *e)
{
	int nfd = p;
	if (!(c->flags & O_PATH)) {
		/* through a magic link of our own fd: the same file, on the sandbox's mount */
		char lp[64];
		snprintf(lp, sizeof(lp), "/proc/self/fd/%d", p);
		nfd = open(lp, (c->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_APPEND)) | O_CLOEXEC |
				   O_NOCTTY);
		close(p);
		if (nfd < 0)
			return refuse(c, errno, "cannot be reopened inside", e);
		off_t off = c->dir ? 0 : lseek(c->fd, 0, SEEK_CUR);
		if (off > 0 && lseek(nfd, off, SEEK_SET) < 0) {
			close(nfd);
			return refuse(c, errno, "its offset cannot be kept", e);
		}
	}
	if (dup3(nfd, c->fd, c->cloexec ? O_CLOEXEC : 0) < 0) {
		int err = errno;
		close(nfd);
		return refuse(c, err, "dup3 failed", e);
	}
	close(nfd);
	return 0;
}

/* rehome_one: c after joining (the rules at the top of this file). Returns 0 or -errno. */
static int rehome_one(const struct confine_fd *c, struct cordon_error *e)
{
	if (c->bad_socket)
		return refuse(c, EPERM, c->bad_socket, e);
	if (c->unnamed)
		return c->host_ro ? 0 : refuse(c, ENAMETOOLONG, "its name cannot be checked", e);
	struct open_how how = {.flags = O_PATH | O_CLOEXEC | (c->dir ? O_DIRECTORY : 0),
			       .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	struct stat st;
	struct statvfs sv;
	int p = (int)syscall(SYS_openat2, AT_FDCWD, c->path, &how, sizeof(how));
	bool same = p >= 0 && fstat(p, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino;
	bool ns_ro = same && fstatvfs(p, &sv) == 0 && (sv.f_flag & ST_RDONLY);

	if (!same) {
		if (p >= 0)
			close(p);
		if (c->dir)
			return refuse(c, EXDEV, "the sandbox shows another directory or none there",
				      e);
		if (c->host_ro)
			return 0; /* nothing is written through it */
		if (c->flags & O_PATH)
			return refuse(c, EACCES, "an O_PATH fd of a file the sandbox hides", e);
		if (c->in_tree && !c->write)
			return refuse(c, EACCES,
				      "a file the sandbox hides, in a writable tree: it could be "
				      "written through /proc/self/fd",
				      e);
		return 0; /* handed in to be read; Landlock refuses writing it */
	}
	if (c->write) {
		close(p);
		return ns_ro && !c->host_ro
			   ? refuse(c, EROFS, "a write fd to a file that is read-only inside", e)
			   : 0;
	}
	if (!c->dir && (c->host_ro || !ns_ro)) {
		close(p);
		return 0; /* writable in both views, or in neither: no way around a pin */
	}
	return reopen(c, p, e);
}

int confine_fds_rehome(const struct confine_fds *s, struct cordon_error *e)
{
	for (size_t i = 0; i < s->n; i++) {
		int r = rehome_one(&s->v[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

void confine_fds_free(struct confine_fds *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int cordon_fds_precheck(const struct cordon_policy *p, const int *skip, int nskip, char *list,
			size_t len)
{
	struct confine_fds s;
	struct cordon_error e = {{0}};
	int bad = 0;

	if (confine_fds_snapshot(&s, p, skip, nskip, false, &e) < 0) {
		snprintf(list, len, "  %s\n", e.msg);
		return 1;
	}
	for (size_t i = 0; i < s.n; i++) {
		const struct confine_fd *c = &s.v[i];
		const char *why = NULL;
		if (c->bad_socket)
			why = c->bad_socket;
		else if (c->unnamed && !c->host_ro)
			why = "its name cannot be checked (too long, or removed while other names "
			      "remain)";
		else if (!c->dir && !c->write && (c->in_tree || (c->flags & O_PATH)) &&
			 in_any(&p->deny_read, c->path) && !in_any(&p->allow_read, c->path))
			why = "a file the sandbox hides";
		if (why) {
			size_t o = strlen(list);
			snprintf(list + o, len > o ? len - o : 0, "  fd %d: %s %s\n", c->fd, why,
				 c->path[0] ? c->path : "");
			bad++;
		}
	}
	confine_fds_free(&s);
	return bad;
}

int cordon_fds_precheck_session(const struct cordon_policy *p, const struct cordon_session *s,
				const int *skip, int nskip, char *list, size_t len)
{
	struct cordon_guard_set g;
	struct confine_fds fds;
	struct cordon_error e = {{0}};
	int set_fd, log_fd, bad = 0;

	session_guard_fds(s, &set_fd, &log_fd);
	if (set_fd < 0)
		return 0; /* no guard: the rehoming after joining decides alone */
	if (cordon_guard_set_from_fd(set_fd, &g, &e) < 0 ||
	    confine_fds_snapshot(&fds, p, skip, nskip, false, &e) < 0) {
		cordon_guard_set_free(&g);
		snprintf(list, len, "  %s\n", e.msg);
		return 1;
	}
	for (size_t i = 0; i < fds.n; i++) {
		const struct confine_fd *c = &fds.v[i];
		for (size_t j = 0; c->write && j < g.n; j++) {
			const struct cordon_guard_entry *en = &g.v[j];
			if (!(en->flags & CORDON_GUARD_READ_ONLY) || en->obj_dev != c->dev ||
			    en->obj_ino != c->ino)
				continue;
			size_t o = strlen(list);
			snprintf(list + o, len > o ? len - o : 0,
				 "  fd %d: a write fd to a file that is read-only inside (%s) %s\n",
				 c->fd, cordon_guard_why_text(en->why), c->path);
			bad++;
			break;
		}
	}
	confine_fds_free(&fds);
	cordon_guard_set_free(&g);
	return bad;
}
