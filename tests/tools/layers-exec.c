/* layers-exec.c — test harness: apply the kernel layers of layers.h to itself, then exec a command,
 * so the bats suites can run attack probes under exactly the layers the engine uses.
 *
 * usage: layers-exec [--allow-write P]... [--allow-unix P]... [--tcp-port N]... [--allow-bind]
 *                    [--no-tcp] [--private-tmp] [--no-landlock] [--no-seccomp]
 *                    [--listener | --listener-verbose] -- CMD [ARGS...]
 *
 * Order as in docs/design.md §3: NNP, a user namespace of its own when not privileged (like the
 * session would provide; it is what lets an unprivileged user drop the bounding set), drop
 * capabilities, Landlock, seccomp, self-check, exec. Exit status 125 when a layer cannot be
 * applied. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/layers.h"

#define EXIT_SETUP 125

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "layers-exec: %s: %s\n", what, msg);
	exit(EXIT_SETUP);
}

static void push(struct cordon_path_list *l, char *s)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!l->v)
		die("args", "out of memory");
	l->v[l->n++] = s;
}

static int has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	if (syscall(SYS_capget, &hdr, d) < 0)
		return 0;
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path, strerror(errno));
	close(fd);
}

/* A user namespace mapping only ourselves, so the capability drop has something to drop. */
static void enter_userns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0)
		die("unshare(CLONE_NEWUSER)", strerror(errno));
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	write_file("/proc/self/gid_map", map);
}

/* TEST ONLY. A stand-in for the guard worker (guard.h): answers every notification with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE, so the creating calls run unchanged. CONTINUE is unsafe as a
 * security decision (seccomp_unotify(2)); here it only proves the calls are routed and the
 * listener keeps the confined command working. Runs outside the filter, exits at hang-up. */
static void notify_server(int sock, int verbose)
{
	char dummy;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	if (recvmsg(sock, &mh, 0) <= 0)
		_exit(0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		_exit(1);
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	if (seccomp_notify_alloc(&req, &resp) < 0)
		_exit(1);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
			_exit(0);
		memset(req, 0, sizeof(*req));
		if (seccomp_notify_receive(fd, req) < 0)
			continue; /* the caller died meanwhile */
		if (verbose) {
			char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
			fprintf(stderr, "layers-exec: notified %s\n", name ? name : "?");
			free(name);
		}
		memset(resp, 0, sizeof(*resp));
		resp->id = req->id;
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		seccomp_notify_respond(fd, resp);
	}
}

static void send_fd(int sock, int fd)
{
	char dummy = 0;
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	if (sendmsg(sock, &mh, 0) < 0)
		die("sending the listener", strerror(errno));
}

int main(int argc, char **argv)
{
	struct cordon_policy p;
	memset(&p, 0, sizeof(p));
	unsigned short ports[64];
	int n_ports = 0;
	int landlock = 1, seccomp = 1, listener = 0, tcp = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (!strcmp(a, "--allow-write") && i + 1 < argc)
			push(&p.allow_write, argv[++i]);
		else if (!strcmp(a, "--allow-unix") && i + 1 < argc)
			push(&p.allow_unix_sockets, argv[++i]);
		else if (!strcmp(a, "--tcp-port") && i + 1 < argc && n_ports < 64) {
			ports[n_ports++] = (unsigned short)atoi(argv[++i]);
			tcp = 1;
		} else if (!strcmp(a, "--no-tcp")) /* handle TCP with no port allowed */
			tcp = 1;
		else if (!strcmp(a, "--allow-bind"))
			p.allow_local_binding = true;
		else if (!strcmp(a, "--private-tmp"))
			p.private_tmp = true;
		else if (!strcmp(a, "--no-landlock"))
			landlock = 0;
		else if (!strcmp(a, "--no-seccomp"))
			seccomp = 0;
		else if (!strcmp(a, "--listener"))
			listener = 1;
		else if (!strcmp(a, "--listener-verbose")) /* name each routed call on stderr */
			listener = 2;
		else {
			fprintf(stderr, "layers-exec: unknown option %s\n", a);
			return 2;
		}
	}
	if (i + 1 >= argc) {
		fputs(
		    "usage: layers-exec [--allow-write P]... [--allow-unix P]... [--tcp-port N]... "
		    "[--no-tcp] [--allow-bind] [--private-tmp] [--no-landlock] [--no-seccomp] "
		    "[--listener | --listener-verbose] -- CMD [ARGS...]\n",
		    stderr);
		return 2;
	}
	char **cmd = argv + i + 1;

	int sv[2] = {-1, -1};
	if (listener) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die("socketpair", strerror(errno));
		pid_t pid = fork();
		if (pid < 0)
			die("fork", strerror(errno));
		if (pid == 0) {
			close(sv[0]);
			notify_server(sv[1], listener > 1);
		}
		close(sv[1]);
	}

	struct cordon_error e = {{0}};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs", strerror(errno));
	if (!has_cap(CAP_SETPCAP))
		enter_userns();
	if (cordon_caps_drop_all(&e) < 0)
		die("capabilities", e.msg);
	int abi = 0;
	if (landlock && cordon_landlock_apply(&p, tcp ? ports : NULL, n_ports, false, &abi, &e) < 0)
		die("Landlock", e.msg);
	int lfd = -1;
	if (seccomp && cordon_seccomp_apply(&p, listener ? &lfd : NULL, &e) < 0)
		die("seccomp", e.msg);
	if (seccomp && cordon_selfcheck(&e) < 0)
		die("self-check", e.msg);
	if (listener) {
		if (seccomp)
			send_fd(sv[0], lfd);
		close(lfd);
		close(sv[0]);
	}
	execvp(cmd[0], cmd);
	fprintf(stderr, "layers-exec: %s: %s\n", cmd[0], strerror(errno));
	return 127;
}
