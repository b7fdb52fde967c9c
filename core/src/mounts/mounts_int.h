/* mounts_int.h — internals shared by the mount-layout files (mounts.c, mounts_fd.c,
 * mounts_cover.c, mounts_pin.c); not part of libcordon's public interface. */
#ifndef CORDON_MOUNTS_INT_H
#define CORDON_MOUNTS_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cordon/error.h"
#include "cordon/guard.h"
#include "cordon/policy.h"
#include "cordon/strbuf.h"

/* A writable tree as found in the namespace: the policy's spelling and the canonical path
 * (no symlinks) that its O_PATH fd resolved to. */
struct mnt_tree {
	const char *given;
	char canon[PATH_MAX];
	bool is_dir;
};

/* The state of one cordon_mounts_setup call. */
struct mnt_ctx {
	const struct cordon_policy *p;
	struct mnt_tree *w; /* writable trees that exist, sorted by canon */
	size_t nw;
	char **covered; /* canonical targets already covered by a tmpfs or an empty file */
	size_t ncovered;
	int empty_fd; /* detached read-only tmpfs holding the file "empty", or -1 until needed */
	struct cordon_guard_set *guard;
	struct cordon_error *e;
	char *notes; /* notices for the person, "; "-separated (may be NULL) */
	size_t notes_len;
	struct cordon_strbuf *record; /* cordon_mounts_preview: one line per protection, or NULL */
	unsigned why; /* enum cordon_guard_why of the guard entries being made now */
};

/* mnt_layout: the steps of cordon_mounts_setup on a prepared context. Returns 0 or -errno. */
int mnt_layout(struct mnt_ctx *c, const char *home, uid_t uid);

/* --- mounts_fd.c: primitives of the new mount API, all by file descriptor --- */

/* mnt_open: openat2(2) dirfd/path as O_PATH|O_CLOEXEC|flags with the given RESOLVE_* bits.
 * Returns the fd or -errno. */
int mnt_open(int dirfd, const char *path, int flags, uint64_t resolve);

/* mnt_canon: the canonical path of fd as the kernel names it (readlink of /proc/self/fd/N)
 * into buf (PATH_MAX). Returns 0 or -errno (-ENOENT for a deleted file). */
int mnt_canon(int fd, char *buf, size_t size);

/* mnt_under: true when path is strictly beneath dir (both canonical); *rel then points at the
 * part after "dir/". */
bool mnt_under(const char *path, const char *dir, const char **rel);

/* mnt_clone: open_tree(2) OPEN_TREE_CLONE|AT_RECURSIVE of fd: a detached copy of the mount
 * tree at fd keeping every mount's attributes. Returns the new mount fd or -errno. */
int mnt_clone(int fd);

/* mnt_attach: move_mount(2) the detached tree src onto dirfd/path ("" = dirfd itself).
 * Returns 0 or -errno. */
int mnt_attach(int src, int dirfd, const char *path);

/* mnt_set_ro: mount_setattr(2) MOUNT_ATTR_RDONLY on the mount at fd, and on every mount beneath
 * it when recursive. Returns 0 or -errno. */
int mnt_set_ro(int fd, bool recursive);

/* mnt_tmpfs: a new detached tmpfs (fsopen(2)/fsmount(2)), nosuid,nodev, root mode given in
 * octal text ("1777"). Returns the mount fd or -errno. */
int mnt_tmpfs(const char *mode);

/* mnt_mkpath: create rel beneath root (a directory fd inside one of our own tmpfs), parents
 * as 0755 directories, the last as a directory when dir, else an empty 0644 file. Existing
 * entries are kept. Returns 0 or -errno. */
int mnt_mkpath(int root, const char *rel, bool dir);

/* mnt_empty_source: the ctx's detached read-only tmpfs holding an empty 0444 file named "empty"
 * (created on first use). Returns the fd (owned by ctx) or -errno. */
int mnt_empty_source(struct mnt_ctx *c);

/* mnt_fail: set c->e to "STEP PATH: CALL: strerror" and return -err (err > 0). */
int mnt_fail(struct mnt_ctx *c, int err, const char *step, const char *path, const char *call);

/* --- mounts_cover.c --- */

enum mnt_cover_kind {
	MNT_COVER_PRIVATE, /* a fresh writable tmpfs (private /tmp, /run/user/UID) */
	MNT_COVER_MASK,	   /* read-only: a directory shows empty, a file reads empty */
};

/* mnt_cover: hide path (skipped when it does not exist or cannot be reached) under a fresh
 * tmpfs (directory) or an empty read-only file (anything else), then bind back each of the
 * nrestores paths that lie beneath it, as they were before the cover. A restore equal to path
 * cancels the cover. step names the operation in errors. Returns 0 or -errno. */
int mnt_cover(struct mnt_ctx *c, const char *path, enum mnt_cover_kind kind, const char *mode,
	      const char *step, const char *const *restores, size_t nrestores);

/* --- mounts_pin.c --- */

/* mnt_on_ro_mount: whether fd lies on a read-only mount. */
bool mnt_on_ro_mount(int fd);

/* mnt_guard_at: a guard entry (CORDON_GUARD_* flags) for dirfd/name, with the inode of the object
 * there when it exists. shown names it in errors. Returns 0 or -errno. */
int mnt_guard_at(struct mnt_ctx *c, int dirfd, const char *name, const char *shown,
		 unsigned flags);

/* mnt_ro_bind: a recursive read-only bind of the object at fd onto itself, unless it already sits
 * on a read-only mount; with let_trees_through, writable trees beneath it are bound back
 * writable on top. Returns 0 or -errno. */
int mnt_ro_bind(struct mnt_ctx *c, int fd, const char *shown, bool let_trees_through);

/* mnt_pin_dir: make dirfd/name (a directory on a writable mount) a mount point, writable as it
 * was, so rename(2) and rmdir(2) of it fail with EBUSY. Returns an O_PATH fd of the (new) top. */
int mnt_pin_dir(struct mnt_ctx *c, int dirfd, const char *name, const char *shown);

/* mnt_walk: protect dirfd/rel as a mandatory deny: existing directories on the way pinned, the
 * first missing name guarded, the object at the end bound read-only and guarded, symbolic links
 * followed to what they name. shown (PATH_MAX) is dirfd's path for messages. Returns 0 or -errno. */
int mnt_walk(struct mnt_ctx *c, int dirfd, const char *rel, char *shown);

/* --- mounts_git.c --- */

/* mnt_git_internal: canon (a writable tree) lies inside a git directory (a worktree's objects,
 * refs, logs or administrative directory, cordon_policy_add_git_admin): no project lives there,
 * so the project-root denies do not apply; git's own protections do. */
bool mnt_git_internal(const char *canon);

/* mnt_git_protect: the git protections of docs/threat-model.md ("git's repository discovery")
 * for every writable tree: at its root the names git discovery reads (.git, and HEAD of a bare
 * repository), every git directory found at or below it (bounded scan) with its hooks, config,
 * commondir and the entries that make it a repository, and the administrative directories
 * .git files point at. Returns 0 or -errno. */
int mnt_git_protect(struct mnt_ctx *c);

/* --- mounts_home.c --- */

/* mnt_home_protect: when a writable tree holds home, every dot-entry of home and ~/bin are bound
 * read-only (writable trees beneath them stay writable) and no new dot-entry or bin can be
 * created there. Returns 0 or -errno. */
int mnt_home_protect(struct mnt_ctx *c, const char *home);

/* mnt_note: append a notice for the person (shown at start) to c's notes. */
void mnt_note(struct mnt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* mnt_pin_all: step 5 of cordon_mounts_setup: read-only binds for denyWrite paths and the
 * mandatory denies of every writable tree and of home, ancestor pins, guard entries.
 * Returns 0 or -errno. */
int mnt_pin_all(struct mnt_ctx *c, const char *home);

#endif
