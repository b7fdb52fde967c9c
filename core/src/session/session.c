/* session.c — the session process (docs/design.md §2): started by cordon_session_start, it has the
 * builder child make the namespaces, hands them to the caller, then serves proxy + control channel.
 */
#include "cordon/session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_filter.h"
#include "capture/capture_session.h"
#include "cordon/control.h"
#include "cordon/proxy.h"
#include "cordon/vlog.h"
#include "git/git_relay.h"
#include "guard/guard_log.h"
#include "loop.h"
#include "seccomp_prog.h"
#include "session_ask.h"
#include "session_int.h"
#include "spawn_detached.h"
#include "vlog_sink.h"

struct cordon_session {
	int ctl;		     /* caller's end of the control channel */
	int ns_user, ns_mnt, ns_net; /* namespace fds, -1 once closed */
	int guard_set, guard_log;    /* session_guard_fds */
	struct cordon_session_info info;
	struct cordon_kernel kernel; /* probed while S built the namespaces */
	bool kernel_probed;
	struct seccomp_prog filter; /* prepared meanwhile too; empty when not */
};

/* ---- session process S ------------------------------------------------------------------ */

/* State of S while it serves: what the control callback needs. */
struct session_state {
	struct cordon_control_ctx ctx;
	struct cordon_proxy *px; /* serves on S's loop; guard refusals go to its log sink */
	int builder_sock;	 /* S's end of the S↔B channel, while B builds */
	int guard_log; /* S's end of the guard-log channel: refused writes from the worker */
	pid_t builder;
	char *req;		 /* CORDON_CONTROL_MAX + 1 bytes: one request */
	char approval_path[108]; /* locked session: the approval socket, unlinked at the end */
	bool follow_caller;	 /* "follow-caller" was asked: the caller's exit, not the control
				    channel's hang-up, ends the session */
	struct capture_session *capture; /* capture_session.h */
	/* git credentials outside (git_relay.h, agent_filter.h) */
	const struct cordon_policy *policy;
	struct git_relay *git;	/* the git endpoint, or NULL */
	int agent_fd;		/* the agent socket until it is served, or -1 */
	const char *agent_path; /* unlinked at the end, or NULL */
};

/* detach: S's own session and process group (so the terminal's signals and job control do not
 * reach it), default signal dispositions and an empty mask, stdio on /dev/null (so S holds no
 * pipe or terminal of the caller), and no fd but the control channel (close_range(2)). */
static int detach(int ctl)
{
	sigset_t none;
	int null;

	/* The caller may have run with stdin/stdout/stderr closed, so that the socketpair got one
	 * of 0..2: move it above them before they are pointed at /dev/null. */
	if (ctl < 3) {
		int moved = fcntl(ctl, F_DUPFD_CLOEXEC, 3);
		if (moved < 0)
			_exit(1);
		close(ctl);
		ctl = moved;
	}
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN); /* a client that goes away must not end the proxy */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	if (ctl > 3)
		close_range(3, ctl - 1, 0);
	close_range(ctl + 1, ~0U, 0);
	return ctl;
}

/* write_file: write s into an existing file (for /proc/PID/{setgroups,uid_map,gid_map}). */
static int write_file(const char *path, const char *s, struct cordon_error *e)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return cordon_error_set(e, errno, "user namespace: open %s: %m", path);
	n = write(fd, s, strlen(s));
	if (n < 0) {
		int err = errno;
		close(fd);
		return cordon_error_set(e, err, "user namespace: write \"%s\" to %s: %s", s, path,
					strerror(err));
	}
	close(fd);
	return 0;
}

/* own_ids_map: the identity map of every id this process's user namespace has, built from its
 * own /proc/self/{uid,gid}_map ("FIRST FIRST COUNT" for each "FIRST OUTSIDE COUNT" line): in the
 * initial namespace "0 0 4294967295", inside a container only the ids it maps, which the kernel
 * would otherwise refuse (user_namespaces(7): each id must be mapped in the parent). */
static int own_ids_map(const char *which, char *buf, size_t len, struct cordon_error *e)
{
	char path[32], line[128];
	size_t pos = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/%s", which);
	f = fopen(path, "re");
	if (!f)
		return cordon_error_set(e, errno, "user namespace: open %s: %m", path);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		unsigned long first, outside, count;
		int n;

		if (sscanf(line, "%lu %lu %lu", &first, &outside, &count) != 3)
			continue;
		n = snprintf(buf + pos, len - pos, "%lu %lu %lu\n", first, first, count);
		if (n < 0 || (size_t)n >= len - pos) {
			fclose(f);
			return cordon_error_set(e, E2BIG, "user namespace: %s has too many lines",
						path);
		}
		pos += (size_t)n;
	}
	fclose(f);
	if (pos == 0)
		return cordon_error_set(e, EINVAL, "user namespace: %s maps no id", path);
	return 0;
}

/* map_ids: the builder's uid/gid maps, written from the parent user namespace
 * (user_namespaces(7) "Defining user and group ID mappings"). An unprivileged caller maps only
 * itself ("UID UID 1"; gid_map needs setgroups "deny" first); root maps every id it has onto
 * itself (own_ids_map) so files keep their owners inside. */
static int map_ids(pid_t b, struct cordon_error *e)
{
	char path[64], map[4096];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/setgroups", b);
	r = write_file(path, "deny", e);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", b);
	if (geteuid() == 0)
		r = own_ids_map("uid_map", map, sizeof(map), e);
	else
		snprintf(map, sizeof(map), "%u %u 1\n", geteuid(), geteuid());
	if (r < 0 || (r = write_file(path, map, e)) < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", b);
	if (geteuid() == 0)
		r = own_ids_map("gid_map", map, sizeof(map), e);
	else
		snprintf(map, sizeof(map), "%u %u 1\n", getegid(), getegid());
	if (r < 0)
		return r;
	return write_file(path, map, e);
}

/* new_id: 128 random bits as 32 lowercase hex characters (getrandom(2)). */
static int new_id(char id[33], struct cordon_error *e)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return cordon_error_set(e, errno ? errno : EIO, "session id: getrandom: %m");
	for (int i = 0; i < 16; i++)
		snprintf(id + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 || a.sin_family != AF_INET)
		return 0;
	return ntohs(a.sin_port);
}

/* on_caller_exit: the caller's pidfd became readable: it exited (pidfd_open(2)). */
static int on_caller_exit(struct cordon_loop *l, int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	loop_stop(l);
	return 1;
}

/* follow_caller: from now on the session ends when the process that made the control channel
 * exits, not when the channel hangs up. A shell closes the channel (close-on-exec) when it
 * execs its last command in place (`bash -c '...; make'`): that command is still the confined
 * shell's process and needs the proxy and the guard until it ends. The channel's creator is
 * the socketpair's peer (unix(7) SO_PEERCRED), alive now, so its pidfd cannot name another. */
static const char *follow_caller(struct cordon_loop *l, struct session_state *st, int ctl)
{
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	struct cordon_error e = {{0}};
	int pfd;

	if (st->follow_caller)
		return "ok";
	if (getsockopt(ctl, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0 || cr.pid <= 0)
		return "err follow-caller: no peer credentials";
	pfd = (int)syscall(SYS_pidfd_open, cr.pid, 0);
	if (pfd < 0)
		return "err follow-caller: pidfd_open failed";
	fcntl(pfd, F_SETFD, FD_CLOEXEC);
	if (loop_watch(l, pfd, EPOLLIN, on_caller_exit, st, &e) < 0) {
		close(pfd);
		return "err follow-caller: cannot watch the caller";
	}
	st->follow_caller = true;
	return "ok";
}

/* on_control: one request from the caller. "follow-caller" see follow_caller; anything else goes
 * to cordon_control_handle. A hang-up ends the session (the last confined process that could use
 * it is gone), unless it follows its caller. */
static int on_control(struct cordon_loop *l, int fd, uint32_t events, void *arg)
{
	struct session_state *st = arg;
	char *req = st->req, *reply = NULL;
	int fds[3], nfds = 0;
	ssize_t n;

	if (!(events & EPOLLIN)) {
		if (!st->follow_caller)
			loop_stop(l);
		return 1;
	}
	n = session_recv(fd, req, CORDON_CONTROL_MAX, fds, 3, &nfds);
	if (n == 0 || (n < 0 && n != -EMSGSIZE && n != -EAGAIN)) {
		if (!st->follow_caller)
			loop_stop(l);
		return 1;
	}
	if (n < 0) {
		const char *msg = n == -EAGAIN ? NULL : "err request too large";
		if (msg)
			session_send(fd, msg, strlen(msg), NULL, 0);
		return 0;
	}
	req[n] = '\0';
	if (nfds == 0 && !strcmp(req, "follow-caller")) {
		reply = strdup(follow_caller(l, st, fd));
	} else if (nfds == 0 && capture_session_control(st->capture, req, &reply)) {
		/* expose, unexpose, exposed: the reply is made */
	} else if (nfds == 0 && !strcmp(req, "git")) {
		char *json = NULL;
		if (git_relay_status_json(st->git, st->policy, st->agent_path, &json) == 0 &&
		    asprintf(&reply, "ok %s", json) < 0)
			reply = NULL;
		free(json);
	} else if (nfds > 0) {
		reply = strdup("err unexpected file descriptor");
	} else {
		/* A refusal sent before its EACCES reached the caller is in the log before any
		 * request the caller makes after it (`sandbox log`) is answered. */
		if (st->guard_log >= 0)
			guard_log_recv(st->px, st->guard_log);
		if (cordon_control_handle(&st->ctx, req, n, &reply) < 0)
			reply = NULL;
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (reply) {
		session_send(fd, reply, strlen(reply), NULL, 0);
		free(reply);
	} else {
		session_send(fd, "err out of memory", 17, NULL, 0);
	}
	return 0;
}

/* on_guard_log: the guard worker's channel: refused writes, one violation-log line per message
 * (guard_log.h), appended here; a hang-up is the worker's end (or the confinement's failure). */
static int on_guard_log(struct cordon_loop *l, int fd, uint32_t events, void *arg)
{
	struct session_state *st = arg;

	(void)l;
	if ((events & EPOLLIN) && guard_log_recv(st->px, fd) == 0 &&
	    !(events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)))
		return 0;
	st->guard_log = -1; /* closed by the loop */
	return 1;
}

/* on_approval: a person's `cordon approve` on the approval socket of a locked session
 * (control.h). The peer check and the request are cordon_control_approval_serve's. */
static int on_approval(struct cordon_loop *l, int fd, uint32_t events, void *arg)
{
	struct session_state *st = arg;
	struct cordon_error e = {{0}};

	(void)l;
	if (!(events & EPOLLIN))
		return 1;
	/* A failed request (out of memory, a peer that hung up) is not the listener's end. */
	cordon_control_approval_serve(&st->ctx, fd, &e);
	return 0;
}

/* listen_approval: a locked session listens for outside approvals. Failing to listen is fatal
 * for the session: a locked shell could not be loosened at all, and the person must know. */
static int listen_approval(struct cordon_loop *l, struct session_state *st, struct cordon_error *e)
{
	int fd = -1, r = cordon_control_approval_listen(st->ctx.session_id, &fd, e);

	if (r < 0)
		return cordon_error_prefix(e, r, "lockPolicy");
	cordon_control_approval_path(st->ctx.session_id, st->approval_path,
				     sizeof(st->approval_path));
	r = loop_watch(l, fd, EPOLLIN, on_approval, st, e);
	if (r < 0) {
		close(fd);
		unlink(st->approval_path);
		st->approval_path[0] = '\0';
	}
	return r;
}

/* real_path_of: path made real as far as it exists (realpath(3) of its deepest existing
 * ancestor, then the missing rest appended), into out (PATH_MAX). Returns false on failure. */
static bool real_path_of(const char *path, char *out)
{
	char head[PATH_MAX], real[PATH_MAX];
	const char *rest = "";

	if (snprintf(head, sizeof(head), "%s", path) >= (int)sizeof(head))
		return false;
	while (!realpath(head, real)) {
		char *slash = strrchr(head, '/');
		if (errno != ENOENT || !slash || slash == head)
			return false;
		*slash = '\0';
		rest = path + (slash - head);
	}
	return snprintf(out, PATH_MAX, "%s%s", strcmp(real, "/") ? real : "", rest) < PATH_MAX;
}

static bool under(const char *path, const char *root)
{
	size_t n = strlen(root);
	return !strncmp(path, root, n) && (path[n] == '/' || path[n] == '\0' || n == 1);
}

/* state_dir_exposed: could a confined process write at, above or below cordon's state directory
 * (vlog.h) under policy p, i.e. does a writable tree contain it or lie inside it? Then the
 * session creates it before the mounts so that they make it read-only inside. Otherwise it is
 * left alone, so a session that refuses nothing leaves nothing on disk. Unsure: true. */
static bool state_dir_exposed(const struct cordon_policy *p)
{
	char dir[PATH_MAX], real[PATH_MAX], w[PATH_MAX];

	if (cordon_vlog_state_dir(dir, sizeof(dir), false, NULL) < 0)
		return false; /* no usable $HOME or $XDG_STATE_HOME: no log at all */
	if (!real_path_of(dir, real))
		return true;
	for (size_t i = 0; i < p->allow_write.n; i++) {
		if (!real_path_of(p->allow_write.v[i], w))
			return true;
		if (under(real, w) || under(w, real))
			return true;
	}
	return false;
}

/* agent_listed: $SSH_AUTH_SOCK names, by its real path, a socket network.allowUnixSockets lists. */
static bool agent_listed(const struct cordon_policy *p)
{
	const char *a = getenv("SSH_AUTH_SOCK");
	char ra[PATH_MAX], rl[PATH_MAX];

	if (!a || !*a || !realpath(a, ra))
		return false;
	for (size_t i = 0; i < p->allow_unix_sockets.n; i++)
		if (realpath(p->allow_unix_sockets.v[i], rl) && !strcmp(ra, rl))
			return true;
	return false;
}

/* session_main: the session process S. Never returns. */
__attribute__((noreturn)) static void session_main(const struct cordon_policy *p, int ctl)
{
	struct session_reply rep;
	struct session_status bst;
	struct session_state st;
	struct cordon_loop *loop = NULL;
	struct vlog_sink sink = {.fd = -1};
	struct cordon_proxy *px = NULL;
	struct cordon_error e = {{0}};
	int sv[2], gl[2] = {-1, -1}, bfds[SESSION_MAX_FDS], nfds = 0, r;
	const char *home = getenv("HOME");
	const char *hosts_file = getenv("CORDON_TEST_HOSTS_FILE"); /* test hook, see proxy.h */
	pid_t self = getpid();
	uid_t uid = getuid();

	ctl = detach(ctl);
	memset(&rep, 0, sizeof(rep));
	memset(&st, 0, sizeof(st));
	st.guard_log = -1;
	st.agent_fd = -1;
	st.policy = p;
	st.req = malloc(CORDON_CONTROL_MAX + 1);
	if (!st.req) {
		r = cordon_error_set(&e, ENOMEM, "session: out of memory");
		goto report;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = cordon_error_set(&e, errno, "session: socketpair: %m");
		goto report;
	}
	/* Where a writable tree reaches cordon's state directory, it exists before B lays out the
	 * mounts, so they make it read-only inside (mounts_pin.c). Should creating it fail, the
	 * guard still keeps its first missing name from being created, and the log is opened on
	 * the first violation as before. */
	if (state_dir_exposed(p))
		(void)cordon_vlog_state_dir(rep.info.log_path, sizeof(rep.info.log_path), true,
					    NULL);
	rep.info.log_path[0] = '\0';
	/* The agent socket is bound outside before the mounts are laid out, so it is there in
	 * the sandbox's view (its path is in network.allowUnixSockets, git_policy.h). */
	if (p->git.agent_path) {
		st.agent_fd = agent_filter_listen(p->git.agent_path, &e);
		if (st.agent_fd < 0) {
			r = st.agent_fd;
			goto report;
		}
		st.agent_path = p->git.agent_path;
	}
	/* B is born in the three new namespaces (clone(2) with CLONE_NEWUSER, so the mount and
	 * network namespaces are owned by the new user namespace, user_namespaces(7)): no step of
	 * B's own to wait for before its ids are mapped. Raw clone, as fork(2) without a new stack;
	 * S is single-threaded here, so glibc's fork handlers have nothing to do. */
	st.builder = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | SIGCHLD,
				    NULL, NULL, NULL, NULL);
	if (st.builder < 0) {
		int err = errno;
		char why[384];
		cordon_userns_diagnose(err, why, sizeof(why));
		r = cordon_error_set(&e, err,
				     "user namespace: unshare: %s: %s; cordon confines nothing "
				     "without one (it has no weaker mode)",
				     strerror(err), why);
		goto report;
	}
	if (st.builder == 0) {
		close(ctl);
		close(sv[0]);
		if (st.agent_fd >= 0)
			close(st.agent_fd);
		session_builder_main(p, sv[1], uid, home, self);
	}
	close(sv[1]);
	st.builder_sock = sv[0];

	/* 1. Map B's ids from here, the parent user namespace. */
	r = map_ids(st.builder, &e);
	session_status_send(st.builder_sock, r, NULL);
	if (r < 0)
		goto report;
	/* Non-dumpable only now: B inherits this flag at fork, and its /proc/PID files must stay
	 * owned by our uid until its maps are written (proc(5), /proc/PID ownership). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	/* 2. B's report: the namespace fds and the listeners, or the step that failed. */
	ssize_t n = session_recv(st.builder_sock, &bst, sizeof(bst), bfds, SESSION_MAX_FDS, &nfds);
	if (n != sizeof(bst)) {
		r = cordon_error_set(&e, EPROTO, "session: builder ended without a report");
		goto report;
	}
	if (bst.status < 0 || nfds != SESSION_MAX_FDS) {
		r = bst.status < 0 ? bst.status : -EPROTO;
		memcpy(e.msg, bst.msg, sizeof(e.msg));
		goto report;
	}
	snprintf(rep.info.notes, sizeof(rep.info.notes), "%.*s", (int)sizeof(rep.info.notes) - 1,
		 bst.msg);
	rep.info.ssh_agent_allowed = agent_listed(p);
	/* The guard worker's refusals come back on their own channel. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, gl) < 0) {
		r = cordon_error_set(&e, errno, "session: guard-log socketpair: %m");
		goto report;
	}
	st.guard_log = gl[0];

	/* 2b. B's capture report (capture_int.h), sent right after. B then serves as the socket
	 * factory until S hangs up, or ends when there is no capture (session_builder.c). */
	struct capture_state cst;
	r = capture_report_recv(st.builder_sock, &cst);
	if (r < 0) {
		r = cordon_error_set(&e, -r, "session: builder ended without a capture report");
		goto report;
	}

	/* 3. Identity and log of the session. */
	r = new_id(rep.info.id, &e);
	if (r < 0)
		goto report;
	/* The log file itself is created on the first violation (cordon_vlog_open). */
	r = cordon_vlog_default_path(rep.info.id, rep.info.log_path, sizeof(rep.info.log_path), &e);
	if (r < 0)
		goto report;
	rep.info.pid = self;
	rep.info.http_port = local_port(bfds[BFD_HTTP]);
	rep.info.socks_port = local_port(bfds[BFD_SOCKS]);

	/* 4. Serve, on S's loop: the proxy accepts on the in-namespace listeners and logs its
	 * refusals to S's sink, as the guard's are (on_builder); with an editor's `cordon serve`
	 * to ask (ask.h), hosts neither list decides are asked about. */
	r = loop_new(&loop, &e);
	if (r == 0 && vlog_sink_init(&sink, -1, rep.info.log_path) < 0)
		r = cordon_error_set(&e, ENOMEM, "session: out of memory");
	if (r < 0)
		goto report;
	struct session_ask ask = {.fd = -1, .policy = (struct cordon_policy *)p};
	struct ucred caller = {0};
	socklen_t callerl = sizeof(caller);
	/* The control channel's creator is the caller (unix(7) SO_PEERCRED). */
	(void)getsockopt(ctl, SOL_SOCKET, SO_PEERCRED, &caller, &callerl);
	session_ask_open(&ask, rep.info.id, rep.info.log_path, caller.pid);
	struct cordon_proxy_config cfg = {
	    /* S's private copy of the caller's policy (fork); the live allowlist. */
	    .policy = (struct cordon_policy *)p,
	    .http_fd = bfds[BFD_HTTP],
	    .socks_fd = bfds[BFD_SOCKS],
	    .log_fd = -1,
	    .hosts_file = hosts_file,
	    .loop = loop,
	    .sink = &sink,
	    .ask = ask.fd >= 0 ? session_ask_question : NULL,
	    .ask_arg = &ask,
	};
	/* S alone holds the proxy's fds: its soft fd limit goes up to the hard one (bounded),
	 * the confined side keeps the limits it had. */
	(void)cordon_proxy_nofile_raise();
	r = capture_session_new(&cst, &cfg, &st.capture, &e);
	if (r < 0)
		goto report;
	r = cordon_proxy_new(&cfg, &px, &e);
	if (r < 0)
		goto report;
	st.px = px;
	st.ctx.proxy_max_conns = cordon_proxy_max_conns(px);
	r = capture_session_serve(st.capture, px, cfg.policy, &e);
	if (r < 0)
		goto report;
	{
		const char *why;
		rep.info.capture = capture_session_on(st.capture, &why);
		snprintf(rep.info.capture_why, sizeof(rep.info.capture_why), "%s", why);
	}
	if (ask.fd >= 0) {
		ask.px = px;
		r = loop_watch(loop, ask.fd, EPOLLIN | EPOLLRDHUP, session_ask_event, &ask, &e);
		if (r < 0)
			goto report;
	}
	/* git over HTTPS and SSH with the credentials outside (git_relay.h, agent_filter.h) */
	if (cordon_git_relay_wanted(&p->git)) {
		r = git_relay_start(px, bfds[BFD_GIT], p, rep.info.log_path, &st.git, &e);
		if (r < 0)
			goto report;
		rep.info.git_port = st.git->port;
	} else {
		close(bfds[BFD_GIT]);
	}
	bfds[BFD_GIT] = -1;
	if (st.agent_fd < 0) {
		close(bfds[BFD_DIAG]);
		bfds[BFD_DIAG] = -1;
	}
	if (st.agent_fd >= 0) {
		struct agent_filter *agent = NULL;
		r = agent_filter_start(px, st.agent_fd, bfds[BFD_DIAG], p, rep.info.log_path,
				       &agent, &e);
		st.agent_fd = -1;
		bfds[BFD_DIAG] = -1;
		if (r < 0)
			goto report;
	}
	st.ctx.policy = cfg.policy;
	st.ctx.session_id = rep.info.id;
	st.ctx.log_path = rep.info.log_path;
	st.ctx.locked = p->lock_policy;
	r = loop_watch(loop, ctl, EPOLLIN | EPOLLRDHUP, on_control, &st, &e);
	if (r < 0)
		goto report;
	r = loop_watch(loop, st.guard_log, EPOLLIN | EPOLLRDHUP, on_guard_log, &st, &e);
	if (r < 0)
		goto report;
	if (st.ctx.locked) {
		r = listen_approval(loop, &st, &e);
		if (r < 0)
			goto report;
	}
	const int rfds[RFD_COUNT] = {bfds[BFD_USER], bfds[BFD_MNT], bfds[BFD_NET],
				     bfds[BFD_GUARDSET], gl[1]};
	if (session_send(ctl, &rep, sizeof(rep), rfds, RFD_COUNT) < 0)
		goto end;
	for (int i = 0; i < RFD_COUNT; i++)
		close(rfds[i]);
	gl[1] = -1;
	loop_run(loop, &e);
	/* Refusals the loop had no turn for before it stopped (the caller's hang-up came first). */
	if (st.guard_log >= 0)
		guard_log_recv(px, st.guard_log);
	session_ask_bye(&ask);
	goto end;

report:
	rep.st.status = r < 0 ? r : -EPROTO;
	memcpy(rep.st.msg, e.msg, sizeof(rep.st.msg));
	rep.st.msg[sizeof(rep.st.msg) - 1] = '\0';
	session_send(ctl, &rep, sizeof(rep), NULL, 0);
end:
	if (st.approval_path[0])
		unlink(st.approval_path);
	if (st.agent_path)
		unlink(st.agent_path);
	if (st.builder > 0) {
		kill(st.builder, SIGKILL);
		while (waitpid(st.builder, NULL, 0) < 0 && errno == EINTR)
			;
	}
	_exit(0);
}

/* ---- caller side ------------------------------------------------------------------------ */

struct session_start_arg {
	const struct cordon_policy *p;
	int ctl, other; /* S's end of the control channel; the caller's, closed in S */
};

static void session_start_child(void *arg)
{
	const struct session_start_arg *a = arg;

	close(a->other);
	session_main(a->p, a->ctl);
}

int cordon_session_start(const struct cordon_policy *p, struct cordon_session **out,
			 struct cordon_error *e)
{
	struct cordon_session *s;
	struct session_reply rep;
	int sv[2], fds[RFD_COUNT], nfds = 0;
	ssize_t n;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return cordon_error_set(e, ENOMEM, "session: out of memory");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		free(s);
		return cordon_error_set(e, errno, "session: control socketpair: %m");
	}
	/* S is not the caller's child (spawn_detached): a shell reaping unknown children (bash's
	 * SIGCHLD handler) must not see it, and S's exit leaves no zombie. */
	struct session_start_arg sa = {.p = p, .ctl = sv[1], .other = sv[0]};
	int r = spawn_detached(session_start_child, &sa);
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		free(s);
		return cordon_error_set(e, -r, "session: fork: %s", strerror(-r));
	}
	/* The kernel probe that cordon_confine needs runs here, in the caller, while S and its
	 * builder make the namespaces (session_kernel). The user namespace is not probed: the
	 * builder makes one and says why when it cannot. */
	struct cordon_error probe_err;
	s->kernel_probed = cordon_kernel_probe_layers(&s->kernel, &probe_err) == 0;
	/* So is the seccomp filter, which libseccomp compiles on every load: confine.c loads the
	 * prepared program when it fits, and builds its own otherwise (or when this failed). */
	if (s->kernel_probed && s->kernel.seccomp_filter)
		seccomp_prog_prepare(p, s->kernel.seccomp_notify, &s->filter, &probe_err);
	s->ctl = sv[0];
	s->ns_user = s->ns_mnt = s->ns_net = -1;
	s->guard_set = s->guard_log = -1;

	n = session_recv(s->ctl, &rep, sizeof(rep), fds, RFD_COUNT, &nfds);
	if (n != (ssize_t)sizeof(rep) || rep.st.status < 0 || nfds != RFD_COUNT) {
		int r;
		if (n == (ssize_t)sizeof(rep) && rep.st.status < 0)
			r = cordon_error_set(e, -rep.st.status, "%s", rep.st.msg);
		else if (n < 0)
			r = cordon_error_set(e, (int)-n, "session: reading its report: %s",
					     strerror((int)-n));
		else
			r = cordon_error_set(e, EPROTO, "session process ended before reporting");
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		close(s->ctl);
		seccomp_prog_free(&s->filter);
		free(s);
		return r;
	}
	s->ns_user = fds[RFD_USER];
	s->ns_mnt = fds[RFD_MNT];
	s->ns_net = fds[RFD_NET];
	s->guard_set = fds[RFD_GUARDSET];
	s->guard_log = fds[RFD_GUARDLOG];
	s->info = rep.info;
	*out = s;
	return 0;
}

int cordon_session_join(struct cordon_session *s, const char *cwd, struct cordon_error *e)
{
	/* User namespace first: it grants the capabilities that the other two setns calls check
	 * (setns(2): CAP_SYS_ADMIN in the namespace's owning user namespace). */
	static const char *const name[] = {"user", "mount", "network"};
	const int fds[] = {s->ns_user, s->ns_mnt, s->ns_net};
	const int type[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET};

	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0)
			return cordon_error_set(e, EBADF, "join %s namespace: no namespace fd",
						name[i]);
		if (setns(fds[i], type[i]) < 0)
			return cordon_error_set(e, errno, "join %s namespace: setns: %m", name[i]);
	}
	/* A System V IPC and POSIX message-queue namespace of its own (docs/threat-model.md §21):
	 * the host's is keyed by number and name only, so any queue or segment of the same uid is
	 * reachable. Owned by the session's user namespace, joined above (ipc_namespaces(7)). */
	if (unshare(CLONE_NEWIPC) < 0)
		return cordon_error_set(e, errno, "IPC namespace: unshare: %m");
	/* Joining a mount namespace moves cwd and root to its root (setns(2)). */
	if (cwd && chdir(cwd) < 0)
		return cordon_error_set(e, errno, "join: chdir %s: %m", cwd);
	return 0;
}

int cordon_session_follow_caller(struct cordon_session *s, struct cordon_error *e)
{
	char reply[256];
	int nfds = 0, r;
	ssize_t n;

	r = session_send(s->ctl, "follow-caller", 13, NULL, 0);
	if (r < 0)
		return cordon_error_set(e, -r, "session: follow-caller: %s", strerror(-r));
	n = session_recv(s->ctl, reply, sizeof(reply) - 1, NULL, 0, &nfds);
	if (n <= 0)
		return cordon_error_set(e, n < 0 ? (int)-n : EPIPE,
					"session: follow-caller: no answer");
	reply[n] = '\0';
	if (strcmp(reply, "ok") != 0)
		return cordon_error_set(e, EIO, "session: %s",
					!strncmp(reply, "err ", 4) ? reply + 4 : reply);
	return 0;
}

void session_guard_fds(const struct cordon_session *s, int *set_fd, int *log_fd)
{
	*set_fd = s->guard_set;
	*log_fd = s->guard_log;
}

bool session_kernel(const struct cordon_session *s, struct cordon_kernel *k)
{
	if (!s->kernel_probed)
		return false;
	*k = s->kernel;
	return true;
}

const struct seccomp_prog *session_seccomp(const struct cordon_session *s)
{
	return s->filter.insns ? &s->filter : NULL;
}

const struct cordon_session_info *cordon_session_get_info(const struct cordon_session *s)
{
	return &s->info;
}

int cordon_session_ctl_fd(const struct cordon_session *s)
{
	return s->ctl;
}

void cordon_session_free(struct cordon_session *s)
{
	if (!s)
		return;
	int fds[] = {s->ns_user, s->ns_mnt, s->ns_net, s->guard_set, s->guard_log, s->ctl};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	seccomp_prog_free(&s->filter);
	free(s);
}
