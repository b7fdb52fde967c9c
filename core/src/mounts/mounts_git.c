/* mounts_git.c — what decides whether git sees a repository, kept out of a confined process's
 * reach: the names git's discovery reads at each writable root, and every git directory at or
 * below a writable root with its hooks, configuration and the entries that make it valid.
 *
 * git's discovery (git-rev-parse(1), setup.c) looks in each directory, from the current one
 * upwards, first for ".git" (a directory, or a file "gitdir: PATH"), then at the directory itself
 * as a bare repository (HEAD, objects/ and refs/; gitrepository-layout(5)). A confined process
 * that could make .git invalid and then lay out HEAD, objects, refs and config in a writable root
 * would have git, run there later outside the sandbox, read that config (core.fsmonitor, hooks).
 * So at each writable root HEAD cannot be created (or, when it exists, changed); in each git
 * directory hooks, config, config.worktree and commondir are read-only or guarded, and HEAD,
 * objects and refs, and the directory itself, cannot be removed, moved away or chmod'ed (mount
 * points, CORDON_GUARD_KEEP).
 *
 * A repository inside another's working tree is used by git run outside: a gitlink added to the
 * outer index (which stays writable) makes `git status` look into it, running its config
 * (core.fsmonitor), and `git submodule update` takes a git directory it finds in .git/modules.
 * So no ".git" is created anywhere in the working tree of a repository found here, nor a
 * directory moved in from outside (CORDON_GUARD_SUBTREE), and nothing new is added to
 * .git/modules (an empty prefix entry), nor .git/modules made. The attacks are
 * docs/threat-model.md §38 and §39; what remains, README.md, "Dangerous names that do not
 * exist yet". */
#include "mounts_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Directories looked at below the writable roots, at most; then the scan stops and says so. */
#define SCAN_MAX_DIRS 50000
#define SCAN_MAX_DEPTH 64

/* The directories from the writable root down to the one being scanned. */
struct anc {
	int fd;
	const struct anc *up;
};

struct scan {
	struct mnt_ctx *c;
	int budget;
	bool cut;
};

/* is_gitdir: fd is a git directory as git's is_git_directory() sees one. */
static bool is_gitdir(int fd)
{
	struct stat st;
	return fstatat(fd, "HEAD", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
	       fstatat(fd, "objects", &st, 0) == 0 && S_ISDIR(st.st_mode) &&
	       fstatat(fd, "refs", &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static void shown_of(int fd, char *shown)
{
	if (mnt_canon(fd, shown, PATH_MAX) < 0)
		snprintf(shown, PATH_MAX, "?");
}

/* deny_in: the mandatory deny name beneath the directory fd (hooks, config, ...). */
static int deny_in(struct mnt_ctx *c, int fd, const char *name)
{
	char shown[PATH_MAX];
	shown_of(fd, shown);
	return mnt_walk(c, fd, name, shown);
}

/* keep_in: fd/name, when it exists, may be replaced but not removed, moved away or chmod'ed; a
 * directory also becomes a mount point (rename and rmdir: EBUSY). */
static int keep_in(struct mnt_ctx *c, int fd, const char *name)
{
	char shown[PATH_MAX];
	struct stat st;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	shown_of(fd, shown);
	if (S_ISDIR(st.st_mode)) {
		int p = mnt_pin_dir(c, fd, name, shown);
		if (p < 0)
			return p;
		close(p);
	}
	return mnt_guard_at(c, fd, name, shown, CORDON_GUARD_KEEP);
}

static int protect_admin(struct mnt_ctx *c, int afd, bool follow_common);

static int protect_gitdir(struct mnt_ctx *c, int dirfd, const char *name);

/* protect_modules: every git directory below dfd/modules (a submodule's name may hold slashes, so
 * directories that are not git directories are descended into). */
static int protect_modules(struct mnt_ctx *c, int dfd, int depth)
{
	int m =
	    openat(dfd, depth ? "." : "modules", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = m >= 0 ? fdopendir(m) : NULL;
	int r = 0;

	if (m >= 0 && !d)
		close(m);
	if (!d || depth > 16) {
		if (d)
			closedir(d);
		return 0;
	}
	/* no new entry: a git directory seeded here would be taken by `git submodule update` */
	c->why = CORDON_WHY_GIT_NESTED;
	char shown[PATH_MAX];
	shown_of(m, shown);
	r = mnt_guard_at(c, m, "", shown, CORDON_GUARD_PREFIX);
	c->why = CORDON_WHY_GIT;
	for (struct dirent *de; r == 0 && (de = readdir(d));) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		int sub = openat(m, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (is_gitdir(sub))
			r = protect_gitdir(c, m, de->d_name); /* its own modules too */
		else
			r = protect_modules(c, sub, depth + 1);
		close(sub);
	}
	closedir(d);
	return r;
}

/* protect_gitdir_fd: the protections of one git directory, open at gfd. */
static int protect_gitdir_fd(struct mnt_ctx *c, int gfd)
{
	static const char *const denies[] = {"hooks", "commondir", NULL};
	static const char *const configs[] = {"config", "config.worktree", NULL};
	static const char *const keeps[] = {"HEAD", "objects", "refs", NULL};
	int r = 0;

	if (mnt_on_ro_mount(gfd))
		return 0; /* nothing in it can be written */
	for (size_t i = 0; r == 0 && denies[i]; i++)
		r = deny_in(c, gfd, denies[i]);
	c->why = CORDON_WHY_GIT_CONFIG;
	for (size_t i = 0; r == 0 && !c->p->allow_git_config && configs[i]; i++)
		r = deny_in(c, gfd, configs[i]);
	c->why = CORDON_WHY_GIT;
	for (size_t i = 0; r == 0 && keeps[i]; i++)
		r = keep_in(c, gfd, keeps[i]);
	/* submodules' git directories (gitsubmodules(7)): writable, each protected as a git
	 * directory; no new one, and no modules directory where there is none */
	if (r == 0 && faccessat(gfd, "modules", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		r = protect_modules(c, gfd, 0);
	} else if (r == 0) {
		c->why = CORDON_WHY_GIT_NESTED;
		r = deny_in(c, gfd, "modules");
		c->why = CORDON_WHY_GIT;
	}
	/* linked worktrees' administrative directories (git-worktree(1)) */
	int wt =
	    r == 0 ? openat(gfd, "worktrees", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	DIR *d = wt >= 0 ? fdopendir(wt) : NULL;
	if (wt >= 0 && !d)
		close(wt);
	for (struct dirent *de; r == 0 && d && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		int a = openat(wt, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (a < 0)
			continue;
		r = protect_admin(c, a, false); /* its commondir is this directory */
		close(a);
	}
	if (d)
		closedir(d);
	return r;
}

/* protect_gitdir: dirfd/name is a git directory: pin it, keep its mode, protect its contents. */
static int protect_gitdir(struct mnt_ctx *c, int dirfd, const char *name)
{
	char shown[PATH_MAX];
	shown_of(dirfd, shown);
	int g = mnt_pin_dir(c, dirfd, name, shown);
	if (g < 0)
		return g;
	int r = mnt_on_ro_mount(g) ? 0 : mnt_guard_at(c, dirfd, name, shown, CORDON_GUARD_KEEP);
	if (r == 0)
		r = protect_gitdir_fd(c, g);
	close(g);
	return r;
}

/* read_link_file: the first line of dirfd/name after prefix ("gitdir: ", or none for
 * commondir), trailing whitespace cut, in out (PATH_MAX). Returns 0 or -1. */
static int read_link_file(int dirfd, const char *name, const char *prefix, char *out)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, out, PATH_MAX - 1);
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	for (size_t l = strlen(out); l > 0 && (out[l - 1] == ' ' || out[l - 1] == '\r'); l--)
		out[l - 1] = '\0';
	size_t pl = strlen(prefix);
	if (strncmp(out, prefix, pl) != 0 || !out[pl])
		return -1;
	memmove(out, out + pl, strlen(out + pl) + 1);
	return 0;
}

/* protect_admin: a worktree's administrative directory (.git/worktrees/NAME, or what a .git
 * file names): its commondir, gitdir and config.worktree, HEAD kept; then, with follow_common,
 * the common directory it names, when writable, as a git directory. */
static int protect_admin(struct mnt_ctx *c, int afd, bool follow_common)
{
	char common[PATH_MAX];
	int r = 0;

	if (mnt_on_ro_mount(afd))
		return 0;
	if (!is_gitdir(afd) && faccessat(afd, "commondir", F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		return 0; /* not git's */
	r = deny_in(c, afd, "commondir");
	if (r == 0)
		r = deny_in(c, afd, "gitdir");
	if (r == 0 && !c->p->allow_git_config)
		r = deny_in(c, afd, "config.worktree");
	if (r == 0)
		r = keep_in(c, afd, "HEAD");
	if (r == 0 && !follow_common)
		return 0;
	if (r == 0 && read_link_file(afd, "commondir", "", common) == 0) {
		int cfd = mnt_open(afd, common, O_DIRECTORY, RESOLVE_NO_MAGICLINKS);
		if (cfd >= 0) {
			if (is_gitdir(cfd))
				r = protect_gitdir_fd(c, cfd);
			close(cfd);
		}
	} else if (r == 0 && is_gitdir(afd)) {
		r = protect_gitdir_fd(c, afd); /* a submodule's git directory */
	}
	return r;
}

/* dotgit_of: lstat of dfd/.git into *st; false when there is none. Taken once per directory and
 * handed to protect_dotgit, working_tree and the scan: neither changes its type (a bind mount
 * of a directory or file over itself keeps it). */
static bool dotgit_of(int dfd, struct stat *st)
{
	return fstatat(dfd, ".git", st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* protect_dotgit: the ".git" in the directory dfd (dg: its lstat, NULL when there is none): a
 * directory is a git directory; a file (a linked worktree or a submodule checkout) is bound
 * read-only and what its "gitdir:" line names is protected. */
static int protect_dotgit(struct mnt_ctx *c, int dfd, const struct stat *dg)
{
	char target[PATH_MAX];

	if (!dg)
		return 0;
	if (S_ISDIR(dg->st_mode))
		return protect_gitdir(c, dfd, ".git");
	if (!S_ISREG(dg->st_mode))
		return deny_in(c, dfd, ".git"); /* a link: guarded, its target protected */
	int r = deny_in(c, dfd, ".git");
	if (r < 0 || read_link_file(dfd, ".git", "gitdir: ", target) < 0)
		return r;
	int a = mnt_open(dfd, target, O_DIRECTORY, RESOLVE_NO_MAGICLINKS);
	if (a < 0)
		return 0;
	r = protect_admin(c, a, true);
	close(a);
	return r;
}

/* guard_heads: git looks in each directory, from where it runs upwards, first for .git and
 * then at the directory itself as a bare repository (setup.c, setup_git_directory_gently): a
 * repository whose .git is made invalid (garbage in HEAD, an ACL) falls through to its own
 * directory, then to each parent. So in the repository's directory and in every directory above
 * it up to the writable root, HEAD cannot be made (an existing one is read-only). */
static int guard_heads(struct mnt_ctx *c, int dfd, const struct anc *up)
{
	int r = deny_in(c, dfd, "HEAD");
	for (const struct anc *a = up; r == 0 && a; a = a->up)
		r = deny_in(c, a->fd, "HEAD");
	return r;
}

/* working_tree: dfd is a repository's working tree (dg, the lstat of its ".git", is a directory,
 * or a file of a linked worktree or submodule): no ".git", and no "HEAD" outside a git directory,
 * is made at or below it (CORDON_GUARD_SUBTREE). dg NULL: there is no .git. */
static int working_tree(struct mnt_ctx *c, int dfd, const struct stat *dg)
{
	char shown[PATH_MAX];

	if (!dg || !(S_ISDIR(dg->st_mode) || S_ISREG(dg->st_mode)))
		return 0;
	shown_of(dfd, shown);
	c->why = CORDON_WHY_GIT_NESTED;
	int r = mnt_guard_at(c, dfd, ".git", shown, CORDON_GUARD_SUBTREE);
	/* nor a HEAD outside its git directories: with objects/ and refs/ beside it, a directory
	 * of the working tree is a bare repository to git run below it */
	if (r == 0)
		r = mnt_guard_at(c, dfd, "HEAD", shown, CORDON_GUARD_SUBTREE);
	c->why = CORDON_WHY_GIT;
	return r;
}

/* nlink_counts_subdirs: on a file system of type f_type (statfs(2)), a directory's link count is
 * 2 plus its number of subdirectories, so 2 means it has none. True of ext2/3/4 (one magic), XFS
 * and tmpfs; not of btrfs (always 1), overlayfs, FUSE or network file systems, whose counts are
 * not that, so those are always read. (ext4 with dir_nlink sets 1 past 65000 subdirectories:
 * not 2, read too.) */
static bool nlink_counts_subdirs(__fsword_t f_type)
{
	switch ((unsigned long)f_type) {
	case EXT4_SUPER_MAGIC: /* = EXT2_ and EXT3_SUPER_MAGIC */
	case XFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
		return true;
	default:
		return false;
	}
}

/* scan_dir: every directory below dfd (depth-first, not through links, not into read-only
 * mounts or .git): protect its .git, or itself when it is a bare repository, and the names git's
 * discovery would fall back to (guard_heads). up: dfd's ancestors up to the writable root. */
static int scan_dir(struct scan *s, int dfd, const struct anc *up, int depth)
{
	int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
	struct anc me = {.fd = dfd, .up = up};
	int r = 0;

	if (!d) {
		if (dup >= 0)
			close(dup);
		return 0;
	}
	for (struct dirent *de; r == 0 && (de = readdir(d));) {
		const char *n = de->d_name;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, ".git"))
			continue;
		if (s->budget <= 0 || depth >= SCAN_MAX_DEPTH) {
			s->cut = true;
			break;
		}
		int cfd = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct statfs sf;
		struct stat dg, cst;
		if (cfd < 0)
			continue;
		s->budget--;
		/* mnt_on_ro_mount, keeping the file system type for the leaf test below */
		bool fs_known = fstatfs(cfd, &sf) == 0;
		if (fs_known && (sf.f_flags & ST_RDONLY)) {
			close(cfd);
			continue;
		}
		if (is_gitdir(cfd)) {
			/* a bare repository: not descended into */
			r = protect_gitdir(s->c, dfd, n);
			if (r == 0)
				r = guard_heads(s->c, dfd, up);
		} else {
			const struct stat *g = dotgit_of(cfd, &dg) ? &dg : NULL;
			r = protect_dotgit(s->c, cfd, g);
			if (r == 0)
				r = working_tree(s->c, cfd, g);
			if (r == 0 && g && S_ISDIR(g->st_mode))
				r = guard_heads(s->c, cfd, &me);
			/* A directory without subdirectories has nothing for scan_dir, which
			 * looks at subdirectories only: skip opening and reading it where the
			 * link count says so (its .git and HEAD are done above). A .git
			 * directory counts as one, so a repository's working tree is read. */
			bool leaf = fs_known && nlink_counts_subdirs(sf.f_type) &&
				    fstat(cfd, &cst) == 0 && cst.st_nlink == 2;
			if (r == 0 && !leaf)
				r = scan_dir(s, cfd, &me, depth + 1);
		}
		close(cfd);
	}
	closedir(d);
	return r;
}

bool mnt_git_internal(const char *canon)
{
	return strstr(canon, "/.git/") != NULL;
}

/* protect_root: a writable root: git directory itself (a bare repository), or HEAD kept from
 * being made; its .git; then the scan below it. */
static int protect_root(struct scan *s, const struct mnt_tree *w)
{
	struct mnt_ctx *c = s->c;
	int fd =
	    mnt_open(AT_FDCWD, w->canon, O_DIRECTORY, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	int r = 0;

	if (fd == -ENOENT || fd == -EACCES)
		return 0; /* hidden by a mask or private cover */
	if (fd < 0)
		return mnt_fail(c, -fd, "writable tree", w->canon, "openat2");
	int rd = open(w->canon, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool internal = mnt_git_internal(w->canon);
	if (is_gitdir(fd)) {
		r = protect_gitdir_fd(c, fd);
	} else if (faccessat(fd, "commondir", F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
		   faccessat(fd, "gitdir", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		r = protect_admin(c, fd, false); /* a worktree's, made writable for it */
	} else if (!internal) {
		/* HEAD missing: guarded; present (a file of the project's): read-only */
		r = deny_in(c, fd, "HEAD");
		struct stat dg;
		const struct stat *g = dotgit_of(fd, &dg) ? &dg : NULL;
		if (r == 0)
			r = protect_dotgit(c, fd, g);
		if (r == 0)
			r = working_tree(c, fd, g);
		if (r == 0 && rd >= 0)
			r = scan_dir(s, rd, NULL, 0);
	}
	if (rd >= 0)
		close(rd);
	close(fd);
	return r;
}

int mnt_git_protect(struct mnt_ctx *c)
{
	struct scan s = {.c = c, .budget = SCAN_MAX_DIRS};
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->nw; i++)
		if (c->w[i].is_dir)
			r = protect_root(&s, &c->w[i]);
	if (r == 0 && s.cut)
		mnt_note(c,
			 "git repositories were looked for in the first %d directories of the "
			 "writable trees (and %d levels deep) only",
			 SCAN_MAX_DIRS, SCAN_MAX_DEPTH);
	return r;
}
