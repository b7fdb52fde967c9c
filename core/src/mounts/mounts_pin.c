/* mounts_pin.c — read-only pins inside writable trees: denyWrite paths and the mandatory denies
 * (read-only binds, ancestors made mount points so they cannot be renamed, guard entries). */
#include "mounts_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cordon/mounts.h"
#include "cordon/vlog.h"

#define MAX_LINKS 8 /* symlinks followed per protected path; the guard still holds the name */

/* Mandatory write-denies relative to every writable tree (docs/design.md §7, docs/threat-model.md
 * §15). The two tables differ only in ".git/config" (filesystem.allowGitConfig). */
#define RC_FILES                                                                                   \
	".bashrc", ".bash_profile", ".bash_login", ".profile", ".bash_logout", ".zshenv",          \
	    ".zshrc", ".zprofile", ".zlogin", ".zlogout", ".inputrc"
/* .git/commondir makes git read config and hooks from the directory it names (gitrepository-
 * layout(5)); .git/config.worktree is read as config when extensions.worktreeConfig is set. */
#define REPO_FILES                                                                                 \
	".git/hooks", ".git/commondir", ".gitmodules", ".vscode", ".idea", ".claude/commands",     \
	    ".claude/agents", ".claude/settings.json", ".claude/settings.local.json", ".mcp.json", \
	    ".envrc", ".npmrc", ".cordon.json"
static const char *const denies_all[] = {RC_FILES, REPO_FILES, ".git/config",
					 ".git/config.worktree", NULL};
static const char *const denies_git_config[] = {RC_FILES, REPO_FILES, NULL};

const char *const *cordon_mandatory_denies(const struct cordon_policy *p)
{
	return p && p->allow_git_config ? denies_git_config : denies_all;
}

/* Home-relative write-denies (docs/threat-model.md §15): code that a later, unconfined login or
 * desktop session runs. The shell rc files come first so the list can be used when home is a root.
 */
static const char *const home_denies[] = {
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".bash_logout",
    ".zshenv",
    ".zshrc",
    ".zprofile",
    ".zlogin",
    ".zlogout",
    ".inputrc",
    ".config/systemd/user",
    ".config/autostart",
    ".ssh/config",
    ".ssh/authorized_keys",
    ".local/bin",
    ".config/cordon",
    ".gitconfig",
    ".config/git",
    ".npmrc",
    /* read as code by a later login, shell, editor, X session, Python or cargo: Debian's
     * skeleton .bashrc sources .bash_aliases; systemd's user manager reads environment.d; the
     * user site-packages runs .pth lines and shadows modules; VS Code's user settings and the
     * Neovim config name the cordon helper the editor runs */
    ".bash_aliases",
    ".config/fish",
    ".config/environment.d",
    ".xprofile",
    ".xsessionrc",
    ".xinitrc",
    ".config/nvim",
    ".vimrc",
    ".vim",
    ".emacs",
    ".emacs.d",
    ".config/emacs",
    ".tmux.conf",
    ".config/tmux",
    ".local/lib",
    ".cargo/bin",
    ".cargo/config",
    ".cargo/config.toml",
    ".config/Code/User",
    NULL,
};

bool mnt_on_ro_mount(int fd)
{
	struct statfs s;
	return fstatfs(fd, &s) == 0 && (s.f_flags & ST_RDONLY);
}

static bool is_mount_root(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
		return false;
	return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int mnt_guard_at(struct mnt_ctx *c, int dirfd, const char *name, const char *shown, unsigned flags)
{
	struct stat st, obj;
	if (!c->guard)
		return 0; /* the caller runs no guard worker */
	if (fstat(dirfd, &st) < 0)
		return mnt_fail(c, errno, "guard entry for", shown, "fstat");
	bool exists = !(flags & (CORDON_GUARD_PREFIX | CORDON_GUARD_SUBTREE)) &&
		      fstatat(dirfd, name, &obj, AT_SYMLINK_NOFOLLOW) == 0;
	bool shown_ro = false; /* an existing object bound read-only */
	if (exists && !(flags & CORDON_GUARD_SOCKET)) {
		int o = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		shown_ro = o >= 0 && mnt_on_ro_mount(o);
		if (o >= 0)
			close(o);
	}
	if (shown_ro && S_ISREG(obj.st_mode))
		flags |= CORDON_GUARD_READ_ONLY;
	int r = cordon_guard_set_add_ex(c->guard, st.st_dev, st.st_ino, name, flags,
					exists ? obj.st_dev : 0, exists ? obj.st_ino : 0, c->why);
	if (r < 0)
		return mnt_fail(c, -r, "guard entry for", shown, "add");
	if (c->record && r == 0 && !(shown_ro && !(flags & CORDON_GUARD_KEEP)) &&
	    !(flags & CORDON_GUARD_SOCKET)) {
		char dir[PATH_MAX];
		if (mnt_canon(dirfd, dir, sizeof(dir)) < 0)
			snprintf(dir, sizeof(dir), "?");
		cordon_sb_addf(c->record, "%s\t%s%s%s%s\n",
			       flags & CORDON_GUARD_KEEP      ? "kept"
			       : flags & CORDON_GUARD_SUBTREE ? "never below"
			       : exists			      ? "fixed"
							      : "never created",
			       dir, strcmp(dir, "/") ? "/" : "", name,
			       flags & CORDON_GUARD_PREFIX ? "*" : "");
	}
	return 0;
}

static int guard_at(struct mnt_ctx *c, int dirfd, const char *name, const char *shown)
{
	return mnt_guard_at(c, dirfd, name, shown, 0);
}

/* keep_trees: detached writable clones of the writable trees strictly beneath canon, with their
 * paths, so a read-only bind above them can let them through (home's dot-entries). */
struct kept_tree {
	int clone;
	const char *canon;
};

static int keep_trees(struct mnt_ctx *c, const char *canon, struct kept_tree *out, size_t *n,
		      const char *shown)
{
	*n = 0;
	for (size_t i = 0; i < c->nw; i++) {
		if (!mnt_under(c->w[i].canon, canon, NULL))
			continue;
		int fd = mnt_open(AT_FDCWD, c->w[i].canon, 0,
				  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd < 0)
			return mnt_fail(c, -fd, "writable tree inside", shown, "openat2");
		int clone = mnt_clone(fd);
		close(fd);
		if (clone < 0)
			return mnt_fail(c, -clone, "writable tree inside", shown, "open_tree");
		out[*n].clone = clone;
		out[(*n)++].canon = c->w[i].canon;
	}
	return 0;
}

int mnt_ro_bind(struct mnt_ctx *c, int fd, const char *shown, bool let_trees_through)
{
	struct kept_tree kept[64];
	size_t nk = 0;
	char canon[PATH_MAX];
	int r = 0;

	if (mnt_on_ro_mount(fd))
		return 0;
	if (let_trees_through) {
		if (c->nw > sizeof(kept) / sizeof(kept[0]))
			return cordon_error_set(c->e, E2BIG,
						"read-only bind of %s: too many "
						"writable trees",
						shown);
		if ((r = mnt_canon(fd, canon, sizeof(canon))) < 0)
			return mnt_fail(c, -r, "read-only bind of", shown, "readlink");
		if ((r = keep_trees(c, canon, kept, &nk, shown)) < 0)
			goto out;
	}
	int clone = mnt_clone(fd);
	if (clone < 0) {
		r = mnt_fail(c, -clone, "read-only bind of", shown, "open_tree");
		goto out;
	}
	r = mnt_set_ro(clone, true);
	if (r < 0) {
		close(clone);
		r = mnt_fail(c, -r, "read-only bind of", shown, "mount_setattr");
		goto out;
	}
	r = mnt_attach(clone, fd, "");
	close(clone);
	if (r < 0) {
		r = mnt_fail(c, -r, "read-only bind of", shown, "move_mount");
		goto out;
	}
	if (c->record)
		cordon_sb_addf(c->record, "read-only\t%s\n", shown);
	for (size_t i = 0; i < nk && r == 0; i++) {
		int t = mnt_open(AT_FDCWD, kept[i].canon, 0,
				 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (t < 0)
			r = mnt_fail(c, -t, "writable tree", kept[i].canon, "openat2");
		else if ((r = mnt_attach(kept[i].clone, t, "")) < 0)
			r = mnt_fail(c, -r, "writable tree", kept[i].canon, "move_mount");
		if (t >= 0)
			close(t);
	}
out:
	for (size_t i = 0; i < nk; i++)
		close(kept[i].clone);
	return r;
}

static int ro_bind(struct mnt_ctx *c, int fd, const char *shown)
{
	return mnt_ro_bind(c, fd, shown, false);
}

int mnt_pin_dir(struct mnt_ctx *c, int dirfd, const char *name, const char *shown)
{
	const uint64_t res = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	int fd = mnt_open(dirfd, name, O_DIRECTORY | O_NOFOLLOW, res);
	if (fd < 0)
		return mnt_fail(c, -fd, "ancestor pin of", shown, "openat2");
	if (is_mount_root(fd) || mnt_on_ro_mount(dirfd))
		return fd;
	int clone = mnt_clone(fd);
	if (clone < 0) {
		close(fd);
		return mnt_fail(c, -clone, "ancestor pin of", shown, "open_tree");
	}
	int r = mnt_attach(clone, fd, "");
	close(clone);
	close(fd);
	if (r < 0)
		return mnt_fail(c, -r, "ancestor pin of", shown, "move_mount");
	fd = mnt_open(dirfd, name, O_DIRECTORY | O_NOFOLLOW, res);
	return fd < 0 ? mnt_fail(c, -fd, "ancestor pin of", shown, "openat2") : fd;
}

static int pin_dir(struct mnt_ctx *c, int dirfd, const char *name, const char *shown)
{
	return mnt_pin_dir(c, dirfd, name, shown);
}

static int walk(struct mnt_ctx *c, int dirfd, const char *rel, char *shown, int links);

/* follow: the symlink dirfd/name stands where a protected path goes: protect what it points to
 * (rest appended), as a write through the link would reach it. */
static int follow(struct mnt_ctx *c, int dirfd, const char *name, const char *rest, char *shown,
		  int links)
{
	char target[PATH_MAX], path[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : mnt_fail(c, errno, "symlink", shown, "readlinkat");
	target[n] = '\0';
	if (links >= MAX_LINKS || n == 0)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", target, *rest ? "/" : "", rest) >=
	    sizeof(path))
		return 0;
	if (path[0] != '/')
		return walk(c, dirfd, path, shown, links + 1);
	int root = mnt_open(AT_FDCWD, "/", O_DIRECTORY, 0);
	if (root < 0)
		return mnt_fail(c, -root, "symlink", shown, "openat2");
	int r = walk(c, root, path + 1, shown, links + 1);
	close(root);
	return r;
}

/* walk: protect dirfd/rel. Every existing directory on the way that lies on a writable mount is
 * pinned; the first missing name in a writable directory becomes a guard entry; the object at
 * the end, if it exists on a writable mount, gets a read-only bind and a guard entry for its
 * name. shown (PATH_MAX) is the path for messages and is restored on return. */
int mnt_walk(struct mnt_ctx *c, int dirfd, const char *rel, char *shown)
{
	return walk(c, dirfd, rel, shown, 0);
}

static int walk(struct mnt_ctx *c, int dirfd, const char *rel, char *shown, int links)
{
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		return 0;
	char comp[NAME_MAX + 1];
	const char *slash = strchr(rel, '/');
	size_t cl = slash ? (size_t)(slash - rel) : strlen(rel);
	const char *rest = slash ? slash + 1 : "";
	while (*rest == '/')
		rest++;
	if (cl > NAME_MAX)
		return 0;
	memcpy(comp, rel, cl);
	comp[cl] = '\0';

	size_t len = strlen(shown);
	snprintf(shown + len, PATH_MAX - len, "%s%s", len > 0 && shown[len - 1] == '/' ? "" : "/",
		 comp);
	bool rw_parent = !mnt_on_ro_mount(dirfd);
	int r = 0, fd;
	struct stat st;

	if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
		fd = mnt_open(dirfd, comp, O_DIRECTORY, RESOLVE_NO_MAGICLINKS);
		if (fd >= 0) {
			r = walk(c, fd, rest, shown, links);
			close(fd);
		}
	} else if (fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT && rw_parent)
			r = guard_at(c, dirfd, comp, shown);
		else if (errno != ENOENT && errno != EACCES && errno != ENOTDIR)
			r = mnt_fail(c, errno, "lookup of", shown, "fstatat");
	} else if (S_ISLNK(st.st_mode)) {
		/* the name itself cannot be pinned by a mount: the guard keeps it in place */
		if (rw_parent)
			r = guard_at(c, dirfd, comp, shown);
		if (r == 0)
			r = follow(c, dirfd, comp, rest, shown, links);
	} else if (S_ISDIR(st.st_mode) && *rest) {
		fd = pin_dir(c, dirfd, comp, shown);
		if (fd < 0) {
			r = fd;
		} else {
			r = walk(c, fd, rest, shown, links);
			close(fd);
		}
	} else {
		/* the end, or a non-directory where the path goes on (a worktree's ".git" file,
		 * whose "gitdir:" line must not be redirected) */
		fd = mnt_open(dirfd, comp, O_NOFOLLOW,
			      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd < 0)
			r = fd == -ENOENT ? 0
					  : mnt_fail(c, -fd, "read-only bind of", shown, "openat2");
		else {
			r = ro_bind(c, fd, shown);
			close(fd);
		}
		if (r == 0 && rw_parent)
			r = guard_at(c, dirfd, comp, shown);
	}
	shown[len] = '\0';
	return r;
}

/* protect: walk rel beneath the writable tree w. */
static int protect(struct mnt_ctx *c, const struct mnt_tree *w, const char *rel)
{
	const uint64_t res = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	int fd = mnt_open(AT_FDCWD, w->canon, O_DIRECTORY, res);
	if (fd == -ENOENT || fd == -EACCES)
		return 0; /* hidden by a mask or private cover: nothing writable to protect */
	if (fd < 0)
		return mnt_fail(c, -fd, "writable tree", w->canon, "openat2");
	char shown[PATH_MAX];
	snprintf(shown, sizeof(shown), "%s", w->canon);
	int r;
	if (*rel == '\0') {
		r = ro_bind(c, fd, shown);
	} else {
		r = walk(c, fd, rel, shown, 0);
	}
	close(fd);
	return r;
}

/* protect_abs: protect the absolute path path inside every writable tree holding it (by its
 * spelling or, when it exists, by its canonical path). */
static int protect_abs(struct mnt_ctx *c, const char *path)
{
	char canon[PATH_MAX];
	canon[0] = '\0';
	int fd = mnt_open(AT_FDCWD, path, 0, RESOLVE_NO_MAGICLINKS);
	if (fd >= 0) {
		if (mnt_canon(fd, canon, sizeof(canon)) < 0)
			canon[0] = '\0';
		close(fd);
	}
	for (size_t i = 0; i < c->nw; i++) {
		const struct mnt_tree *w = &c->w[i];
		const char *rel = NULL;
		if (!w->is_dir)
			continue;
		if (strcmp(path, w->given) == 0 || strcmp(path, w->canon) == 0 ||
		    (canon[0] && strcmp(canon, w->canon) == 0))
			rel = "";
		else if (!mnt_under(path, w->canon, &rel) && !mnt_under(path, w->given, &rel) &&
			 !(canon[0] && mnt_under(canon, w->canon, &rel)))
			continue;
		int r = protect(c, w, rel);
		if (r < 0)
			return r;
	}
	return 0;
}

/* own_dir: the directory of the object (the cordon binary, or the shell module) that holds this
 * code, from /proc/self/maps. Returns 0 and fills dir, or -ENOENT. */
static int own_dir(char *dir, size_t size)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	uintptr_t me = (uintptr_t)&own_dir;
	char line[PATH_MAX + 256];
	int r = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int off = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &off) < 2 || off == 0)
			continue;
		if (me < lo || me >= hi || line[off] != '/')
			continue;
		line[strcspn(line, "\n")] = '\0';
		char *slash = strrchr(line + off, '/');
		if (slash == line + off)
			slash++;
		*slash = '\0';
		snprintf(dir, size, "%s", line + off);
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

/* allowed_sockets: a CORDON_GUARD_SOCKET entry for each network.allowUnixSockets path that is a
 * socket now, by the inode of the socket itself (what the guard's connect checks). */
static int allowed_sockets(struct mnt_ctx *c)
{
	const struct cordon_path_list *l = &c->p->allow_unix_sockets;
	for (size_t i = 0; i < l->n; i++) {
		char canon[PATH_MAX];
		struct stat st;
		int fd = mnt_open(AT_FDCWD, l->v[i], 0, RESOLVE_NO_MAGICLINKS);
		if (fd < 0)
			continue; /* not there (yet): connects to it are refused */
		int ok = mnt_canon(fd, canon, sizeof(canon)) == 0 && fstat(fd, &st) == 0 &&
			 S_ISSOCK(st.st_mode);
		close(fd);
		char *slash = ok ? strrchr(canon, '/') : NULL;
		if (!slash || !slash[1])
			continue;
		*slash = '\0';
		int dir = mnt_open(AT_FDCWD, canon[0] ? canon : "/", O_DIRECTORY,
				   RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (dir < 0)
			continue;
		int r = mnt_guard_at(c, dir, slash + 1, l->v[i], CORDON_GUARD_SOCKET);
		close(dir);
		if (r < 0)
			return r;
	}
	return 0;
}

int mnt_pin_all(struct mnt_ctx *c, const char *home)
{
	const char *const *names = cordon_mandatory_denies(c->p);
	int r;
	/* Home's dot-entries first: their read-only binds let the writable trees beneath them
	 * through, and the pins below land on top. */
	c->why = CORDON_WHY_HOME;
	if ((r = mnt_home_protect(c, home)) < 0)
		return r;
	for (size_t i = 0; i < c->nw; i++) {
		if (!c->w[i].is_dir || mnt_git_internal(c->w[i].canon))
			continue;
		for (size_t k = 0; names[k]; k++) {
			c->why = !strncmp(names[k], ".git/config", 11) ? CORDON_WHY_GIT_CONFIG
				 : !strncmp(names[k], ".git", 4)       ? CORDON_WHY_GIT
								       : CORDON_WHY_MANDATORY;
			if ((r = protect(c, &c->w[i], names[k])) < 0)
				return r;
		}
	}
	c->why = CORDON_WHY_HOME;
	if (home && home[0] == '/' && strcmp(home, "/") != 0) {
		char path[PATH_MAX];
		for (size_t k = 0; home_denies[k]; k++) {
			snprintf(path, sizeof(path), "%s/%s", home, home_denies[k]);
			if ((r = protect_abs(c, path)) < 0)
				return r;
		}
	}
	c->why = CORDON_WHY_DENY_WRITE;
	for (size_t i = 0; i < c->p->deny_write.n; i++)
		if ((r = protect_abs(c, c->p->deny_write.v[i])) < 0)
			return r;
	c->why = CORDON_WHY_MANDATORY;
	char self[PATH_MAX];
	if (own_dir(self, sizeof(self)) == 0 && (r = protect_abs(c, self)) < 0)
		return r;
	/* cordon's state directory: the session process appends the violation log there and
	 * reads it back for `log`; from inside, a log could be forged, or swapped for a FIFO or
	 * /dev/zero that stalls the reader. The session made it before the mounts. */
	if (cordon_vlog_state_dir(self, sizeof(self), false, NULL) == 0 &&
	    (r = protect_abs(c, self)) < 0)
		return r;
	if ((r = allowed_sockets(c)) < 0)
		return r;
	/* git last: it scans the trees as the pins above left them */
	c->why = CORDON_WHY_GIT;
	return mnt_git_protect(c);
}
