/* probe-e2e-attacks.c — small attack probes for the end-to-end suite (tests/bats/e2e_attacks.bats).
 * Each verb tries one thing a confined process should not be able to do and prints the errno. */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
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

/* unix-connect PATH: socket(AF_UNIX) + connect(2) to a socket that lives on the host. */
static int unix_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return report("unix-connect: path too long", -1);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return report("socket(AF_UNIX)", fd);
	return report("connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
}

/* socketpair: an anonymous AF_UNIX pair must keep working (pipes between tools need it). */
static int pair(void)
{
	int sv[2];
	char c = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return report("socketpair", -1);
	if (write(sv[0], "x", 1) != 1 || read(sv[1], &c, 1) != 1 || c != 'x')
		return report("socketpair: relay", -1);
	return report("socketpair", 0);
}

/* io-uring: io_uring_setup(2) — io_uring performs openat/connect without the syscalls. */
static int uring(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	return report("io_uring_setup", (int)syscall(SYS_io_uring_setup, 4, &p));
}

/* tiocsti [high]: push a character into the terminal's input queue (CVE-2017-5226); with "high",
 * junk in the upper 32 bits of the request, which the kernel ignores (CVE-2019-10063). */
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
	if (argc >= 3 && !strcmp(argv[1], "unix-connect"))
		return unix_connect(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "socketpair"))
		return pair();
	if (argc >= 2 && !strcmp(argv[1], "io-uring"))
		return uring();
	if (argc >= 2 && !strcmp(argv[1], "tiocsti"))
		return tiocsti(argc >= 3 && !strcmp(argv[2], "high"));
	if (argc >= 2 && !strcmp(argv[1], "ids"))
		return ids();
	fputs("usage: probe-e2e-attacks unix-connect PATH | socketpair | io-uring | tiocsti [high] | ids\n",
	      stderr);
	return 2;
}
