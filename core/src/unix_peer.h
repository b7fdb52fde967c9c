/* unix_peer.h — private to the session process: the process on the client end of a unix stream
 * connection accepted outside the sandbox from inside it. A confined process's connect(2) to an
 * allowed unix socket is made by the guard worker on the process's own socket
 * (guard_connect.c), so SO_PEERCRED names the worker (unix(7): the credentials are those of the
 * connecting process at connect time); the client socket itself is the truth. */
#ifndef CORDON_UNIX_PEER_H
#define CORDON_UNIX_PEER_H

#include <sys/types.h>

struct unix_peer;

/* unix_peer_new: take ownership of diag_fd, a NETLINK_SOCK_DIAG socket made inside the
 * sandbox's network namespace (session_builder.c: a sock_diag socket answers for the namespace
 * it was made in, sock_diag(7), and an accepted unix socket lives in its client's). Returns NULL
 * (diag_fd closed) when out of memory or when libnl refuses the fd. */
struct unix_peer *unix_peer_new(int diag_fd);
void unix_peer_free(struct unix_peer *u);

/* unix_peer_pid: the pid, in this process's PID namespace, of a process other than skip (the
 * connecting process SO_PEERCRED names: the guard worker holds a copy of the socket while it
 * connects) holding the client end of the unix stream connection accepted on fd: the peer socket's
 * inode from sock_diag (SOCK_DIAG_BY_FAMILY for AF_UNIX with UDIAG_SHOW_PEER, sock_diag(7) and
 * <linux/unix_diag.h>), then its holder among the processes of the sandbox's network namespace
 * (px_socket_holder, proxy_peer.h) within budget_us of CPU time. Returns 0 with *pid set, or
 * -errno (-ENOENT: no such socket or no readable holder, -ETIMEDOUT, -EPROTO: a reply without
 * the peer). */
int unix_peer_pid(struct unix_peer *u, int fd, pid_t skip, unsigned budget_us, pid_t *pid);

#endif
