/* session_builder.c — the session's builder child: creates the user+mount+network namespaces,
 * lays out the mounts, brings lo up, opens the proxy's listeners inside, then serves the guard. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/guard.h"
#include "cordon/mounts.h"
#include "cordon/netif.h"
#include "session_internal.h"

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

/* keep_only_ptrace: B keeps CAP_SYS_PTRACE (effective+permitted) in the sandbox's user namespace
 * so the guard can read the arguments of non-dumpable confined processes (process_vm_readv,
 * ptrace(2) "access mode checking"); every other capability, the bounding set and the ambient
 * set go (capabilities(7)). */
static int keep_only_ptrace(struct cordon_error *e)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past CAP_LAST_CAP */
			return cordon_error_set(e, errno, "guard: drop bounding capability %d: %m",
						cap);
		}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return cordon_error_set(e, errno, "guard: clear ambient capabilities: %m");
	memset(d, 0, sizeof(d));
	d[CAP_SYS_PTRACE / 32].effective = 1u << (CAP_SYS_PTRACE % 32);
	d[CAP_SYS_PTRACE / 32].permitted = 1u << (CAP_SYS_PTRACE % 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return cordon_error_set(e, errno, "guard: capset: %m");
	return 0;
}

/* confine_worker: what a guard worker keeps and gives up before serving: CAP_SYS_PTRACE only,
 * non-dumpable (confined processes of the same uid cannot ptrace it or open its /proc files),
 * no_new_privs. Not Landlocked: Landlock forbids ptrace-class access (process_vm_readv,
 * /proc/PID/cwd) from a domain to processes outside it (landlock(7), "Ptrace restrictions");
 * the read-only mount layout bounds what the worker can write. */
static int confine_worker(struct cordon_error *e)
{
	int r = keep_only_ptrace(e);

	if (r < 0)
		return r;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cordon_error_set(e, errno, "guard: prctl: %m");
	return 0;
}

/* serve_in: serve a listener whose targets live in their own mount and PID namespaces below the
 * session's (cordon run). seccomp_unotify(2) reports target pids in the reader's PID namespace
 * and the guard resolves them under /proc and compares roots, so the reader must be in the
 * targets' namespaces: a child C joins the mount namespace and the PID namespace for its
 * children, and its child D serves. D is killed with the namespace when its PID 1 exits.
 * D sends its refusals to S on sock, B's end of the S<->B channel (guard_log.h). */
static void serve_in(int listener, int mnt_ns, int pid_ns, int sock,
		     const struct cordon_guard_set *guard)
{
	struct cordon_error e = {{0}};
	pid_t c = fork(), d;

	if (c != 0)
		return; /* B (or a failed fork: the listener closes and the calls fail closed) */
	signal(SIGCHLD, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || setns(mnt_ns, CLONE_NEWNS) < 0 ||
	    setns(pid_ns, CLONE_NEWPID) < 0)
		_exit(1);
	close(mnt_ns);
	close(pid_ns);
	d = fork();
	if (d < 0)
		_exit(1);
	if (d == 0) {
		/* C's death (with B's) ends D; C lives outside D's PID namespace, so getppid() is 0
		 * here and cannot be checked. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || confine_worker(&e) < 0)
			_exit(1);
		cordon_guard_serve_log(listener, guard, sock, &e);
		_exit(0);
	}
	close(listener);
	close(sock);
	while (waitpid(d, NULL, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* serve_guard: serve the seccomp listeners that S forwards from the confined side. A listener
 * alone (a shell confined in place: same namespaces as B) is served by B itself; one with the
 * targets' namespaces (cordon run) by a child in them, while B waits for the next. Refused
 * writes go back to S on sock (guard_log.h). */
__attribute__((noreturn)) static void serve_guard(int sock, struct cordon_guard_set *guard)
{
	struct cordon_error e = {{0}};
	char req[64];
	int fds[3], nfds = 0;

	signal(SIGCHLD, SIG_IGN); /* children of serve_in are reaped by the kernel */
	for (;;) {
		ssize_t n = session_recv(sock, req, sizeof(req), fds, 3, &nfds);
		if (n <= 0)
			_exit(0); /* S is gone or closed the channel: nothing more to guard */
		if (nfds == 3) {
			serve_in(fds[0], fds[1], fds[2], sock, guard);
			for (int i = 0; i < 3; i++)
				close(fds[i]);
			continue;
		}
		for (int i = 1; i < nfds; i++)
			close(fds[i]);
		if (nfds == 1)
			break;
	}
	/* B keeps its end only to send refusals to S (guard_log.h). Shut for reading, S's
	 * forwarding of another listener fails (EPIPE) as if B had closed it, rather than
	 * waiting unread. */
	shutdown(sock, SHUT_RD);
	/* Without the guard the listener's calls fail (seccomp_unotify(2): ENOSYS once the listener
	 * closes): fail closed. */
	if (confine_worker(&e) < 0)
		_exit(1);
	cordon_guard_serve_log(fds[0], guard, sock, &e);
	_exit(0);
}

void session_builder_main(const struct cordon_policy *p, int sock, uid_t uid, const char *home,
			  pid_t parent)
{
	struct cordon_guard_set guard = {0};
	struct cordon_error e = {{0}};
	struct session_status st;
	int fds[SESSION_MAX_FDS];
	int nfds, r;

	/* B must not outlive S: it holds the namespaces and serves the guard for S's sessions. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);

	/* The three namespaces in one call, so the mount and network namespaces are owned by the
	 * new user namespace (user_namespaces(7)). */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) < 0)
		fail(sock, -errno,
		     (cordon_error_set(&e, errno, "user namespace: unshare: %m"), &e));
	/* S writes our uid/gid maps from the parent namespace (a process cannot map more than its
	 * own id once inside, user_namespaces(7)); wait for it. */
	if (session_status_send(sock, 0, NULL) < 0)
		_exit(1);
	if (session_recv(sock, &st, sizeof(st), fds, 0, &nfds) != sizeof(st) || st.status != 0)
		_exit(1);

	r = cordon_mounts_setup(p, home, uid, &guard, &e);
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
	static const char *const ns[] = {"/proc/self/ns/user", "/proc/self/ns/mnt",
					 "/proc/self/ns/net"};
	for (int i = 0; i < 3; i++) {
		fds[i] = open(ns[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			fail(sock, -errno, (cordon_error_set(&e, errno, "open %s: %m", ns[i]), &e));
	}
	memset(&st, 0, sizeof(st));
	if (session_send(sock, &st, sizeof(st), fds, SESSION_MAX_FDS) < 0)
		_exit(1);
	for (int i = 0; i < SESSION_MAX_FDS; i++)
		close(fds[i]);
	serve_guard(sock, &guard);
}
