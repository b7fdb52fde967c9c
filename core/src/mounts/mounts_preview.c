/* mounts_preview.c — what a session would protect, found by laying the mounts out for real in a
 * throwaway user and mount namespace and recording each protection: `cordon policy` shows the
 * pins and guarded names themselves, not a description of the rules. */
#include "cordon/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mounts_int.h"

/* own_map: map the caller's own ids (read before unsharing) onto themselves in the new user namespace (user_namespaces(7): a
 * process may map its own effective id; setgroups must be denied before gid_map). */
static int own_map(uid_t euid, gid_t egid)
{
	char buf[64];
	int fd, ok = 1;
	static const char *const files[] = {"/proc/self/setgroups", "/proc/self/uid_map",
					    "/proc/self/gid_map"};
	unsigned ids[] = {0, (unsigned)euid, (unsigned)egid};

	for (int i = 0; i < 3 && ok; i++) {
		if (i == 0)
			snprintf(buf, sizeof(buf), "deny");
		else
			snprintf(buf, sizeof(buf), "%u %u 1\n", ids[i], ids[i]);
		fd = open(files[i], O_WRONLY | O_CLOEXEC);
		ok = fd >= 0 && write(fd, buf, strlen(buf)) == (ssize_t)strlen(buf);
		if (fd >= 0)
			close(fd);
	}
	return ok ? 0 : -1;
}

int cordon_mounts_preview(const struct cordon_policy *p, const char *home, char **out,
			  struct cordon_error *e)
{
	int pfd[2];
	pid_t pid;

	*out = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cordon_error_set(e, errno, "preview: pipe: %m");
	uid_t uid = getuid();
	pid = fork();
	if (pid < 0) {
		int err = errno;
		close(pfd[0]);
		close(pfd[1]);
		return cordon_error_set(e, err, "preview: fork: %s", strerror(err));
	}
	if (pid == 0) {
		struct cordon_strbuf b = {0};
		struct cordon_guard_set g = {0};
		struct cordon_error ce = {{0}};
		close(pfd[0]);
		uid_t eu = geteuid();
		gid_t eg = getegid();
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 || own_map(eu, eg) < 0) {
			dprintf(pfd[1], "error\tuser namespace: %s\n", strerror(errno));
			_exit(1);
		}
		struct mnt_ctx c = {.p = p, .guard = &g, .e = &ce, .empty_fd = -1, .record = &b};
		if (mnt_layout(&c, home, uid) < 0)
			cordon_sb_addf(&b, "error\t%s\n", ce.msg);
		char *text = NULL;
		if (cordon_sb_take(&b, &text) == 0 && text) {
			size_t n = strlen(text), off = 0;
			while (off < n) {
				ssize_t w = write(pfd[1], text + off, n - off);
				if (w <= 0)
					break;
				off += (size_t)w;
			}
		}
		_exit(0);
	}
	close(pfd[1]);
	struct cordon_strbuf b = {0};
	char buf[4096];
	ssize_t n;
	while ((n = read(pfd[0], buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			cordon_sb_addf(&b, "%.*s", (int)n, buf);
	close(pfd[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (cordon_sb_take(&b, out) < 0)
		return cordon_error_set(e, ENOMEM, "preview: out of memory");
	return 0;
}
