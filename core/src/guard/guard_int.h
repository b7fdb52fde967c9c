/* guard_int.h — private interfaces between the guard worker's files (guard.c, guard_ops.c,
 * guard_mem.c); not part of libcordon's public contract. */
#ifndef CORDON_GUARD_INT_H
#define CORDON_GUARD_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cordon/guard.h"

/* cordon_guard_read_path: copy the NUL-terminated string at addr in process pid into buf
 * (size bytes, at most PATH_MAX) with process_vm_readv(2), page by page, so that a string ending
 * just before an unmapped page is still read. Returns the string's length, -EFAULT when the
 * memory cannot be read (as the kernel's getname() would report), -ENAMETOOLONG when no NUL lies
 * within size bytes (the kernel's limit is PATH_MAX including the NUL), -ESRCH when pid is gone. */
long cordon_guard_read_path(pid_t pid, uint64_t addr, char *buf, size_t size);

/* The facts about one target task that the worker needs for a call, read from /proc/TID/status
 * once per notification (after the notification has been checked valid). */
struct guard_task {
	pid_t tid;	   /* the notifying task (seccomp_notif.pid) */
	pid_t tgid;	   /* its thread group, for /proc/self */
	mode_t umask;	   /* Umask: */
	uid_t fsuid;	   /* 4th field of Uid: */
	gid_t fsgid;	   /* 4th field of Gid: */
	uint64_t capeff;   /* CapEff: */
	char groups[2048]; /* the Groups: line, verbatim ... */
	bool groups_cut;   /* ... unless it did not fit */
};

/* One cached target task (guard_task.c): its /proc/TID directory and status file, opened once and
 * kept while the task lives; the values read through them are never cached. */
struct guard_tslot {
	pid_t tid;     /* 0: free */
	int procfd;    /* /proc/TID, O_PATH */
	int statusfd;  /* /proc/TID/status, read with pread for every call */
	uint64_t used; /* the cache's clock at the last use, for eviction */
};

#define GUARD_TCACHE_SLOTS 32
struct guard_tcache {
	struct guard_tslot v[GUARD_TCACHE_SLOTS];
	uint64_t clock;
};

/* Which guard entries are mount points (guard_walk.c), known since which change of the mount
 * table: a name can become one only by a mount, and every mount or unmount in the worker's
 * namespace marks /proc/self/mountinfo with POLLPRI (proc(5)). */
struct guard_mnt {
	int fd;		/* /proc/self/mountinfo, or -1: nothing is known, look every name up */
	uint64_t gen;	/* bumped at every change seen */
	uint64_t call;	/* the notification id of the last look, which serves its whole call */
	size_t n;	/* entries of the guard set */
	uint64_t *seen; /* per entry: the gen its flag was taken at (0: never) */
	bool *mounted;	/* per entry: a mount's root (or could not tell) */
};

/* Per-notification state: fds opened on the target's behalf are recorded in fds[] and closed
 * when the call is answered; nothing survives from one notification to the next. */
struct guard_call {
	int listener;
	uint64_t id;
	const struct cordon_guard_set *g;
	const struct guard_task *self;	/* the worker's own credentials, read once at start */
	uint64_t root_ino, root_mnt_id; /* the worker's root directory, read once at start */
	uint32_t root_dev_major, root_dev_minor;
	struct guard_task task;
	bool task_read;
	int procfd;	     /* /proc/TID, O_PATH (owned by the task cache, not by fds[]) */
	int rootfd;	     /* the target's root directory, O_PATH: the worker's own, which the
				target's was checked to be (owned by the serve loop) */
	int cwdfd;	     /* the target's cwd, O_PATH, -1 until needed */
	mode_t worker_umask; /* the worker's current umask (its own state, set per call) */
	int links;  /* symbolic links followed so far (the kernel stops at 40, MAXSYMLINKS) */
	int log_fd; /* channel to the session's violation log, or -1 (guard_log.h) */
	struct guard_mnt *mnt; /* the serve loop's, or NULL: look every guarded name up */
	int *waiting; /* calls finished on threads of their own now (a FIFO open, a connect) */
	char refused[PATH_MAX]; /* the path the guard's policy refused in this call, or "" */
	char reason[80];	/* why, for the log; "" means a mandatory write-deny */
	int fds[64]; /* 3 per call + 2 dirfds + 2 parents + one per link followed (<= 40) */
	int nfds;
	/* fstat(2) of fds[i], taken once: a tracked fd stays open (same inode) until the call ends
	 */
	struct stat fdst[64];
	bool fdst_ok[64];
};

/* One resolved path: the directory the final component lives in, and that component. */
struct guard_path {
	int parent;	  /* O_PATH fd of the parent directory (owned by the call's fds[]) */
	const char *name; /* the final component as the kernel should see it (may end in '/') */
	size_t namelen;	  /* its length without trailing slashes */
};

/* Decoded system call, filled by guard.c from the notification. */
enum guard_op {
	GOP_OPEN,
	GOP_MKDIR,
	GOP_MKNOD,
	GOP_SYMLINK,
	GOP_LINK,
	GOP_RENAME,
	GOP_UNLINK,
	GOP_CHMOD,
	GOP_CONNECT,
	GOP_BIND,
	GOP_XATTR,
	GOP_TRUNCATE
};

/* What a call does to the name it is checked for (guard.h CORDON_GUARD_KEEP). */
enum guard_role {
	ROLE_CREATE, /* creates or replaces the name (open O_CREAT, mkdir, rename onto, link) */
	ROLE_REMOVE, /* removes the name or moves it away (unlink, rmdir, rename from) */
	ROLE_MODE,   /* changes its mode (chmod family) */
};

struct guard_req {
	enum guard_op op;
	int dfd[2];		/* directory fds in the target's table, or AT_FDCWD */
	char path[2][PATH_MAX]; /* copied path arguments: [0] source/only path, [1] new name */
	char target[PATH_MAX];	/* symlink contents */
	unsigned int flags;	/* open flags, AT_* flags, RENAME_* flags */
	bool by_fd;		/* fchmod(2): the object is dfd[0] itself, no path */
	mode_t mode;
	unsigned int dev;	     /* mknod: the raw 32-bit device number (new_decode_dev) */
	unsigned char sockaddr[128]; /* connect, bind: the address, copied once */
	unsigned int addrlen;
	/* setxattr and removexattr families: the name in path[1], the value (NULL: remove) */
	unsigned char *xvalue;
	size_t xsize;
	bool xnofollow; /* the l* variants */
	off_t length;	/* truncate: the new size in bytes */
};

/* One level of guard_walk_up (guard_walk.c). */
struct walk_names;
struct guard_walk_pos {
	int start;		  /* the directory the walk started from */
	int base;		  /* cur is base/up ... */
	const char *up;		  /* ... with up "." or "..", "../..", ... */
	int depth;		  /* 0 at the start */
	const struct stat *cur;	  /* this level */
	const struct stat *child; /* the level the walk came up from; NULL at the start */
	struct walk_names *names; /* for guard_walk_child_name */
};

/* guard_walk_up (guard_walk.c): visit(arg, pos) for the directory fd (stat st), then for each of
 * its ancestors up to the root by "..", until visit returns non-zero, which guard_walk_up returns.
 * chained: each level is looked up as ".." of an fd of the level before (three calls a level), so
 * it is that level's parent when looked at, however directories move meanwhile; otherwise by one
 * fstatat of a growing "../.." path from fd, which a directory moved up or down during the walk
 * makes skip a level (use it only where the levels that matter cannot move: see beneath_guarded).
 * Returns 0 once the root was visited (".." of the root is the root), too_deep past 2048 levels,
 * or -errno. */
int guard_walk_up(int fd, const struct stat *st,
		  int (*visit)(void *arg, const struct guard_walk_pos *pos), void *arg,
		  int too_deep, bool chained);
/* guard_walk_open (guard_walk.c): an O_PATH fd of pos's level, for looking inside it (the
 * caller closes it). Returns the fd, -ESTALE when the path now reaches another directory than
 * the one stat'ed, or -errno. */
int guard_walk_open(const struct guard_walk_pos *pos);
/* guard_walk_child_name (guard_walk.c): the name the kernel's path of the start directory
 * (readlink of /proc/self/fd, read once per walk) gives the child at pos, and its length in
 * *len; NULL when unknown (depth 0, no usable path). Only a hint: it may be stale or wrong, the
 * caller must verify it. */
const char *guard_walk_child_name(const struct guard_walk_pos *pos, size_t *len);
/* guard_mnt_open / guard_mnt_close (guard_walk.c): start watching the mount table for a guard set
 * of n entries (m->fd -1 when it cannot be watched: then nothing is ever skipped); release. */
void guard_mnt_open(struct guard_mnt *m, size_t n);
void guard_mnt_close(struct guard_mnt *m);
/* guard_mnt_sync (guard_walk.c): note a change of the mount table since the last look, once per
 * notification id. Returns false when the table cannot be watched. */
bool guard_mnt_sync(struct guard_mnt *m, uint64_t id);

/* guard_ops.c */
int guard_call_track(struct guard_call *c, int fd);
/* guard_fstat: fstat(2) of fd, answered from the call's cache when fd is one of its tracked fds
 * (each is stat'ed at most once per call). Returns 0 or -errno. */
int guard_fstat(struct guard_call *c, int fd, struct stat *st);
/* guard_status_read (guard_task.c): read and parse /proc/TID/status (proc(5)) from the open
 * statusfd into t (t->tid is kept). Returns 0, -errno (ESRCH: the task is gone), or -EPROTO when
 * a field the guard needs is missing. */
int guard_status_read(int statusfd, struct guard_task *t);
/* guard_tcache_init / guard_tcache_clear (guard_task.c): an empty cache; closing every slot. */
void guard_tcache_init(struct guard_tcache *tc);
void guard_tcache_clear(struct guard_tcache *tc);
/* guard_task_attach (guard_task.c): point c->procfd at /proc/TID for task tid, from tc or freshly
 * opened (evicting the least recently used slot), and read its status into c->task. Must run
 * before the notification's SECCOMP_IOCTL_NOTIF_ID_VALID check: a status read that succeeds
 * through a slot proves the slot's task was alive after the notification arrived, and the check
 * then proves the notifier was alive all along, so both are the one task holding the number.
 * Returns 0 or -errno. */
int guard_task_attach(struct guard_call *c, struct guard_tcache *tc, pid_t tid);
/* guard_denied: whether the guard set refuses role on (p->parent, p->name), or on anything below
 * a refused name; a refusal is noted for the violation log. An error fails closed (true). */
bool guard_denied(struct guard_call *c, const struct guard_path *p, enum guard_role role);
/* guard_resolve: the parent directory and final name of path (the target's copy) as the target
 * would resolve them from dfd (AT_FDCWD: its cwd). Returns 0 or -errno. */
int guard_resolve(struct guard_call *c, int dfd, const char *path, struct guard_path *p);
/* guard_follow_final: p names a symbolic link the call follows: re-resolve p to its target (buf
 * holds the text). Returns 0, 1 for a magic link of the target's own /proc/PID, or -errno. */
int guard_follow_final(struct guard_call *c, struct guard_path *p, char *buf, size_t size);
/* guard_reply: answer the notification with 0 and val, or -err (seccomp_unotify(2)). Returns 0, or
 * -ENOENT when the target is gone. */
int guard_reply(struct guard_call *c, int err, int64_t val);
/* guard_connect (guard_connect.c): connect(2) for the target, on its own socket: a pathname unix
 * socket only when the guard set allows that socket. Returns 1 when replied, else -errno. */
int guard_connect(struct guard_call *c, struct guard_req *r);
/* guard_bind (guard_connect.c): bind(2) for the target, on its own socket: a pathname unix socket
 * only where the guard set lets the name be created (ROLE_CREATE). Returns 1 when replied, else
 * -errno. */
int guard_bind(struct guard_call *c, struct guard_req *r);
/* guard_use_umask (guard_ops.c): the target's umask for the worker's next creating call. */
void guard_use_umask(struct guard_call *c);
/* guard_object_read_only (guard_ops.c): whether the object st is an entry of g bound read-only
 * inside (CORDON_GUARD_READ_ONLY), reached by whatever name. */
bool guard_object_read_only(const struct cordon_guard_set *g, const struct stat *st);
/* guard_truncate (guard_truncate.c): truncate(2) for the target: refused (EACCES) on a file bound
 * read-only inside, reached by any name; else done by the worker on the inode it checked. Returns 1
 * when replied, else -errno. */
int guard_truncate(struct guard_call *c, struct guard_req *r);

/* guard_xattr (guard_ops.c): setxattr(2)/removexattr(2) and their l* and f* variants for the
 * target, refusing POSIX ACLs on an entry the guard set names. Returns 1 when replied, else -errno.
 */
int guard_xattr(struct guard_call *c, struct guard_req *r);

/* At most this many calls wait on threads of their own at once (a FIFO without a peer, a connect
 * to a full backlog); more are refused with EAGAIN, so waits whose callers died cannot pile up
 * threads without bound. */
#define GUARD_MAX_WAITING 128

/* guard_wait_begin / guard_wait_end: count a call handed to a thread (c->waiting, atomically).
 * begin returns false when GUARD_MAX_WAITING are waiting already. */
bool guard_wait_begin(int *waiting);
void guard_wait_end(int *waiting);

/* guard_perform: resolve, check and perform r for the target; returns 1 when the reply was already
 * sent (an fd injected with SECCOMP_ADDFD_FLAG_SEND), else 0 with *val/-errno in *err. */
int guard_perform(struct guard_call *c, struct guard_req *r, int64_t *val, int *err);

#endif
