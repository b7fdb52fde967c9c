/* probe-tiocsti.c — attack probe (docs/threat-model.md §1): push a character into the input queue
 * of the probe's own controlling terminal (a pty it opens) with TIOCSTI, CVE-2017-5226.
 *
 * usage: probe-tiocsti [high]
 *   high: put junk in the upper 32 bits of the request (CVE-2019-10063); the kernel reads only the
 *         low 32, so a filter comparing 64 bits would let it through.
 * Prints "ok" (exit 0) or "CALL: ERRNAME" (exit 1) for the first call that failed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *call)
{
	printf("%s: %s\n", call, strerrorname_np(errno));
	return 1;
}

/* In the child: a new session whose controlling terminal is the pty, then TIOCSTI on it. */
static int inject(const char *slave, unsigned long req)
{
	if (setsid() < 0)
		return fail("setsid");
	int fd = open(slave, O_RDWR);
	if (fd < 0)
		return fail("open pts");
	if (ioctl(fd, TIOCSCTTY, 0) < 0)
		return fail("TIOCSCTTY");
	char c = '\n';
	/* syscall(2) so the full 64-bit request reaches the kernel untouched by libc. */
	if (syscall(SYS_ioctl, fd, req, &c) < 0)
		return fail("ioctl TIOCSTI");
	puts("ok");
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long req = TIOCSTI;
	if (argc > 1 && !strcmp(argv[1], "high"))
		req |= 0xdead000000000000UL;
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0)
		return fail("posix_openpt");
	if (grantpt(master) < 0 || unlockpt(master) < 0)
		return fail("unlockpt");
	const char *slave = ptsname(master);
	if (!slave)
		return fail("ptsname");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		int rc = inject(slave, req);
		fflush(stdout);
		_exit(rc);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return fail("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}
