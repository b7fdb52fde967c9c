/* capture_probe.c — whether this kernel gives the transparent capture (capture_probe.h). */
#include "capture_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture_int.h"
#include "cordon/netif.h"

bool cordon_capture_probe(char *why, size_t len)
{
	struct cordon_error e = {{0}};
	int pfd[2], st = 0;
	ssize_t n = 0;
	pid_t pid;

	if (why && len)
		why[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return false;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return false;
	}
	if (pid == 0) {
		int r;
		close(pfd[0]);
		/* Capabilities in the new user namespace hold until execve (user_namespaces(7)),
		 * without an id map: the ruleset needs CAP_NET_ADMIN there only. */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			r = cordon_error_set(&e, errno, "user/network namespace: unshare: %m");
		else if ((r = cordon_netif_lo_up(&e)) == 0 &&
			 (r = capture_route_add(false, &e)) == 0)
			r = capture_nft_apply(1, &e);
		if (r < 0 && write(pfd[1], e.msg, strlen(e.msg)) < 0)
			_exit(2);
		_exit(r < 0 ? 1 : 0);
	}
	close(pfd[1]);
	if (why && len > 1)
		n = read(pfd[0], why, len - 1);
	close(pfd[0]);
	if (why && len)
		why[n > 0 ? n : 0] = '\0';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
