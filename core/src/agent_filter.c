/* agent_filter.c — the filtered ssh-agent socket of a session (agent_filter.h). Messages are
 * those of the agent protocol (draft-miller-ssh-agent: uint32 length, byte type, contents;
 * OpenSSH PROTOCOL.agent for session-bind@openssh.com). */
#include "agent_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nettle/base64.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cordon/hostpat.h"
#include "cordon/vlog.h"
#include "dl/dl_nettle.h"
#include "proxy/proxy_peer.h"
#include "unix_peer.h"

/* Message numbers (draft-miller-ssh-agent §5.1, §6.1). */
enum {
	AGENT_FAILURE = 5,
	AGENT_SUCCESS = 6,
	AGENTC_REQUEST_IDENTITIES = 11,
	AGENT_IDENTITIES_ANSWER = 12,
	AGENTC_SIGN_REQUEST = 13,
	AGENTC_EXTENSION = 27,
};
#define SSH_MSG_USERAUTH_REQUEST 50 /* RFC 4250 §4.1.2 */
#define AGENT_MSG_MAX (256 * 1024)  /* OpenSSH's AGENT_MAX_LEN */
#define AGENT_WORKERS 32
#define AGENT_TIMEOUT_S 120

struct agent_key {
	unsigned char *blob;
	size_t len;
};

struct agent_filter {
	struct cordon_proxy *px;
	const struct cordon_policy *policy;
	struct cordon_policy ssh_hosts; /* git.sshHosts as an allowlist, for cordon_host_decide */
	struct agent_key *keys;
	size_t nkeys;
	char upstream[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* $SSH_AUTH_SOCK, or "" */
	char log_path[4096];
	unsigned workers;
	struct unix_peer *peers; /* names the process on a connection's client end, or NULL */
};

/* What the session knew about the asking process when it connected. */
struct verdict {
	pid_t peer;	   /* the asking process, in the session process's PID namespace */
	char hosts[512];   /* the allowed SSH hosts it has tunnels to ("" none) */
	char refused[512]; /* tunnels it has to hosts git.sshHosts does not name */
};

static int __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n;
}

/* ---- wire helpers ---- */

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* get_string: an SSH string (RFC 4251 §5: uint32 length, bytes) at *p, before end. */
static bool get_string(const unsigned char **p, const unsigned char *end, const unsigned char **s,
		       size_t *n)
{
	if (end - *p < 4)
		return false;
	uint32_t l = get32(*p);
	if ((size_t)(end - *p - 4) < l)
		return false;
	*s = *p + 4;
	*n = l;
	*p += 4 + l;
	return true;
}

static bool str_is(const unsigned char *s, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(s, want, n);
}

int agent_key_blob(const char *line, unsigned char **blob, size_t *len)
{
	const char *b = strchr(line, ' ');
	struct base64_decode_ctx ctx;
	int r;

	*blob = NULL;
	if (!b)
		return -EINVAL;
	if ((r = cordon_dl_nettle_load(NULL)) < 0) /* Nettle: opened on first use (dl/dl.h) */
		return r;
	b++;
	size_t bl = strcspn(b, " \t\r\n");
	if (bl == 0)
		return -EINVAL;
	unsigned char *out = malloc(BASE64_DECODE_LENGTH(bl) + 1);
	size_t ol = BASE64_DECODE_LENGTH(bl);
	if (!out)
		return -ENOMEM;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &ol, out, bl, b) || !base64_decode_final(&ctx) || ol < 4) {
		free(out);
		return -EINVAL;
	}
	/* the blob starts with the key type as an SSH string (RFC 4253 §6.6) */
	uint32_t tl = get32(out);
	if (tl == 0 || tl > ol - 4 || strncmp((char *)out + 4, line, tl) || line[tl] != ' ') {
		free(out);
		return -EINVAL;
	}
	*blob = out;
	*len = ol;
	return 0;
}

bool agent_sign_data_is_userauth(const unsigned char *data, size_t len, const unsigned char *key,
				 size_t key_len)
{
	const unsigned char *p = data, *end = data + len, *s;
	size_t n;

	/* string session identifier: an exchange hash (32 or 64 bytes for today's KEX) */
	if (!get_string(&p, end, &s, &n) || n == 0 || n > 64)
		return false;
	if (end - p < 1 || *p++ != SSH_MSG_USERAUTH_REQUEST)
		return false;
	if (!get_string(&p, end, &s, &n)) /* user name */
		return false;
	if (!get_string(&p, end, &s, &n) || !str_is(s, n, "ssh-connection"))
		return false;
	if (!get_string(&p, end, &s, &n) ||
	    !(str_is(s, n, "publickey") || str_is(s, n, "publickey-hostbound-v00@openssh.com")))
		return false;
	if (end - p < 1 || *p++ != 1) /* TRUE: a signature follows */
		return false;
	if (!get_string(&p, end, &s, &n) || n == 0) /* public key algorithm name */
		return false;
	if (!get_string(&p, end, &s, &n) || n != key_len || memcmp(s, key, n))
		return false;
	return true;
}

/* ---- the worker: one connection ---- */

static bool read_all(int fd, void *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = read(fd, (char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = send(fd, (const char *)buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

/* read_msg: one message (length, then type and contents) into buf; returns its length. */
static ssize_t read_msg(int fd, unsigned char *buf)
{
	unsigned char l[4];

	if (!read_all(fd, l, 4))
		return -1;
	uint32_t n = get32(l);
	if (n == 0 || n > AGENT_MSG_MAX || !read_all(fd, buf, n))
		return -1;
	return (ssize_t)n;
}

static bool send_msg(int fd, const unsigned char *buf, size_t len)
{
	unsigned char l[4];
	put32(l, (uint32_t)len);
	return write_all(fd, l, 4) && write_all(fd, buf, len);
}

static bool send_byte(int fd, unsigned char type)
{
	return send_msg(fd, &type, 1);
}

static void vlog(const struct agent_filter *a, const struct verdict *v, const char *reason)
{
	struct cordon_vlog_entry e;
	int fd;

	memset(&e, 0, sizeof(e));
	e.time = time(NULL);
	fmt(e.host, sizeof(e.host), "%s", v->hosts[0] ? v->hosts : v->refused);
	e.pid = v->peer;
	fmt(e.reason, sizeof(e.reason), "%s", reason);
	fmt(e.proto, sizeof(e.proto), "agent");
	if (!a->log_path[0] || (fd = cordon_vlog_open(a->log_path, NULL)) < 0)
		return;
	(void)cordon_vlog_append(fd, &e, NULL);
	close(fd);
}

static bool key_allowed(const struct agent_filter *a, const unsigned char *k, size_t n)
{
	for (size_t i = 0; i < a->nkeys; i++)
		if (a->keys[i].len == n && !memcmp(a->keys[i].blob, k, n))
			return true;
	return false;
}

static int connect_upstream(const struct agent_filter *a)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (!a->upstream[0])
		return -1;
	memcpy(sa.sun_path, a->upstream, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* identities: the real agent's answer with only the allowed keys left. */
static bool identities(const struct agent_filter *a, int up, int cfd, const unsigned char *req,
		       size_t rl, unsigned char *buf)
{
	static const unsigned char none[5] = {AGENT_IDENTITIES_ANSWER, 0, 0, 0, 0};
	ssize_t n;

	if (up < 0 || !send_msg(up, req, rl) || (n = read_msg(up, buf)) < 5 ||
	    buf[0] != AGENT_IDENTITIES_ANSWER)
		return send_msg(cfd, none, sizeof(none));
	const unsigned char *p = buf + 5, *end = buf + n;
	uint32_t count = get32(buf + 1), kept = 0;
	unsigned char *out = malloc((size_t)n), *o = out + 5;
	if (!out)
		return false;
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *k, *c, *start = p;
		size_t kl, cl;
		if (!get_string(&p, end, &k, &kl) || !get_string(&p, end, &c, &cl))
			break;
		if (!key_allowed(a, k, kl))
			continue;
		memcpy(o, start, (size_t)(p - start));
		o += p - start;
		kept++;
	}
	out[0] = AGENT_IDENTITIES_ANSWER;
	put32(out + 1, kept);
	bool ok = send_msg(cfd, out, (size_t)(o - out));
	free(out);
	return ok;
}

__attribute__((noreturn)) static void agent_worker(const struct agent_filter *a, int cfd,
						   const struct verdict *v)
{
	unsigned char *buf = malloc(AGENT_MSG_MAX), *rep = malloc(AGENT_MSG_MAX);
	bool forwarding = false;
	char why[400];
	int up;

	struct timeval tv = {.tv_sec = AGENT_TIMEOUT_S};
	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	up = connect_upstream(a);
	if (up >= 0) {
		setsockopt(up, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(up, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	for (ssize_t n; buf && rep && (n = read_msg(cfd, buf)) > 0;) {
		unsigned char type = buf[0];
		const unsigned char *p = buf + 1, *end = buf + n, *s, *k, *d;
		size_t sl, kl, dl;
		bool ok;

		if (type == AGENTC_REQUEST_IDENTITIES) {
			/* no tunnel to an allowed host: no key to offer */
			if (!v->hosts[0] || forwarding) {
				static const unsigned char none[5] = {AGENT_IDENTITIES_ANSWER};
				ok = send_msg(cfd, none, sizeof(none));
			} else {
				ok = identities(a, up, cfd, buf, (size_t)n, rep);
			}
		} else if (type == AGENTC_SIGN_REQUEST) {
			why[0] = '\0';
			if (!get_string(&p, end, &k, &kl) || !get_string(&p, end, &d, &dl) ||
			    end - p != 4)
				fmt(why, sizeof(why), "malformed sign request");
			else if (!key_allowed(a, k, kl))
				fmt(why, sizeof(why),
				    "sign request for a key git.sshKeys does not name");
			else if (forwarding)
				fmt(why, sizeof(why),
				    "sign request over a forwarded agent connection (ssh -A)");
			/* What is asked for before who asks: data that is no user
			 * authentication is refused for every asker. */
			else if (!agent_sign_data_is_userauth(d, dl, k, kl))
				fmt(why, sizeof(why),
				    "sign request for data that is not an SSH user authentication");
			else if (!v->hosts[0] && v->refused[0])
				fmt(why, sizeof(why),
				    "sign request without a connection to a host of git.sshHosts "
				    "(the asking ssh connects to %s)",
				    v->refused);
			else if (!v->hosts[0])
				fmt(why, sizeof(why),
				    "sign request without a connection to a host of git.sshHosts");
			else if (up < 0)
				fmt(why, sizeof(why), "no ssh-agent outside (SSH_AUTH_SOCK)");
			if (why[0]) {
				char reason[512];
				fmt(reason, sizeof(reason), "agent: %s refused", why);
				vlog(a, v, reason);
				ok = send_byte(cfd, AGENT_FAILURE);
			} else {
				ssize_t m;
				ok = send_msg(up, buf, (size_t)n) && (m = read_msg(up, rep)) > 0 &&
				     send_msg(cfd, rep, (size_t)m);
			}
		} else if (type == AGENTC_EXTENSION && get_string(&p, end, &s, &sl) &&
			   str_is(s, sl, "session-bind@openssh.com")) {
			/* string hostkey, string session identifier, string signature, bool
			 * is_forwarding (PROTOCOL.agent §1) */
			const unsigned char *x;
			size_t xl;
			if (get_string(&p, end, &x, &xl) && get_string(&p, end, &x, &xl) &&
			    get_string(&p, end, &x, &xl) && end - p == 1 && *p)
				forwarding = true;
			ssize_t m;
			ok = up >= 0
				 ? send_msg(up, buf, (size_t)n) && (m = read_msg(up, rep)) > 0 &&
				       send_msg(cfd, rep, (size_t)m)
				 : send_byte(cfd, AGENT_FAILURE);
		} else {
			/* adding, removing or locking keys, other extensions: the sandbox does not
			 * manage the user's agent */
			char reason[128];
			fmt(reason, sizeof(reason), "agent: request type %u refused", type);
			vlog(a, v, reason);
			ok = send_byte(cfd, AGENT_FAILURE);
		}
		if (!ok)
			break;
	}
	_exit(0);
}

/* ---- the session's side ---- */

struct tunnel_scan {
	const struct agent_filter *a;
	struct verdict *v;
};

/* ppid_of: PPid of pid from /proc/PID/status (proc(5)), or -1. */
static pid_t ppid_of(pid_t pid)
{
	char path[64], line[256];
	pid_t pp = -1;
	FILE *f;

	fmt(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PPid: %d", &pp) == 1)
			break;
	fclose(f);
	return pp;
}

static void on_tunnel(void *arg, int client_fd, const char *host, uint16_t port)
{
	struct tunnel_scan *t = arg;
	pid_t holder;
	char hp[300];

	/* the tunnel's client (`cordon connect`, ssh's ProxyCommand) must be a child of the ssh
	 * that asks the agent */
	if (px_peer_pid(client_fd, PX_PEER_BUDGET_US, &holder) < 0 || ppid_of(holder) != t->v->peer)
		return;
	fmt(hp, sizeof(hp), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
	bool ok = cordon_host_decide(&t->a->ssh_hosts, host, port) == CORDON_VERDICT_ALLOW;
	char *list = ok ? t->v->hosts : t->v->refused;
	size_t size = ok ? sizeof(t->v->hosts) : sizeof(t->v->refused);
	size_t used = strlen(list);
	fmt(list + used, size - used, "%s%s", used ? " " : "", hp);
}

struct agent_watch {
	struct agent_filter *a;
	pid_t pid;
};

static int on_agent_exit(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct agent_watch *w = arg;

	(void)px;
	(void)fd;
	(void)events;
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
	w->a->workers--;
	free(w);
	return 1;
}

static void serve_one(struct agent_filter *a, int cfd)
{
	struct verdict v;
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	struct cordon_error e = {{0}};
	pid_t self = getpid(), pid;

	memset(&v, 0, sizeof(v));
	if (a->workers >= AGENT_WORKERS ||
	    getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0 || cr.pid <= 0) {
		close(cfd);
		return;
	}
	/* The guard worker made the connection for the confined process (guard_connect.c), so
	 * SO_PEERCRED names the worker, which has no tunnel: the holder of the client socket is
	 * the asking process (the worker, holding a copy while it connects, is skipped). Not
	 * found: the worker stays, and nothing is offered. */
	pid_t holder;
	v.peer =
	    unix_peer_pid(a->peers, cfd, cr.pid, PX_PEER_BUDGET_US, &holder) == 0 ? holder : cr.pid;
	struct tunnel_scan t = {a, &v};
	cordon_proxy_each_tunnel(a->px, on_tunnel, &t);
	struct agent_watch *w = calloc(1, sizeof(*w));
	if (!w) {
		close(cfd);
		return;
	}
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != self)
			_exit(1);
		int c = fcntl(cfd, F_DUPFD_CLOEXEC, 100);
		if (c < 0 || dup2(c, 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		signal(SIGPIPE, SIG_IGN);
		agent_worker(a, 3, &v);
	}
	close(cfd);
	if (pid < 0) {
		free(w);
		return;
	}
	w->a = a;
	w->pid = pid;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0 || cordon_proxy_watch(a->px, pfd, EPOLLIN, on_agent_exit, w, &e) < 0) {
		if (pfd >= 0)
			close(pfd);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		free(w);
		return;
	}
	fcntl(pfd, F_SETFD, FD_CLOEXEC);
	a->workers++;
}

static int on_accept(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	(void)px;
	(void)events;
	for (int i = 0; i < 16; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			break;
		serve_one(arg, c);
	}
	return 0;
}

int agent_filter_listen(const char *path, struct cordon_error *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[PATH_MAX];
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return cordon_error_set(e, ENAMETOOLONG, "agent socket %s: path too long", path);
	fmt(dir, sizeof(dir), "%s", path);
	for (char *s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return cordon_error_set(e, errno, "agent socket: mkdir %s: %m", dir);
		*s = '/';
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cordon_error_set(e, errno, "agent socket: socket: %m");
	/* the name is random (git_policy.c): what is there is a stale socket of ours */
	unlink(path);
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 16) < 0) {
		int err = errno;
		close(fd);
		return cordon_error_set(e, err, "agent socket %s: %s", path, strerror(err));
	}
	return fd;
}

/* load_key: the blob of a git.sshKeys entry: a key line, or the first key line of a file. */
static int load_key(const char *entry, struct agent_key *k, struct cordon_error *e)
{
	char line[16384];

	if (entry[0] == '/') {
		FILE *f = fopen(entry, "re");
		if (!f)
			return cordon_error_set(e, errno, "git.sshKeys: %s: %m", entry);
		bool got = fgets(line, sizeof(line), f) != NULL;
		fclose(f);
		if (!got)
			return cordon_error_set(e, EINVAL, "git.sshKeys: %s: empty", entry);
	} else {
		fmt(line, sizeof(line), "%s", entry);
	}
	if (cordon_dl_nettle_load(e) < 0)
		return cordon_error_prefix(e, -ENOENT, "git.sshKeys: %s", entry);
	if (agent_key_blob(line, &k->blob, &k->len) < 0)
		return cordon_error_set(e, EINVAL,
					"git.sshKeys: %s: not a public key line (TYPE BASE64 "
					"[COMMENT], as in a .pub file)",
					entry);
	return 0;
}

int agent_filter_start(struct cordon_proxy *px, int listen_fd, int diag_fd,
		       const struct cordon_policy *p, const char *log_path,
		       struct agent_filter **out, struct cordon_error *e)
{
	struct agent_filter *a = calloc(1, sizeof(*a));
	const char *sock = getenv("SSH_AUTH_SOCK");
	int r = 0;

	*out = NULL;
	if (!a) {
		close(listen_fd);
		if (diag_fd >= 0)
			close(diag_fd);
		return cordon_error_set(e, ENOMEM, "agent socket: out of memory");
	}
	a->peers = diag_fd >= 0 ? unix_peer_new(diag_fd) : NULL;
	a->px = px;
	a->policy = p;
	fmt(a->log_path, sizeof(a->log_path), "%s", log_path ? log_path : "");
	if (sock && strlen(sock) < sizeof(a->upstream))
		strcpy(a->upstream, sock);
	a->keys = calloc(p->git.ssh_keys.n ? p->git.ssh_keys.n : 1, sizeof(*a->keys));
	if (!a->keys)
		r = cordon_error_set(e, ENOMEM, "agent socket: out of memory");
	for (size_t i = 0; r == 0 && i < p->git.ssh_keys.n; i++, a->nkeys++)
		r = load_key(p->git.ssh_keys.v[i], &a->keys[i], e);
	for (size_t i = 0; r == 0 && i < p->git.ssh_hosts.n; i++)
		r = cordon_policy_add_host(&a->ssh_hosts.allow_hosts, p->git.ssh_hosts.v[i], e);
	if (r == 0)
		r = cordon_proxy_watch(px, listen_fd, EPOLLIN, on_accept, a, e);
	else
		close(listen_fd);
	if (r < 0) {
		for (size_t i = 0; i < a->nkeys; i++)
			free(a->keys[i].blob);
		free(a->keys);
		cordon_policy_free(&a->ssh_hosts);
		unix_peer_free(a->peers);
		free(a);
		return r;
	}
	*out = a;
	return 0;
}
