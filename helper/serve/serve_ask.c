/* serve_ask.c — network/ask: sessions of the server's runs ask about hosts neither list decides
 * over an abstract unix socket; the client answers once, session or deny. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cordon/ask.h"
#include "cordon/hostpat.h"
#include "serve.h"

/* ---- network/ask ------------------------------------------------------------------------ */

void serve_ask_answer(struct serve *s, struct ask *a, const char *verdict)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "answer %s %s", a->token, verdict);

	if (send(a->fd, msg, n, MSG_NOSIGNAL) < 0)
		fprintf(stderr, "cordon serve: network/ask answer for %s: %m\n", a->host);
	fprintf(stderr, "cordon serve: network/ask %s:%u: %s\n", a->host, a->port, verdict);
	for (struct ask **pp = &s->asks; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	free(a);
}

/* on_response: a response from the client to one of our requests (network/ask). */
void serve_on_response(struct serve *s, struct cordon_json *d, int id)
{
	long rid;
	struct ask *a;
	const char *verdict = "deny";

	if (!cordon_json_long(d, id, &rid))
		return;
	for (a = s->asks; a && a->rpc_id != rid; a = a->next)
		;
	if (!a) {
		fprintf(stderr, "cordon serve: response to unknown request %ld ignored\n", rid);
		return;
	}
	int res = cordon_json_get(d, 0, "result");
	int ans =
	    cordon_json_type(d, res) == CORDON_JSON_OBJ ? cordon_json_get(d, res, "answer") : res;
	char *v = rpc_strdup(d, ans);
	if (v && (!strcmp(v, "once") || !strcmp(v, "allow")))
		verdict = "once";
	else if (v && !strcmp(v, "session"))
		verdict = "session";
	free(v);
	if (!strcmp(verdict, "session")) {
		char pat[300];
		snprintf(pat, sizeof(pat), "%s:%u", a->host, a->port);
		/* Later runs get the host in their allowlist too. A pattern the engine refuses
		 * (cannot happen for a host it asked about) only costs this addition. */
		bool have = false;
		for (size_t i = 0; i < s->n_session_hosts; i++)
			have = have || !strcmp(s->session_hosts[i], pat);
		struct cordon_host_rule rule;
		struct cordon_error e = {{0}};
		if (!have && cordon_host_rule_parse(pat, &rule, &e) == 0) {
			free(rule.host);
			serve_strv_push(&s->session_hosts, &s->n_session_hosts, pat);
		}
	}
	serve_ask_answer(s, a, verdict);
}

static void conn_close(struct serve *s, struct conn *c)
{
	for (struct ask *a = s->asks, *nx; a; a = nx) {
		nx = a->next;
		if (a->fd == c->fd)
			serve_ask_answer(s, a, "deny");
	}
	close(c->fd);
	c->fd = -1; /* kept for log.list and status */
}

/* session_died: c's session process ended without "bye" (killed, crashed): its confined
 * processes have no network any more. Tell the client: notification session/died {session,
 * pid (the session's caller, when known), id (the run's request id, when it is a run of ours),
 * message}. */
static void session_died(const struct conn *c)
{
	static const char msg[] = "the session process died; the network was cut";
	struct cordon_strbuf b = {0};

	fprintf(stderr, "cordon serve: session %s: %s\n", c->id, msg);
	cordon_sb_add(&b, "{\"session\":");
	cordon_sb_json_str(&b, c->id, CORDON_JSON_UTF8);
	if (c->caller > 0)
		cordon_sb_addf(&b, ",\"pid\":%ld", c->caller);
	if (c->run_id)
		cordon_sb_addf(&b, ",\"id\":%s", c->run_id);
	cordon_sb_addf(&b, ",\"message\":\"%s\"}", msg);
	serve_notify("session/died", b.s);
	cordon_sb_free(&b);
}

/* on_conn: one message from a session process: "hello ID LOGPATH", "caller PID", "bye" or
 * "ask TOKEN HOST PORT" (ask.h). */
void serve_on_conn(struct serve *s, struct conn *c)
{
	char msg[CORDON_ASK_MAX + 1], tok[32], host[256];
	unsigned port;
	long caller;
	ssize_t n = recv(c->fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (!c->bye && c->id[0])
			session_died(c);
		conn_close(s, c);
		return;
	}
	msg[n] = '\0';
	if (!strcmp(msg, "bye")) {
		c->bye = true;
		return;
	}
	if (sscanf(msg, "caller %ld", &caller) == 1) {
		/* Our run's process is the caller of its session (run_child calls cordon_run). */
		c->caller = caller;
		for (struct run *r = s->runs; r && !c->run_id; r = r->next)
			if (caller > 0 && r->pid == caller)
				c->run_id = strdup(r->id);
		return;
	}
	if (!strncmp(msg, "hello ", 6)) {
		char *sp = strchr(msg + 6, ' ');
		if (sp) {
			*sp = '\0';
			snprintf(c->id, sizeof(c->id), "%.63s", msg + 6);
			free(c->log_path);
			c->log_path = strdup(sp + 1);
		}
		return;
	}
	if (sscanf(msg, "ask %31s %255s %u", tok, host, &port) != 3 || port > 65535) {
		fprintf(stderr, "cordon serve: bad message from session: %.60s\n", msg);
		return;
	}
	struct ask *a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->fd = c->fd;
	a->rpc_id = ++s->next_rpc_id;
	a->port = port;
	a->deadline = serve_now_ms() + s->ask_ms;
	snprintf(a->token, sizeof(a->token), "%s", tok);
	snprintf(a->host, sizeof(a->host), "%s", host);
	a->next = s->asks;
	s->asks = a;
	if (!s->ask_enabled) {
		serve_ask_answer(s, a, "deny");
		return;
	}
	struct cordon_strbuf b = {0};
	cordon_sb_addf(&b,
		       "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"network/ask\",\"params\":"
		       "{\"host\":",
		       a->rpc_id);
	cordon_sb_json_str(&b, a->host, CORDON_JSON_UTF8);
	cordon_sb_addf(&b, ",\"port\":%u,\"session\":", a->port);
	cordon_sb_json_str(&b, c->id, CORDON_JSON_UTF8);
	cordon_sb_addf(&b, ",\"timeoutMs\":%ld}}", s->ask_ms);
	serve_send_line(&b);
	cordon_sb_free(&b);
}

/* ask_listen: the abstract unix socket the sessions of our runs connect to (unix(7)). Abstract:
 * nothing on the filesystem; confined processes live in another network namespace, where this
 * name does not exist, and seccomp refuses them socket(AF_UNIX). Peers are checked on accept. */
int serve_ask_listen(struct serve *s)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	unsigned char rnd[16];
	int fd;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	int n = snprintf(s->ask_name, sizeof(s->ask_name), "cordon-serve-%d-", (int)getpid());
	for (int i = 0; i < 16; i++)
		n += snprintf(s->ask_name + n, sizeof(s->ask_name) - n, "%02x", rnd[i]);
	memcpy(a.sun_path + 1, s->ask_name, n);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + n) < 0 ||
	    listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void serve_on_accept(struct serve *s)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd = accept4(s->ask_listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* Only our own uid (unix(7) SO_PEERCRED). A confined process cannot be the peer: abstract
	 * names live per network namespace (it has its own), seccomp refuses it socket(AF_UNIX),
	 * and without user namespaces Landlock (ABI >= 6) scopes abstract sockets. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != getuid()) {
		close(fd);
		return;
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->next = s->conns;
	s->conns = c;
}
