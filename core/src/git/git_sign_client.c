/* git_sign_client.c — the signing request sent from inside (git_sign.h). */
#include "cordon/git_sign.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cordon/strbuf.h"
#include "git_http.h"
#include "git_relay.h"

static int collect(void *arg, const char *data, size_t len)
{
	cordon_sb_addn(arg, data, len);
	return ((struct cordon_strbuf *)arg)->oom ? -ENOMEM : 0;
}

int cordon_git_sign_request(const char *endpoint, const char *data, size_t len, char **sig,
			    struct cordon_error *e)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	unsigned port = 0;
	char head[256];
	int fd, r;

	*sig = NULL;
	if (!endpoint || sscanf(endpoint, "http://127.0.0.1:%u", &port) != 1 || port == 0 ||
	    port > 65535)
		return cordon_error_set(e, EINVAL,
					"no signing service: $CORDON_GIT_ENDPOINT is \"%s\" (run "
					"inside a cordon session with git.signingKey)",
					endpoint ? endpoint : "");
	a.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		r = cordon_error_set(e, errno, "cannot reach the signing service at %s: %m",
				     endpoint);
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* ssh-keygen may wait on the agent's confirmation (ssh-add -c) */
	struct timeval tv = {.tv_sec = 180};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct git_io io;
	git_io_fd(&io, &fd);
	int n = snprintf(head, sizeof(head),
			 "POST " GIT_RELAY_SIGN_PATH " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
			 "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 port, len);
	if ((r = io.write(io.arg, head, (size_t)n)) < 0 || (r = io.write(io.arg, data, len)) < 0) {
		close(fd);
		return cordon_error_set(e, -r, "sending to the signing service: %s", strerror(-r));
	}
	struct git_http_msg *m = malloc(sizeof(*m));
	struct cordon_strbuf body = {0};
	if (!m) {
		close(fd);
		return cordon_error_set(e, ENOMEM, "out of memory");
	}
	r = git_http_read_head(m, &io, true, e);
	if (r == 0)
		r = git_http_read_body(m, collect, &body, e);
	unsigned status = r == 0 ? m->p.status_code : 0;
	free(m);
	close(fd);
	if (r < 0) {
		cordon_sb_free(&body);
		return cordon_error_prefix(e, r, "signing service");
	}
	if (status != 200) {
		size_t bl = body.len;
		while (bl > 0 && body.s[bl - 1] == '\n')
			bl--;
		r = cordon_error_set(e, EPERM, "%.*s", (int)bl, body.s ? body.s : "refused");
		cordon_sb_free(&body);
		return r;
	}
	return cordon_sb_take(&body, sig) < 0 ? cordon_error_set(e, ENOMEM, "out of memory") : 0;
}
