/* guard-run.c — test harness for the guard worker: runs CMD under a minimal seccomp notify filter
 * for the guard's calls and serves the listener with cordon_guard_serve (test-only filter). */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/guard.h"

static void usage(void)
{
	fprintf(stderr, "usage: guard-run [--deny DIR/NAME]... -- CMD [ARGS...]\n");
	exit(125);
}

/* deny_add: the guard set entry for "DIR/NAME" (DIR must exist). Built here rather than with the
 * library's set helpers so the harness depends only on cordon_guard_serve. */
static void deny_add(struct cordon_guard_set *g, const char *arg)
{
	char dir[4096];
	const char *slash = strrchr(arg, '/');
	const char *name = slash ? slash + 1 : arg;
	struct stat st;

	if (!*name || strlen(name) >= sizeof(g->v[0].name) || (slash && slash - arg >= 4096)) {
		fprintf(stderr, "guard-run: bad --deny %s\n", arg);
		exit(125);
	}
	if (!slash)
		strcpy(dir, ".");
	else if (slash == arg)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - arg), arg);
	if (stat(dir, &st) < 0) {
		fprintf(stderr, "guard-run: stat %s: %s\n", dir, strerror(errno));
		exit(125);
	}
	g->v = realloc(g->v, (g->n + 1) * sizeof(g->v[0]));
	if (!g->v)
		exit(125);
	g->v[g->n].dev = st.st_dev;
	g->v[g->n].ino = st.st_ino;
	snprintf(g->v[g->n].name, sizeof(g->v[0].name), "%s", name);
	g->n++;
}

/* install_filter: the calls guard.h routes to the listener; returns the listener fd. */
static int install_filter(void)
{
	static const char *const always[] = {
	    "creat", "mkdir",  "mkdirat", "mknod",    "mknodat",   "symlink", "symlinkat",
	    "link",  "linkat", "rename",  "renameat", "renameat2", "unlink",  "unlinkat"};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = ctx ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < sizeof(always) / sizeof(always[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, seccomp_syscall_resolve_name(always[i]),
				     0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(open), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, O_CREAT, O_CREAT));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(openat), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, O_CREAT, O_CREAT));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0);
	if (r == 0)
		r = seccomp_load(ctx);
	int fd = r == 0 ? seccomp_notify_fd(ctx) : r;
	if (ctx)
		seccomp_release(ctx);
	return fd;
}

static int send_fd(int sock, int fd)
{
	char data = 'L';
	struct iovec iov = {&data, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {0};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = {&data, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

int main(int argc, char **argv)
{
	struct cordon_guard_set g = {0};
	int i = 1;

	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--deny") == 0 && i + 1 < argc)
			deny_add(&g, argv[++i]);
		else
			usage();
	}
	if (i + 1 >= argc)
		usage();
	char **cmd = argv + i + 1;

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("guard-run: socketpair");
		return 125;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("guard-run: fork");
		return 125;
	}
	if (pid == 0) {
		close(sv[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			perror("guard-run: PR_SET_NO_NEW_PRIVS");
			_exit(125);
		}
		int lfd = install_filter();
		if (lfd < 0) {
			fprintf(stderr, "guard-run: seccomp notify filter: %s\n", strerror(-lfd));
			_exit(125);
		}
		/* the listener must not stay in the target: it could answer its own calls */
		if (send_fd(sv[1], lfd) < 0) {
			perror("guard-run: sending the listener");
			_exit(125);
		}
		close(lfd);
		close(sv[1]);
		execvp(cmd[0], cmd);
		fprintf(stderr, "guard-run: exec %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	int lfd = recv_fd(sv[0]);
	close(sv[0]);
	int rc = 0;
	if (lfd < 0) {
		fprintf(stderr, "guard-run: no listener from the child\n");
		rc = 125;
	} else {
		struct cordon_error e = {{0}};
		if (cordon_guard_serve(lfd, &g, &e) < 0) {
			fprintf(stderr, "guard-run: %s\n", e.msg);
			rc = 125;
		}
		close(lfd);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	free(g.v);
	if (rc)
		return rc;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
