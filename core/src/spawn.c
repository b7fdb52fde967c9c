/* spawn.c — starting a long-lived helper process that is nobody's child (spawn_detached.h) with one
 * copy of the caller's address space instead of two. */
#include "spawn_detached.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int spawn_detached(void (*fn)(void *), void *arg)
{
	sigset_t all, old;
	pid_t mid;
	int st, err;

	/* The intermediate child of vfork(2) shares the caller's memory but not its signal
	 * handlers' copies: a handler of the caller's running in it would change the caller's
	 * state. So nothing is delivered to it (the grandchild starts with this mask too; fn sets
	 * its own). */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	mid = vfork();
	if (mid == 0) {
		/* The caller is suspended until this child ends (vfork(2)), so fork(2) here
		 * copies its address space once, as a fork of the caller would. */
		pid_t pid = fork();
		if (pid == 0) {
			fn(arg);
			_exit(127);
		}
		_exit(pid < 0 ? 1 : 0);
	}
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (mid < 0)
		return -err;
	while (waitpid(mid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EAGAIN;
}
