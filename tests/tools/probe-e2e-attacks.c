/* probe-e2e-attacks.c — attack probes of the end-to-end suite that tests/tools/probe-*.c lacks:
 * TIOCSTI on the terminal inherited from cordon's caller, and what a setuid binary gained. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* report: print "what: ok" (exit status 0) or "what: ENAME (message)" (exit status 1), so a test
 * sees which layer refused: EPERM from seccomp, EACCES from Landlock, EROFS from mounts, ... */
static int report(const char *what, int rc)
{
	if (rc >= 0) {
		printf("%s: ok\n", what);
		return 0;
	}
	int err = errno;
	const char *name = strerrorname_np(err);
	printf("%s: %s (%s)\n", what, name ? name : "?", strerror(err));
	return 1;
}

/* tiocsti [high]: push a character into the input queue of the terminal on stdin — the one the
 * person's unconfined shell reads after the command ends (CVE-2017-5226); probe-tiocsti uses a
 * pty of its own instead. With "high", junk in the upper 32 bits of the request, which the
 * kernel ignores (CVE-2019-10063). */
static int tiocsti(int high)
{
	unsigned long req = TIOCSTI;
	char c = '#';
	if (high)
		req |= 0xdeadbeef00000000UL;
	if (!isatty(0))
		return report("tiocsti: stdin is not a terminal", -1);
	return report(high ? "ioctl(TIOCSTI|junk<<32)" : "ioctl(TIOCSTI)",
		      (int)syscall(SYS_ioctl, 0, req, &c));
}

/* ids: real and effective ids and CapEff, to show what a setuid binary gained. */
static int ids(void)
{
	char line[256], cap[64] = "?";
	FILE *f = fopen("/proc/self/status", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %63s", cap) == 1)
				break;
		fclose(f);
	}
	printf("uid=%u euid=%u gid=%u egid=%u capeff=%s\n", getuid(), geteuid(), getgid(), getegid(),
	       cap);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "tiocsti"))
		return tiocsti(argc >= 3 && !strcmp(argv[2], "high"));
	if (argc >= 2 && !strcmp(argv[1], "ids"))
		return ids();
	fputs("usage: probe-e2e-attacks tiocsti [high] | ids\n", stderr);
	return 2;
}
