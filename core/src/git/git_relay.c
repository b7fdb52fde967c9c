/* git_relay.c — the session process's side of the git endpoint (git_relay.h): accepting, one
 * worker process per connection, their events, the state `sandbox git` shows. */
#include "git_relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/strbuf.h"

/* read_small: the first line of a small file, without its newline. */
static bool read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\r\n")] = '\0';
	return ok;
}

void git_start_branch(const char *dir, char *buf, size_t len)
{
	char d[PATH_MAX], p[PATH_MAX + 16], line[PATH_MAX + 16];
	struct stat st;

	buf[0] = '\0';
	if (!dir || snprintf(d, sizeof(d), "%s", dir) >= (int)sizeof(d))
		return;
	for (;;) {
		snprintf(p, sizeof(p), "%s/.git", strcmp(d, "/") ? d : "");
		if (lstat(p, &st) == 0)
			break;
		char *slash = strrchr(d, '/');
		if (!slash || slash == d)
			return;
		*slash = '\0';
	}
	if (S_ISREG(st.st_mode)) {
		/* a worktree or submodule: "gitdir: PATH" (gitrepository-layout(5)) */
		if (!read_small(p, line, sizeof(line)) || strncmp(line, "gitdir: ", 8))
			return;
		if (line[8] == '/')
			snprintf(p, sizeof(p), "%s", line + 8);
		else if (snprintf(p, sizeof(p), "%s/%s", d, line + 8) >= (int)sizeof(p))
			return;
	}
	size_t pl = strlen(p);
	if (pl + 6 > sizeof(p))
		return;
	strcat(p, "/HEAD");
	if (read_small(p, line, sizeof(line)) && !strncmp(line, "ref: refs/", 10))
		snprintf(buf, len, "%s", line + 5);
}

/* Watch of a worker's pidfd: reap it when it exits. */
struct worker_watch {
	struct git_relay *r;
	pid_t pid;
};

static int on_worker_exit(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct worker_watch *w = arg;

	(void)px;
	(void)fd;
	(void)events;
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
	w->r->workers--;
	free(w);
	return 1;
}

/* spawn: a worker for the accepted connection cfd. */
static void spawn(struct git_relay *r, int cfd)
{
	struct cordon_error e = {{0}};
	struct worker_watch *w;
	pid_t self = getpid(), pid;
	int pfd;

	if (r->workers >= GIT_RELAY_WORKERS) {
		git_worker_respond(cfd, 503, "cordon: too many git connections at once\n");
		close(cfd);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(cfd);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* The worker ends with the session: the sandbox's git loses its remotes then. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != self)
			_exit(1);
		git_worker_main(r, cfd);
	}
	close(cfd);
	if (pid < 0) {
		free(w);
		return;
	}
	w->r = r;
	w->pid = pid;
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0 || cordon_proxy_watch(r->px, pfd, EPOLLIN, on_worker_exit, w, &e) < 0) {
		/* without a pidfd: wait now (the worker is then served before the loop goes on) */
		if (pfd >= 0)
			close(pfd);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		free(w);
		return;
	}
	fcntl(pfd, F_SETFD, FD_CLOEXEC);
	r->workers++;
}

static int on_accept(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct git_relay *r = arg;

	(void)px;
	(void)events;
	for (int i = 0; i < 16; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			break;
		spawn(r, c);
	}
	return 0;
}

/* parse_event: one report line "KIND\tTIME\tWHAT\tREF\tOLD\tNEW\tRESULT\tDETAIL". */
static void parse_event(struct git_relay *r, char *line)
{
	struct git_relay_event ev;
	char *f[8];
	int n = 0;

	memset(&ev, 0, sizeof(ev));
	for (char *s = line; n < 8; n++) {
		f[n] = s;
		s = strchr(s, '\t');
		if (!s) {
			n++;
			break;
		}
		*s++ = '\0';
	}
	if (n != 8 || (f[0][0] != 'P' && f[0][0] != 'S'))
		return;
	ev.kind = f[0][0];
	ev.time = (time_t)strtoll(f[1], NULL, 10);
	snprintf(ev.what, sizeof(ev.what), "%s", f[2]);
	snprintf(ev.ref, sizeof(ev.ref), "%s", f[3]);
	snprintf(ev.old_oid, sizeof(ev.old_oid), "%s", f[4]);
	snprintf(ev.new_oid, sizeof(ev.new_oid), "%s", f[5]);
	snprintf(ev.result, sizeof(ev.result), "%s", f[6]);
	snprintf(ev.detail, sizeof(ev.detail), "%s", f[7]);
	r->ev[r->next] = ev;
	r->next = (r->next + 1) % GIT_RELAY_EVENTS;
	if (r->nev < GIT_RELAY_EVENTS)
		r->nev++;
}

static int on_report(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct git_relay *r = arg;

	(void)px;
	(void)events;
	for (;;) {
		ssize_t n = read(fd, r->rbuf + r->rlen, sizeof(r->rbuf) - 1 - r->rlen);
		if (n <= 0)
			break;
		r->rlen += (size_t)n;
		r->rbuf[r->rlen] = '\0';
		char *line = r->rbuf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			parse_event(r, line);
			line = nl + 1;
		}
		r->rlen -= (size_t)(line - r->rbuf);
		memmove(r->rbuf, line, r->rlen);
		if (r->rlen == sizeof(r->rbuf) - 1)
			r->rlen = 0; /* a line that long is no event */
	}
	return 0;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 || a.sin_family != AF_INET)
		return 0;
	return ntohs(a.sin_port);
}

int git_relay_start(struct cordon_proxy *px, int listen_fd, const struct cordon_policy *p,
		    const char *log_path, struct git_relay **out, struct cordon_error *e)
{
	struct git_relay *r = calloc(1, sizeof(*r));
	int pfd[2];
	const char *t;

	*out = NULL;
	if (!r) {
		close(listen_fd);
		return cordon_error_set(e, ENOMEM, "git endpoint: out of memory");
	}
	r->px = px;
	r->policy = p;
	r->listen_fd = listen_fd;
	r->port = port_of(listen_fd);
	snprintf(r->log_path, sizeof(r->log_path), "%s", log_path ? log_path : "");
	r->hosts_file = getenv("CORDON_TEST_HOSTS_FILE");
	r->ca_file = getenv("CORDON_TEST_GIT_CA");
	if (r->ca_file && !*r->ca_file)
		r->ca_file = NULL;
	r->agent_outside = getenv("SSH_AUTH_SOCK") && *getenv("SSH_AUTH_SOCK");
	/* scratch space outside the sandbox's view: the user's runtime directory (a tmpfs hides
	 * it inside), else the temporary directory (a private /tmp hides it) */
	t = getenv("XDG_RUNTIME_DIR");
	if (!t || t[0] != '/' || access(t, W_OK) != 0)
		t = getenv("TMPDIR");
	if (!t || t[0] != '/' || access(t, W_OK) != 0)
		t = "/tmp";
	snprintf(r->tmpdir, sizeof(r->tmpdir), "%s", t);
	git_start_branch(p->git.repo_dir, r->start_ref, sizeof(r->start_ref));
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0) {
		int err = errno;
		close(listen_fd);
		free(r);
		return cordon_error_set(e, err, "git endpoint: pipe: %s", strerror(err));
	}
	/* the workers' end blocks: a line is never dropped half-written */
	fcntl(pfd[1], F_SETFL, 0);
	r->report_r = pfd[0];
	r->report_w = pfd[1];
	fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
	int rc = cordon_proxy_watch(px, listen_fd, EPOLLIN, on_accept, r, e);
	if (rc == 0)
		rc = cordon_proxy_watch(px, r->report_r, EPOLLIN, on_report, r, e);
	if (rc < 0) {
		/* the loop closes what it watches when it is freed */
		return cordon_error_prefix(e, rc, "git endpoint");
	}
	*out = r;
	return 0;
}

static void json_list(struct cordon_strbuf *b, const char *key, const struct cordon_git_list *l)
{
	cordon_sb_addf(b, "\"%s\":[", key);
	for (size_t i = 0; i < l->n; i++) {
		cordon_sb_add(b, i ? "," : "");
		cordon_sb_json_str(b, l->v[i], CORDON_JSON_UTF8);
	}
	cordon_sb_add(b, "],");
}

int git_relay_status_json(struct git_relay *r, const struct cordon_policy *p,
			  const char *agent_path, char **out)
{
	struct cordon_strbuf b = {0};
	const struct cordon_git_policy *g = &p->git;

	if (r) /* a worker's event may still wait in the pipe when the request comes */
		on_report(r->px, r->report_r, EPOLLIN, r);

	cordon_sb_add(&b, "{");
	if (r)
		cordon_sb_addf(&b, "\"endpoint\":\"http://127.0.0.1:%u\",", r->port);
	else
		cordon_sb_add(&b, "\"endpoint\":null,");
	json_list(&b, "remotes", &g->remotes);
	json_list(&b, "pushRefs", &g->push_refs);
	cordon_sb_add(&b, "\"startBranch\":");
	if (r && r->start_ref[0])
		cordon_sb_json_str(&b, r->start_ref, CORDON_JSON_UTF8);
	else
		cordon_sb_add(&b, "null");
	cordon_sb_addf(&b, ",\"allowDelete\":%s,\"allowForce\":%s,",
		       g->allow_delete ? "true" : "false", g->allow_force ? "true" : "false");
	json_list(&b, "passTokens", &g->pass_tokens);
	json_list(&b, "sshHosts", &g->ssh_hosts);
	json_list(&b, "sshKeys", &g->ssh_keys);
	cordon_sb_add(&b, "\"agentSocket\":");
	if (agent_path)
		cordon_sb_json_str(&b, agent_path, CORDON_JSON_UTF8);
	else
		cordon_sb_add(&b, "null");
	cordon_sb_add(&b, ",\"signingKey\":");
	if (g->signing_key)
		cordon_sb_json_str(&b, g->signing_key, CORDON_JSON_UTF8);
	else
		cordon_sb_add(&b, "null");
	cordon_sb_add(&b, ",\"events\":[");
	for (size_t i = 0; r && i < r->nev; i++) {
		/* oldest first */
		const struct git_relay_event *ev =
		    &r->ev[(r->next + GIT_RELAY_EVENTS - r->nev + i) % GIT_RELAY_EVENTS];
		cordon_sb_addf(&b, "%s{\"time\":%lld,\"kind\":\"%s\",\"what\":", i ? "," : "",
			       (long long)ev->time, ev->kind == 'P' ? "push" : "sign");
		cordon_sb_json_str(&b, ev->what, CORDON_JSON_ASCII);
		cordon_sb_add(&b, ",\"ref\":");
		cordon_sb_json_str(&b, ev->ref, CORDON_JSON_ASCII);
		cordon_sb_add(&b, ",\"old\":");
		cordon_sb_json_str(&b, ev->old_oid, CORDON_JSON_ASCII);
		cordon_sb_add(&b, ",\"new\":");
		cordon_sb_json_str(&b, ev->new_oid, CORDON_JSON_ASCII);
		cordon_sb_add(&b, ",\"result\":");
		cordon_sb_json_str(&b, ev->result, CORDON_JSON_ASCII);
		cordon_sb_add(&b, ",\"detail\":");
		cordon_sb_json_str(&b, ev->detail, CORDON_JSON_ASCII);
		cordon_sb_add(&b, "}");
	}
	cordon_sb_add(&b, "]}");
	return cordon_sb_take(&b, out);
}
