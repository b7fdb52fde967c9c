/* probe-unix-connect.c — attack probe (docs/threat-model.md §3, §19): reach a command server or
 * agent through a unix socket path; socketpair(2) must keep working.
 *
 * usage: probe-unix-connect connect PATH | socketpair | listen PATH SECONDS
 *   listen: the test's server (run unconfined): bind, listen, print "ready", wait SECONDS.
 * Prints "ok" (exit 0) or "CALL: ERRNAME" (exit 1) for the first call that failed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *call)
{
	printf("%s: %s\n", call, strerrorname_np(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "socketpair")) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return fail("socketpair");
		if (write(sv[0], "x", 1) != 1)
			return fail("write");
		puts("ok");
		return 0;
	}
	if (argc < 3) {
		fputs("usage: probe-unix-connect connect PATH | socketpair | listen PATH SECONDS\n",
		      stderr);
		return 2;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[2]);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket");
	if (!strcmp(argv[1], "listen") && argc == 4) {
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return fail("bind");
		if (listen(fd, 16) < 0)
			return fail("listen");
		puts("ready");
		fflush(stdout);
		sleep((unsigned)atoi(argv[3]));
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail("connect");
	puts("ok");
	return 0;
}
