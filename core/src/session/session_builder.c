/* session_builder.c — the session's builder child: creates the user+mount+network namespaces,
 * lays out the mounts, brings lo up, opens the proxy's listeners inside, writes the guard set,
 * reports all of it to the session process and ends. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture/capture_int.h"
#include "cordon/guard.h"
#include "cordon/layers.h"
#include "cordon/mounts.h"
#include "cordon/netif.h"
#include "session_int.h"

/* fail: report the failing step to S and end B. */
__attribute__((noreturn)) static void fail(int sock, int status, const struct cordon_error *e)
{
	session_status_send(sock, status, e);
	_exit(1);
}

/* listen_loopback: a listening TCP socket on 127.0.0.1, port chosen by the kernel (ip(7)).
 * Created here, inside the network namespace, so that confined processes can reach it while
 * S accepts on it from outside. */
static int listen_loopback(const char *what, struct cordon_error *e)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return cordon_error_set(e, errno, "%s listener: socket: %m", what);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, SOMAXCONN) < 0) {
		int err = errno;
		close(fd);
		return cordon_error_set(e, err, "%s listener: bind/listen 127.0.0.1:0: %s", what,
					strerror(err));
	}
	return fd;
}

void session_builder_main(const struct cordon_policy *p, int sock, uid_t uid, const char *home,
			  pid_t parent)
{
	struct cordon_guard_set guard = {0};
	struct cordon_error e = {{0}};
	struct session_status st;
	int fds[SESSION_MAX_FDS];
	int nfds, r;

	/* B must not outlive S while it builds. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);

	/* B was cloned into its user, mount and network namespaces (session.c). S writes our
	 * uid/gid maps from the parent namespace (a process cannot map more than its own id once
	 * inside, user_namespaces(7)); wait for it. */
	if (session_recv(sock, &st, sizeof(st), fds, 0, &nfds) != sizeof(st) || st.status != 0)
		_exit(1);

	char notes[sizeof(st.msg)];
	r = cordon_mounts_setup(p, home, uid, &guard, notes, sizeof(notes), &e);
	if (r < 0)
		fail(sock, r, (cordon_error_prefix(&e, r, "mounts"), &e));
	r = cordon_netif_lo_up(&e);
	if (r < 0)
		fail(sock, r, &e);
	fds[BFD_HTTP] = listen_loopback("HTTP proxy", &e);
	if (fds[BFD_HTTP] < 0)
		fail(sock, fds[BFD_HTTP], &e);
	fds[BFD_SOCKS] = listen_loopback("SOCKS5 proxy", &e);
	if (fds[BFD_SOCKS] < 0)
		fail(sock, fds[BFD_SOCKS], &e);
	/* the git endpoint (git_relay.h); S closes it when the policy relays no git */
	fds[BFD_GIT] = listen_loopback("git endpoint", &e);
	if (fds[BFD_GIT] < 0)
		fail(sock, fds[BFD_GIT], &e);
	/* A sock_diag socket of this network namespace, for S to tell which confined process
	 * holds the client end of a unix connection (unix_peer.h). */
	fds[BFD_DIAG] = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fds[BFD_DIAG] < 0)
		fail(sock, -errno, (cordon_error_set(&e, errno, "sock_diag socket: %m"), &e));
	/* The guard set goes to the guard worker, which the confining process forks inside the
	 * sandbox (guard_worker.c). */
	fds[BFD_GUARDSET] = cordon_guard_set_to_fd(&guard, &e);
	if (fds[BFD_GUARDSET] < 0)
		fail(sock, fds[BFD_GUARDSET], &e);
	cordon_guard_set_free(&guard);
	/* Transparent capture (capture_int.h); reported to S right after the report below. A
	 * failure leaves the sandbox as without it (only lo, the explicit proxy). */
	struct capture_fds cap;
	struct cordon_error ce = {{0}};
	int factory = -1;
	int cr = getenv("CORDON_TEST_NO_CAPTURE") /* test hook: a kernel without nftables */
		     ? cordon_error_set(&ce, EOPNOTSUPP, "capture: disabled (test hook)")
		     : capture_setup(p, &cap, &factory, &ce);
	static const char *const ns[] = {"/proc/self/ns/user", "/proc/self/ns/mnt",
					 "/proc/self/ns/net"};
	for (int i = 0; i < 3; i++) {
		fds[i] = open(ns[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			fail(sock, -errno, (cordon_error_set(&e, errno, "open %s: %m", ns[i]), &e));
	}
	memset(&st, 0, sizeof(st));
	snprintf(st.msg, sizeof(st.msg), "%s", notes); /* status 0: msg carries the notices */
	if (session_send(sock, &st, sizeof(st), fds, SESSION_MAX_FDS) < 0)
		_exit(1);
	for (int i = 0; i < SESSION_MAX_FDS; i++)
		close(fds[i]);
	if (capture_report_send(sock, cr, &cap, &ce) < 0)
		_exit(1);
	if (cr == 0)
		capture_fds_close(&cap);
	/* B's work is done. With the capture it becomes the socket factory (capture_setup.c) until
	 * S hangs up; without, it ends. */
	if (factory >= 0)
		capture_factory_serve(factory);
	_exit(0);
}
