/* session.h — the session process: the unconfined side of docs/design.md §2.
 * cordon_session_start forks it; it builds the user+mount+net namespaces (through a builder
 * child), lays out the mounts, brings lo up, creates the proxy's listening sockets inside the
 * network namespace, hands the namespace fds back, then serves the proxy and the control channel
 * until the caller's control fd closes. */
#ifndef CORDON_SESSION_H
#define CORDON_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cordon/error.h"
#include "cordon/policy.h"

struct cordon_session; /* caller-side handle: control fd, namespace fds, ports, id */

struct cordon_session_info {
	char id[33];	    /* 32 hex characters: CORDON_SESSION */
	pid_t pid;	    /* the session process */
	uint16_t http_port; /* HTTP proxy (CONNECT + absolute-form) on 127.0.0.1 inside the netns */
	uint16_t socks_port; /* SOCKS5 proxy on 127.0.0.1 inside the netns */
	uint16_t git_port;   /* git endpoint on 127.0.0.1 inside the netns (git_relay.h), 0: none */
	char log_path[4096]; /* violation log (JSON lines), written by the session process */
	char notes[512];     /* notices for the person at start ("; "-separated), or "" */
	bool ssh_agent_allowed; /* $SSH_AUTH_SOCK is a socket network.allowUnixSockets lists */
	bool capture;	     /* transparent capture in force (every TCP connection and DNS query
				of the sandbox reaches the proxy and its DNS stub) */
	char capture_why[256]; /* when not: why ("" when it was not tried) */
};

/* cordon_session_start: start the session process for policy p (already finished with
 * cordon_policy_finish) and wait until the namespaces are built. Nothing in the caller changes.
 * Returns 0 and *out, or a negative errno with e->msg naming the step that failed
 * (e.g. "user namespace: unshare: Operation not permitted").
 * Environment read at start: HOME / XDG_STATE_HOME (violation log under
 * $XDG_STATE_HOME/cordon/sessions/ID.log, else ~/.local/state/...), and the test hook
 * CORDON_TEST_HOSTS_FILE: a hosts(5)-format file the proxy resolves names from before DNS
 * (proxy.h hosts_file), so tests can name loopback test hosts. */
int cordon_session_start(const struct cordon_policy *p, struct cordon_session **out,
			 struct cordon_error *e);

/* cordon_session_join: setns(2) the calling (single-threaded) process into the session's user,
 * mount and network namespaces, in that order, unshares an IPC namespace of its own (System V
 * IPC and POSIX message queues not shared with the host), then chdir(cwd) (setns of a mount
 * namespace resets the cwd, setns(2)). Irreversible: on failure after the first setns the caller
 * must treat itself as half-confined. Returns 0 or a negative errno with e->msg set. */
int cordon_session_join(struct cordon_session *s, const char *cwd, struct cordon_error *e);

/* cordon_session_follow_caller: ask the session process to end when the process that started it
 * (the caller of cordon_session_start) exits, instead of when the control channel hangs up. For a
 * shell confined in place, whose close-on-exec control fd goes away when it execs its last
 * command (`bash -c '...; make'`) while that command still needs the proxy and the guard.
 * Returns 0 or a negative errno with e->msg set. */
int cordon_session_follow_caller(struct cordon_session *s, struct cordon_error *e);

/* cordon_session_info: the session's id, pid, proxy ports and log path. */
const struct cordon_session_info *cordon_session_get_info(const struct cordon_session *s);

/* cordon_session_ctl_fd: the caller's end of the private control channel (CLOEXEC). */
int cordon_session_ctl_fd(const struct cordon_session *s);

/* cordon_session_free: close the caller's fds and free s. The session process ends when the last
 * copy of the control fd closes (the shell exits / cordon run ends). */
void cordon_session_free(struct cordon_session *s);

#endif
