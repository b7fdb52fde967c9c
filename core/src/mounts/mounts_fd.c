/* mounts_fd.c — the mount primitives of the mount layout, all by file descriptor: openat2
 * resolution, canonical names, open_tree/move_mount/mount_setattr, detached tmpfs, mountpoints. */
#include "mounts_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int mnt_open(int dirfd, const char *path, int flags, uint64_t resolve)
{
	/* openat2(2): glibc 2.36 has no wrapper. RESOLVE_NO_MAGICLINKS keeps /proc/PID/fd tricks
	 * out of policy paths (docs/threat-model.md §14). */
	struct open_how how = {
	    .flags = (uint64_t)(O_PATH | O_CLOEXEC | flags),
	    .resolve = resolve,
	};
	long r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return r < 0 ? -errno : (int)r;
}

int mnt_canon(int fd, char *buf, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	if (buf[0] != '/')
		return -ENOENT; /* not reachable from our root, or deleted */
	static const char deleted[] = " (deleted)";
	size_t dl = sizeof(deleted) - 1;
	if ((size_t)n > dl && strcmp(buf + n - dl, deleted) == 0)
		return -ENOENT;
	return 0;
}

bool mnt_under(const char *path, const char *dir, const char **rel)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/') {
		if (path[0] != '/' || path[1] == '\0')
			return false;
		if (rel)
			*rel = path + 1;
		return true;
	}
	if (strncmp(path, dir, n) != 0 || path[n] != '/' || path[n + 1] == '\0')
		return false;
	if (rel)
		*rel = path + n + 1;
	return true;
}

int mnt_clone(int fd)
{
	int r =
	    open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	return r < 0 ? -errno : r;
}

int mnt_attach(int src, int dirfd, const char *path)
{
	unsigned flags = MOVE_MOUNT_F_EMPTY_PATH;
	if (path[0] == '\0')
		flags |= MOVE_MOUNT_T_EMPTY_PATH;
	return move_mount(src, "", dirfd, path, flags) < 0 ? -errno : 0;
}

int mnt_set_ro(int fd, bool recursive)
{
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
	return mount_setattr(fd, "", flags, &a, sizeof(a)) < 0 ? -errno : 0;
}

int mnt_tmpfs(const char *mode)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	int r = 0;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		r = -errno;
	int m = r < 0 ? r : fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (m < 0 && r == 0)
		r = -errno;
	close(fs);
	return r < 0 ? r : m;
}

int mnt_mkpath(int root, const char *rel, bool dir)
{
	char buf[PATH_MAX];
	size_t n = strlen(rel);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, rel, n + 1);
	for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdirat(root, buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (dir)
		return mkdirat(root, buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
	int fd = openat(root, buf, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int mnt_empty_source(struct mnt_ctx *c)
{
	if (c->empty_fd >= 0)
		return c->empty_fd;
	int m = mnt_tmpfs("0755");
	if (m < 0)
		return mnt_fail(c, -m, "empty file for masks", "tmpfs", "fsmount");
	int f = openat(m, "empty", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
	if (f < 0) {
		int err = errno;
		close(m);
		return mnt_fail(c, err, "empty file for masks", "tmpfs", "openat");
	}
	close(f);
	int r = mnt_set_ro(m, false);
	if (r < 0) {
		close(m);
		return mnt_fail(c, -r, "empty file for masks", "tmpfs", "mount_setattr");
	}
	c->empty_fd = m;
	return m;
}

int mnt_fail(struct mnt_ctx *c, int err, const char *step, const char *path, const char *call)
{
	return cordon_error_set(c->e, err, "%s %s: %s: %s", step, path, call, strerror(err));
}
