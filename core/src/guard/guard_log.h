/* guard_log.h — refused writes from the guard worker to the session's violation log: the worker
 * sends each refusal over its channel to the session process, which appends it (vlog.h). */
#ifndef CORDON_GUARD_LOG_H
#define CORDON_GUARD_LOG_H

#include <linux/seccomp.h>

struct cordon_proxy;
struct guard_call;
struct guard_path;

/* guard_log_note (worker): the guard's policy refused (p) for the call c; remember the absolute
 * path (the parent directory as /proc/self/fd names it in the worker, whose root is the
 * target's, then the final name) in c->refused for guard_log_send. The first refusal of a call
 * wins (rename and link check two names). */
void guard_log_note(struct guard_call *c, const struct guard_path *p);

/* guard_log_send (worker): when c->refused is set, send one violation-log line (vlog.h, proto
 * "write", the system call's name from libseccomp, pid = req->pid as the worker sees it) as one
 * message on c->log_fd (a SOCK_SEQPACKET socket to the session process), with MSG_DONTWAIT: when
 * the session process's queue is full the record is dropped, the confined caller never waits.
 * Nothing when c->log_fd < 0. */
void guard_log_send(const struct guard_call *c, const struct seccomp_notif *req);

/* guard_log_recv (session process): read every message waiting on fd (the builder channel) and
 * append each well-formed refused-write line to px's violation log (cordon_proxy_log, which
 * creates the log on its first entry). Lines that do not parse or are not proto "write" with a
 * path are dropped. Returns 0 while the channel is open, 1 when the peer hung up or the socket
 * failed. */
int guard_log_recv(struct cordon_proxy *px, int fd);

#endif
