/* probe-ptrace.c — attack probe (docs/threat-model.md §4): reach another process's memory or fds —
 * the confined shell's control fd, the session process.
 *
 * usage: probe-ptrace parent | child | vm-read | vm-write | getfd
 *   parent:   PTRACE_SEIZE the probe's parent (the shell that started it), then detach;
 *   child:    PTRACE_SEIZE a child of the probe (same credentials, same Landlock domain);
 *   vm-read / vm-write: process_vm_readv / process_vm_writev on that child;
 *   getfd:    pidfd_getfd of the child's fd 0.
 * Prints "ok" (exit 0) or "CALL: ERRNAME" (exit 1). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long target_word = 0x1234;

static int fail(const char *call)
{
	printf("%s: %s\n", call, strerrorname_np(errno));
	return 1;
}

static int done(pid_t child)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	puts("ok");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "child";
	if (!strcmp(mode, "parent")) {
		pid_t pp = getppid();
		if (ptrace(PTRACE_SEIZE, pp, NULL, NULL) < 0)
			return fail("ptrace");
		ptrace(PTRACE_DETACH, pp, NULL, NULL);
		return done(0);
	}
	fflush(stdout);
	pid_t child = fork();
	if (child < 0)
		return fail("fork");
	if (child == 0) {
		pause();
		_exit(0);
	}
	int rc;
	if (!strcmp(mode, "child")) {
		rc = ptrace(PTRACE_SEIZE, child, NULL, NULL) < 0 ? fail("ptrace") : done(child);
	} else if (!strcmp(mode, "vm-read") || !strcmp(mode, "vm-write")) {
		/* The child is a fork: target_word sits at the same address there. */
		long v = 0x5678;
		struct iovec local = {.iov_base = &v, .iov_len = sizeof(v)};
		struct iovec remote = {.iov_base = (void *)&target_word, .iov_len = sizeof(v)};
		ssize_t n = !strcmp(mode, "vm-read")
				? process_vm_readv(child, &local, 1, &remote, 1, 0)
				: process_vm_writev(child, &local, 1, &remote, 1, 0);
		rc = n < 0 ? fail(mode[3] == 'r' ? "process_vm_readv" : "process_vm_writev")
			   : done(child);
	} else if (!strcmp(mode, "getfd")) {
		long pidfd = syscall(SYS_pidfd_open, child, 0);
		if (pidfd < 0)
			rc = fail("pidfd_open");
		else
			rc = syscall(SYS_pidfd_getfd, pidfd, 0, 0) < 0 ? fail("pidfd_getfd")
								       : done(child);
	} else {
		fputs("usage: probe-ptrace parent | child | vm-read | vm-write | getfd\n", stderr);
		rc = 2;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return rc;
}
