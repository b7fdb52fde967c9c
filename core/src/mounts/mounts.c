/* mounts.c — the mount-namespace layout of docs/design.md §4, in order: private propagation, "/"
 * read-only with writable trees bound back, private covers, denyRead masks, read-only pins. */
#include "cordon/mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mounts_int.h"

/* Sockets of command servers that give root on the host or run units outside the sandbox
 * (docs/threat-model.md §19); masked unless named in network.allowUnixSockets. */
static const char *const server_sockets[] = {
    "/run/docker.sock",
    "/var/run/docker.sock",
    "/run/podman",
    "/var/run/podman",
    "/run/containerd/containerd.sock",
    "/run/systemd/private",
    "/run/dbus/system_bus_socket",
    "/run/snapd.socket",
    NULL,
};

static int tree_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mnt_tree *)a)->canon, ((const struct mnt_tree *)b)->canon);
}

/* find_writable: resolve every allow_write path by fd into c->w (sorted, duplicates dropped). */
static int find_writable(struct mnt_ctx *c, int *fds)
{
	const struct cordon_path_list *l = &c->p->allow_write;
	for (size_t i = 0; i < l->n; i++) {
		const char *path = l->v[i];
		if (!path || path[0] != '/')
			return cordon_error_set(c->e, EINVAL, "writable tree %s: not absolute",
						path ? path : "(null)");
		int fd = mnt_open(AT_FDCWD, path, 0, RESOLVE_NO_MAGICLINKS);
		if (fd == -ENOENT || fd == -ENOTDIR) {
			if (c->p->strict)
				return cordon_error_set(c->e, ENOENT,
							"writable tree %s: does not exist", path);
			continue;
		}
		if (fd < 0)
			return mnt_fail(c, -fd, "writable tree", path, "openat2");
		struct mnt_tree *w = &c->w[c->nw];
		struct stat st;
		int r = mnt_canon(fd, w->canon, sizeof(w->canon));
		if (r == 0 && fstat(fd, &st) < 0)
			r = -errno;
		if (r < 0) {
			close(fd);
			return mnt_fail(c, -r, "writable tree", path, "readlink");
		}
		if (strcmp(w->canon, "/") == 0) {
			close(fd);
			return cordon_error_set(c->e, EINVAL, "writable tree %s: is /", path);
		}
		w->given = path;
		w->is_dir = S_ISDIR(st.st_mode);
		fds[c->nw++] = fd;
	}
	/* sort trees and their fds together */
	for (size_t i = 1; i < c->nw; i++)
		for (size_t j = i; j > 0 && tree_cmp(&c->w[j - 1], &c->w[j]) > 0; j--) {
			struct mnt_tree t = c->w[j];
			c->w[j] = c->w[j - 1];
			c->w[j - 1] = t;
			int f = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = f;
		}
	size_t k = 0;
	for (size_t i = 0; i < c->nw; i++) {
		if (k > 0 && strcmp(c->w[k - 1].canon, c->w[i].canon) == 0) {
			close(fds[i]);
			continue;
		}
		c->w[k] = c->w[i];
		fds[k++] = fds[i];
	}
	c->nw = k;
	return 0;
}

/* readonly_root: step 2. Clone each writable tree (keeping the attributes of every mount in it,
 * so mounts that were read-only stay so), make every mount of the namespace read-only
 * (mount_setattr(2) AT_RECURSIVE), then attach the clones where they were. An outermost tree is
 * attached through the fd opened before, so a path swapped meanwhile cannot redirect it
 * (docs/threat-model.md §14); a nested one (sorted after its holder) by its canonical path, without
 * symlinks, on top of its holder's clone: every writable root is then a mount point, which
 * rename(2) refuses to move aside (EBUSY) and away from the pins made for it. */
static int readonly_root(struct mnt_ctx *c)
{
	int r = 0;
	int *fds = calloc(c->p->allow_write.n + 1, sizeof(*fds));
	int *clones = calloc(c->p->allow_write.n + 1, sizeof(*clones));
	c->w = calloc(c->p->allow_write.n + 1, sizeof(*c->w));
	if (!fds || !clones || !c->w) {
		r = cordon_error_set(c->e, ENOMEM, "writable trees: out of memory");
		goto out;
	}
	if ((r = find_writable(c, fds)) < 0)
		goto out;
	for (size_t i = 0; i < c->nw; i++)
		clones[i] = -1;
	for (size_t i = 0; i < c->nw; i++)
		if ((clones[i] = mnt_clone(fds[i])) < 0) {
			r = mnt_fail(c, -clones[i], "clone of writable tree", c->w[i].canon,
				     "open_tree");
			goto out;
		}
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &a, sizeof(a)) < 0) {
		r = mnt_fail(c, errno, "read-only remount of", "/", "mount_setattr");
		goto out;
	}
	for (size_t i = 0; i < c->nw; i++) {
		bool nested = false;
		for (size_t j = 0; j < i; j++)
			nested |= mnt_under(c->w[i].canon, c->w[j].canon, NULL);
		int t = fds[i];
		if (nested) {
			t = mnt_open(AT_FDCWD, c->w[i].canon, 0,
				     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
			if (t < 0) {
				r = mnt_fail(c, -t, "bind back of writable tree", c->w[i].canon,
					     "openat2");
				goto out;
			}
		}
		r = mnt_attach(clones[i], t, "");
		if (nested)
			close(t);
		if (r < 0) {
			r = mnt_fail(c, -r, "bind back of writable tree", c->w[i].canon,
				     "move_mount");
			goto out;
		}
	}
out:
	for (size_t i = 0; fds && clones && i < c->nw; i++) {
		close(fds[i]);
		if (clones[i] >= 0)
			close(clones[i]);
	}
	free(fds);
	free(clones);
	return r;
}

/* private_covers: step 3. Fresh tmpfs on /tmp (and /dev/shm) and /run/user/UID, empty masks on
 * command-server sockets; writable trees and allowed unix sockets beneath them are bound back. */
static int private_covers(struct mnt_ctx *c, uid_t uid)
{
	const struct cordon_path_list *socks = &c->p->allow_unix_sockets;
	size_t n = c->nw + socks->n;
	const char **keep = calloc(n + 1, sizeof(*keep));
	if (!keep)
		return cordon_error_set(c->e, ENOMEM, "private covers: out of memory");
	for (size_t i = 0; i < c->nw; i++)
		keep[i] = c->w[i].canon;
	for (size_t i = 0; i < socks->n; i++)
		keep[c->nw + i] = socks->v[i];

	int r = 0;
	if (c->p->private_tmp) {
		r = mnt_cover(c, "/tmp", MNT_COVER_PRIVATE, "1777", "private /tmp on", keep, n);
		/* POSIX shared memory and semaphores (shm_open(3)) need a writable /dev/shm; the
		 * host's one stays out of reach */
		if (r == 0)
			r = mnt_cover(c, "/dev/shm", MNT_COVER_PRIVATE, "1777", "private tmpfs on",
				      keep, n);
	}
	char run_user[64];
	snprintf(run_user, sizeof(run_user), "/run/user/%u", (unsigned)uid);
	if (r == 0)
		r = mnt_cover(c, run_user, MNT_COVER_PRIVATE, "0700", "tmpfs over", keep, n);
	for (size_t i = 0; r == 0 && server_sockets[i]; i++) {
		bool allowed = false;
		for (size_t k = 0; k < socks->n; k++)
			allowed |= strcmp(socks->v[k], server_sockets[i]) == 0;
		if (!allowed)
			r = mnt_cover(c, server_sockets[i], MNT_COVER_MASK, "0755",
				      "socket mask of", (const char *const *)socks->v, socks->n);
	}
	free(keep);
	return r;
}

/* Devices of the host's /dev that the sandbox keeps, as they are: the usual character devices,
 * FUSE, and the GPU and virtualisation nodes compute work uses. Everything else — block devices
 * (a root session could read a disk around every mask), the host's terminals and consoles
 * (tty0..N, console, ttyS*), input, sound and video devices, raw hardware — is not there. */
static const char *const dev_keep[] = {
    "null", "zero", "full", "random", "urandom", "tty", "fuse", "kvm", "kfd", "dri",
    "nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset", NULL,
};

static bool dev_kept(const char *name)
{
	for (size_t i = 0; dev_keep[i]; i++)
		if (!strcmp(name, dev_keep[i]))
			return true;
	/* nvidia0, nvidia1, ... */
	return !strncmp(name, "nvidia", 6) && name[6] >= '0' && name[6] <= '9';
}

/* dev_links: the links every /dev has (bwrap's --dev sets the same). */
static int dev_links(int fs)
{
	static const char *const links[][2] = {
	    {"fd", "/proc/self/fd"},	      {"stdin", "/proc/self/fd/0"},
	    {"stdout", "/proc/self/fd/1"},    {"stderr", "/proc/self/fd/2"},
	    {"ptmx", "pts/ptmx"},		      {"core", "/proc/kcore"},
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][1], fs, links[i][0]) < 0 && errno != EEXIST)
			return -errno;
	return 0;
}

/* private_dev: step 3a. A /dev of the sandbox's own (a tmpfs, read-only once laid out) holding
 * the host's kept devices (bind mounts of the nodes themselves), the standard links, empty
 * /dev/shm for the private tmpfs of step 3, and a devpts instance of its own on /dev/pts with
 * its ptmx behind /dev/ptmx (devpts.rst "multiple instances"; mountable in a user namespace):
 * terminals made inside work, the host's other terminals are not there to open. The caller's
 * own terminal stays usable through its fds (Landlock names it by fd). */
static int private_dev(struct mnt_ctx *c)
{
	int old = mnt_open(AT_FDCWD, "/dev", O_DIRECTORY, RESOLVE_NO_SYMLINKS);
	if (old == -ENOENT)
		return 0;
	if (old < 0)
		return mnt_fail(c, -old, "private /dev on", "/dev", "openat2");
	int rd = openat(old, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = rd >= 0 ? fdopendir(rd) : NULL;
	int fs = mnt_tmpfs("0755"), r = 0, pts = -1, newdev = -1, m = -1;
	char kept[64][NAME_MAX + 1];
	size_t nk = 0;

	if (!d || fs < 0) {
		r = mnt_fail(c, !d ? errno : -fs, "private /dev on", "/dev", !d ? "opendir" : "fsmount");
		goto out;
	}
	for (struct dirent *de; r == 0 && (de = readdir(d));) {
		struct stat st;
		if (!dev_kept(de->d_name) || fstatat(old, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !(S_ISCHR(st.st_mode) || S_ISDIR(st.st_mode)) || nk == 64)
			continue;
		if ((r = mnt_mkpath(fs, de->d_name, S_ISDIR(st.st_mode))) < 0)
			r = mnt_fail(c, -r, "private /dev: mountpoint", de->d_name, "mkdirat");
		snprintf(kept[nk++], sizeof(kept[0]), "%s", de->d_name);
	}
	if (r == 0 && ((r = mnt_mkpath(fs, "pts", true)) < 0 || (r = mnt_mkpath(fs, "shm", true)) < 0 ||
		       (r = dev_links(fs)) < 0))
		r = mnt_fail(c, -r, "private /dev:", "entries", "mkdirat");
	if (r == 0 && (r = mnt_set_ro(fs, false)) < 0)
		r = mnt_fail(c, -r, "private /dev on", "/dev", "mount_setattr");
	if (r == 0 && (r = mnt_attach(fs, old, "")) < 0)
		r = mnt_fail(c, -r, "private /dev on", "/dev", "move_mount");
	if (r == 0 && (newdev = mnt_open(AT_FDCWD, "/dev", O_DIRECTORY, RESOLVE_NO_SYMLINKS)) < 0)
		r = mnt_fail(c, -newdev, "private /dev on", "/dev", "openat2");
	/* the kept nodes, looked up through the fd of the host's /dev beneath the new one */
	for (size_t i = 0; r == 0 && i < nk; i++) {
		int cl = open_tree(old, kept[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (cl < 0)
			r = mnt_fail(c, errno, "private /dev: bind of", kept[i], "open_tree");
		else if ((r = mnt_attach(cl, newdev, kept[i])) < 0)
			r = mnt_fail(c, -r, "private /dev: bind of", kept[i], "move_mount");
		if (cl >= 0)
			close(cl);
	}
	/* and a devpts of the sandbox's own */
	int dfs = -1;
	if (r == 0) {
		dfs = fsopen("devpts", FSOPEN_CLOEXEC);
		if (dfs < 0 || fsconfig(dfs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) < 0 ||
		    fsconfig(dfs, FSCONFIG_SET_STRING, "mode", "0620", 0) < 0 ||
		    fsconfig(dfs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
		    (m = fsmount(dfs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC)) < 0)
			r = mnt_fail(c, errno, "private devpts on", "/dev/pts", "fsmount");
		else if ((r = mnt_attach(m, newdev, "pts")) < 0)
			r = mnt_fail(c, -r, "private devpts on", "/dev/pts", "move_mount");
	}
	if (dfs >= 0)
		close(dfs);
out:
	if (d)
		closedir(d);
	else if (rd >= 0)
		close(rd);
	int fds[] = {old, fs, pts, newdev, m};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

static int depth_of(const char *path)
{
	int d = 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

/* read_masks: step 4. denyRead paths, shallowest first so a deeper mask lands on what a
 * shallower one let through. allowRead paths and writable trees beneath a mask are bound back
 * as they were (a writable tree stays usable: writing implies reading it, so a mask equal to a
 * writable tree is not applied). */
static int read_masks(struct mnt_ctx *c)
{
	const struct cordon_path_list *deny = &c->p->deny_read, *allow = &c->p->allow_read;
	size_t n = allow->n + c->nw;
	const char **keep = calloc(n + 1, sizeof(*keep));
	size_t *order = calloc(deny->n + 1, sizeof(*order));
	int r = 0;
	if (!keep || !order) {
		r = cordon_error_set(c->e, ENOMEM, "read masks: out of memory");
		goto out;
	}
	for (size_t i = 0; i < allow->n; i++)
		keep[i] = allow->v[i];
	for (size_t i = 0; i < c->nw; i++)
		keep[allow->n + i] = c->w[i].canon;
	for (size_t i = 0; i < deny->n; i++) {
		size_t j = i;
		for (; j > 0 && depth_of(deny->v[order[j - 1]]) > depth_of(deny->v[i]); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (size_t i = 0; r == 0 && i < deny->n; i++)
		r = mnt_cover(c, deny->v[order[i]], MNT_COVER_MASK, "0755", "read mask of", keep,
			      n);
out:
	free(keep);
	free(order);
	return r;
}

int cordon_mounts_setup(const struct cordon_policy *p, const char *home, uid_t uid,
			struct cordon_guard_set *guard, char *notes, size_t notes_len,
			struct cordon_error *e)
{
	struct mnt_ctx c = {.p = p,
			    .guard = guard,
			    .e = e,
			    .empty_fd = -1,
			    .notes = notes,
			    .notes_len = notes_len};
	if (notes && notes_len)
		notes[0] = '\0';
	return mnt_layout(&c, home, uid);
}

int mnt_layout(struct mnt_ctx *c, const char *home, uid_t uid)
{
	int r;

	/* 1. Nothing we mount may propagate back to the host's namespace (mount_namespaces(7)). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		r = mnt_fail(c, errno, "private propagation of", "/", "mount");
		goto out;
	}
	/* 2. "/" read-only, writable trees bound back: first, because later steps must see the
	 * final writable set to know what to keep visible and what to pin. */
	if ((r = readonly_root(c)) < 0)
		goto out;
	/* 3. A /dev of its own, then the covers (the private /dev/shm goes into it), before the
	 * masks: a mask beneath /tmp then applies to what stays visible. */
	if ((r = private_dev(c)) < 0)
		goto out;
	if ((r = private_covers(c, uid)) < 0)
		goto out;
	/* 4. denyRead / allowRead. */
	if ((r = read_masks(c)) < 0)
		goto out;
	/* 5. Pins last: they must sit on top of every mount the earlier steps placed. */
	r = mnt_pin_all(c, home);
	/* 6. /proc and the rest of /dev are left as they are (read-only like the rest); cordon
	 * run mounts a fresh /proc in its PID namespace. */
out:
	if (c->empty_fd >= 0)
		close(c->empty_fd);
	c->empty_fd = -1;
	for (size_t i = 0; i < c->ncovered; i++)
		free(c->covered[i]);
	free(c->covered);
	c->covered = NULL;
	c->ncovered = 0;
	free(c->w);
	c->w = NULL;
	return r;
}
