/* guard_connect.c — connect(2) and bind(2) for a confined process when network.allowUnixSockets
 * names sockets: the worker takes the target's own socket (pidfd_getfd(2)) and connects it itself,
 * to a pathname unix socket only when that socket's inode is one the policy names, to anything
 * else as the target could (same Landlock domain, same network namespace); and binds it itself,
 * a pathname unix socket only where the guard set lets a name be created (binding makes the name
 * in the file system, as mknod(2) would).
 *
 * seccomp cannot read connect's address (it is in the caller's memory), and the caller could
 * change the address or swap the fd behind a check, so the check and the connect are the
 * worker's own: on its copy of the address and on the socket object it took (docs/threat-model.md
 * §26, §37). */
#include "guard_int.h"
#include "guard_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* take_socket: the target's fd as a socket of the worker's (the same open file description). */
static int take_socket(struct guard_call *c, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, c->task.tgid, 0);
	if (pidfd < 0)
		return -ESRCH;
	int s = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int err = errno;
	close(pidfd);
	if (s < 0)
		return err == EBADF ? -EBADF : -err;
	s = guard_call_track(c, s);
	struct stat st;
	if (s >= 0 && (fstat(s, &st) < 0 || !S_ISSOCK(st.st_mode)))
		return -ENOTSOCK;
	return s;
}

/* allowed_socket: whether st is a unix socket the guard set names (CORDON_GUARD_SOCKET). */
static bool allowed_socket(const struct cordon_guard_set *g, const struct stat *st)
{
	for (size_t i = 0; g && i < g->n; i++)
		if ((g->v[i].flags & CORDON_GUARD_SOCKET) && g->v[i].obj_dev == st->st_dev &&
		    g->v[i].obj_ino == st->st_ino)
			return true;
	return false;
}

/* A connect that may wait (a blocking socket whose listener's backlog is full) is finished on a
 * thread of its own, as a blocking open is (guard_ops.c), so the worker keeps serving. */
struct pending_connect {
	int listener, sock, dir; /* dir: an O_PATH fd of the checked pathname socket, or -1 */
	int *waiting;
	uint64_t id;
	struct sockaddr_storage addr;
	socklen_t len;
};

/* do_connect: connect p->sock to its address, or to the socket inode p->dir holds, through its
 * magic link (/proc/self/fd/N, proc(5)): the kernel reaches that very inode, so no rename of
 * names after the check can put another socket there. */
static int do_connect(struct pending_connect *p)
{
	if (p->dir < 0)
		return connect(p->sock, (struct sockaddr *)&p->addr, p->len);
	struct sockaddr_un to = {.sun_family = AF_UNIX};
	int n = snprintf(to.sun_path, sizeof(to.sun_path), "/proc/self/fd/%d", p->dir);
	if (n < 0 || (size_t)n >= sizeof(to.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return connect(p->sock, (struct sockaddr *)&to,
		       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1));
}

static void pending_free(struct pending_connect *p)
{
	guard_wait_end(p->waiting);
	if (p->sock >= 0)
		close(p->sock);
	if (p->dir >= 0)
		close(p->dir);
	free(p);
}

static void *connect_run(void *arg)
{
	struct pending_connect *p = arg;
	struct guard_call c = {.listener = p->listener, .id = p->id};
	int r = do_connect(p);
	guard_reply(&c, r < 0 ? errno : 0, 0);
	pending_free(p);
	return NULL;
}

/* finish_connect: connect sock to (addr, len), or to the socket inode of the O_PATH fd dir when
 * dir >= 0, and reply, on a
 * thread of its own with copies of the fds. Always a thread: whether the connect may wait is the
 * socket's O_NONBLOCK, which the target can clear from another thread at any moment (the open
 * file description is shared), and a connect that waits on the main thread would stall every
 * routed call of the session. Returns 1 or -errno (-EAGAIN when GUARD_MAX_WAITING threads wait). */
static int finish_connect(struct guard_call *c, int sock, const void *addr, socklen_t len, int dir)
{
	if (!guard_wait_begin(c->waiting))
		return -EAGAIN;
	struct pending_connect *p = calloc(1, sizeof(*p));
	if (!p) {
		guard_wait_end(c->waiting);
		return -ENOMEM;
	}
	p->listener = c->listener;
	p->id = c->id;
	p->waiting = c->waiting;
	if (addr)
		memcpy(&p->addr, addr, len);
	p->len = len;
	p->sock = fcntl(sock, F_DUPFD_CLOEXEC, 0);
	p->dir = dir >= 0 ? fcntl(dir, F_DUPFD_CLOEXEC, 0) : -1;
	pthread_attr_t at;
	pthread_t t;
	int r = -ENOMEM;
	if (p->sock >= 0 && (dir < 0 || p->dir >= 0) && pthread_attr_init(&at) == 0) {
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		r = -pthread_create(&t, &at, connect_run, p);
		pthread_attr_destroy(&at);
	}
	if (r < 0) {
		pending_free(p);
		return r;
	}
	return 1;
}

/* connect_path: the pathname unix socket in r's address: resolved as the target would (its cwd
 * and root, symbolic links followed), checked against the guard set, then connected to through
 * the directory fd that was checked. */
static int connect_path(struct guard_call *c, int sock, const struct sockaddr_un *sun, size_t plen)
{
	char path[sizeof(sun->sun_path) + 1], link[PATH_MAX];
	struct guard_path p;
	struct stat st;
	int e;

	memcpy(path, sun->sun_path, plen);
	path[plen] = '\0';
	if ((e = guard_resolve(c, AT_FDCWD, path, &p)) < 0)
		return e;
	for (int i = 0;; i++) {
		if (fstatat(p.parent, p.name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		if (!S_ISLNK(st.st_mode))
			break;
		e = guard_follow_final(c, &p, link, sizeof(link));
		if (e != 0 || i > 40)
			return e < 0 ? e : -ECONNREFUSED; /* a socket behind a magic link: none */
	}
	if (!S_ISSOCK(st.st_mode) || !allowed_socket(c->g, &st)) {
		if (S_ISSOCK(st.st_mode)) {
			guard_log_note(c, &p);
			snprintf(c->reason, sizeof(c->reason), "unix socket not allowed");
		}
		return S_ISSOCK(st.st_mode) ? -EACCES : -ECONNREFUSED;
	}
	/* The inode that was checked, held: the connect goes to it whatever the names do next. */
	struct stat held;
	int o = openat(p.parent, p.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (o < 0)
		return -errno;
	o = guard_call_track(c, o);
	if (o < 0)
		return o;
	if (fstat(o, &held) < 0 || held.st_dev != st.st_dev || held.st_ino != st.st_ino)
		return -ECONNREFUSED; /* the name changed under the check: as if nothing were there
				       */
	return finish_connect(c, sock, NULL, 0, o);
}

int guard_connect(struct guard_call *c, struct guard_req *r)
{
	int sock = take_socket(c, r->dfd[0]);
	int domain;
	socklen_t dl = sizeof(domain);

	if (sock < 0)
		return sock;
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0)
		return -errno;
	if (domain != AF_UNIX)
		/* the socket's own family decides: an AF_INET socket cannot reach a unix socket,
		 * whatever address it is given, and Landlock's TCP rule binds the worker too */
		return finish_connect(c, sock, r->sockaddr, r->addrlen, -1);
	const struct sockaddr_un *sun = (const struct sockaddr_un *)r->sockaddr;
	size_t off = offsetof(struct sockaddr_un, sun_path);
	/* unix(7): an address longer than struct sockaddr_un is EINVAL, as the kernel says */
	if (r->addrlen < off || r->addrlen > sizeof(struct sockaddr_un) ||
	    sun->sun_family != AF_UNIX)
		return -EINVAL;
	size_t plen = r->addrlen - off;
	if (plen == 0)
		return -EINVAL;
	if (sun->sun_path[0] == '\0')
		/* abstract: this network namespace's only, and Landlock's scoping (ABI >= 6) keeps
		 * the worker to the sandbox's own */
		return finish_connect(c, sock, r->sockaddr, r->addrlen, -1);
	const char *nul = memchr(sun->sun_path, '\0', plen);
	if (nul)
		plen = (size_t)(nul - sun->sun_path);
	return connect_path(c, sock, sun, plen);
}

int guard_bind(struct guard_call *c, struct guard_req *r)
{
	int sock = take_socket(c, r->dfd[0]);
	int domain, res;
	socklen_t dl = sizeof(domain);

	if (sock < 0)
		return sock;
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0)
		return -errno;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)r->sockaddr;
	size_t off = offsetof(struct sockaddr_un, sun_path);
	if (domain != AF_UNIX || r->addrlen <= off || sun->sun_path[0] == '\0') {
		/* an address of another family (Landlock's TCP bind rule holds the worker as it
		 * holds the target), an unnamed or an abstract unix address: nothing in the file
		 * system, as the target would bind it */
		res = bind(sock, (const struct sockaddr *)r->sockaddr, r->addrlen);
		return guard_reply(c, res < 0 ? errno : 0, 0) < 0 ? -ESRCH : 1;
	}
	if (r->addrlen > sizeof(struct sockaddr_un) || sun->sun_family != AF_UNIX)
		return -EINVAL; /* unix(7) */
	size_t plen = r->addrlen - off;
	const char *nul = memchr(sun->sun_path, '\0', plen);
	if (nul)
		plen = (size_t)(nul - sun->sun_path);
	char path[sizeof(sun->sun_path) + 1];
	memcpy(path, sun->sun_path, plen);
	path[plen] = '\0';
	struct guard_path p;
	int e = guard_resolve(c, AT_FDCWD, path, &p);
	if (e < 0)
		return e;
	if (guard_denied(c, &p, ROLE_CREATE))
		return -EACCES;
	/* The name is made in the directory that was checked, through its fd's magic link; bind
	 * never follows a link at the final name (EADDRINUSE when anything is there). */
	struct sockaddr_un at = {.sun_family = AF_UNIX};
	int n = snprintf(at.sun_path, sizeof(at.sun_path), "/proc/self/fd/%d/%.*s", p.parent,
			 (int)p.namelen, p.name);
	if (n < 0 || (size_t)n >= sizeof(at.sun_path))
		return -ENAMETOOLONG;
	guard_use_umask(c);
	res = bind(sock, (const struct sockaddr *)&at,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1));
	int err = res < 0 ? errno : 0;
	if (guard_reply(c, err, 0) < 0 && res == 0)
		unlinkat(p.parent, p.name, 0); /* the target is gone: take the name back */
	return 1;
}
