/* probe-unshare-user.c — attack probe (docs/threat-model.md §9, §24): a new user namespace gives
 * back every capability inside it; try each way of asking for one.
 *
 * usage: probe-unshare-user unshare | clone | clone-high | clone3
 *   clone-high: clone(2) with junk in the upper 32 bits of the flags (masked compare);
 *   clone3: seccomp cannot read clone3's flags, so the filter answers ENOSYS for every clone3.
 * The namespace is made in a child, which exits at once. Prints "ok" (exit 0) or
 * "CALL: ERRNAME" (exit 1). */
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *call)
{
	printf("%s: %s\n", call, strerrorname_np(errno));
	return 1;
}

/* Wait for the child the raw call made; its exit status says whether it ran. */
static int reap(long pid, const char *call)
{
	if (pid < 0)
		return fail(call);
	if (pid == 0)
		_exit(0);
	int st;
	waitpid((pid_t)pid, &st, 0);
	puts("ok");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "unshare";
	fflush(stdout);
	if (!strcmp(mode, "unshare")) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
		int st;
		waitpid(pid, &st, 0);
		errno = WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
		if (errno)
			return fail("unshare");
		puts("ok");
		return 0;
	}
	if (!strcmp(mode, "clone") || !strcmp(mode, "clone-high")) {
		unsigned long flags = CLONE_NEWUSER | SIGCHLD;
		if (!strcmp(mode, "clone-high"))
			flags |= 0x5a00000000000000UL;
		/* A NULL stack makes clone behave like fork: the child returns 0 here. */
		return reap(syscall(SYS_clone, flags, NULL, NULL, NULL, 0UL), "clone");
	}
	if (!strcmp(mode, "clone3")) {
		struct clone_args ca;
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_NEWUSER;
		ca.exit_signal = SIGCHLD;
		return reap(syscall(SYS_clone3, &ca, sizeof(ca)), "clone3");
	}
	fputs("usage: probe-unshare-user unshare | clone | clone-high | clone3\n", stderr);
	return 2;
}
