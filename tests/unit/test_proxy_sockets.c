/* test_proxy_sockets.c — the socket options of a relayed connection: the proxy (on a loop of
 * its own, in a thread of this process) relays a CONNECT tunnel and a SOCKS5 tunnel to a local
 * server, and both of its ends of each (the accepted client socket, the upstream socket) have
 * TCP_NODELAY set, so Nagle's algorithm cannot meet a delayed ACK in the relay. The test's own
 * sockets, which set nothing, are the control. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cordon/policy.h"
#include "cordon/proxy.h"

static int listen_lo(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_lo(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static int on_stop(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	cordon_proxy_stop(px);
	return 1;
}

static void *serve(void *arg)
{
	struct cordon_error e = {{0}};

	cordon_proxy_run(arg, &e);
	return NULL;
}

static int port_of(int fd, bool peer)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int r = peer ? getpeername(fd, (struct sockaddr *)&a, &al)
		     : getsockname(fd, (struct sockaddr *)&a, &al);

	return r == 0 && a.sin_family == AF_INET ? ntohs(a.sin_port) : -1;
}

static int nodelay(int fd)
{
	int v = -1;
	socklen_t l = sizeof(v);

	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &l), 0);
	return v;
}

/* proxy_ends: the proxy's sockets of connections to upstream port up, which it made (peer up,
 * not the test's own fds mine[0..n)), and the ones it accepted on its listener port lp (local
 * port lp, a peer). Returns how many it found; each must have TCP_NODELAY. */
static int check_proxy_ends(uint16_t lp, uint16_t up, const int *mine, int n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int found = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		struct stat st;
		bool own = false;

		if (de->d_name[0] == '.' || fd == dirfd(d) || fstat(fd, &st) < 0 ||
		    !S_ISSOCK(st.st_mode) || port_of(fd, true) < 0)
			continue;
		for (int i = 0; i < n; i++)
			own = own || mine[i] == fd;
		if (own)
			continue;
		if (port_of(fd, true) == up || port_of(fd, false) == lp) {
			assert_int_equal(nodelay(fd), 1);
			found++;
		}
	}
	closedir(d);
	return found;
}

static void both_ends_of_every_relayed_connection_have_tcp_nodelay(void **state)
{
	struct cordon_policy pol;
	struct cordon_error e = {{0}};
	struct cordon_proxy *px;
	uint16_t hp, sp, up;
	int stop[2], srv, cli, acc, s5, acc5;
	pthread_t t;
	char buf[256];
	ssize_t n;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	assert_int_equal(cordon_policy_add_host(&pol.allow_hosts, "127.0.0.1", &e), 0);
	srv = listen_lo(&up);
	struct cordon_proxy_config cfg = {
	    .policy = &pol, .http_fd = listen_lo(&hp), .socks_fd = listen_lo(&sp), .log_fd = -1};
	assert_int_equal(cordon_proxy_new(&cfg, &px, &e), 0);
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	assert_int_equal(cordon_proxy_watch(px, stop[0], EPOLLIN, on_stop, NULL, &e), 0);
	assert_int_equal(pthread_create(&t, NULL, serve, px), 0);

	/* a CONNECT tunnel */
	cli = connect_lo(hp);
	n = snprintf(buf, sizeof(buf), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n", up);
	assert_int_equal(send(cli, buf, (size_t)n, 0), n);
	acc = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	assert_true(acc >= 0);
	n = recv(cli, buf, sizeof(buf) - 1, 0);
	assert_true(n > 12);
	assert_memory_equal(buf, "HTTP/1.1 200", 12);
	/* a SOCKS5 tunnel: greeting, then CONNECT 127.0.0.1:up (RFC 1928) */
	s5 = connect_lo(sp);
	assert_int_equal(send(s5, "\x05\x01\x00", 3, 0), 3);
	assert_int_equal(recv(s5, buf, 2, MSG_WAITALL), 2);
	uint8_t req[10] = {5, 1, 0, 1, 127, 0, 0, 1, (uint8_t)(up >> 8), (uint8_t)up};
	assert_int_equal(send(s5, req, sizeof(req), 0), (ssize_t)sizeof(req));
	acc5 = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	assert_true(acc5 >= 0);
	assert_int_equal(recv(s5, buf, 10, MSG_WAITALL), 10);
	assert_int_equal(buf[1], 0);

	/* control: sockets nobody set the option on */
	assert_int_equal(nodelay(cli), 0);
	assert_int_equal(nodelay(acc), 0);
	const int mine[] = {srv, cli, acc, s5, acc5, cfg.http_fd, cfg.socks_fd};
	/* two tunnels: the proxy's two accepted client sockets and its two upstream ones */
	assert_int_equal(check_proxy_ends(hp, up, mine, 7) + check_proxy_ends(sp, 0, mine, 7), 4);

	assert_int_equal(write(stop[1], "x", 1), 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	cordon_proxy_free(px);
	close(stop[1]);
	for (int i = 0; i < 5; i++)
		close(mine[i]);
	cordon_policy_free(&pol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(both_ends_of_every_relayed_connection_have_tcp_nodelay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
