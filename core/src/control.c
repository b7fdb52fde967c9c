/* control.c — the private control channel (control.h): requests from the confined shell served
 * by the session process against the live policy, the caller's side of a request, and the
 * approval socket through which a person outside grants what a locked session asked for. */
#include "cordon/control.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cordon/hostpat.h"
#include "cordon/strbuf.h"
#include "cordon/vlog.h"
#include "session/session_int.h"

#define MAX_WORDS 64
#define CALL_TIMEOUT_MS 30000 /* a session process that does not answer in 30 s is stuck */
#define LOG_TAIL_MAX (CORDON_CONTROL_MAX - 1024)

static int reply_err(char **reply, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reply_err(char **reply, const char *fmt, ...)
{
	struct cordon_strbuf b = {0};
	char tmp[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	cordon_sb_add(&b, "err ");
	cordon_sb_add(&b, tmp);
	return cordon_sb_take(&b, reply);
}

static void json_host_list(struct cordon_strbuf *b, const struct cordon_host_list *l)
{
	cordon_sb_add(b, "[");
	for (size_t i = 0; i < l->n; i++) {
		char h[300];
		cordon_host_rule_format(&l->v[i], h, sizeof(h));
		if (i)
			cordon_sb_add(b, ",");
		cordon_sb_json_str(b, h, CORDON_JSON_BYTES);
	}
	cordon_sb_add(b, "]");
}

static void json_pending(struct cordon_strbuf *b, const struct cordon_control_ctx *c)
{
	cordon_sb_add(b, "[");
	for (int i = 0; i < c->n_pending; i++) {
		if (i)
			cordon_sb_add(b, ",");
		cordon_sb_json_str(b, c->pending[i], CORDON_JSON_BYTES);
	}
	cordon_sb_add(b, "]");
}

static void pending_remove(struct cordon_control_ctx *c, const char *host)
{
	for (int i = 0; i < c->n_pending; i++) {
		if (strcmp(c->pending[i], host) == 0) {
			memmove(c->pending[i], c->pending[i + 1],
				sizeof(c->pending[0]) * (size_t)(c->n_pending - i - 1));
			c->n_pending--;
			i--;
		}
	}
}

static void pending_add(struct cordon_control_ctx *c, const char *host)
{
	pending_remove(c, host);
	if (c->n_pending == (int)(sizeof(c->pending) / sizeof(c->pending[0]))) {
		memmove(c->pending[0], c->pending[1],
			sizeof(c->pending[0]) * (size_t)(c->n_pending - 1));
		c->n_pending--;
	}
	size_t l = strnlen(host, sizeof(c->pending[0]) - 1);
	memcpy(c->pending[c->n_pending], host, l);
	c->pending[c->n_pending++][l] = '\0';
}

/* Parse every pattern first so a request with one bad host changes nothing. The canonical
 * spelling of each (cordon_host_rule_format) is written to canon[i]. */
static int check_patterns(char **words, int n, char canon[][300], char **reply)
{
	for (int i = 0; i < n; i++) {
		struct cordon_host_rule r = {0};
		struct cordon_error e = {{0}};
		if (cordon_host_rule_parse(words[i], &r, &e) < 0)
			return reply_err(reply, "%s", e.msg) == 0 ? 1 : -ENOMEM;
		cordon_host_rule_format(&r, canon[i], sizeof(canon[i]));
		free(r.host);
	}
	return 0;
}

/* Grant host: drop an identical denylist entry (the person's word beats an earlier deny of the
 * same pattern), add it to the allowlist once, and say when a wider deny rule still wins. */
static int grant(struct cordon_policy *p, const char *host, struct cordon_strbuf *b)
{
	struct cordon_error e = {{0}};
	int undenied = cordon_policy_remove_host(&p->deny_hosts, host, &e);
	if (undenied < 0)
		return undenied;
	int r = cordon_policy_remove_host(&p->allow_hosts, host, &e);
	if (r < 0)
		return r;
	r = cordon_policy_add_host(&p->allow_hosts, host, &e);
	if (r < 0)
		return r;
	cordon_sb_add(b, " ");
	cordon_sb_add(b, host);
	if (undenied > 0)
		cordon_sb_add(b, " (removed from the denylist)");
	struct cordon_host_rule rule = {0};
	if (cordon_host_rule_parse(host, &rule, &e) == 0) {
		if (!rule.wildcard &&
		    cordon_host_decide(p, rule.host, rule.port) == CORDON_VERDICT_DENY)
			cordon_sb_add(b, " (still denied by a wider denylist rule)");
		free(rule.host);
	}
	return 0;
}

static int do_allow(struct cordon_control_ctx *c, char **w, int n, char **reply)
{
	char canon[MAX_WORDS][300];
	if (n == 0)
		return reply_err(reply, "allow-host: name at least one host");
	int r = check_patterns(w, n, canon, reply);
	if (r)
		return r < 0 ? r : 0;
	if (c->locked) {
		struct cordon_strbuf b = {0};
		cordon_sb_add(&b, "err locked: the policy is locked; request filed for");
		for (int i = 0; i < n; i++) {
			pending_add(c, canon[i]);
			cordon_sb_add(&b, " ");
			cordon_sb_add(&b, canon[i]);
		}
		cordon_sb_addf(
		    &b, "; a person can grant it from an unconfined terminal: cordon approve %s",
		    c->session_id ? c->session_id : "SESSION");
		for (int i = 0; i < n; i++) {
			cordon_sb_add(&b, " ");
			cordon_sb_add(&b, canon[i]);
		}
		return cordon_sb_take(&b, reply);
	}
	struct cordon_strbuf b = {0};
	cordon_sb_add(&b, "ok allowed");
	for (int i = 0; i < n; i++) {
		if (grant(c->policy, canon[i], &b) < 0) {
			cordon_sb_free(&b);
			return reply_err(reply, "allow-host: %s: cannot add", canon[i]);
		}
	}
	return cordon_sb_take(&b, reply);
}

static int do_deny(struct cordon_control_ctx *c, char **w, int n, char **reply)
{
	char canon[MAX_WORDS][300];
	if (n == 0)
		return reply_err(reply, "deny-host: name at least one host");
	int r = check_patterns(w, n, canon, reply);
	if (r)
		return r < 0 ? r : 0;
	struct cordon_strbuf b = {0};
	cordon_sb_add(&b, "ok denied");
	for (int i = 0; i < n; i++) {
		struct cordon_error e = {{0}};
		if (cordon_policy_remove_host(&c->policy->allow_hosts, canon[i], &e) < 0 ||
		    cordon_policy_remove_host(&c->policy->deny_hosts, canon[i], &e) < 0 ||
		    cordon_policy_add_host(&c->policy->deny_hosts, canon[i], &e) < 0) {
			cordon_sb_free(&b);
			return reply_err(reply, "deny-host: %s", e.msg);
		}
		pending_remove(c, canon[i]);
		cordon_sb_add(&b, " ");
		cordon_sb_add(&b, canon[i]);
	}
	return cordon_sb_take(&b, reply);
}

static int do_hosts(struct cordon_control_ctx *c, char **reply)
{
	struct cordon_strbuf b = {0};
	cordon_sb_add(&b, "ok {\"allow\":");
	json_host_list(&b, &c->policy->allow_hosts);
	cordon_sb_add(&b, ",\"deny\":");
	json_host_list(&b, &c->policy->deny_hosts);
	cordon_sb_addf(&b, ",\"locked\":%s,\"pending\":", c->locked ? "true" : "false");
	json_pending(&b, c);
	cordon_sb_add(&b, "}");
	return cordon_sb_take(&b, reply);
}

static int do_policy(struct cordon_control_ctx *c, char **reply)
{
	char *json = NULL;
	struct cordon_error e = {{0}};
	int r = cordon_policy_to_json(c->policy, &json, &e);
	if (r < 0)
		return r == -ENOMEM ? r : reply_err(reply, "policy: %s", e.msg);
	struct cordon_strbuf b = {0};
	cordon_sb_add(&b, "ok ");
	cordon_sb_add(&b, json);
	free(json);
	return cordon_sb_take(&b, reply);
}

static int do_status(struct cordon_control_ctx *c, char **reply)
{
	struct cordon_strbuf b = {0};
	cordon_sb_add(&b, "ok {\"session\":");
	cordon_sb_json_str(&b, c->session_id ? c->session_id : "", CORDON_JSON_BYTES);
	cordon_sb_addf(&b, ",\"session_pid\":%ld,\"locked\":%s,\"log\":", (long)getpid(),
		       c->locked ? "true" : "false");
	cordon_sb_json_str(&b, c->log_path ? c->log_path : "", CORDON_JSON_BYTES);
	cordon_sb_add(&b, ",\"repo_config\":");
	if (c->policy && c->policy->repo_config)
		cordon_sb_json_str(&b, c->policy->repo_config, CORDON_JSON_BYTES);
	else
		cordon_sb_add(&b, "null");
	cordon_sb_add(&b, ",\"layers\":");
	cordon_sb_add(&b, c->layers[0] ? c->layers : "null");
	cordon_sb_add(&b, ",\"pending\":");
	json_pending(&b, c);
	cordon_sb_addf(&b, ",\"proxy_max_connections\":%zu}", c->proxy_max_conns);
	return cordon_sb_take(&b, reply);
}

/* The tail of the violation log (JSON lines), cut at a line start so every line is whole. */
static int do_log(struct cordon_control_ctx *c, char **reply)
{
	struct cordon_strbuf b = {0};
	cordon_sb_add(&b, "ok ");
	if (!c->log_path || !c->log_path[0])
		return cordon_sb_take(&b, reply);
	int fd = open(c->log_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) /* nothing denied yet */
			return cordon_sb_take(&b, reply);
		int err = errno;
		cordon_sb_free(&b);
		return reply_err(reply, "log: %s: %s", c->log_path, strerror(err));
	}
	struct stat st;
	off_t start = 0;
	if (fstat(fd, &st) == 0 && st.st_size > LOG_TAIL_MAX)
		start = st.st_size - LOG_TAIL_MAX;
	char *buf = malloc(LOG_TAIL_MAX + 1);
	ssize_t got = buf ? pread(fd, buf, LOG_TAIL_MAX, start) : -1;
	close(fd);
	if (got < 0) {
		free(buf);
		cordon_sb_free(&b);
		return buf ? reply_err(reply, "log: %s: read failed", c->log_path) : -ENOMEM;
	}
	buf[got] = '\0';
	char *from = buf;
	if (start > 0) {
		char *nl = strchr(buf, '\n');
		from = nl ? nl + 1 : buf + got;
	}
	cordon_sb_add(&b, from);
	free(buf);
	return cordon_sb_take(&b, reply);
}

struct log_from {
	struct cordon_strbuf *b;
};

/* One entry into the reply, unless it would pass LOG_TAIL_MAX after others: then stop (the
 * entry stays unread, so the caller's next "log NEXT" starts with it). An entry is always taken
 * into an empty reply, so one long entry cannot stall the follower. */
static int log_from_entry(const struct cordon_vlog_entry *v, void *arg)
{
	struct log_from *lf = arg;
	char *line = malloc(CORDON_VLOG_LINE_MAX);
	int n = line ? cordon_vlog_format(v, line, CORDON_VLOG_LINE_MAX) : -ENOMEM;
	int stop = 0;

	if (n == -ENOMEM) {
		lf->b->oom = true;
		stop = 1;
	} else if (n >= 0 && lf->b->len && lf->b->len + (size_t)n > LOG_TAIL_MAX) {
		stop = 1;
	} else if (n >= 0) {
		cordon_sb_add(lf->b, line);
	}
	free(line);
	return stop;
}

/* "log FROM": the complete entries from byte FROM of the log on (for `sandbox log -f`), as
 * "ok NEXT\n" and JSON lines, NEXT being the byte offset to ask from next time. A torn last
 * line is left for the next request (cordon_vlog_read_from). */
static int do_log_from(struct cordon_control_ctx *c, const char *from, char **reply)
{
	struct cordon_strbuf b = {0}, lines = {0};
	struct cordon_error e = {{0}};
	struct log_from lf = {.b = &lines};
	char *end;
	long long v = strtoll(from, &end, 10);
	off_t off = (off_t)v;
	int fd, r;

	if (*end || v < 0 || end == from)
		return reply_err(reply, "log: bad offset \"%.32s\"", from);
	fd = c->log_path && c->log_path[0] ? open(c->log_path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0 && c->log_path && c->log_path[0] && errno != ENOENT)
		return reply_err(reply, "log: %s: %s", c->log_path, strerror(errno));
	r = fd >= 0 ? cordon_vlog_read_from(fd, &off, log_from_entry, &lf, &e) : 0;
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		cordon_sb_free(&lines);
		return reply_err(reply, "log: %s", e.msg);
	}
	if (fd < 0)
		off = 0; /* nothing denied yet */
	if (lines.oom) {
		cordon_sb_free(&lines);
		return -ENOMEM;
	}
	cordon_sb_addf(&b, "ok %lld\n", (long long)off);
	if (lines.len)
		cordon_sb_add(&b, lines.s);
	cordon_sb_free(&lines);
	return cordon_sb_take(&b, reply);
}

static int do_layers(struct cordon_control_ctx *c, const char *json, char **reply)
{
	if (c->layers[0])
		return reply_err(reply, "layers: already recorded");
	if (strlen(json) >= sizeof(c->layers) || json[0] != '{')
		return reply_err(reply, "layers: expected a JSON object under %zu bytes",
				 sizeof(c->layers));
	snprintf(c->layers, sizeof(c->layers), "%s", json);
	struct cordon_strbuf b = {0};
	cordon_sb_add(&b, "ok");
	return cordon_sb_take(&b, reply);
}

/* Split a request into words at single spaces. buf receives a NUL-terminated copy. */
static int split(const char *req, size_t len, char *buf, char **w)
{
	memcpy(buf, req, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -1;
	int n = 0;
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n == MAX_WORDS)
			return -1;
		w[n++] = t;
	}
	return n;
}

int cordon_control_handle(struct cordon_control_ctx *c, const char *req, size_t len, char **reply)
{
	*reply = NULL;
	if (len > CORDON_CONTROL_MAX)
		return reply_err(reply, "request too long");
	char *buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	char *w[MAX_WORDS];
	int n = split(req, len, buf, w);
	int r;
	if (n <= 0)
		r = reply_err(reply, "malformed request");
	else if (strcmp(w[0], "allow-host") == 0)
		r = do_allow(c, w + 1, n - 1, reply);
	else if (strcmp(w[0], "deny-host") == 0)
		r = do_deny(c, w + 1, n - 1, reply);
	else if (strcmp(w[0], "hosts") == 0 && n == 1)
		r = do_hosts(c, reply);
	else if (strcmp(w[0], "policy") == 0 && n == 1)
		r = do_policy(c, reply);
	else if (strcmp(w[0], "status") == 0 && n == 1)
		r = do_status(c, reply);
	else if (strcmp(w[0], "log") == 0 && n == 1)
		r = do_log(c, reply);
	else if (strcmp(w[0], "log") == 0 && n == 2)
		r = do_log_from(c, w[1], reply);
	else if (strcmp(w[0], "layers") == 0 && n >= 2)
		r = do_layers(c, req + (w[1] - buf), reply); /* the JSON may hold spaces */
	else
		r = reply_err(reply, "unknown request \"%.64s\"", w[0]);
	free(buf);
	return r;
}

static int send_words(int fd, char *const *words, int pass_fd, struct cordon_error *e)
{
	struct cordon_strbuf b = {0};
	for (size_t i = 0; words[i]; i++) {
		if (!words[i][0] || strpbrk(words[i], " \n\r\t")) {
			cordon_sb_free(&b);
			return cordon_error_set(
			    e, EINVAL, "control: word \"%s\" is empty or has spaces", words[i]);
		}
		if (i)
			cordon_sb_add(&b, " ");
		cordon_sb_add(&b, words[i]);
	}
	if (b.oom || !b.s)
		return cordon_sb_free(&b),
		       cordon_error_set(e, b.oom ? ENOMEM : EINVAL, "control: empty request");
	if (b.len > CORDON_CONTROL_MAX) {
		cordon_sb_free(&b);
		return cordon_error_set(e, E2BIG, "control: request longer than %d bytes",
					CORDON_CONTROL_MAX);
	}
	/* session.c receives the request with session_recv: the same SEQPACKET framing. */
	int r = session_send(fd, b.s, b.len, &pass_fd, pass_fd >= 0 ? 1 : 0);
	cordon_sb_free(&b);
	if (r < 0)
		return cordon_error_set(e, -r, "control: the session process is gone (send: %s)",
					strerror(-r));
	return 0;
}

/* Read one reply message; "ok[ PAYLOAD]" → 0 and the payload, "err MSG" → -EPERM/-EINVAL. */
static int recv_reply(int fd, char **reply, struct cordon_error *e)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int pr;
	do
		pr = poll(&pfd, 1, CALL_TIMEOUT_MS);
	while (pr < 0 && errno == EINTR);
	if (pr == 0)
		return cordon_error_set(e, ETIMEDOUT,
					"control: the session process did not answer");
	char *buf = malloc(CORDON_CONTROL_MAX + 1);
	if (!buf)
		return cordon_error_set(e, ENOMEM, "control: out of memory");
	ssize_t n;
	do
		n = recv(fd, buf, CORDON_CONTROL_MAX, MSG_TRUNC | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		int err = n < 0 ? errno : EPIPE;
		free(buf);
		return cordon_error_set(e, err, "control: the session process is gone (%s)",
					strerror(err));
	}
	if (n > CORDON_CONTROL_MAX) {
		free(buf);
		return cordon_error_set(e, EMSGSIZE, "control: reply longer than %d bytes",
					CORDON_CONTROL_MAX);
	}
	buf[n] = '\0';
	if (strncmp(buf, "ok", 2) == 0 && (buf[2] == '\0' || buf[2] == ' ')) {
		size_t skip = buf[2] ? 3 : 2;
		memmove(buf, buf + skip, (size_t)n - skip + 1);
		*reply = buf;
		return 0;
	}
	int code = EINVAL;
	const char *msg = strncmp(buf, "err ", 4) == 0 ? buf + 4 : buf;
	if (strncmp(msg, "locked", 6) == 0)
		code = EPERM;
	cordon_error_set(e, code, "%s", msg);
	free(buf);
	return -code;
}

int cordon_control_call(int ctl_fd, char *const *words, int fd, char **reply,
			struct cordon_error *e)
{
	*reply = NULL;
	if (ctl_fd < 0)
		return cordon_error_set(e, EBADF, "control: no control channel (sandbox is off)");
	int r = send_words(ctl_fd, words, fd, e);
	if (r < 0)
		return r;
	return recv_reply(ctl_fd, reply, e);
}

/* ---- approval channel ---- */

/* approval_dir: $XDG_RUNTIME_DIR/cordon (the sandbox sees a tmpfs over /run/user/UID), else a
 * directory of the state dir, $XDG_STATE_HOME/cordon/approval or ~/.local/state/cordon/approval
 * (XDG Base Directory spec), private to the user (0700): not /tmp, which other users share and
 * could occupy first. A confined process may see the latter path, but cannot make an AF_UNIX
 * socket (seccomp) and would be refused by the peer check in any case. */
static int approval_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *st = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/cordon", xdg);
	else if (st && st[0] == '/')
		n = snprintf(buf, len, "%s/cordon/approval", st);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.local/state/cordon/approval", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* mkdir_parents: create every missing directory above path's last component (mode 0700, as the
 * XDG spec asks of the state directory). */
static void mkdir_parents(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *c = tmp + 1; (c = strchr(c, '/')); c++) {
		*c = '\0';
		mkdir(tmp, 0700);
		*c = '/';
	}
}

int cordon_control_approval_path(const char *id, char *buf, size_t len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int r = approval_dir(dir, sizeof(dir));
	if (r < 0)
		return r;
	int n = snprintf(buf, len, "%s/%s.sock", dir, id);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int fill_addr(const char *id, struct sockaddr_un *sa, struct cordon_error *e)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strspn(id, "0123456789abcdef") != strlen(id) || !id[0])
		return cordon_error_set(e, EINVAL, "approval: \"%s\" is not a session id", id);
	int r = cordon_control_approval_path(id, sa->sun_path, sizeof(sa->sun_path));
	if (r == -ENOENT)
		return cordon_error_set(
		    e, ENOENT, "approval: none of XDG_RUNTIME_DIR, XDG_STATE_HOME, HOME is set");
	if (r < 0)
		return cordon_error_set(e, ENAMETOOLONG, "approval: socket path too long");
	return 0;
}

int cordon_control_approval_listen(const char *id, int *fd, struct cordon_error *e)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sockaddr_un sa;
	int r = fill_addr(id, &sa, e);
	if (r < 0)
		return r;
	approval_dir(dir, sizeof(dir));
	mkdir_parents(dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return cordon_error_set(e, errno, "approval: mkdir %s: %s", dir, strerror(errno));
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077))
		return cordon_error_set(
		    e, EPERM, "approval: %s is not a private directory of this user", dir);
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return cordon_error_set(e, errno, "approval: socket: %s", strerror(errno));
	unlink(sa.sun_path);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 8) < 0) {
		int err = errno;
		close(s);
		return cordon_error_set(e, err, "approval: %s: %s", sa.sun_path, strerror(err));
	}
	*fd = s;
	return 0;
}

/* Is pid in the same user namespace as the caller? (a confined process is in a child one) */
static bool same_userns(pid_t pid)
{
	char p[64], a[64] = "", b[64] = "";
	snprintf(p, sizeof(p), "/proc/%ld/ns/user", (long)pid);
	ssize_t na = readlink(p, a, sizeof(a) - 1);
	ssize_t nb = readlink("/proc/self/ns/user", b, sizeof(b) - 1);
	return na > 0 && nb > 0 && na == nb && memcmp(a, b, (size_t)na) == 0;
}

static int handle_approval(struct cordon_control_ctx *c, const char *req, size_t len, char **reply)
{
	char *buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	char *w[MAX_WORDS], canon[MAX_WORDS][300];
	int n = split(req, len, buf, w), r = 0;
	if (n <= 0) {
		r = reply_err(reply, "malformed request");
	} else if (strcmp(w[0], "pending") == 0 && n == 1) {
		struct cordon_strbuf b = {0};
		cordon_sb_add(&b, "ok ");
		json_pending(&b, c);
		r = cordon_sb_take(&b, reply);
	} else if ((strcmp(w[0], "approve") == 0 || strcmp(w[0], "reject") == 0) && n >= 2) {
		r = check_patterns(w + 1, n - 1, canon, reply);
		if (r == 0) {
			bool approve = w[0][0] == 'a';
			struct cordon_strbuf b = {0};
			cordon_sb_add(&b, approve ? "ok approved" : "ok rejected");
			for (int i = 0; i < n - 1 && !b.oom; i++) {
				pending_remove(c, canon[i]);
				if (!approve) {
					cordon_sb_add(&b, " ");
					cordon_sb_add(&b, canon[i]);
				} else if (grant(c->policy, canon[i], &b) < 0) {
					cordon_sb_free(&b);
					free(buf);
					return reply_err(reply, "approve: %s: cannot add",
							 canon[i]);
				}
			}
			r = cordon_sb_take(&b, reply);
		} else if (r > 0) {
			r = 0;
		}
	} else {
		r = reply_err(reply, "unknown request \"%.64s\"", w[0]);
	}
	free(buf);
	return r;
}

int cordon_control_approval_serve(struct cordon_control_ctx *c, int listen_fd,
				  struct cordon_error *e)
{
	int s = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return 0;
		return cordon_error_set(e, errno, "approval: accept: %s", strerror(errno));
	}
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	char *reply = NULL;
	int r = 0;
	/* The peer's credentials are those of connect(2) time (unix(7) SO_PEERCRED). */
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0 || cr.uid != getuid() ||
	    !same_userns(cr.pid)) {
		r = reply_err(&reply, "approval must come from an unconfined process of this user");
	} else {
		struct pollfd pfd = {.fd = s, .events = POLLIN};
		char *buf = malloc(CORDON_CONTROL_MAX);
		ssize_t n = -1;
		if (buf && poll(&pfd, 1, 5000) == 1)
			n = recv(s, buf, CORDON_CONTROL_MAX, 0);
		if (n > 0)
			r = handle_approval(c, buf, (size_t)n, &reply);
		free(buf);
	}
	if (r == 0 && reply)
		send(s, reply, strlen(reply), MSG_NOSIGNAL);
	free(reply);
	close(s);
	return r == -ENOMEM ? cordon_error_set(e, ENOMEM, "approval: out of memory") : 0;
}

int cordon_control_approve(const char *id, char *const *words, char **reply, struct cordon_error *e)
{
	struct sockaddr_un sa;
	*reply = NULL;
	int r = fill_addr(id, &sa, e);
	if (r < 0)
		return r;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cordon_error_set(e, errno, "approval: socket: %s", strerror(errno));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(s);
		if (err == ENOENT || err == ECONNREFUSED)
			return cordon_error_set(e, ENOENT, "approve: no running session %s (%s)",
						id, sa.sun_path);
		return cordon_error_set(e, err, "approve: %s: %s", sa.sun_path, strerror(err));
	}
	r = send_words(s, words, -1, e);
	if (r == 0)
		r = recv_reply(s, reply, e);
	close(s);
	return r;
}
