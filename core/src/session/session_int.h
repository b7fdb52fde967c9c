/* session_int.h — private to session*.c (and control.c, which sends control requests;
 * confine.c, which reuses the kernel probe and seccomp filter the start prepared): the messages
 * between the caller, the session process S and its builder child B, and their carrier. */
#ifndef CORDON_SESSION_INT_H
#define CORDON_SESSION_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cordon/error.h"
#include "cordon/layers.h"
#include "cordon/policy.h"
#include "cordon/session.h"

struct seccomp_prog;

/* Largest number of fds one message carries: 3 namespace fds, 3 listeners, the guard set and
 * a sock_diag socket (builder → S). */
#define SESSION_MAX_FDS 8

/* B → S, S → B and S → caller status: status is 0 or a negative errno, msg names the step. */
struct session_status {
	int32_t status;
	char msg[sizeof(((struct cordon_error *)0)->msg)];
};

/* S → caller when the namespaces are built: status, then info; carries, when status is 0, the
 * user, mount and network namespace fds, the guard set (a sealed memfd) and the caller's end of
 * the guard-log channel to S, in that order (enum below). */
struct session_reply {
	struct session_status st;
	struct cordon_session_info info;
};

/* Order of the fds in the builder's report to S. */
enum { BFD_USER, BFD_MNT, BFD_NET, BFD_HTTP, BFD_SOCKS, BFD_GUARDSET, BFD_GIT, BFD_DIAG };

/* Order of the fds in S's reply to the caller. */
enum { RFD_USER, RFD_MNT, RFD_NET, RFD_GUARDSET, RFD_GUARDLOG, RFD_COUNT };

/* session_send: one SEQPACKET message of len bytes with nfds fds (SCM_RIGHTS, unix(7)).
 * Returns 0 or a negative errno. */
int session_send(int sock, const void *buf, size_t len, const int *fds, int nfds);

/* session_recv: one message into buf (at most len bytes) and up to maxfds fds (received
 * close-on-exec); *nfds receives how many came. Returns the message length (0 = peer hung up)
 * or a negative errno (-EMSGSIZE when the message or its fds were truncated; fds are closed). */
ssize_t session_recv(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds);

/* session_status_send: send {status, e->msg} (no fds). */
int session_status_send(int sock, int status, const struct cordon_error *e);

/* session_kernel: copy into k the kernel probe (cordon_kernel_probe) that cordon_session_start ran
 * in the caller while the session process built the namespaces. Returns false, leaving k alone,
 * when that probe failed (the caller then probes again and reports why). */
bool session_kernel(const struct cordon_session *s, struct cordon_kernel *k);

/* session_seccomp: the seccomp filter program (seccomp_prog.h) that cordon_session_start prepared
 * in the caller while the session process built the namespaces, or NULL when it did not. */
const struct seccomp_prog *session_seccomp(const struct cordon_session *s);

/* session_guard_fds: the guard set memfd and the caller's end of the guard-log channel of s
 * (owned by s; -1 when the session has none). */
void session_guard_fds(const struct cordon_session *s, int *set_fd, int *log_fd);

/* session_builder_main: the builder child B (session_builder.c); never returns. sock is B's end
 * of the S↔B socketpair, uid the caller's real uid outside, home its $HOME (may be NULL). */
__attribute__((noreturn)) void session_builder_main(const struct cordon_policy *p, int sock,
						    uid_t uid, const char *home, pid_t parent);

#endif
