/* mounts_cover.c — hiding a path under a fresh tmpfs or an empty read-only file, with chosen
 * subtrees bound back through it (private /tmp, /run/user/UID, socket masks, denyRead masks). */
#include "mounts_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

struct restore {
	char canon[PATH_MAX];
	const char *rel; /* inside canon, beneath the cover's target */
	int fd;		 /* O_PATH on the original, then the detached clone */
	bool dir;
};

static int restore_cmp(const void *a, const void *b)
{
	return strcmp(((const struct restore *)a)->canon, ((const struct restore *)b)->canon);
}

/* remember_cover: *seen when canon was covered earlier in this setup (e.g. /var/run/docker.sock
 * reached again through the /var/run -> /run symlink); otherwise remember it. */
static int remember_cover(struct mnt_ctx *c, const char *canon, bool *seen)
{
	for (size_t i = 0; i < c->ncovered; i++)
		if (strcmp(c->covered[i], canon) == 0) {
			*seen = true;
			return 0;
		}
	*seen = false;
	char **v = realloc(c->covered, (c->ncovered + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->covered = v;
	if (!(v[c->ncovered] = strdup(canon)))
		return -ENOMEM;
	c->ncovered++;
	return 0;
}

/* cover_file: bind the shared empty read-only file over the non-directory at t. */
static int cover_file(struct mnt_ctx *c, int t, const char *canon, const char *step)
{
	int src = mnt_empty_source(c);
	if (src < 0)
		return src;
	int clone = open_tree(src, "empty", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (clone < 0)
		return mnt_fail(c, errno, step, canon, "open_tree");
	int r = mnt_attach(clone, t, "");
	close(clone);
	return r < 0 ? mnt_fail(c, -r, step, canon, "move_mount") : 0;
}

/* collect_restores: open the restores strictly beneath canon, drop the ones nested in another,
 * clone each. Returns the count kept, 0 with *cancel when one equals canon, or -errno. */
static int collect_restores(struct mnt_ctx *c, const char *canon, const char *step,
			    const char *const *restores, size_t n, struct restore *out,
			    bool *cancel)
{
	size_t k = 0;
	*cancel = false;
	for (size_t i = 0; i < n; i++) {
		int fd = mnt_open(AT_FDCWD, restores[i], 0, RESOLVE_NO_MAGICLINKS);
		if (fd == -ENOENT || fd == -EACCES || fd == -ENOTDIR)
			continue; /* nothing there to keep visible */
		if (fd < 0)
			return mnt_fail(c, -fd, step, restores[i], "openat2");
		struct restore *r = &out[k];
		struct stat st;
		const char *rel;
		if (mnt_canon(fd, r->canon, sizeof(r->canon)) < 0 || fstat(fd, &st) < 0) {
			close(fd);
			continue;
		}
		if (strcmp(r->canon, canon) == 0) {
			close(fd);
			for (size_t j = 0; j < k; j++)
				close(out[j].fd);
			*cancel = true;
			return 0;
		}
		if (!mnt_under(r->canon, canon, &rel)) {
			close(fd);
			continue;
		}
		r->fd = fd;
		r->dir = S_ISDIR(st.st_mode);
		k++;
	}
	qsort(out, k, sizeof(*out), restore_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < k; i++) {
		/* sorted: a restore nested in a kept one sorts right after it; the recursive
		 * clone of the outer one already carries it */
		if (kept > 0 && mnt_under(out[i].canon, out[kept - 1].canon, NULL)) {
			close(out[i].fd);
			continue;
		}
		out[kept++] = out[i];
	}
	for (size_t i = 0; i < kept; i++) {
		mnt_under(out[i].canon, canon, &out[i].rel);
		int clone = mnt_clone(out[i].fd);
		if (clone < 0) {
			int err = -clone;
			for (size_t j = i; j < kept; j++)
				close(out[j].fd);
			for (size_t j = 0; j < i; j++)
				close(out[j].fd);
			return mnt_fail(c, err, "clone for carve-out of", out[i].canon,
					"open_tree");
		}
		close(out[i].fd);
		out[i].fd = clone;
	}
	return (int)kept;
}

int mnt_cover(struct mnt_ctx *c, const char *path, enum mnt_cover_kind kind, const char *mode,
	      const char *step, const char *const *restores, size_t nrestores)
{
	int t = mnt_open(AT_FDCWD, path, 0, RESOLVE_NO_MAGICLINKS);
	if (t == -ENOENT || t == -EACCES || t == -ENOTDIR)
		return 0; /* absent, or unreachable for this uid as for the sandbox */
	if (t < 0)
		return mnt_fail(c, -t, step, path, "openat2");

	char canon[PATH_MAX];
	struct stat st;
	int r = mnt_canon(t, canon, sizeof(canon));
	if (r < 0 || fstat(t, &st) < 0) {
		close(t);
		return r == -ENOENT ? 0 : mnt_fail(c, r < 0 ? -r : errno, step, path, "fstat");
	}
	if (strcmp(canon, "/") == 0) {
		close(t);
		return cordon_error_set(c->e, EINVAL, "%s %s: refusing to cover /", step, path);
	}
	bool seen;
	if ((r = remember_cover(c, canon, &seen)) < 0 || seen) {
		close(t);
		return r < 0 ? cordon_error_set(c->e, ENOMEM, "%s %s: out of memory", step, path)
			     : 0;
	}
	struct restore *rs = calloc(nrestores ? nrestores : 1, sizeof(*rs));
	if (!rs) {
		close(t);
		return cordon_error_set(c->e, ENOMEM, "%s %s: out of memory", step, path);
	}
	/* nothing lies beneath a non-directory, but a restore equal to it cancels it too */
	bool cancel;
	int n = collect_restores(c, canon, step, restores, nrestores, rs, &cancel);
	if (n < 0 || cancel || !S_ISDIR(st.st_mode)) {
		if (n == 0 && !cancel && kind == MNT_COVER_MASK)
			n = cover_file(c, t, canon, step);
		close(t);
		free(rs);
		return n < 0 ? n : 0;
	}
	r = 0;
	int fs = mnt_tmpfs(mode);
	if (fs < 0)
		r = mnt_fail(c, -fs, step, canon, "fsmount");
	/* mountpoints for the carve-outs must exist before a mask turns read-only */
	for (int i = 0; r == 0 && i < n; i++) {
		int m = mnt_mkpath(fs, rs[i].rel, rs[i].dir);
		if (m < 0)
			r = mnt_fail(c, -m, "mountpoint for carve-out", rs[i].canon, "mkdirat");
	}
	if (r == 0 && kind == MNT_COVER_MASK && (r = mnt_set_ro(fs, false)) < 0)
		r = mnt_fail(c, -r, step, canon, "mount_setattr");
	if (r == 0 && (r = mnt_attach(fs, t, "")) < 0)
		r = mnt_fail(c, -r, step, canon, "move_mount");
	for (int i = 0; r == 0 && i < n; i++)
		if ((r = mnt_attach(rs[i].fd, fs, rs[i].rel)) < 0)
			r = mnt_fail(c, -r, "carve-out", rs[i].canon, "move_mount");
	for (int i = 0; i < n; i++)
		close(rs[i].fd);
	if (fs >= 0)
		close(fs);
	close(t);
	free(rs);
	return r;
}
