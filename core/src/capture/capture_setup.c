/* capture_setup.c — the builder child's part of the transparent capture (capture_int.h): the
 * listeners and the DNS stub's sockets inside the network namespace, the routes and the
 * nftables ruleset, /etc/resolv.conf inside, the socket factory; and the report to S. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_int.h"
#include "cordon/layers.h"

/* The resolver configuration inside (resolv.conf(5)): the stub only. ndots:0 makes every name,
 * dotless ones too, be asked as written first; since the stub answers every name, a search
 * domain of the host's (or the one glibc derives from the host name) is then never appended,
 * and `curl registry` is decided as "registry", not as "registry.corp.example". */
static const char resolv_conf[] = "# cordon: the sandbox's DNS stub (no query leaves the sandbox)\n"
				  "nameserver 127.0.0.1\n"
				  "options ndots:0 timeout:2 attempts:2\n";

/* sock_on: a socket of type on addr:port (port 0: the kernel picks), listening for TCP. */
static int sock_on(int family, int type, uint16_t port, struct cordon_error *e, const char *what)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return cordon_error_set(e, errno, "capture: %s: socket: %m", what);
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		int one = 1;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		len = sizeof(*a);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
		int err = errno;
		close(fd);
		return cordon_error_set(e, err, "capture: %s: bind %s port %u: %s", what,
					family == AF_INET ? "127.0.0.1" : "[::1]", port,
					strerror(err));
	}
	return fd;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return 0;
	return ntohs(a.sin_port);
}

/* ipv6_here: does this namespace have IPv6 (::1 on lo, i.e. the kernel has IPv6 enabled)? */
static bool ipv6_here(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	bool ok;

	if (fd < 0)
		return false;
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* listeners: the transparent TCP pair on one port number, then the stub's four sockets. */
static int listeners(struct capture_fds *f, struct cordon_error *e)
{
	int r;

	f->fd[CFD_TCP4] = sock_on(AF_INET, SOCK_STREAM, 0, e, "transparent listener");
	if (f->fd[CFD_TCP4] < 0)
		return f->fd[CFD_TCP4];
	f->tport = port_of(f->fd[CFD_TCP4]);
	if (f->v6) {
		/* A fresh namespace: nothing else holds this port on ::1. */
		f->fd[CFD_TCP6] =
		    sock_on(AF_INET6, SOCK_STREAM, f->tport, e, "transparent listener");
		if (f->fd[CFD_TCP6] < 0)
			return f->fd[CFD_TCP6];
	}
	static const struct {
		int slot, family, type;
	} dns[] = {
	    {CFD_DNS_UDP4, AF_INET, SOCK_DGRAM},
	    {CFD_DNS_TCP4, AF_INET, SOCK_STREAM},
	    {CFD_DNS_UDP6, AF_INET6, SOCK_DGRAM},
	    {CFD_DNS_TCP6, AF_INET6, SOCK_STREAM},
	};
	for (size_t i = 0; i < sizeof(dns) / sizeof(dns[0]); i++) {
		if (dns[i].family == AF_INET6 && !f->v6)
			continue;
		r = sock_on(dns[i].family, dns[i].type, 53, e, "DNS stub");
		if (r < 0)
			return r;
		f->fd[dns[i].slot] = r;
	}
	return 0;
}

/* resolv_bind: a read-only file with resolv_conf bound over what /etc/resolv.conf resolves to
 * (it is often a symlink, e.g. to /run/systemd/resolve/stub-resolv.conf: a bind mount over
 * the symlink's path would follow it anyway). A missing or dangling /etc/resolv.conf is left
 * alone: glibc then uses 127.0.0.1 (resolv.conf(5)), the stub, and the nftables rule sends any
 * other nameserver's port 53 there too. The file lives on a detached tmpfs (fsopen(2),
 * fsmount(2)) that only the bind keeps. */
static int resolv_bind(struct cordon_error *e)
{
	char target[PATH_MAX];
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	int fs = -1, m = -1, f = -1, t = -1, r = 0;

	if (!realpath("/etc/resolv.conf", target))
		return 0;
	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)) < 0) {
		r = cordon_error_set(e, errno, "capture: resolv.conf: tmpfs: %m");
		goto out;
	}
	f = openat(m, "resolv.conf", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
	if (f < 0 ||
	    write(f, resolv_conf, sizeof(resolv_conf) - 1) != (ssize_t)(sizeof(resolv_conf) - 1)) {
		r = cordon_error_set(e, errno ? errno : EIO, "capture: resolv.conf: write: %m");
		goto out;
	}
	t = open_tree(m, "resolv.conf", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0 || mount_setattr(t, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0 ||
	    move_mount(t, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = cordon_error_set(e, errno, "capture: bind over %s: %m", target);
out:;
	const int fds[] = {t, f, m, fs};
	for (size_t i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

/* factory_serve: the socket factory's loop. Each request (one byte: 4 or 6) is answered with a
 * new TCP socket of that family in this network namespace, or with an empty reply. */
__attribute__((noreturn)) static void factory_serve(int sock)
{
	for (;;) {
		unsigned char req;
		ssize_t n = recv(sock, &req, 1, 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(0);
		}
		int fd = socket(req == 6 ? AF_INET6 : AF_INET,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {.iov_base = &req, .iov_len = 1};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		if (fd >= 0) {
			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = sizeof(ctl.buf);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (fd >= 0)
			close(fd);
	}
}

void capture_factory_serve(int sock)
{
	struct cordon_error ign;

	if (sock != 3 && (dup2(sock, 3) < 0 || (sock = 3) < 0))
		_exit(1);
	close_range(4, ~0U, 0);
	signal(SIGCHLD, SIG_DFL);
	if (cordon_caps_drop_all(&ign) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(1);
	factory_serve(sock);
}

/* factory_channel: the factory's channel: fd[CFD_FACTORY] for S, *own for B, which becomes the
 * factory once its work is done (capture_factory_serve), so no process is forked for it. */
static int factory_channel(struct capture_fds *out, int *own, struct cordon_error *e)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cordon_error_set(e, errno, "capture: socket factory: socketpair: %m");
	out->fd[CFD_FACTORY] = sv[0];
	*own = sv[1];
	return 0;
}

int capture_setup(const struct cordon_policy *p, struct capture_fds *out, int *factory,
		  struct cordon_error *e)
{
	int r;

	(void)p;
	*factory = -1;
	for (int i = 0; i < CFD_N; i++)
		out->fd[i] = -1;
	out->v6 = ipv6_here();
	r = capture_route_add(out->v6, e);
	if (r == 0)
		r = listeners(out, e);
	if (r == 0)
		r = capture_nft_apply(out->tport, e);
	if (r == 0)
		r = resolv_bind(e);
	if (r == 0)
		r = factory_channel(out, factory, e);
	if (r < 0)
		capture_fds_close(out);
	return r;
}

void capture_fds_close(struct capture_fds *f)
{
	for (int i = 0; i < CFD_N; i++) {
		if (f->fd[i] >= 0)
			close(f->fd[i]);
		f->fd[i] = -1;
	}
}

/* The report: a fixed header, then the present fds in slot order (mask says which). */
struct capture_msg {
	int32_t status;
	uint16_t tport;
	uint8_t v6;
	uint8_t mask; /* bit i: slot i is present */
	char why[256];
};

int capture_report_send(int sock, int status, const struct capture_fds *f,
			const struct cordon_error *e)
{
	struct capture_msg m = {.status = status};
	union {
		char buf[CMSG_SPACE(sizeof(int) * CFD_N)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[CFD_N], n = 0;

	if (status < 0 && e)
		snprintf(m.why, sizeof(m.why), "%.*s", (int)sizeof(m.why) - 1, e->msg);
	if (status == 0) {
		m.tport = f->tport;
		m.v6 = f->v6;
		for (int i = 0; i < CFD_N; i++)
			if (f->fd[i] >= 0) {
				m.mask |= (uint8_t)(1u << i);
				fds[n++] = f->fd[i];
			}
	}
	if (n) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int capture_report_recv(int sock, struct capture_state *st)
{
	struct capture_msg m;
	union {
		char buf[CMSG_SPACE(sizeof(int) * CFD_N)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	int fds[CFD_N], n = 0, k = 0;
	ssize_t got;

	memset(st, 0, sizeof(*st));
	for (int i = 0; i < CFD_N; i++)
		st->fds.fd[i] = -1;
	do
		got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < cnt && n < CFD_N; i++)
				memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		}
	if (got != (ssize_t)sizeof(m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		return got == 0 ? -EPIPE : -EPROTO;
	}
	m.why[sizeof(m.why) - 1] = '\0';
	if (m.status < 0) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		snprintf(st->why, sizeof(st->why), "%s", m.why);
		return 0;
	}
	for (int i = 0; i < CFD_N; i++)
		if (m.mask & (1u << i)) {
			if (k >= n)
				break;
			st->fds.fd[i] = fds[k++];
		}
	st->fds.tport = m.tport;
	st->fds.v6 = m.v6;
	st->on = k == n && st->fds.fd[CFD_TCP4] >= 0 && st->fds.fd[CFD_DNS_UDP4] >= 0 &&
		 st->fds.fd[CFD_FACTORY] >= 0;
	if (!st->on) {
		capture_fds_close(&st->fds);
		snprintf(st->why, sizeof(st->why), "capture: incomplete report from the builder");
	}
	return 0;
}

int capture_factory_socket(int fd, int family)
{
	unsigned char req = family == AF_INET6 ? 6 : 4;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = &req, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int s = -1;
	ssize_t n;

	if (send(fd, &req, 1, MSG_NOSIGNAL) != 1)
		return -errno;
	/* The factory answers at once; a bound keeps a stuck one from holding the proxy. */
	if (poll(&pfd, 1, 1000) != 1)
		return -ETIMEDOUT;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : -EPIPE;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&s, CMSG_DATA(c), sizeof(int));
	return s >= 0 ? s : -EMFILE;
}
