/* probe-proxy-pid.c — a client that names its own pid: sends HTTP CONNECT HOST:PORT to the proxy
 * in $HTTP_PROXY, so that the test can compare the pid in the violation log with this process.
 *
 * usage: probe-proxy-pid HOST:PORT [HOLD_SECONDS]
 * Prints "pid=PID status=CODE" (PID: getpid(), in this process's own PID namespace; CODE: the
 * proxy's HTTP status) and exits 0; with HOLD_SECONDS, then waits that long (connection still
 * open) so the test can look at this process from outside. Exits 1 with "CALL: ERRNAME" when a
 * call fails, 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *call)
{
	printf("%s: %s\n", call, strerrorname_np(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const char *proxy = getenv("HTTP_PROXY");
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char req[600], reply[512];
	unsigned port;
	ssize_t n;
	size_t got = 0;
	int fd, code = 0;

	if (argc < 2 || argc > 3) {
		fputs("usage: probe-proxy-pid HOST:PORT [HOLD_SECONDS]\n", stderr);
		return 2;
	}
	/* The variable the sandbox exports: http://127.0.0.1:PORT (env.h). */
	if (!proxy || sscanf(proxy, "http://127.0.0.1:%u", &port) != 1 || port == 0 ||
	    port > 65535) {
		fprintf(stderr, "probe-proxy-pid: HTTP_PROXY is not http://127.0.0.1:PORT: %s\n",
			proxy ? proxy : "(unset)");
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail("connect");
	snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", argv[1], argv[1]);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return fail("write");
	/* The status line is enough: "HTTP/1.1 CODE ...". */
	while (got < sizeof(reply) - 1 && !memchr(reply, '\n', got)) {
		n = read(fd, reply + got, sizeof(reply) - 1 - got);
		if (n < 0)
			return fail("read");
		if (n == 0)
			break;
		got += (size_t)n;
	}
	reply[got] = '\0';
	if (sscanf(reply, "HTTP/1.%*d %d", &code) != 1)
		code = 0;
	printf("pid=%ld status=%d\n", (long)getpid(), code);
	fflush(stdout);
	if (argc == 3)
		sleep((unsigned)atoi(argv[2]));
	close(fd);
	return 0;
}
