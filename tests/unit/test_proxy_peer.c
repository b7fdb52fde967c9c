/* test_proxy_peer.c — the proxy finds the process holding the client end of an accepted TCP
 * connection (proxy_peer.c), over IPv4 and IPv6, in its own and in a new network namespace, and
 * prints what a lookup costs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../core/src/proxy/proxy_peer.h"
#include "cordon/netif.h"

/* listener: a listening socket on the loopback address of family af, port chosen by the kernel.
 */
static int listener(int af, struct sockaddr_storage *where, socklen_t *len)
{
	int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(where, 0, sizeof(*where));
	if (af == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)where;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)where;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		*len = sizeof(*a);
	}
	assert_int_equal(bind(fd, (struct sockaddr *)where, *len), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)where, len), 0);
	return fd;
}

/* client_child: a child that connects to where, says so on the pipe, and waits for its stdin-like
 * pipe to close. Returns its pid; *accepted: the proxy side of the connection. */
static pid_t client_child(int lfd, const struct sockaddr_storage *where, socklen_t len,
			  int *accepted, int *hold)
{
	int ready[2], wait_fd[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(wait_fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int s = socket(where->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		close(ready[0]);
		close(wait_fd[1]);
		if (s < 0 || connect(s, (const struct sockaddr *)where, len) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		(void)!read(wait_fd[0], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	close(wait_fd[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*accepted = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(*accepted >= 0);
	*hold = wait_fd[1];
	return pid;
}

static void end_child(pid_t pid, int hold)
{
	int st;

	close(hold);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* finds: the child holding the client end is found (not this process, which holds the accepted
 * end); once the child has closed it and exited, nothing is found. where: label for timings. */
static void finds(int af, const char *where)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int lfd = listener(af, &addr, &len), acc, hold;
	pid_t child = client_child(lfd, &addr, len, &acc, &hold), got = -1;
	uint64_t t, best = UINT64_MAX, worst = 0;

	for (int i = 0; i < 50; i++) {
		t = now_us();
		assert_int_equal(px_peer_pid(acc, PX_PEER_BUDGET_US, &got), 0);
		t = now_us() - t;
		best = t < best ? t : best;
		worst = t > worst ? t : worst;
		assert_int_equal(got, child);
	}
	print_message("# %s, %s: lookup took %llu us (fastest of 50), %llu us (slowest)\n", where,
		      af == AF_INET ? "IPv4" : "IPv6", (unsigned long long)best,
		      (unsigned long long)worst);
	end_child(child, hold);
	assert_int_equal(px_peer_pid(acc, PX_PEER_BUDGET_US, &got), -ENOENT);
	assert_int_equal(got, 0);
	close(acc);
	close(lfd);
}

static void client_found_in_own_netns(void **state)
{
	(void)state;
	finds(AF_INET, "this network namespace (every process of the host searched)");
	finds(AF_INET6, "this network namespace (every process of the host searched)");
}

/* As in a sandbox: a new user and network namespace holding only the test's processes. */
static void client_found_in_new_netns(void **state)
{
	struct cordon_error e = {{0}};
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0 || cordon_netif_lo_up(&e) < 0)
			_exit(77);
		finds(AF_INET, "a new network namespace (as in a sandbox)");
		finds(AF_INET6, "a new network namespace (as in a sandbox)");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		skip(); /* no unprivileged user namespaces here */
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The lookup never outlives its budget: 0 us is spent before the first process is looked at. */
static void budget_is_kept(void **state)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int lfd = listener(AF_INET, &addr, &len), acc, hold;
	pid_t child = client_child(lfd, &addr, len, &acc, &hold), got = -1;
	int r;

	(void)state;
	r = px_peer_pid(acc, 0, &got);
	assert_int_equal(r, -ETIMEDOUT);
	assert_int_equal(got, 0);
	end_child(child, hold);
	close(acc);
	close(lfd);
}

/* The per-second share: a fresh meter allows a lookup and counts its time; a spent one refuses
 * without looking, until its second is over. */
static void share_per_second_is_kept(void **state)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int lfd = listener(AF_INET, &addr, &len), acc, hold;
	pid_t child = client_child(lfd, &addr, len, &acc, &hold), got = -1;
	struct px_peer_meter m = {0};

	(void)state;
	assert_int_equal(px_peer_pid_metered(acc, &m, &got), 0);
	assert_int_equal(got, child);
	assert_true(m.spent_us > 0 && m.spent_us < PX_PEER_SHARE_US);
	m.spent_us = PX_PEER_SHARE_US;
	assert_int_equal(px_peer_pid_metered(acc, &m, &got), -EAGAIN);
	assert_int_equal(got, 0);
	m.window_us -= 1000000; /* that second is over */
	assert_int_equal(px_peer_pid_metered(acc, &m, &got), 0);
	assert_int_equal(got, child);
	end_child(child, hold);
	close(acc);
	close(lfd);
}

static void not_a_socket(void **state)
{
	pid_t got = -1;

	(void)state;
	assert_int_equal(px_peer_pid(0 /* stdin: not a connected socket */, 1000, &got) < 0, 1);
	assert_int_equal(got, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(client_found_in_own_netns),
	    cmocka_unit_test(client_found_in_new_netns),
	    cmocka_unit_test(budget_is_kept),
	    cmocka_unit_test(share_per_second_is_kept),
	    cmocka_unit_test(not_a_socket),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
