/* session_ask.c — the session process's end of network/ask (ask.h): questions about unlisted
 * hosts go to the editor's `cordon serve`; its answers release or refuse the waiting connection. */
#include "session_ask.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cordon/ask.h"

void session_ask_open(struct session_ask *a, const char *id, const char *log_path, pid_t caller)
{
	const char *name = getenv(CORDON_ASK_ENV);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char hello[CORDON_ASK_MAX];
	size_t n;
	int fd, len;

	a->fd = -1;
	if (!name || !name[0])
		return;
	n = strlen(name);
	if (n + 1 > sizeof(sa.sun_path))
		return;
	/* Abstract name (unix(7)): sun_path[0] = '\0', the name after it, no terminator. */
	memcpy(sa.sun_path + 1, name, n);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + 1 + n) <
	    0) {
		close(fd);
		return;
	}
	len = snprintf(hello, sizeof(hello), "hello %s %s", id, log_path);
	if (len < 0 || (size_t)len >= sizeof(hello) || send(fd, hello, len, MSG_NOSIGNAL) < 0) {
		close(fd);
		return;
	}
	len = snprintf(hello, sizeof(hello), "caller %ld", (long)caller);
	(void)send(fd, hello, len, MSG_NOSIGNAL); /* only what serve can tell its client */
	a->fd = fd;
}

void session_ask_bye(struct session_ask *a)
{
	if (a->fd >= 0)
		(void)send(a->fd, "bye", 3, MSG_NOSIGNAL | MSG_DONTWAIT);
}

int session_ask_question(void *arg, uint64_t token, const char *host, uint16_t port)
{
	struct session_ask *a = arg;
	char msg[CORDON_ASK_MAX];
	int len;

	if (a->fd < 0)
		return -EPIPE;
	len = snprintf(msg, sizeof(msg), "ask %" PRIu64 " %s %u", token, host, port);
	if (len < 0 || (size_t)len >= sizeof(msg))
		return -ENAMETOOLONG;
	if (send(a->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}

int session_ask_event(struct cordon_loop *l, int fd, uint32_t events, void *arg)
{
	struct session_ask *a = arg;
	struct cordon_proxy *px = a->px;
	char msg[CORDON_ASK_MAX + 1], verdict[16];
	uint64_t token;
	ssize_t n;

	(void)l;
	(void)events;
	for (;;) {
		n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			break;
		msg[n] = '\0';
		if (sscanf(msg, "answer %" SCNu64 " %15s", &token, verdict) == 2 && token) {
			enum cordon_ask_answer ans = CORDON_ASK_DENY;
			if (!strcmp(verdict, "once"))
				ans = CORDON_ASK_ONCE;
			else if (!strcmp(verdict, "session"))
				ans = CORDON_ASK_SESSION;
			cordon_proxy_answer(px, token, ans);
		} else if (!strncmp(msg, "allow ", 6) && a->policy) {
			struct cordon_error e = {{0}};
			/* The person allowed a host in the editor: effective for the next
			 * connection, like `sandbox allow-host`. */
			(void)cordon_policy_add_host(&a->policy->allow_hosts, msg + 6, &e);
		}
	}
	/* The editor is gone: nobody can answer, so every open question is refused (fail
	 * closed), and so will every later one be. */
	a->fd = -1;
	cordon_proxy_answer(px, 0, CORDON_ASK_DENY);
	return 1;
}
