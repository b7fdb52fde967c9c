/* guard.h — mandatory write-denies for names that do not exist yet (docs/design.md §4, §7).
 * Existing dangerous paths are covered by read-only mounts (mounts.h). A dangerous name that
 * would be created later directly in a protected directory is refused by the guard worker: the
 * confined process's file-creating system calls go to a seccomp user-notification listener, and
 * the worker performs the call itself on a directory fd it checked, injecting the resulting fd
 * (SECCOMP_IOCTL_NOTIF_ADDFD), so no check-then-use race on the caller's memory exists. */
#ifndef CORDON_GUARD_H
#define CORDON_GUARD_H

#include <stddef.h>
#include <sys/types.h>

#include "cordon/error.h"
#include "cordon/policy.h"

/* fchmodat2(2) (Linux 6.6) has the same number in every architecture's table (the unified
 * numbering of new system calls); glibc 2.36 and libseccomp 2.5 do not know it yet. */
#ifdef __NR_fchmodat2
#define CORDON_NR_FCHMODAT2 __NR_fchmodat2
#else
#define CORDON_NR_FCHMODAT2 452
#endif

/* setxattrat(2) and removexattrat(2) (Linux 6.13), likewise. */
#define CORDON_NR_SETXATTRAT 463
#define CORDON_NR_REMOVEXATTRAT 466

/* Flags of a guard entry. Without flags an entry is refused every change: creation, replacement,
 * removal, renaming away, chmod, and anything beneath it. */
#define CORDON_GUARD_PREFIX 1u /* name is a prefix: every name starting with it (home's ".") */
#define CORDON_GUARD_KEEP                                                                          \
	2u /* only removal, renaming away and chmod are refused: git replaces                      \
	      .git/HEAD and writes beneath .git/objects, but their presence and                    \
	      mode decide whether .git is a repository */
#define CORDON_GUARD_SOCKET                                                                        \
	4u /* not a refusal: a unix socket connect(2) may reach                                    \
	      (network.allowUnixSockets), named by its inode (obj_dev, obj_ino) */
#define CORDON_GUARD_READ_ONLY                                                                     \
	8u /* the entry exists and is bound read-only: opening it for                              \
	      writing is refused by any name (a hard link elsewhere) */
#define CORDON_GUARD_SUBTREE                                                                       \
	16u /* name is never created in the directory nor in any directory                         \
	       below it, and no directory is moved in from outside every such                      \
	       tree (EXDEV): a ".git" made in a working tree is a repository                       \
	       that git, run there outside, would use (a gitlink in the index                      \
	       makes `git status` run its config) */

/* Why an entry is there: the violation log says it, with what the person can do. */
enum cordon_guard_why {
	CORDON_WHY_MANDATORY,  /* a mandatory write-deny (rc files, .vscode, .mcp.json, ...) */
	CORDON_WHY_GIT,	       /* what decides what git treats as a repository */
	CORDON_WHY_GIT_CONFIG, /* git's config (filesystem.allowGitConfig) */
	CORDON_WHY_HOME,       /* a dot-entry of a writable home */
	CORDON_WHY_DENY_WRITE, /* filesystem.denyWrite */
	CORDON_WHY_GIT_NESTED, /* a repository inside a working tree, or a submodule's git dir */
};

/* cordon_guard_why_text: the log's reason for why (static storage). */
const char *cordon_guard_why_text(unsigned why);

struct cordon_guard_entry {
	dev_t dev; /* the existing directory (st_dev, st_ino) ... */
	ino_t ino;
	unsigned flags; /* CORDON_GUARD_* */
	unsigned why;	/* enum cordon_guard_why */
	dev_t obj_dev;	/* the entry itself when it exists (fchmod(2) names it by fd), else 0 */
	ino_t obj_ino;
	char name[256]; /* ... in which this name must never be created */
};

struct cordon_guard_set {
	struct cordon_guard_entry *v;
	size_t n;
	/* the adder's hash index over v (open addressing, each slot an index + 1, 0 empty, nslot a
	 * power of two): a search per added pair made a layout of many writable trees quadratic.
	 * Not carried in the memfd; rebuilt from v when missing. */
	size_t *slot;
	size_t nslot;
};

void cordon_guard_set_free(struct cordon_guard_set *g);

/* cordon_guard_set_add: append (dev, ino, name) as a full entry. Returns 0 (1: already there) or
 * -ENOMEM/-EINVAL. */
int cordon_guard_set_add(struct cordon_guard_set *g, dev_t dev, ino_t ino, const char *name);

/* cordon_guard_set_add_ex: append (dev, ino, name) with CORDON_GUARD_* flags and the inode of the
 * entry itself (obj_dev, obj_ino; 0 when it does not exist) and why it is there
 * (enum cordon_guard_why, for the log). A pair added twice is kept once, as
 * a full entry if either was. Returns 0, 1 when the pair was there already, -EINVAL (empty
 * name but for a prefix entry, a '/', too long) or -ENOMEM. */
int cordon_guard_set_add_ex(struct cordon_guard_set *g, dev_t dev, ino_t ino, const char *name,
			    unsigned flags, dev_t obj_dev, ino_t obj_ino, unsigned why);

/* cordon_guard_set_to_fd: g written into a new sealed memfd (memfd_create(2), F_SEAL_WRITE and
 * friends), close-on-exec: the form in which the session's builder hands the set on. Returns the
 * fd or a negative errno. */
int cordon_guard_set_to_fd(const struct cordon_guard_set *g, struct cordon_error *e);

/* cordon_guard_set_from_fd: read a set written by cordon_guard_set_to_fd (of this same build)
 * into g (fresh; free with cordon_guard_set_free). Refuses an unsealed or malformed memfd with
 * -EPROTO. Returns 0 or a negative errno. */
int cordon_guard_set_from_fd(int fd, struct cordon_guard_set *g, struct cordon_error *e);

/* The system calls the seccomp filter (seccomp.c) routes to the guard's listener when a listener
 * is requested, and that cordon_guard_serve must handle: open/openat/creat with O_CREAT (openat2
 * gets ENOSYS from the filter, so libc falls back), mkdir, mkdirat, mknod, mknodat, symlink,
 * symlinkat, link, linkat, rename, renameat, renameat2, unlink, unlinkat, chmod, fchmod,
 * fchmodat, fchmodat2. */

/* cordon_guard_serve: serve seccomp user notifications (seccomp_unotify(2)) from listener until
 * every process using the filter has exited. For each call the worker copies the path arguments
 * from the target once (process_vm_readv), resolves the parent directory from the target's cwd or
 * dirfd, refuses with EACCES when the guard set refuses the call on (parent, final name), and
 * otherwise performs the call itself with the target's umask, replying with its result or
 * injecting the new fd (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND, kernel >= 5.14).
 * The caller must be a process that can do no more than its targets: in cordon, the guard worker
 * forked inside the targets' Landlock domain and mount namespace (guard_worker.c), holding only
 * CAP_SYS_PTRACE of the sandbox's user namespace. Returns 0 when the listener hangs up, or a
 * negative errno. */
int cordon_guard_serve(int listener, const struct cordon_guard_set *g, struct cordon_error *e);

/* cordon_guard_serve_log: cordon_guard_serve, and each call refused because its name is in g
 * (not for ordinary errors such as ENOENT) is sent as one violation-log line (vlog.h, proto
 * "write") on log_fd, a connected SOCK_SEQPACKET socket to the session process, without
 * blocking: a full queue drops the record. log_fd < 0: nothing is sent (cordon_guard_serve). */
int cordon_guard_serve_log(int listener, const struct cordon_guard_set *g, int log_fd,
			   struct cordon_error *e);

#endif
