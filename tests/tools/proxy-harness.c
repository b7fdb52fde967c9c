/* proxy-harness.c — runs cordon's filtering proxy on 127.0.0.1 ephemeral ports, without any
 * namespace, for the proxy tests and benchmarks. Prints "http=PORT socks=PORT" on line 1.
 *   proxy-harness [--hosts-file F] [--log F] [--allow H]... [--deny H]...
 * Runs until stdin reaches EOF or SIGTERM/SIGINT arrives. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cordon/proxy.h"

static int listen_any(uint16_t *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("proxy-harness: listen");
		exit(1);
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static int on_stdin(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)events;
	(void)arg;
	if (n > 0 || (n < 0 && errno == EINTR))
		return 0;
	cordon_proxy_stop(px);
	return 1;
}

static int on_signal(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) == sizeof(si))
		cordon_proxy_stop(px);
	return 0;
}

int main(int argc, char **argv)
{
	struct cordon_policy pol;
	struct cordon_proxy_config cfg = {.policy = &pol, .log_fd = -1};
	struct cordon_proxy *px;
	struct cordon_error e = {{0}};
	uint16_t hp, sp;
	struct rlimit rl;
	sigset_t ss;
	int sfd, rc;

	memset(&pol, 0, sizeof(pol));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			fprintf(stderr, "usage: proxy-harness [--hosts-file F] [--log F] "
					"[--allow H]... [--deny H]...\n");
			return 2;
		}
		i++;
		if (!strcmp(a, "--hosts-file")) {
			cfg.hosts_file = v;
		} else if (!strcmp(a, "--log")) {
			cfg.log_fd = open(v, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
			if (cfg.log_fd < 0) {
				perror(v);
				return 1;
			}
		} else if (!strcmp(a, "--allow") || !strcmp(a, "--deny")) {
			struct cordon_host_list *l =
			    a[2] == 'a' ? &pol.allow_hosts : &pol.deny_hosts;

			if (cordon_policy_add_host(l, v, &e) < 0) {
				fprintf(stderr, "proxy-harness: %s\n", e.msg);
				return 2;
			}
		} else {
			fprintf(stderr, "proxy-harness: unknown option %s\n", a);
			return 2;
		}
	}
	/* Benchmarks open thousands of tunnels: six fds each. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	cfg.http_fd = listen_any(&hp);
	cfg.socks_fd = listen_any(&sp);
	if (cordon_proxy_new(&cfg, &px, &e) < 0 ||
	    cordon_proxy_watch(px, sfd, EPOLLIN, on_signal, NULL, &e) < 0) {
		fprintf(stderr, "proxy-harness: %s\n", e.msg);
		return 1;
	}
	/* stdin: a pipe or terminal ends the harness at EOF; a regular file or /dev/null cannot be
	 * polled (epoll_ctl EPERM), then only a signal ends it. */
	rc = cordon_proxy_watch(px, 0, EPOLLIN, on_stdin, NULL, &e);
	if (rc < 0 && rc != -EPERM) {
		fprintf(stderr, "proxy-harness: %s\n", e.msg);
		return 1;
	}
	printf("http=%u socks=%u\n", hp, sp);
	fflush(stdout);
	if (cordon_proxy_run(px, &e) < 0) {
		fprintf(stderr, "proxy-harness: %s\n", e.msg);
		cordon_proxy_free(px);
		cordon_policy_free(&pol);
		return 1;
	}
	cordon_proxy_free(px);
	cordon_policy_free(&pol);
	return 0;
}
