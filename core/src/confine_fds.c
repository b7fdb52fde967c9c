/* confine_fds.c — descriptors the confining process holds from before its mount namespace, moved
 * onto the sandbox's mounts where the host's would be a way around them.
 *
 * An fd opened before joining names its file through the host's mount, which the sandbox's
 * read-only pins and masks do not cover. Two doors follow (docs/threat-model.md, "inherited fds"):
 * a directory fd is a walk into the host's view (`cordon run -- cat /proc/self/fd/0/home/u/.ssh/id
 * < /`), and a read fd to a pinned file can be reopened for writing through its magic link
 * (/proc/self/fd/N, proc(5)) on the host's writable mount (`cordon run -- cmd < .git/config`),
 * which Landlock allows inside a writable tree. So, after joining: every directory fd is reopened
 * at its path inside the sandbox (refused when the sandbox shows something else there), and every
 * read-only or O_PATH fd of a regular file that the sandbox shows read-only while the host's mount
 * is writable is reopened on the sandbox's mount. Write fds stay as the caller gave them (a
 * redirection is the person's grant, and a shared file offset must stay shared). */
#include "confine_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

struct confine_fd {
	int fd;
	int flags;	/* fcntl F_GETFL */
	bool cloexec;	/* FD_CLOEXEC */
	bool dir;
	bool host_ro;	/* on a read-only mount of the host */
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

/* snap_one: *c for fd when it is one to look at again after joining; false otherwise. */
static bool snap_one(int fd, struct confine_fd *c)
{
	char lp[64];
	struct stat st;
	struct statvfs sv;

	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		return false; /* devices, FIFOs and sockets: Landlock decides their reopening */
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	if (fl < 0 || fdfl < 0)
		return false;
	bool opath = (fl & O_PATH) != 0;
	if (S_ISREG(st.st_mode) && !opath && (fl & O_ACCMODE) != O_RDONLY)
		return false; /* a write fd: the caller's grant */
	snprintf(lp, sizeof(lp), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(lp, c->path, sizeof(c->path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(c->path) - 1)
		return false;
	c->path[n] = '\0';
	/* Not a name in the file system (memfd, nsfs, pipefs) or a file with no name left: no
	 * mount of the host leads anywhere through it. */
	if (c->path[0] != '/' || (S_ISREG(st.st_mode) && st.st_nlink == 0))
		return false;
	c->fd = fd;
	c->flags = fl;
	c->cloexec = (fdfl & FD_CLOEXEC) != 0;
	c->dir = S_ISDIR(st.st_mode);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->host_ro = fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
	return true;
}

int confine_fds_snapshot(struct confine_fds *s, const int *skip, int nskip, struct cordon_error *e)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	memset(s, 0, sizeof(*s));
	if (!d)
		return cordon_error_set(e, errno, "inherited fds: opendir /proc/self/fd: %m");
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (de->d_name[0] == '.' || *end || fd == dirfd(d) || skipped((int)fd, skip, nskip))
			continue;
		struct confine_fd c;
		if (!snap_one((int)fd, &c))
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

/* rehome_one: the file at c->path inside the sandbox, opened as c was, at c->fd's number.
 * Returns 0, 1 when nothing had to change, or -errno with e set. */
static int rehome_one(const struct confine_fd *c, struct cordon_error *e)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC | (c->dir ? O_DIRECTORY : 0),
			       .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	struct stat st;
	struct statvfs sv;
	int p = (int)syscall(SYS_openat2, AT_FDCWD, c->path, &how, sizeof(how));
	bool same = p >= 0 && fstat(p, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino;

	if (!same) {
		int err = p < 0 ? errno : EXDEV;
		if (p >= 0)
			close(p);
		if (!c->dir)
			return 1; /* what the caller handed in to read stays readable (see above) */
		return cordon_error_set(e, err,
					"inherited fd %d: the directory %s is not what the sandbox "
					"shows there (%s); close it or pass another",
					c->fd, c->path, p < 0 ? strerror(err) : "hidden or replaced");
	}
	bool ns_ro = fstatvfs(p, &sv) == 0 && (sv.f_flag & ST_RDONLY);
	if (!c->dir && (c->host_ro || !ns_ro)) {
		close(p);
		return 1; /* writable in both views, or in neither: no way around a pin */
	}
	int nfd = p;
	if (!(c->flags & O_PATH)) {
		/* reopen through the sandbox's mount (a magic link of our own fd: same file) */
		char lp[64];
		snprintf(lp, sizeof(lp), "/proc/self/fd/%d", p);
		nfd = open(lp, (c->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_APPEND)) | O_CLOEXEC |
				   O_NOCTTY);
		close(p);
		if (nfd < 0)
			return cordon_error_set(e, errno, "inherited fd %d: reopening %s inside: %m",
						c->fd, c->path);
		off_t off = c->dir ? 0 : lseek(c->fd, 0, SEEK_CUR);
		if (off > 0 && lseek(nfd, off, SEEK_SET) < 0) {
			int err = errno;
			close(nfd);
			return cordon_error_set(e, err, "inherited fd %d: restoring the offset: %s",
						c->fd, strerror(err));
		}
	}
	if (dup3(nfd, c->fd, c->cloexec ? O_CLOEXEC : 0) < 0) {
		int err = errno;
		close(nfd);
		return cordon_error_set(e, err, "inherited fd %d: dup3: %s", c->fd, strerror(err));
	}
	close(nfd);
	return 0;
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
