/* guard.c — the guard worker's serve loop: receiving seccomp user notifications, decoding each
 * routed system call into a guard_req from one copy of its arguments, and dispatching it. */
#include "guard_int.h"
#include "guard_log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* The seccomp_data.args of a routed call, as the kernel reads them: int and umode_t arguments
 * are the low bits of the 64-bit register (syscall(2) calling conventions). */
#define ARG_INT(n) ((int)(uint32_t)req->data.args[n])
#define ARG_UINT(n) ((unsigned int)(uint32_t)req->data.args[n])
#define ARG_MODE(n) ((mode_t)(uint16_t)req->data.args[n])

/* decode: fill r from the notification; addr gets the target's addresses of the strings to copy,
 * in the order path[0], path[1], target. Returns 0, or -EPERM for a call this worker does not
 * emulate (another ABI, a system call the filter should not have routed). */
static int decode(const struct seccomp_notif *req, struct guard_req *r, uint64_t addr[3])
{
	memset(addr, 0, 3 * sizeof(addr[0]));
	r->dfd[0] = r->dfd[1] = AT_FDCWD;
	r->flags = 0;
	r->mode = 0;
	r->dev = 0;
	r->by_fd = false;
	r->xnofollow = false;
	r->xsize = 0;

	/* one native ABI only: the seccomp filter kills foreign arches and x32 (docs/design.md §5)
	 */
	if (req->data.arch != seccomp_arch_native() || (req->data.nr & 0x40000000))
		return -EPERM;
	switch (req->data.nr) {
#ifdef __NR_open
	case __NR_open:
		r->op = GOP_OPEN;
		addr[0] = req->data.args[0];
		r->flags = ARG_UINT(1);
		r->mode = ARG_MODE(2);
		return 0;
#endif
#ifdef __NR_creat
	case __NR_creat: /* creat(2): open with O_CREAT|O_WRONLY|O_TRUNC */
		r->op = GOP_OPEN;
		addr[0] = req->data.args[0];
		r->flags = O_CREAT | O_WRONLY | O_TRUNC;
		r->mode = ARG_MODE(1);
		return 0;
#endif
	case __NR_openat:
		r->op = GOP_OPEN;
		r->dfd[0] = ARG_INT(0);
		addr[0] = req->data.args[1];
		r->flags = ARG_UINT(2);
		r->mode = ARG_MODE(3);
		return 0;
#ifdef __NR_mkdir
	case __NR_mkdir:
		r->op = GOP_MKDIR;
		addr[0] = req->data.args[0];
		r->mode = ARG_MODE(1);
		return 0;
#endif
	case __NR_mkdirat:
		r->op = GOP_MKDIR;
		r->dfd[0] = ARG_INT(0);
		addr[0] = req->data.args[1];
		r->mode = ARG_MODE(2);
		return 0;
#ifdef __NR_mknod
	case __NR_mknod:
		r->op = GOP_MKNOD;
		addr[0] = req->data.args[0];
		r->mode = ARG_MODE(1);
		r->dev = ARG_UINT(2);
		return 0;
#endif
	case __NR_mknodat:
		r->op = GOP_MKNOD;
		r->dfd[0] = ARG_INT(0);
		addr[0] = req->data.args[1];
		r->mode = ARG_MODE(2);
		r->dev = ARG_UINT(3);
		return 0;
#ifdef __NR_symlink
	case __NR_symlink:
		r->op = GOP_SYMLINK;
		addr[2] = req->data.args[0];
		addr[1] = req->data.args[1];
		return 0;
#endif
	case __NR_symlinkat:
		r->op = GOP_SYMLINK;
		addr[2] = req->data.args[0];
		r->dfd[1] = ARG_INT(1);
		addr[1] = req->data.args[2];
		return 0;
#ifdef __NR_link
	case __NR_link:
		r->op = GOP_LINK;
		addr[0] = req->data.args[0];
		addr[1] = req->data.args[1];
		return 0;
#endif
	case __NR_linkat:
		r->op = GOP_LINK;
		r->dfd[0] = ARG_INT(0);
		addr[0] = req->data.args[1];
		r->dfd[1] = ARG_INT(2);
		addr[1] = req->data.args[3];
		r->flags = ARG_UINT(4);
		return 0;
#ifdef __NR_rename
	case __NR_rename:
		r->op = GOP_RENAME;
		addr[0] = req->data.args[0];
		addr[1] = req->data.args[1];
		return 0;
#endif
#ifdef __NR_renameat
	case __NR_renameat:
#endif
	case __NR_renameat2:
		r->op = GOP_RENAME;
		r->dfd[0] = ARG_INT(0);
		addr[0] = req->data.args[1];
		r->dfd[1] = ARG_INT(2);
		addr[1] = req->data.args[3];
		r->flags = req->data.nr == __NR_renameat2 ? ARG_UINT(4) : 0;
		return 0;
#ifdef __NR_unlink
	case __NR_unlink:
		r->op = GOP_UNLINK;
		addr[0] = req->data.args[0];
		return 0;
#endif
	case __NR_unlinkat:
		r->op = GOP_UNLINK;
		r->dfd[0] = ARG_INT(0);
		addr[0] = req->data.args[1];
		r->flags = ARG_UINT(2);
		return 0;
#ifdef __NR_chmod
	case __NR_chmod:
		r->op = GOP_CHMOD;
		addr[0] = req->data.args[0];
		r->mode = ARG_MODE(1);
		return 0;
#endif
	case __NR_fchmod:
		r->op = GOP_CHMOD;
		r->by_fd = true;
		r->dfd[0] = ARG_INT(0);
		r->mode = ARG_MODE(1);
		return 0;
	case __NR_fchmodat:
		r->op = GOP_CHMOD;
		r->dfd[0] = ARG_INT(0);
		addr[0] = req->data.args[1];
		r->mode = ARG_MODE(2);
		return 0;
	case __NR_setxattr:
	case __NR_lsetxattr:
	case __NR_fsetxattr:
		r->op = GOP_XATTR;
		r->xnofollow = req->data.nr == __NR_lsetxattr;
		if (req->data.nr == __NR_fsetxattr) {
			r->by_fd = true;
			r->dfd[0] = ARG_INT(0);
		} else {
			addr[0] = req->data.args[0];
		}
		addr[1] = req->data.args[1];
		addr[2] = req->data.args[2]; /* the value: copied by size below, not as a string */
		r->xsize = (size_t)req->data.args[3];
		r->flags = ARG_UINT(4);
		return r->xsize > 65536 ? -E2BIG : 0; /* XATTR_SIZE_MAX (xattr(7)) */
	case __NR_removexattr:
	case __NR_lremovexattr:
	case __NR_fremovexattr:
		r->op = GOP_XATTR;
		r->xnofollow = req->data.nr == __NR_lremovexattr;
		if (req->data.nr == __NR_fremovexattr) {
			r->by_fd = true;
			r->dfd[0] = ARG_INT(0);
		} else {
			addr[0] = req->data.args[0];
		}
		addr[1] = req->data.args[1];
		r->xsize = (size_t)-1; /* remove */
		return 0;
	case __NR_truncate: /* truncate(2) by name: a hard link reaches a pin's inode */
		r->op = GOP_TRUNCATE;
		addr[0] = req->data.args[0];
		r->length = (off_t)req->data.args[1];
		return 0;
	case __NR_connect:
	case __NR_bind:
		r->op = req->data.nr == __NR_bind ? GOP_BIND : GOP_CONNECT;
		r->dfd[0] = ARG_INT(0);
		addr[0] = req->data.args[1];
		r->addrlen = ARG_UINT(2);
		return r->addrlen > sizeof(r->sockaddr) ? -EINVAL : 0;
	case CORDON_NR_FCHMODAT2:
		r->op = GOP_CHMOD;
		r->dfd[0] = ARG_INT(0);
		addr[0] = req->data.args[1];
		r->mode = ARG_MODE(2);
		r->flags = ARG_UINT(3);
		return 0;
	default:
		return -EPERM;
	}
}

/* copy_args: copy the string arguments r uses, once each, from the target's memory. */
static int copy_args(struct guard_call *c, struct guard_req *r, const uint64_t addr[3])
{
	char *dst[3] = {r->path[0], r->path[1], r->target};
	if (r->op == GOP_CONNECT || r->op == GOP_BIND) {
		/* the address, not a string: exactly addrlen bytes (connect(2), bind(2)) */
		struct iovec local = {r->sockaddr, r->addrlen},
			     remote = {(void *)(uintptr_t)addr[0], r->addrlen};
		memset(r->sockaddr, 0, sizeof(r->sockaddr));
		if (r->addrlen == 0)
			return 0;
		ssize_t n = process_vm_readv(c->task.tid, &local, 1, &remote, 1, 0);
		if (n < 0)
			return errno == ESRCH ? -EPERM : -EFAULT;
		return n == (ssize_t)r->addrlen ? 0 : -EFAULT;
	}
	if (r->op == GOP_XATTR && r->xsize != (size_t)-1) {
		/* the value: exactly xsize bytes */
		free(r->xvalue);
		r->xvalue = malloc(r->xsize ? r->xsize : 1);
		if (!r->xvalue)
			return -ENOMEM;
		struct iovec local = {r->xvalue, r->xsize},
			     remote = {(void *)(uintptr_t)addr[2], r->xsize};
		if (r->xsize &&
		    process_vm_readv(c->task.tid, &local, 1, &remote, 1, 0) != (ssize_t)r->xsize)
			return errno == ESRCH ? -EPERM : -EFAULT;
	}
	bool used[3] = {r->op != GOP_SYMLINK && !r->by_fd,
			r->op == GOP_SYMLINK || r->op == GOP_LINK || r->op == GOP_RENAME ||
			    r->op == GOP_XATTR,
			r->op == GOP_SYMLINK};

	for (int i = 0; i < 3; i++) {
		dst[i][0] = '\0';
		if (!used[i])
			continue;
		long n = cordon_guard_read_path(c->task.tid, addr[i], dst[i], PATH_MAX);
		if (n < 0)
			return n == -ESRCH ? -EPERM : (int)n;
	}
	return 0;
}

/* handle: one notification. Returns the errno to reply with, 0 when already replied, or -1 when
 * the notification is no longer valid (nobody to answer). */
static int handle(struct guard_call *c, struct guard_tcache *tc, const struct seccomp_notif *req,
		  struct guard_req *r)
{
	uint64_t addr[3];
	int e;

	int d = decode(req, r, addr);
	if (d < 0)
		return -d;
	if (req->pid <= 0)
		return EPERM; /* not visible in the worker's PID namespace */

	/* /proc/TID (cached, guard_task.c) is reached and its status read before the validity
	 * check, so once the check passes it names the target and not a later process that
	 * reused the number. The status is read for every call: credentials may have changed. */
	if (guard_task_attach(c, tc, (pid_t)req->pid) < 0)
		return EPERM;
	/* Each string is copied exactly once; every later step uses only the copy
	 * (docs/threat-model.md §26).
	 */
	e = copy_args(c, r, addr);
	if (seccomp_notify_id_valid(c->listener, c->id) != 0)
		return -1;
	if (e < 0)
		return -e;

	/* A target with another root (chroot) resolves absolute paths and ".." differently from the
	 * worker's own calls: fail closed rather than emulate it. One statx through the magic link
	 * (access-checked by procfs on every lookup); absolute paths then start at the worker's own
	 * root fd, the same mount and directory. */
	struct statx sx;
	if (statx(c->procfd, "root", 0, STATX_INO | STATX_MNT_ID, &sx) < 0 ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return EPERM;
	if (sx.stx_ino != c->root_ino || sx.stx_mnt_id != c->root_mnt_id ||
	    sx.stx_dev_major != c->root_dev_major || sx.stx_dev_minor != c->root_dev_minor)
		return EPERM;

	int64_t val = 0;
	int err = 0;
	if (guard_perform(c, r, &val, &err) == 1)
		return 0;
	return err;
}

/* worker_identity: the worker's own credentials and root, against which each target is
 * compared; c->rootfd is left open on the worker's root for the whole loop. */
static int worker_identity(struct guard_call *c, struct guard_task *self, struct cordon_error *e)
{
	struct statx sx;
	c->rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return cordon_error_set(e, errno, "guard: open /: %s", strerror(errno));
	if (statx(c->rootfd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &sx) < 0)
		return cordon_error_set(e, errno, "guard: statx /: %s", strerror(errno));
	if (!(sx.stx_mask & STATX_MNT_ID))
		return cordon_error_set(e, ENOSYS, "guard: statx gives no mount id");
	c->root_ino = sx.stx_ino;
	c->root_mnt_id = sx.stx_mnt_id;
	c->root_dev_major = sx.stx_dev_major;
	c->root_dev_minor = sx.stx_dev_minor;

	int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cordon_error_set(e, errno, "guard: open /proc/thread-self/status: %s",
					strerror(errno));
	int r = guard_status_read(fd, &c->task);
	close(fd);
	if (r < 0)
		return cordon_error_set(e, -r, "guard: reading /proc/thread-self/status: %s",
					strerror(-r));
	*self = c->task;
	return 0;
}

int cordon_guard_serve(int listener, const struct cordon_guard_set *g, struct cordon_error *e)
{
	return cordon_guard_serve_log(listener, g, -1, e);
}

int cordon_guard_serve_log(int listener, const struct cordon_guard_set *g, int log_fd,
			   struct cordon_error *e)
{
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	struct guard_task self = {0};
	/* the count of calls waiting on threads, which may outlive this loop: on the heap */
	int *waiting = calloc(1, sizeof(*waiting));
	struct guard_call c = {.listener = listener,
			       .g = g,
			       .procfd = -1,
			       .rootfd = -1,
			       .log_fd = log_fd,
			       .waiting = waiting};
	struct guard_tcache *tc = malloc(sizeof(*tc)); /* the per-tid fds (guard_task.c) */
	struct guard_req *r;
	int ret = 0, failures = 0;

	if (!waiting || !tc || seccomp_notify_alloc(&req, &resp) != 0) {
		free(waiting);
		free(tc);
		return cordon_error_set(e, ENOMEM, "guard: out of memory");
	}
	r = calloc(1, sizeof(*r)); /* 12 KiB of path buffers, reused for every call */
	if (!r) {
		free(waiting);
		free(tc);
		seccomp_notify_free(req, resp);
		return cordon_error_set(e, ENOMEM, "guard: out of memory");
	}
	guard_tcache_init(tc);
	struct guard_mnt mnt;
	guard_mnt_open(&mnt, g ? g->n : 0);
	c.mnt = &mnt;
	ret = worker_identity(&c, &self, e);
	if (ret < 0)
		goto out;
	c.self = &self;
	mode_t saved_umask = umask(0);
	c.worker_umask = 0;

	for (;;) {
		struct pollfd p = {.fd = listener, .events = POLLIN};
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = cordon_error_set(e, errno, "guard: poll on the seccomp listener: %s",
					       strerror(errno));
			break;
		}
		if (p.revents & POLLNVAL) {
			ret = cordon_error_set(
			    e, EBADF, "guard: seccomp listener fd %d is not open", listener);
			break;
		}
		if (!(p.revents & POLLIN)) {
			if (p.revents & (POLLHUP | POLLERR))
				break; /* every process using the filter has exited */
			continue;
		}
		memset(req, 0, sizeof(*req));
		if (seccomp_notify_receive(listener, req) != 0) {
			/* the target died or was interrupted between poll and receive (ENOENT);
			 * only an endless run of failures means the listener itself is broken */
			if (++failures > 10000) {
				ret = cordon_error_set(
				    e, EIO, "guard: seccomp_notify_receive keeps failing");
				break;
			}
			continue;
		}
		failures = 0;

		c.id = req->id;
		c.nfds = 0;
		c.procfd = c.cwdfd = -1;
		c.task_read = false;
		c.refused[0] = '\0';
		c.reason[0] = '\0';
		int err = handle(&c, tc, req, r);
		/* A refusal of the guard's own policy goes to the log before the reply, so it is on
		 * its way to the session process before the caller can see its EACCES. */
		if (err == EACCES)
			guard_log_send(&c, req);
		if (err > 0) {
			memset(resp, 0, sizeof(*resp));
			resp->id = req->id;
			resp->error = -err;
			/* ENOENT here: the target was interrupted or died; nothing to undo */
			seccomp_notify_respond(listener, resp);
		}
		for (int i = 0; i < c.nfds; i++)
			close(c.fds[i]);
	}
	umask(saved_umask);
out:
	guard_mnt_close(&mnt);
	guard_tcache_clear(tc);
	free(tc);
	if (c.rootfd >= 0)
		close(c.rootfd);
	if (waiting && __atomic_load_n(waiting, __ATOMIC_SEQ_CST) == 0)
		free(waiting); /* else a waiting thread still counts on it */
	if (r)
		free(r->xvalue);
	free(r);
	seccomp_notify_free(req, resp);
	return ret;
}
