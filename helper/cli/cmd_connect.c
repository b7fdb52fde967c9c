/* cmd_connect.c — `cordon connect HOST PORT`: ssh's ProxyCommand inside a session. Opens an HTTP
 * CONNECT tunnel (RFC 9110 §9.3.6) through the proxy named by $HTTP_PROXY and relays stdin/stdout.
 */
#include <errno.h>
#include <http_parser.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd.h"

static const char usage[] = "usage: cordon connect HOST PORT\n"
			    "  relay stdin/stdout to HOST:PORT through the session's proxy\n"
			    "  ($HTTP_PROXY or $http_proxy, http://ADDRESS:PORT)\n";

/* proxy_connect: connect to the proxy of url "http://HOST:PORT[/]". Returns an fd or -1. */
static int proxy_connect(const char *url)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char host[256], port[16];
	const char *h = url, *end;
	int fd = -1, rc;

	if (!strncmp(h, "http://", 7))
		h += 7;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end || end[1] != ':')
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(end - h - 1), h + 1);
		end++;
	} else {
		end = strrchr(h, ':');
		if (!end)
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(end - h), h);
	}
	snprintf(port, sizeof(port), "%.*s", (int)strcspn(end + 1, "/"), end + 1);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		fprintf(stderr, "cordon connect: proxy %s: %s\n", url, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "cordon connect: cannot reach the proxy at %s: %s\n", url,
			strerror(errno));
	return fd;
}

static int write_all(int fd, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

struct resp {
	bool done;
};

/* The response to CONNECT has no body we parse (RFC 9110 §9.3.6): stop at the end of the head. */
static int on_headers_complete(http_parser *p)
{
	(void)p;
	return 1;
}

static int on_message_complete(http_parser *p)
{
	((struct resp *)p->data)->done = true;
	http_parser_pause(p, 1);
	return 0;
}

/* relay: copy stdin → fd and fd → stdout until fd ends. Returns 0 or -1. */
static int relay(int fd)
{
	struct pollfd pf[2] = {{.fd = 0, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
	char buf[65536];

	for (;;) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pf[0].revents) {
			ssize_t n = read(0, buf, sizeof(buf));

			if (n > 0) {
				if (write_all(fd, buf, (size_t)n) < 0)
					return -1;
			} else if (n == 0 || errno != EINTR) {
				shutdown(fd, SHUT_WR);
				pf[0].fd = -1;
			}
		}
		if (pf[1].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n == 0)
				return 0;
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (write_all(1, buf, (size_t)n) < 0)
				return -1;
		}
	}
}

/* host_chars_ok: the host goes into the CONNECT request line and Host field as given: a space,
 * CR, LF or other control byte (e.g. from a crafted ssh %h) would end or split them and let the
 * argument write a request of its own. */
static bool host_chars_ok(const char *host)
{
	for (const unsigned char *p = (const unsigned char *)host; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

int cmd_connect(int argc, char **argv)
{
	const char *url = getenv("HTTP_PROXY");
	const char *host, *portstr;
	http_parser_settings st = {.on_headers_complete = on_headers_complete,
				   .on_message_complete = on_message_complete};
	http_parser p;
	struct resp r = {false};
	char req[700], head[16384];
	size_t hl = 0, parsed = 0;
	char *end;
	long port;
	bool v6;
	int fd;

	if (argc != 3) {
		fputs(usage, stderr);
		return CORDON_EXIT_USAGE;
	}
	host = argv[1];
	portstr = argv[2];
	port = strtol(portstr, &end, 10);
	if (!*host || strlen(host) > 255 || !host_chars_ok(host) || *end || port < 1 ||
	    port > 65535) {
		fprintf(stderr, "cordon connect: bad host or port \"%s\" \"%s\"\n%s", host, portstr,
			usage);
		return CORDON_EXIT_USAGE;
	}
	if (!url || !*url)
		url = getenv("http_proxy");
	if (!url || !*url) {
		fputs("cordon connect: no proxy: $HTTP_PROXY is not set (run inside a cordon "
		      "session)\n",
		      stderr);
		return CORDON_EXIT_SETUP;
	}
	fd = proxy_connect(url);
	if (fd < 0)
		return CORDON_EXIT_SETUP;
	v6 = strchr(host, ':') && host[0] != '[';
	snprintf(req, sizeof(req), "CONNECT %s%s%s:%ld HTTP/1.1\r\nHost: %s%s%s:%ld\r\n\r\n",
		 v6 ? "[" : "", host, v6 ? "]" : "", port, v6 ? "[" : "", host, v6 ? "]" : "",
		 port);
	if (write_all(fd, req, strlen(req)) < 0) {
		fprintf(stderr, "cordon connect: proxy: %s\n", strerror(errno));
		return CORDON_EXIT_SETUP;
	}
	http_parser_init(&p, HTTP_RESPONSE);
	p.data = &r;
	while (!r.done) {
		ssize_t n = read(fd, head + hl, sizeof(head) - 1 - hl);

		if (n <= 0) {
			fprintf(stderr,
				"cordon connect: the proxy closed the connection before "
				"answering CONNECT %s:%ld\n",
				host, port);
			return 1;
		}
		hl += (size_t)n;
		parsed += http_parser_execute(&p, &st, head + parsed, hl - parsed);
		if (!r.done && HTTP_PARSER_ERRNO(&p) != HPE_OK) {
			fprintf(stderr, "cordon connect: bad answer from the proxy: %s\n",
				http_errno_description(HTTP_PARSER_ERRNO(&p)));
			return 1;
		}
		if (!r.done && hl >= sizeof(head) - 1) {
			fputs("cordon connect: answer from the proxy too large\n", stderr);
			return 1;
		}
	}
	if (p.status_code / 100 != 2) {
		/* The body says why (e.g. "host x is not on the allowlist"); the proxy closes after
		 * it. */
		ssize_t n;

		while (hl < sizeof(head) - 1 &&
		       (n = read(fd, head + hl, sizeof(head) - 1 - hl)) > 0)
			hl += (size_t)n;
		head[hl] = '\0';
		fprintf(stderr, "cordon connect: %s:%ld refused by the proxy (HTTP %u)%s%s", host,
			port, p.status_code, parsed < hl ? ": " : "\n",
			parsed < hl ? head + parsed : "");
		if (parsed < hl && head[hl - 1] != '\n')
			fputc('\n', stderr);
		return 1;
	}
	/* Bytes after the head already belong to the tunnel (e.g. an SSH banner). */
	if (parsed < hl && write_all(1, head + parsed, hl - parsed) < 0)
		return 1;
	if (relay(fd) < 0) {
		fprintf(stderr, "cordon connect: relay: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
