/* guard_ops.c — performing a file-creating call on behalf of a seccomp-notified target: resolving
 * its path as the target would see it, the guard-set check, the call itself and the reply. */
#include "guard_int.h"
#include "guard_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAXSYMLINKS                                                                                \
	40 /* the kernel's limit on links followed in one resolution (path_resolution(7)) */
#define PROC_ROOT_INO 1

/* Capabilities that change the outcome of a file-creating call (capabilities(7)). If the worker
 * holds one the target lacks, the worker could succeed where the target would fail. */
#define FILE_CAPS                                                                                  \
	((1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 3) | (1ULL << 4) | (1ULL << 9) |       \
	 (1ULL << 21) | (1ULL << 24) | (1ULL << 27))

int guard_call_track(struct guard_call *c, int fd)
{
	if (fd < 0)
		return -errno;
	if (c->nfds == (int)(sizeof(c->fds) / sizeof(c->fds[0]))) {
		close(fd);
		return -EMFILE;
	}
	c->fdst_ok[c->nfds] = false;
	c->fds[c->nfds++] = fd;
	return fd;
}

int guard_fstat(struct guard_call *c, int fd, struct stat *st)
{
	int i = 0;
	while (i < c->nfds && c->fds[i] != fd)
		i++;
	if (i < c->nfds && c->fdst_ok[i]) {
		*st = c->fdst[i];
		return 0;
	}
	if (fstat(fd, st) < 0)
		return -errno;
	if (i < c->nfds) {
		c->fdst[i] = *st;
		c->fdst_ok[i] = true;
	}
	return 0;
}

/* same_creds: the worker acts with its own credentials, so it may act only for a target whose
 * filesystem identity (fsuid, fsgid, groups) is the worker's and who holds every file capability
 * the worker holds; otherwise the result could differ from the target's own call. */
static bool same_creds(const struct guard_task *self, const struct guard_task *t)
{
	return self->fsuid == t->fsuid && self->fsgid == t->fsgid && !self->groups_cut &&
	       !t->groups_cut && strcmp(self->groups, t->groups) == 0 &&
	       ((self->capeff & FILE_CAPS) & ~t->capeff) == 0;
}

/* refuses: whether entry en refuses role (guard.h: a kept entry only removal and chmod). */
static bool refuses(const struct cordon_guard_entry *en, enum guard_role role)
{
	return !(en->flags & CORDON_GUARD_KEEP) || role != ROLE_CREATE;
}

/* name_matches: name[0..len) is en's name, or starts with it for a prefix entry. ASCII case
 * folded: on a case-insensitive directory (ext4/f2fs casefold, vfat) ".BASHRC" would be found as
 * ".bashrc". "." and ".." never match a prefix: they name no new entry. */
static bool name_matches(const struct cordon_guard_entry *en, const char *name, size_t len)
{
	size_t n = strlen(en->name);
	if (en->flags & CORDON_GUARD_PREFIX)
		return len >= n && strncasecmp(en->name, name, n) == 0 &&
		       !(len == 1 && name[0] == '.') &&
		       !(len == 2 && name[0] == '.' && name[1] == '.');
	return n == len && strncasecmp(en->name, name, len) == 0;
}

/* exists_in: dirfd/name[0..len) exists (not followed). */
static bool exists_in(int dirfd, const char *name, size_t len)
{
	char n[NAME_MAX + 1];
	struct stat st;
	if (dirfd < 0 || len > NAME_MAX)
		return false;
	memcpy(n, name, len);
	n[len] = '\0';
	return fstatat(dirfd, n, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* entry_of: whether (directory st, name[0..len)) is an entry of g that refuses role. A prefix
 * entry keeps new names from being made: an existing one (home's read-only dot-entries) is left
 * to the kernel, which answers EEXIST or EROFS as it would (`mkdir -p ~/.config/x`). dirfd is
 * the directory's fd, -1 when unknown (then every match refuses). */
static const struct cordon_guard_entry *entry_of(const struct cordon_guard_set *g,
						 const struct stat *st, int dirfd, const char *name,
						 size_t len, enum guard_role role)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct cordon_guard_entry *en = &g->v[i];
		if ((en->flags & (CORDON_GUARD_SOCKET | CORDON_GUARD_SUBTREE)) ||
		    st->st_dev != en->dev || st->st_ino != en->ino ||
		    !name_matches(en, name, len) || !refuses(en, role))
			continue;
		if ((en->flags & CORDON_GUARD_PREFIX) && role == ROLE_CREATE &&
		    exists_in(dirfd, name, len))
			continue;
		return en;
	}
	return NULL;
}

/* object_read_only: whether the object st is an existing entry of g bound read-only inside
 * (CORDON_GUARD_READ_ONLY). */
static bool object_read_only(const struct cordon_guard_set *g, const struct stat *st)
{
	for (size_t i = 0; g && i < g->n; i++)
		if ((g->v[i].flags & CORDON_GUARD_READ_ONLY) && g->v[i].obj_ino == st->st_ino &&
		    g->v[i].obj_dev == st->st_dev)
			return true;
	return false;
}

/* object_guarded: whether the object st is itself an existing entry of g (reached by any name, or
 * by an fd: fchmod). */
static bool object_guarded(const struct cordon_guard_set *g, const struct stat *st)
{
	for (size_t i = 0; g && i < g->n; i++)
		if (!(g->v[i].flags & CORDON_GUARD_SOCKET) && g->v[i].obj_ino &&
		    g->v[i].obj_ino == st->st_ino && g->v[i].obj_dev == st->st_dev)
			return true;
	return false;
}

/* ascii: s[0..len) has no byte outside ASCII. */
static bool ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* guarded_parent: guard_walk_up's visit for beneath_guarded: 1 when cur is a guard directory
 * whose entry's name is the child the walk came from, -errno when cur cannot be looked in (the
 * caller fails closed).
 *
 * The entry's name is looked up in cur and compared with the child (dev, ino). A home directory
 * holds some forty entries, each lookup a system call, so when the kernel's path of the start
 * gives the child's name in cur (guard_walk_child_name) and one lookup confirms it, an entry
 * spelled otherwise is skipped when it is known not to be a mount point: a directory has exactly
 * one name in its parent (no hard links to directories), so another name reaches the child only
 * as a mount of it. Whether a name is a mount point is taken once per change of the mount table
 * (guard_mnt_sync) by the same lookup. When the child is itself a mount's root, or a name is not
 * plain ASCII (a case-insensitive directory folds more than ASCII case), or anything does not
 * confirm, every entry is looked up. */
static int guarded_parent(void *arg, const struct guard_walk_pos *pos)
{
	struct guard_call *c = arg;
	const struct cordon_guard_set *g = c->g;
	const struct stat *cur = pos->cur, *child = pos->child;
	struct guard_mnt *m = c->mnt && c->mnt->n == g->n ? c->mnt : NULL;
	const char *hint = NULL;
	size_t hlen = 0;
	int dirfd = -1, r = 0;

	for (size_t i = 0; child && i < g->n; i++) {
		const struct cordon_guard_entry *en = &g->v[i];
		struct statx sx;
		/* kept names (.git/objects) are written beneath; a prefix matches no single name
		 * to look up (home's dot-entries are read-only mounts) */
		if (en->flags & (CORDON_GUARD_KEEP | CORDON_GUARD_PREFIX | CORDON_GUARD_SOCKET |
				 CORDON_GUARD_SUBTREE))
			continue;
		if (cur->st_dev != en->dev || cur->st_ino != en->ino)
			continue;
		if (dirfd < 0) {
			if ((dirfd = guard_walk_open(pos)) < 0)
				return dirfd;
			char nm[NAME_MAX + 1];
			if (m && guard_mnt_sync(m, c->id))
				hint = guard_walk_child_name(pos, &hlen);
			if (hint && (hlen > NAME_MAX || !ascii(hint, hlen)))
				hint = NULL;
			if (hint) {
				memcpy(nm, hint, hlen);
				nm[hlen] = '\0';
				/* confirmed: the name reaches the child, not as a mount's root */
				if (statx(dirfd, nm, AT_SYMLINK_NOFOLLOW, STATX_INO, &sx) < 0 ||
				    (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) == 0 ||
				    (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ||
				    makedev(sx.stx_dev_major, sx.stx_dev_minor) != child->st_dev ||
				    sx.stx_ino != child->st_ino)
					hint = NULL;
			}
		}
		size_t n = strlen(en->name);
		if (hint && m->seen[i] == m->gen && !m->mounted[i] && ascii(en->name, n) &&
		    !(n == hlen && strncasecmp(en->name, hint, hlen) == 0))
			continue; /* another name than the child's, and no mount (see above) */
		int e = statx(dirfd, en->name, AT_SYMLINK_NOFOLLOW, STATX_INO, &sx) < 0 ? errno : 0;
		if (m && (e == 0 || e == ENOENT)) {
			/* a name that does not exist is no mount point until mounted on */
			m->mounted[i] =
			    e == 0 && (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
				       (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT));
			m->seen[i] = m->gen;
		}
		if (e == 0 && makedev(sx.stx_dev_major, sx.stx_dev_minor) == child->st_dev &&
		    sx.stx_ino == child->st_ino) {
			r = 1;
			break;
		}
	}
	if (dirfd >= 0)
		close(dirfd);
	return r;
}

/* beneath_guarded: 1 when directory fd lies at or below a guarded name, 0 if not, -errno. A
 * guarded name that a person creates later as a directory (.vscode/, .git/hooks) is not pinned
 * by the mount layer, so everything in it stays guarded here. At each ancestor that is a guard
 * directory, the entry's name is looked up and compared with the child the walk came from; a
 * walk deeper than MAX_DEPTH is treated as guarded. */
static int beneath_guarded(struct guard_call *c, int fd, const struct stat *st)
{
	/* not chained: below a guarded name nothing moves (renaming there is refused by this very
	 * walk, from the guarded name's direct children down), so the levels between fd and a
	 * guarded name are the same for each fstatat of the growing path; levels that do move lie
	 * on no guarded name's subtree, and misreading them only refuses more */
	return guard_walk_up(fd, st, guarded_parent, c, 1, false);
}

struct subtree_walk {
	const struct cordon_guard_set *g;
	const char *name; /* NULL: any name */
	size_t len;
	long found; /* the entry's index, or -1 */
};

/* subtree_entry: walk_up's visit for subtree_of: 1 when cur is a git directory the guard keeps
 * (found stays -1) or the directory of a matching CORDON_GUARD_SUBTREE entry (found set). */
static int subtree_entry(void *arg, const struct guard_walk_pos *pos)
{
	struct subtree_walk *w = arg;
	const struct stat *cur = pos->cur;
	for (size_t i = 0; i < w->g->n; i++) {
		const struct cordon_guard_entry *en = &w->g->v[i];
		/* inside a git directory found at start (.git, a bare repository, a submodule's)
		 * is no working tree: git makes HEAD there */
		if ((en->flags & CORDON_GUARD_KEEP) && en->why == CORDON_WHY_GIT &&
		    en->obj_ino == cur->st_ino && en->obj_dev == cur->st_dev)
			return 1;
	}
	for (size_t i = 0; i < w->g->n; i++) {
		const struct cordon_guard_entry *en = &w->g->v[i];
		if ((en->flags & CORDON_GUARD_SUBTREE) && cur->st_dev == en->dev &&
		    cur->st_ino == en->ino && (!w->name || name_matches(en, w->name, w->len))) {
			w->found = (long)i;
			return 1;
		}
	}
	return 0;
}

/* subtree_of: the first CORDON_GUARD_SUBTREE entry of g whose directory is fd (stat st) or one
 * of its ancestors, and whose name is name[0..len) (name NULL: any name), unless a git directory
 * the guard keeps comes first on the way up. Returns 1 with its index in *found, 0 when there
 * is none, or -errno (-ELOOP past MAX_DEPTH levels). */
static int subtree_of(const struct cordon_guard_set *g, int fd, const struct stat *st,
		      const char *name, size_t len, long *found)
{
	struct subtree_walk w = {.g = g, .name = name, .len = len, .found = -1};
	/* chained: directories inside a working tree may be moved about within it (by another
	 * sandbox on the same tree) while the walk runs; each level must be the parent of the
	 * one before, or a directory moved up at the right moment makes the walk step over the
	 * working tree */
	int r = guard_walk_up(fd, st, subtree_entry, &w, -ELOOP, true);
	*found = w.found;
	return r < 0 ? r : w.found >= 0;
}

/* has_subtree: whether g has a CORDON_GUARD_SUBTREE entry (for name[0..len); name NULL: any). */
static bool has_subtree(const struct cordon_guard_set *g, const char *name, size_t len)
{
	for (size_t i = 0; g && i < g->n; i++)
		if ((g->v[i].flags & CORDON_GUARD_SUBTREE) &&
		    (!name || name_matches(&g->v[i], name, len)))
			return true;
	return false;
}

/* moves_dir_in: renaming (p -> q, flags) would move a directory from outside every
 * CORDON_GUARD_SUBTREE tree into one (RENAME_EXCHANGE: either way). Such a directory may hold a
 * ".git" made where that is allowed; the caller answers EXDEV, and mv(1) copies instead, making
 * each name anew, where the guard sees it. An error fails closed (true). */
static bool moves_dir_in(struct guard_call *c, const struct guard_path *p,
			 const struct guard_path *q, unsigned int flags)
{
	struct stat sp, sq, o;

	if (!has_subtree(c->g, NULL, 0))
		return false;
	/* only a directory can hold a .git: a file's rename (an editor's save, git's index.lock)
	 * costs one fstatat here, and no walk */
	bool pdir = fstatat(p->parent, p->name, &o, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(o.st_mode);
	bool qdir = (flags & RENAME_EXCHANGE) &&
		    fstatat(q->parent, q->name, &o, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(o.st_mode);
	if (!pdir && !qdir)
		return false; /* ENOENT and the like: the kernel says so itself */
	if (guard_fstat(c, p->parent, &sp) < 0 || guard_fstat(c, q->parent, &sq) < 0)
		return true;
	long i;
	int a = subtree_of(c->g, p->parent, &sp, NULL, 0, &i);
	int b = subtree_of(c->g, q->parent, &sq, NULL, 0, &i);
	if (a < 0 || b < 0)
		return true;
	if (a == b)
		return false; /* both inside such trees, or both outside */
	/* the object that lands inside: p's for a plain rename, q's for an exchange into a */
	return b ? pdir : qdir;
}

bool guard_denied(struct guard_call *c, const struct guard_path *p, enum guard_role role)
{
	const struct cordon_guard_set *g = c->g;
	struct stat st;

	if (!g || g->n == 0)
		return false;
	if (guard_fstat(c, p->parent, &st) < 0)
		return true; /* fail closed */
	const struct cordon_guard_entry *en =
	    entry_of(g, &st, p->parent, p->name, p->namelen, role);
	if (!en && role == ROLE_CREATE && has_subtree(g, p->name, p->namelen)) {
		long i;
		int r = subtree_of(g, p->parent, &st, p->name, p->namelen, &i);
		if (r < 0)
			return true; /* fail closed */
		en = r ? &g->v[i] : NULL;
	}
	if (en) {
		guard_log_note(c, p);
		if (!c->reason[0])
			snprintf(c->reason, sizeof(c->reason), "%s",
				 cordon_guard_why_text(en->why));
		return true;
	}
	int b = beneath_guarded(c, p->parent, &st);
	if (b == 1)
		guard_log_note(c, p);
	return b != 0; /* an error fails closed (not logged: no guarded name was found) */
}

/* proc_kind: 0 when fd is not on procfs, 1 when it is the procfs root, 2 for any other procfs
 * directory (whose symbolic links are the "magic links" of proc(5)), or -errno. */
static int proc_kind(struct guard_call *c, int fd)
{
	struct statfs sf;
	struct stat st;
	int r = guard_fstat(c, fd, &st);
	if (r < 0)
		return r;
	/* procfs, like every filesystem without a block device, has an anonymous device number
	 * (major 0, the kernel's set_anon_super): any other major is not procfs, and the stat is
	 * one the call takes anyway (guard_fstat caches it), so fstatfs runs only for major 0 */
	if (major(st.st_dev) != 0)
		return 0;
	if (fstatfs(fd, &sf) < 0)
		return -errno;
	if (sf.f_type != PROC_SUPER_MAGIC)
		return 0;
	return st.st_ino == PROC_ROOT_INO ? 1 : 2;
}

/* proc_dir_is_target: 1 when the procfs directory fd lies in /proc/PID/ of the target's own
 * thread group (its own magic links, which the target may always follow), else -EACCES: the
 * worker's CAP_SYS_PTRACE must not let the target reach other processes' cwd, root or fds. */
static int proc_dir_is_target(struct guard_call *c, int fd)
{
	char lk[64], buf[PATH_MAX];
	snprintf(lk, sizeof(lk), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(lk, buf, sizeof(buf) - 1);
	if (n < 0)
		return -EACCES;
	buf[n] = '\0';
	if (strncmp(buf, "/proc/", 6) != 0)
		return -EACCES;
	char *end;
	long pid = strtol(buf + 6, &end, 10);
	if (end == buf + 6 || (*end != '/' && *end != '\0'))
		return -EACCES;
	return pid == c->task.tgid || pid == c->task.tid ? 1 : -EACCES;
}

/* link_text: (dirfd, name) is a symbolic link the target's lookup would follow. Returns 0 with
 * its text (as the target reads it: /proc/self and /proc/thread-self name the target) in out,
 * 1 when it is a magic link of the target's own /proc/PID that the kernel must follow itself,
 * or -errno. */
static int link_text(struct guard_call *c, int dirfd, const char *name, char *out, size_t size)
{
	int kind = proc_kind(c, dirfd);
	if (kind < 0)
		return kind;
	if (++c->links > MAXSYMLINKS)
		return -ELOOP;
	if (kind == 1 && strcmp(name, "self") == 0) {
		snprintf(out, size, "%d", (int)c->task.tgid);
		return 0;
	}
	if (kind == 1 && strcmp(name, "thread-self") == 0) {
		snprintf(out, size, "%d/task/%d", (int)c->task.tgid, (int)c->task.tid);
		return 0;
	}
	if (kind == 2)
		return proc_dir_is_target(c, dirfd);
	ssize_t n = readlinkat(dirfd, name, out, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

/* open_base: the directory a path is looked up from: the target's root for an absolute path,
 * its cwd for AT_FDCWD, else its open fd dfd. need_dir: the fd must be a directory (ENOTDIR
 * otherwise), false only for linkat's AT_EMPTY_PATH. Returns an fd owned by c or -errno. */
static int open_base(struct guard_call *c, int dfd, const char *path, bool need_dir)
{
	if (path[0] == '/')
		return c->rootfd;
	if (dfd == AT_FDCWD) {
		if (c->cwdfd < 0) {
			int r = guard_call_track(
			    c, openat(c->procfd, "cwd", O_PATH | O_DIRECTORY | O_CLOEXEC));
			if (r < 0)
				return r;
			c->cwdfd = r;
		}
		return c->cwdfd;
	}
	if (dfd < 0)
		return -EBADF;
	char nm[32];
	snprintf(nm, sizeof(nm), "fd/%d", dfd);
	int fd = openat(c->procfd, nm, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -EBADF : -errno;
	int r = guard_call_track(c, fd);
	if (r < 0 || !need_dir)
		return r;
	struct stat st;
	int e = guard_fstat(c, fd, &st);
	if (e < 0)
		return e;
	return S_ISDIR(st.st_mode) ? fd : -ENOTDIR;
}

/* walk: resolve the directory path dir from base one component at a time, following symbolic
 * links in the worker as the target would (its root, its /proc/self). Used only when the path
 * contains a symbolic link. Returns an O_PATH directory fd owned by c, or -errno. */
static int walk(struct guard_call *c, int base, const char *dir)
{
	char buf[2 * PATH_MAX], link[PATH_MAX];
	size_t len = strlen(dir);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	int cur = base;
	bool own = false;
	size_t pos = 0;
	int r = 0;

	if (buf[0] == '/')
		cur = c->rootfd;
	for (;;) {
		while (buf[pos] == '/')
			pos++;
		if (buf[pos] == '\0')
			break;
		size_t end = pos;
		while (buf[end] && buf[end] != '/')
			end++;
		size_t rest = buf[end] ? end + 1 : end;
		char comp[NAME_MAX + 1];
		if (end - pos > NAME_MAX) {
			r = -ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, buf + pos, end - pos);
		comp[end - pos] = '\0';
		pos = rest;
		if (strcmp(comp, ".") == 0)
			continue;

		int fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			goto out;
		}
		struct stat st;
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			close(fd);
			/* a guarded name that is a link: what lies behind it is guarded too */
			struct stat cs;
			if (c->g && (guard_fstat(c, cur, &cs) < 0 ||
				     entry_of(c->g, &cs, -1, comp, strlen(comp), ROLE_CREATE))) {
				r = -EACCES;
				goto out;
			}
			r = link_text(c, cur, comp, link, sizeof(link));
			if (r < 0)
				goto out;
			if (r == 1) {
				/* a magic link of the target's own /proc/PID: the kernel jumps */
				fd = openat(cur, comp, O_PATH | O_CLOEXEC);
				if (fd < 0) {
					r = -errno;
					goto out;
				}
				r = 0;
			} else {
				/* splice the link text in front of what remains */
				size_t ll = strlen(link), rl = strlen(buf + pos);
				if (ll + 1 + rl >= sizeof(buf)) {
					r = -ENAMETOOLONG;
					goto out;
				}
				memmove(buf + ll + 1, buf + pos, rl + 1);
				memcpy(buf, link, ll);
				buf[ll] = '/';
				pos = 0;
				if (link[0] == '/') {
					if (own)
						close(cur);
					cur = c->rootfd;
					own = false;
				}
				continue;
			}
		}
		if (own)
			close(cur);
		cur = fd;
		own = true;
	}
	struct stat st;
	if (fstat(cur, &st) < 0)
		r = -errno;
	else if (!S_ISDIR(st.st_mode))
		r = -ENOTDIR;
out:
	if (r < 0) {
		if (own)
			close(cur);
		return r;
	}
	return own ? guard_call_track(c, cur) : cur;
}

/* split_open: split path (our copy) into directory part and final component and open the
 * directory part from base. The final component keeps its trailing slashes so the kernel applies
 * its own trailing-slash rules; "." and ".." are passed through (they never name a new entry). */
static int split_open(struct guard_call *c, int base, const char *path, struct guard_path *p)
{
	size_t n = strlen(path), e = n;
	if (n == 0)
		return -ENOENT;
	while (e > 0 && path[e - 1] == '/')
		e--;
	if (e == 0) { /* "/", "//": the root itself */
		p->parent = c->rootfd;
		p->name = ".";
		p->namelen = 1;
		return 0;
	}
	size_t s = e;
	while (s > 0 && path[s - 1] != '/')
		s--;
	p->name = path + s;
	p->namelen = e - s;
	if (s == 0) {
		p->parent = base;
		return 0;
	}
	if (strspn(path, "/") == s) {
		p->parent = c->rootfd;
		return 0;
	}
	char dir[PATH_MAX];
	memcpy(dir, path, s);
	dir[s] = '\0';
	/* Fast path: no symbolic link on the way, the kernel resolves exactly as for the target
	 * (same root, same mounts). Any link, /proc/self among them, takes the careful walk. */
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_NO_SYMLINKS};
	int fd = (int)syscall(SYS_openat2, base, dir, &how, sizeof(how));
	if (fd < 0 && errno == ELOOP)
		fd = walk(c, base, dir);
	else
		fd = guard_call_track(c, fd);
	if (fd < 0)
		return fd;
	p->parent = fd;
	return 0;
}

/* resolve_from: split_open, then refuse a parent directory on procfs other than the target's own
 * /proc/PID (or a directory below it). The worker holds CAP_SYS_PTRACE and no Landlock domain:
 * opening /proc/OTHER/{mem,environ,maps} for the target would hand it what ptrace(2) access mode
 * checks and Landlock deny it, the worker's own memory among them (docs/threat-model.md §4, §5). */
static int resolve_from(struct guard_call *c, int base, const char *path, struct guard_path *p)
{
	int r = split_open(c, base, path, p);
	if (r < 0)
		return r;
	int kind = proc_kind(c, p->parent);
	if (kind < 0)
		return kind;
	if (kind == 0)
		return 0;
	return kind == 2 && proc_dir_is_target(c, p->parent) == 1 ? 0 : -EACCES;
}

int guard_resolve(struct guard_call *c, int dfd, const char *path, struct guard_path *p)
{
	if (path[0] == '\0')
		return -ENOENT;
	int base = open_base(c, dfd, path, true);
	if (base < 0)
		return base;
	return resolve_from(c, base, path, p);
}

/* follow_final: (p) names a symbolic link that the call follows; re-resolve p to what it points
 * to, in buf. Returns 0 (p updated), 1 when the kernel must follow a magic link itself, -errno. */
int guard_follow_final(struct guard_call *c, struct guard_path *p, char *buf, size_t size)
{
	char name[NAME_MAX + 1];
	if (p->namelen > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, p->name, p->namelen);
	name[p->namelen] = '\0';
	int r = link_text(c, p->parent, name, buf, size);
	if (r != 0)
		return r;
	if (buf[0] == '\0')
		return -ENOENT;
	return resolve_from(c, buf[0] == '/' ? c->rootfd : p->parent, buf, p);
}

/* reply: answer the notification with 0 or -err (seccomp_unotify(2)). */
int guard_reply(struct guard_call *c, int err, int64_t val)
{
	struct seccomp_notif_resp resp = {.id = c->id, .val = val, .error = -err, .flags = 0};
	/* libseccomp reports every failure alike; all mean the answer was not delivered */
	return seccomp_notify_respond(c->listener, &resp) != 0 ? -ENOENT : 0;
}

/* set_umask: the target's umask for the next creating call, so that the kernel applies it (or a
 * default ACL instead) exactly as for the target. */
static void set_umask(struct guard_call *c)
{
	if (c->worker_umask != c->task.umask) {
		umask(c->task.umask);
		c->worker_umask = c->task.umask;
	}
}

void guard_use_umask(struct guard_call *c)
{
	set_umask(c);
}

bool guard_object_read_only(const struct cordon_guard_set *g, const struct stat *st)
{
	return object_read_only(g, st);
}

/* inject: install fd in the target and complete its call with the new number, atomically
 * (SECCOMP_ADDFD_FLAG_SEND, kernel >= 5.14). The target's RLIMIT_NOFILE applies. */
static int inject(struct guard_call *c, int fd, unsigned int oflags)
{
	struct seccomp_notif_addfd a = {.id = c->id,
					.flags = SECCOMP_ADDFD_FLAG_SEND,
					.srcfd = (unsigned int)fd,
					.newfd = 0,
					.newfd_flags = oflags & O_CLOEXEC};
	if (ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a) >= 0)
		return 0;
	int err = errno;
	if (err != ENOENT) /* EMFILE etc.: the call is still pending, fail it as open would */
		guard_reply(c, err, 0);
	return -err;
}

/* A blocking open (FIFO without a peer) is finished on its own thread, so the worker keeps
 * serving other calls; the thread owns copies of everything it uses. */
bool guard_wait_begin(int *waiting)
{
	if (!waiting)
		return true;
	if (__atomic_add_fetch(waiting, 1, __ATOMIC_SEQ_CST) > GUARD_MAX_WAITING) {
		__atomic_sub_fetch(waiting, 1, __ATOMIC_SEQ_CST);
		return false;
	}
	return true;
}

void guard_wait_end(int *waiting)
{
	if (waiting)
		__atomic_sub_fetch(waiting, 1, __ATOMIC_SEQ_CST);
}

struct blocking_open {
	int listener, parent;
	int *waiting;
	uint64_t id;
	unsigned int flags;
	char name[PATH_MAX];
};

static void *blocking_open_run(void *arg)
{
	struct blocking_open *b = arg;
	struct guard_call c = {.listener = b->listener, .id = b->id};
	int fd = openat(b->parent, b->name, (int)(b->flags | O_NOCTTY | O_CLOEXEC));
	if (fd < 0)
		guard_reply(&c, errno, 0);
	else {
		inject(&c, fd, b->flags);
		close(fd);
	}
	close(b->parent);
	guard_wait_end(b->waiting);
	free(b);
	return NULL;
}

static int open_blocking(struct guard_call *c, const struct guard_path *p, unsigned int flags,
			 bool magic)
{
	if (!guard_wait_begin(c->waiting))
		return -EAGAIN;
	struct blocking_open *b = calloc(1, sizeof(*b));
	if (!b) {
		guard_wait_end(c->waiting);
		return -ENOMEM;
	}
	b->listener = c->listener;
	b->waiting = c->waiting;
	b->id = c->id;
	/* the FIFO was checked: never create or follow anything else if it has been replaced */
	b->flags = flags & ~(unsigned int)(O_CREAT | O_EXCL | O_TRUNC);
	if (!magic)
		b->flags |= O_NOFOLLOW;
	snprintf(b->name, sizeof(b->name), "%s", p->name);
	b->parent = fcntl(p->parent, F_DUPFD_CLOEXEC, 0);
	pthread_attr_t at;
	pthread_t t;
	int r = -ENOMEM;
	if (b->parent >= 0 && pthread_attr_init(&at) == 0) {
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		r = -pthread_create(&t, &at, blocking_open_run, b);
		pthread_attr_destroy(&at);
	}
	if (r < 0) {
		if (b->parent >= 0)
			close(b->parent);
		guard_wait_end(b->waiting);
		free(b);
		return r;
	}
	return 1;
}

/* open_ctty: /dev/tty (char 5:0) names the caller's controlling terminal (tty(4)), which the
 * worker, leading a session of its own, does not have: open the fd of the target's that holds
 * that terminal (tty_nr of /proc/TID/stat, proc(5)) through its magic link instead, with the
 * target's flags and O_NOCTTY, and inject it. ENXIO, as the kernel answers, when the target has
 * no controlling terminal or holds no fd of it. Returns 1 when replied, else -errno. */
static int open_ctty(struct guard_call *c, unsigned int flags)
{
	char buf[1024], nm[32];
	unsigned long long tty = 0;
	int fd = openat(c->procfd, "stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -ENXIO;
	buf[n] = '\0';
	char *rp = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!rp || sscanf(rp + 1, " %*c %*d %*d %*d %llu", &tty) != 1 || tty == 0)
		return -ENXIO;
	int dfd = openat(c->procfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return -ENXIO;
	}
	int found = -1;
	for (struct dirent *de; found < 0 && (de = readdir(d));) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(dfd, de->d_name, &st, 0) < 0)
			continue;
		if (S_ISCHR(st.st_mode) && st.st_rdev == (dev_t)tty)
			found = atoi(de->d_name);
	}
	closedir(d);
	if (found < 0)
		return -ENXIO;
	snprintf(nm, sizeof(nm), "fd/%d", found);
	fd = openat(
	    c->procfd, nm,
	    (int)((flags & ~(unsigned int)(O_CREAT | O_EXCL | O_TRUNC)) | O_NOCTTY | O_CLOEXEC));
	if (fd < 0)
		return -errno;
	inject(c, fd, flags);
	close(fd);
	return 1;
}

/* do_open: open(2)/openat(2)/creat(2) with O_CREAT. Symbolic links in the final component are
 * followed here (O_NOFOLLOW on each try) so that every name the call could create is checked.
 * Returns 1 when the reply was sent, else -errno for the caller to send. */
static int do_open(struct guard_call *c, struct guard_req *r)
{
	unsigned int flags = r->flags;
	bool follow = !(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL));
	bool nonblock = flags & O_NONBLOCK;
	/* O_CREAT|O_EXCL opens only a regular file it makes itself (open(2): it fails with EEXIST
	 * on anything there, a FIFO or a link among them), which never blocks: no O_NONBLOCK to
	 * add and clear again */
	bool fresh = (flags & O_CREAT) && (flags & O_EXCL) && !(flags & O_PATH);
	bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	bool magic = false;
	struct guard_path p;
	char link[PATH_MAX];
	int fd;

	int e = guard_resolve(c, r->dfd[0], r->path[0], &p);
	for (;;) {
		if (e < 0)
			return e;
		if (guard_denied(c, &p, ROLE_CREATE))
			return -EACCES;
		/* O_NONBLOCK so that a FIFO without a peer cannot stall the worker; cleared below.
		 */
		unsigned int of = flags | O_NOCTTY | O_CLOEXEC | (fresh ? 0 : O_NONBLOCK);
		if (!magic)
			of |= O_NOFOLLOW;
		/* a writing open truncates only once the file it reached is known not to be
		 * read-only inside (below): the name could be swapped for a hard link meanwhile */
		if (writes && (flags & O_ACCMODE) != O_RDONLY)
			of &= ~(unsigned int)O_TRUNC;
		set_umask(c);
		fd = openat(p.parent, p.name, (int)of, r->mode & ~(mode_t)(S_ISUID | S_ISGID));
		if (fd >= 0 && (flags & O_PATH) && follow && !magic) {
			/* O_PATH drops O_CREAT, and with O_NOFOLLOW it opens a link itself */
			struct stat st;
			if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
				close(fd);
				fd = -1;
				errno = ELOOP;
			}
		}
		if (fd >= 0 || errno != ELOOP || !follow || magic)
			break;
		e = guard_follow_final(c, &p, link, sizeof(link));
		if (e == 1) {
			magic = true;
			e = 0;
		}
	}
	if (fd < 0) {
		struct stat tst;
		if (errno == ENXIO &&
		    fstatat(p.parent, p.name, &tst, magic ? 0 : AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISCHR(tst.st_mode) && tst.st_rdev == makedev(5, 0))
			return open_ctty(c, flags);
		if (errno == ENXIO && !nonblock) {
			struct stat st;
			if (fstatat(p.parent, p.name, &st, magic ? 0 : AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISFIFO(st.st_mode))
				return open_blocking(c, &p, flags, magic);
		}
		return -errno;
	}
	struct stat st;
	bool st_ok = !(flags & O_PATH) && fstat(fd, &st) == 0;
	if (writes && !(flags & O_PATH)) {
		/* a file read-only inside (a pin) stays so by every name: a hard link of it in a
		 * writable tree, or a magic link to it */
		if (!st_ok || object_read_only(c->g, &st)) {
			close(fd);
			guard_log_note(c, &p);
			return -EACCES;
		}
		if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && S_ISREG(st.st_mode) &&
		    ftruncate(fd, 0) < 0) {
			int err = errno;
			close(fd);
			return -err;
		}
	}
	if (!nonblock && !(flags & O_PATH) && !fresh) {
		if (st_ok && S_ISFIFO(st.st_mode) && (flags & O_ACCMODE) == O_RDONLY) {
			/* without O_NONBLOCK, reading from a FIFO waits for a writer (fifo(7)) */
			close(fd);
			return open_blocking(c, &p, flags, magic);
		}
		/* F_SETFL changes only O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME, O_NONBLOCK
		 * (fcntl(2)) */
		if (fcntl(fd, F_SETFL, (int)flags & ~O_NONBLOCK) < 0) {
			int err = errno;
			close(fd);
			return -err;
		}
	}
	e = inject(c, fd, flags);
	close(fd);
	if (e < 0 && (flags & O_CREAT) && (flags & O_EXCL) && !magic)
		/* the target never learned of the file it asked to create exclusively: remove it so
		 * a restarted call does not fail with EEXIST */
		unlinkat(p.parent, p.name, 0);
	return 1;
}

/* undo: remove a name the worker created when its reply could not be delivered (the target was
 * interrupted and will restart the call, or died). */
static void undo(const struct guard_path *p, bool dir)
{
	unlinkat(p->parent, p->name, dir ? AT_REMOVEDIR : 0);
}

static int finish(struct guard_call *c, int res, const struct guard_path *undo_p, bool dir)
{
	int err = res < 0 ? errno : 0;
	if (guard_reply(c, err, 0) < 0 && res == 0 && undo_p)
		undo(undo_p, dir);
	return 1;
}

/* chmod_object: chmod(2) of the object open at the O_PATH fd (through its magic link, so the
 * object checked is the one changed even if its name is swapped meanwhile), unless the guard set
 * names it. Returns the reply's errno (0: done). */
static int chmod_object(struct guard_call *c, int fd, const struct guard_path *p, mode_t mode)
{
	struct stat st;
	char lk[64];

	if (guard_fstat(c, fd, &st) < 0)
		return EACCES; /* fail closed */
	if (object_guarded(c->g, &st) || (p && guard_denied(c, p, ROLE_MODE))) {
		if (p)
			guard_log_note(c, p);
		return EACCES;
	}
	if (S_ISLNK(st.st_mode))
		return EOPNOTSUPP; /* fchmodat2(2) AT_SYMLINK_NOFOLLOW on a link */
	/* No set-user-ID or set-group-ID program is made inside: one owned by root (a root
	 * session's files are root's) would give root to whoever runs it outside later. A
	 * set-group-ID directory only passes its group on. */
	if ((mode & S_ISUID) || ((mode & S_ISGID) && !S_ISDIR(st.st_mode))) {
		if (p)
			guard_log_note(c, p);
		snprintf(c->reason, sizeof(c->reason), "set-user-ID or set-group-ID bit");
		return EPERM;
	}
	snprintf(lk, sizeof(lk), "/proc/self/fd/%d", fd);
	return chmod(lk, mode) < 0 ? errno : 0;
}

/* do_chmod: chmod(2), fchmod(2), fchmodat(2), fchmodat2(2). The mode of an entry the guard set
 * names (git's .git, objects, refs, HEAD among them: mode 000 would make git stop seeing the
 * repository) is never changed; every other chmod is done on the object checked. Returns 1 when
 * replied, else the -errno to reply with. */
static int do_chmod(struct guard_call *c, struct guard_req *r)
{
	struct guard_path p;
	char link[PATH_MAX];
	int e, fd;

	if (r->flags & ~(unsigned int)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (r->by_fd || ((r->flags & AT_EMPTY_PATH) && r->path[0][0] == '\0')) {
		char nm[32];
		if (r->dfd[0] == AT_FDCWD)
			fd = open_base(c, AT_FDCWD, ".", true);
		else {
			if (r->dfd[0] < 0)
				return -EBADF;
			snprintf(nm, sizeof(nm), "fd/%d", r->dfd[0]);
			fd = guard_call_track(c, openat(c->procfd, nm, O_PATH | O_CLOEXEC));
			if (fd == -ENOENT)
				fd = -EBADF;
		}
		if (fd < 0)
			return fd;
		e = chmod_object(c, fd, NULL, r->mode);
		return e ? -e : (guard_reply(c, 0, 0), 1);
	}
	if ((e = guard_resolve(c, r->dfd[0], r->path[0], &p)) < 0)
		return e;
	bool magic = false;
	while (!(r->flags & AT_SYMLINK_NOFOLLOW)) {
		struct stat st;
		if (fstatat(p.parent, p.name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
			break;
		e = guard_follow_final(c, &p, link, sizeof(link));
		if (e == 1) {
			magic = true;
			break;
		}
		if (e < 0)
			return e;
	}
	fd = guard_call_track(
	    c, openat(p.parent, p.name, O_PATH | O_CLOEXEC | (magic ? 0 : O_NOFOLLOW)));
	if (fd < 0)
		return fd;
	e = chmod_object(c, fd, &p, r->mode);
	return e ? -e : (guard_reply(c, 0, 0), 1);
}

int guard_xattr(struct guard_call *c, struct guard_req *r)
{
	struct guard_path p, *pp = NULL;
	char lk[PATH_MAX + 64], link[PATH_MAX];
	struct stat st;
	int fd, e;

	if (r->by_fd) {
		char nm[32];
		if (r->dfd[0] < 0)
			return -EBADF;
		snprintf(nm, sizeof(nm), "fd/%d", r->dfd[0]);
		fd = guard_call_track(c, openat(c->procfd, nm, O_PATH | O_CLOEXEC));
		if (fd < 0)
			return fd == -ENOENT ? -EBADF : fd;
	} else {
		if ((e = guard_resolve(c, r->dfd[0], r->path[0], &p)) < 0)
			return e;
		bool magic = false;
		while (!r->xnofollow) {
			if (fstatat(p.parent, p.name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISLNK(st.st_mode))
				break;
			e = guard_follow_final(c, &p, link, sizeof(link));
			if (e == 1) {
				magic = true;
				break;
			}
			if (e < 0)
				return e;
		}
		fd = guard_call_track(
		    c, openat(p.parent, p.name, O_PATH | O_CLOEXEC | (magic ? 0 : O_NOFOLLOW)));
		if (fd < 0)
			return fd;
		pp = &p;
	}
	/* An ACL can take from the owner what chmod would (xattr(7), acl(5)): not on an entry the
	 * guard keeps. */
	if (!strncmp(r->path[1], "system.posix_acl_", 17) &&
	    (guard_fstat(c, fd, &st) < 0 || object_guarded(c->g, &st) ||
	     (pp && guard_denied(c, pp, ROLE_MODE)))) {
		if (pp)
			guard_log_note(c, pp);
		return -EACCES;
	}
	/* on the object opened above, through its magic link */
	snprintf(lk, sizeof(lk), "/proc/self/fd/%d", fd);
	int res =
	    r->xsize == (size_t)-1
		? (r->xnofollow ? lremovexattr(lk, r->path[1]) : removexattr(lk, r->path[1]))
		: (r->xnofollow ? lsetxattr(lk, r->path[1], r->xvalue, r->xsize, (int)r->flags)
				: setxattr(lk, r->path[1], r->xvalue, r->xsize, (int)r->flags));
	guard_reply(c, res < 0 ? errno : 0, 0);
	return 1;
}

int guard_perform(struct guard_call *c, struct guard_req *r, int64_t *val, int *err)
{
	struct guard_path p, q;
	int e, res;
	(void)val;

	if (!same_creds(c->self, &c->task)) {
		*err = EPERM; /* cannot act with the target's credentials: fail closed */
		return 0;
	}
	c->links = 0;
	switch (r->op) {
	case GOP_OPEN:
		e = do_open(c, r);
		break;
	case GOP_MKDIR:
		if ((e = guard_resolve(c, r->dfd[0], r->path[0], &p)) < 0)
			break;
		if (guard_denied(c, &p, ROLE_CREATE)) {
			e = -EACCES;
			break;
		}
		set_umask(c);
		res = mkdirat(p.parent, p.name, r->mode & ~(mode_t)S_ISUID);
		e = finish(c, res, &p, true);
		break;
	case GOP_MKNOD:
		if ((e = guard_resolve(c, r->dfd[0], r->path[0], &p)) < 0)
			break;
		if (guard_denied(c, &p, ROLE_CREATE)) {
			e = -EACCES;
			break;
		}
		set_umask(c);
		/* the raw 32-bit dev argument, decoded by the kernel as for the target */
		res = (int)syscall(SYS_mknodat, p.parent, p.name,
				   (unsigned int)(r->mode & ~(mode_t)(S_ISUID | S_ISGID)), r->dev);
		e = finish(c, res, &p, false);
		break;
	case GOP_SYMLINK:
		if ((e = guard_resolve(c, r->dfd[1], r->path[1], &p)) < 0)
			break;
		if (r->target[0] == '\0') {
			e = -ENOENT;
			break;
		}
		if (guard_denied(c, &p, ROLE_CREATE)) {
			e = -EACCES;
			break;
		}
		res = symlinkat(r->target, p.parent, p.name);
		e = finish(c, res, &p, false);
		break;
	case GOP_LINK: {
		char link[PATH_MAX];
		int lflags = 0;
		if (r->flags & ~(unsigned int)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) {
			e = -EINVAL;
			break;
		}
		if ((r->flags & AT_EMPTY_PATH) && r->path[0][0] == '\0') {
			e = open_base(c, r->dfd[0], r->path[0], false);
			if (e < 0)
				break;
			p.parent = e;
			p.name = "";
			lflags = AT_EMPTY_PATH;
		} else {
			if ((e = guard_resolve(c, r->dfd[0], r->path[0], &p)) < 0)
				break;
			while (r->flags & AT_SYMLINK_FOLLOW) {
				struct stat st;
				if (fstatat(p.parent, p.name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
				    !S_ISLNK(st.st_mode))
					break;
				e = guard_follow_final(c, &p, link, sizeof(link));
				if (e == 1)
					lflags = AT_SYMLINK_FOLLOW;
				if (e != 0)
					break;
			}
			if (e < 0)
				break;
		}
		if ((e = guard_resolve(c, r->dfd[1], r->path[1], &q)) < 0)
			break;
		/* the source too: a second name for a guarded file would let it be written through
		 */
		if (guard_denied(c, &q, ROLE_CREATE) ||
		    (p.name[0] && guard_denied(c, &p, ROLE_CREATE))) {
			e = -EACCES;
			break;
		}
		res = linkat(p.parent, p.name, q.parent, q.name, lflags);
		e = finish(c, res, &q, false);
		break;
	}
	case GOP_RENAME:
		if ((e = guard_resolve(c, r->dfd[0], r->path[0], &p)) < 0)
			break;
		if ((e = guard_resolve(c, r->dfd[1], r->path[1], &q)) < 0)
			break;
		if (guard_denied(c, &p, ROLE_REMOVE) ||
		    guard_denied(c, &q, (r->flags & RENAME_EXCHANGE) ? ROLE_REMOVE : ROLE_CREATE)) {
			e = -EACCES;
			break;
		}
		if (moves_dir_in(c, &p, &q, r->flags)) {
			e = -EXDEV;
			break;
		}
		res = renameat2(p.parent, p.name, q.parent, q.name, r->flags);
		e = finish(c, res, NULL, false);
		break;
	case GOP_CHMOD:
		e = do_chmod(c, r);
		break;
	case GOP_CONNECT:
		e = guard_connect(c, r);
		break;
	case GOP_BIND:
		e = guard_bind(c, r);
		break;
	case GOP_XATTR:
		e = guard_xattr(c, r);
		break;
	case GOP_TRUNCATE:
		e = guard_truncate(c, r);
		break;
	case GOP_UNLINK:
		/* Performed here, never answered with SECCOMP_USER_NOTIF_FLAG_CONTINUE, though
		 * removing makes no name: the guard refuses removing a guarded name (ROLE_REMOVE:
		 * git's HEAD and config, a pin), and with CONTINUE the kernel would look the path
		 * up again, from the target's memory and directories as they are then. Another
		 * thread could rewrite the string, or swap a directory or link on the way, between
		 * the check and that lookup (seccomp_unotify(2): CONTINUE must not decide on what
		 * the target can change); here the call runs on the parent fd that was checked. The
		 * same holds for rename, whose source is a removal. */
		if (r->flags & ~(unsigned int)AT_REMOVEDIR) {
			e = -EINVAL;
			break;
		}
		if ((e = guard_resolve(c, r->dfd[0], r->path[0], &p)) < 0)
			break;
		if (guard_denied(c, &p, ROLE_REMOVE)) {
			e = -EACCES;
			break;
		}
		if (p.parent == c->rootfd && strcmp(p.name, ".") == 0 &&
		    (r->flags & AT_REMOVEDIR)) {
			e = -EBUSY; /* rmdir("/") */
			break;
		}
		res = unlinkat(p.parent, p.name, (int)r->flags);
		e = finish(c, res, NULL, false);
		break;
	default:
		e = -EPERM;
	}
	if (e == 1)
		return 1;
	*err = -e;
	return 0;
}
