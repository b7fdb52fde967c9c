/* git_relay.h — private to the session process: the git endpoint it serves on the sandbox's
 * loopback. git inside reaches the remotes of git.remotes through it (its URLs rewritten by
 * environment-only configuration, git_env.c); the session speaks git's smart HTTP protocol to the
 * real remote over TLS with the credential it gets outside, decides pushes by the push policy,
 * and signs commits with the key outside (git_sign.c). */
#ifndef CORDON_GIT_RELAY_H
#define CORDON_GIT_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cordon/error.h"
#include "cordon/policy.h"
#include "cordon/proxy.h"
#include "git_pktline.h"

/* The URL path prefix of relayed remotes: http://127.0.0.1:PORT/git/AUTHORITY/PATH stands for
 * https://AUTHORITY/PATH; and the path of the signing service. */
#define GIT_RELAY_PREFIX "/git/"
#define GIT_RELAY_SIGN_PATH "/cordon/sign"

#define GIT_RELAY_EVENTS 32  /* recent pushes and signatures `sandbox git` shows */
#define GIT_RELAY_WORKERS 64 /* connections served at once */

/* One push command or signature, as a worker reports it to the session process. */
struct git_relay_event {
	time_t time;
	char kind;	/* 'P' push command, 'S' signature */
	char what[400]; /* P: the remote URL; S: "commit TREE" or "tag OBJECT" */
	char ref[256];	/* P: the ref; S: the first line of the message */
	char old_oid[65], new_oid[65];
	char result[32];  /* P: "pushed", "refused", "rejected by the remote", "failed";
			     S: "signed", "refused", "failed" */
	char detail[300]; /* the rule or the remote's reason */
};

struct git_relay {
	struct cordon_proxy *px;
	const struct cordon_policy *policy; /* the session process's copy */
	int listen_fd;
	uint16_t port;
	int report_r, report_w; /* workers → session: one event line per write (pipe(7): atomic) */
	unsigned workers;
	char start_ref[GIT_REF_MAX + 1]; /* the branch checked out at start, or "" */
	char log_path[4096];
	const char *hosts_file; /* test hook CORDON_TEST_HOSTS_FILE, or NULL */
	const char *ca_file;	/* test hook CORDON_TEST_GIT_CA, or NULL */
	char tmpdir[4096];	/* for scratch repositories and signing files */
	bool agent_outside;	/* SSH_AUTH_SOCK was set (signing goes through the agent) */
	struct git_relay_event ev[GIT_RELAY_EVENTS];
	size_t nev, next;
	char rbuf[8192];
	size_t rlen;
};

/* git_relay_start: serve listen_fd (a TCP listener on 127.0.0.1 created inside the sandbox's
 * network namespace; ownership passes) in px's loop for policy p (whose git section says what
 * is relayed). Each connection is served by a child process of the session process (blocking
 * I/O, TLS, git run outside), reaped through its pidfd. log_path is the violation log.
 * Reads at start: the branch checked out in p->git.repo_dir, $SSH_AUTH_SOCK (is an agent
 * there?), $XDG_RUNTIME_DIR / $TMPDIR (scratch space), and the test hooks
 * CORDON_TEST_HOSTS_FILE and CORDON_TEST_GIT_CA (a PEM CA file trusted besides the system
 * store). Returns 0 and *out, or -errno with e->msg set. */
int git_relay_start(struct cordon_proxy *px, int listen_fd, const struct cordon_policy *p,
		    const char *log_path, struct git_relay **out, struct cordon_error *e);

/* git_relay_status_json: the state `sandbox git` shows, as a JSON object (malloc'd): endpoint,
 * remotes, push rules, the branch "@start" stands for, SSH hosts and keys, the signing key, and
 * the recent pushes and signatures (the events workers wrote before it is called included: they
 * are read first). r may be NULL (no git endpoint). Returns 0 or -ENOMEM. */
int git_relay_status_json(struct git_relay *r, const struct cordon_policy *p,
			  const char *agent_path, char **out);

/* git_start_branch: the full ref HEAD names in the repository at dir or above it (a symbolic
 * ref "ref: refs/heads/X" in .git/HEAD, following a "gitdir:" file of a worktree), into buf;
 * "" for a detached HEAD or no repository. */
void git_start_branch(const char *dir, char *buf, size_t len);

/* Worker side (git_worker.c, git_sign.c). */
__attribute__((noreturn)) void git_worker_main(const struct git_relay *r, int cfd);
void git_worker_report(const struct git_relay *r, const struct git_relay_event *ev);
void git_worker_vlog(const struct git_relay *r, int cfd, const char *host, uint16_t port,
		     const char *reason);
/* git_worker_respond: a complete response with a text/plain body (git shows it as "remote: ..."
 * for a refused info/refs request). */
void git_worker_respond(int cfd, int status, const char *text);
void git_sign_serve(const struct git_relay *r, int cfd, const char *body, size_t len);

#endif
