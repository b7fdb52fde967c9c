/* guard_worker.c — the guard worker as a process of the sandbox: forked by the confining process
 * itself between its Landlock ruleset and its capability drop, it serves the seccomp listener that
 * the confining process loads last.
 *
 * Why there (docs/design.md §5: the guard grants nothing): the worker performs file-creating
 * calls for its targets, so everything it opens must be bounded exactly as its targets are. Forked
 * after the confining process's first Landlock layer, it is in that domain: the same write rules,
 * the same TCP rule, and the same mount namespace, so a device node, a FIFO or a file outside the
 * writable trees, reached by any path or magic link, is refused to it as to them. Its targets sit
 * in that domain's nested scope layer (cordon_landlock_scope) or below (children of an in-place
 * shell), so Landlock still lets it read their memory and /proc files (landlock(7), "Ptrace
 * restrictions": a domain may trace its own and nested domains), while the scope layer keeps
 * their signals away from it. It keeps CAP_SYS_PTRACE of the sandbox's user namespace for targets
 * that made themselves non-dumpable (ssh), is non-dumpable itself, and has its own session so a
 * terminal's signals never reach it. */
#include "guard_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/guard.h"
#include "cordon/layers.h"
#include "spawn_detached.h"

/* Where the worker keeps its three fds once everything else is closed. */
enum { W_CHAN = 3, W_SET = 4, W_LOG = 5 };

/* recv_listener: one message on chan carrying one fd. Returns the fd, or -1 (peer gone). */
static int recv_listener(int chan)
{
	char buf[16], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;

	do
		n = recvmsg(chan, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static void say(int chan, const char *msg)
{
	(void)send(chan, msg, strlen(msg), MSG_NOSIGNAL);
}

/* worker_main: the worker, in the grandchild. Never returns. */
__attribute__((noreturn)) static void worker_main(int chan, int set_fd, int log_fd)
{
	struct cordon_guard_set g = {0};
	struct cordon_error e = {{0}};
	sigset_t none;
	char msg[sizeof(e.msg) + 8];

	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Nothing of the confining process but these three: not its control channel, terminal
	 * or files (close_range(2)). Copies above the three target numbers first (new numbers, so
	 * none of them is an original), so that moving them down cannot close one with another;
	 * low ones, since the caller's fd limit may be small. */
	int a = fcntl(chan, F_DUPFD_CLOEXEC, W_LOG + 1),
	    b = fcntl(set_fd, F_DUPFD_CLOEXEC, W_LOG + 1);
	int c = log_fd >= 0 ? fcntl(log_fd, F_DUPFD_CLOEXEC, W_LOG + 1) : -1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (a < 0 || b < 0 || (log_fd >= 0 && c < 0) || null < 0)
		_exit(1);
	if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    dup3(a, W_CHAN, O_CLOEXEC) < 0 || dup3(b, W_SET, O_CLOEXEC) < 0 ||
	    (c >= 0 && dup3(c, W_LOG, O_CLOEXEC) < 0))
		_exit(1);
	close_range(c >= 0 ? W_LOG + 1 : W_SET + 1, ~0U, 0);

	if (cordon_caps_keep_only_ptrace(&e) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    cordon_guard_set_from_fd(W_SET, &g, &e) < 0) {
		snprintf(msg, sizeof(msg), "err %s", e.msg[0] ? e.msg : "prctl failed");
		say(W_CHAN, msg);
		_exit(1);
	}
	close(W_SET);
	int listener = recv_listener(W_CHAN);
	if (listener < 0)
		_exit(0); /* the confinement stopped before its seccomp filter: nothing to serve */
	say(W_CHAN, "ok");
	close(W_CHAN);
	cordon_guard_serve_log(listener, &g, log_fd >= 0 ? W_LOG : -1, &e);
	_exit(0);
}

struct worker_arg {
	int chan, other, set_fd, log_fd;
};

static void worker_child(void *arg)
{
	const struct worker_arg *a = arg;

	close(a->other);
	worker_main(a->chan, a->set_fd, a->log_fd);
}

int guard_worker_spawn(int set_fd, int log_fd, bool detach, int *chan, struct cordon_error *e)
{
	int sv[2], r = 0;

	*chan = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cordon_error_set(e, errno, "guard worker: socketpair: %m");
	struct worker_arg a = {.chan = sv[1], .other = sv[0], .set_fd = set_fd, .log_fd = log_fd};
	if (detach) {
		/* nobody's child: a shell's waitpid(-1) must not reap it (spawn_detached.h) */
		r = spawn_detached(worker_child, &a);
	} else {
		/* the caller's child (cordon run's reaper, PID 1 of the command's namespace, whose
		 * end ends it): one fork */
		pid_t w = fork();
		if (w == 0)
			worker_child(&a);
		if (w < 0)
			r = -errno;
	}
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		return cordon_error_set(e, -r, "guard worker: fork: %s", strerror(-r));
	}
	*chan = sv[0];
	return 0;
}

int guard_worker_hand(int chan, int listener, struct cordon_error *e)
{
	char cbuf[CMSG_SPACE(sizeof(int))], reply[sizeof(e->msg) + 8];
	struct iovec iov = {.iov_base = "listener", .iov_len = 8};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ssize_t n;

	memset(cbuf, 0, sizeof(cbuf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener, sizeof(int));
	if (sendmsg(chan, &m, MSG_NOSIGNAL) < 0)
		return cordon_error_set(e, errno, "guard worker: handing the listener: %m");
	do
		n = recv(chan, reply, sizeof(reply) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return cordon_error_set(e, EPIPE, "guard worker: ended before serving");
	reply[n] = '\0';
	if (strcmp(reply, "ok") != 0)
		return cordon_error_set(e, EIO, "guard worker: %s",
					strncmp(reply, "err ", 4) ? reply : reply + 4);
	return 0;
}
