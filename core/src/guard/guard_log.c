/* guard_log.c — the guard worker's refused writes, carried to the session's violation log: the
 * worker's side (note the path, send one line) and the session process's side (receive, append). */
#include "guard_log.h"
#include "guard_int.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cordon/proxy.h"
#include "cordon/vlog.h"

void guard_log_note(struct guard_call *c, const struct guard_path *p)
{
	char lk[64], dir[PATH_MAX];
	ssize_t n;

	if (c->refused[0])
		return;
	snprintf(lk, sizeof(lk), "/proc/self/fd/%d", p->parent);
	n = readlink(lk, dir, sizeof(dir) - 1);
	if (n <= 0)
		snprintf(dir, sizeof(dir), "?");
	else
		dir[n] = '\0';
	/* a directory name ending in '/' is only the root: no second slash; a path longer than
	 * PATH_MAX (a deep directory) is cut, the log line stays bounded */
	if (snprintf(c->refused, sizeof(c->refused), "%s%s%.*s", dir,
		     dir[strlen(dir) - 1] == '/' ? "" : "/", (int)p->namelen,
		     p->name) >= (int)sizeof(c->refused))
		c->refused[sizeof(c->refused) - 2] = '~';
}

void guard_log_send(const struct guard_call *c, const struct seccomp_notif *req)
{
	struct cordon_vlog_entry *v;
	char *line, *name;
	int n;

	if (c->log_fd < 0 || !c->refused[0])
		return;
	v = calloc(1, sizeof(*v));
	line = malloc(CORDON_VLOG_LINE_MAX);
	if (!v || !line)
		goto out;
	v->time = time(NULL);
	v->pid = (pid_t)req->pid;
	snprintf(v->reason, sizeof(v->reason), "%s", c->reason[0] ? c->reason : "mandatory write-deny");
	snprintf(v->proto, sizeof(v->proto), "write");
	snprintf(v->path, sizeof(v->path), "%s", c->refused);
	/* seccomp_data.arch is an AUDIT_ARCH_* value, which is what libseccomp's SCMP_ARCH_* are */
	name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
	snprintf(v->syscall, sizeof(v->syscall), "%s", name ? name : "?");
	free(name);
	n = cordon_vlog_format(v, line, CORDON_VLOG_LINE_MAX);
	if (n > 0)
		/* dropped when the queue is full (EAGAIN) or the session is gone (EPIPE) */
		(void)send(c->log_fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
out:
	free(line);
	free(v);
}

int guard_log_recv(struct cordon_proxy *px, int fd)
{
	struct cordon_vlog_entry *v = malloc(sizeof(*v));
	char *buf = malloc(CORDON_VLOG_LINE_MAX);
	int ret = 0;

	if (!v || !buf) {
		free(v);
		free(buf);
		return 0; /* out of memory: the messages wait for the next event */
	}
	for (;;) {
		ssize_t n = recv(fd, buf, CORDON_VLOG_LINE_MAX, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			ret = 1;
			break;
		}
		if (cordon_vlog_parse(buf, (size_t)n, v, NULL) < 0 || strcmp(v->proto, "write") ||
		    !v->path[0])
			continue;
		(void)cordon_proxy_log(px, v); /* a full disk must not stop the session */
	}
	free(buf);
	free(v);
	return ret;
}
