/* proxy_peer.h — private to the proxy: which process holds the client end of an accepted TCP
 * connection (for the violation log's pid), looked up through /proc on a refusal only. */
#ifndef CORDON_PROXY_PEER_H
#define CORDON_PROXY_PEER_H

#include <stdint.h>
#include <sys/types.h>

/* Most CPU time one lookup may take before it gives up: the proxy's loop waits meanwhile. A
 * lookup costs about 1 ms on an idle machine (tests/unit/test_proxy_peer.c prints it), mostly the
 * kernel's walk of the whole TCP established hash table behind /proc/PID/net/tcp. */
#define PX_PEER_BUDGET_US 20000
/* Most CPU time lookups may take per second: a client refused in a loop then gets pid 0 in the
 * log instead of more than a tenth of the proxy's time. */
#define PX_PEER_SHARE_US 100000

/* CPU time spent on lookups in the current one-second window (zero-initialised: a fresh one). */
struct px_peer_meter {
	uint64_t window_us; /* CLOCK_MONOTONIC start of the window */
	uint64_t spent_us;  /* CLOCK_THREAD_CPUTIME_ID */
};

/* px_peer_pid: the pid of a process holding the client end of the TCP connection accepted on fd,
 * in the PID namespace of this process's /proc (the session process's: the one `sandbox on` or
 * `cordon run` was started from, where `ps` and `kill` work on it).
 * How: getpeername/getsockname give the client's 4-tuple; the connection's network namespace
 * comes from SIOCGSKNS (<linux/sockios.h>, Linux 4.9; needs CAP_NET_ADMIN over it, which the
 * session process has over the sandbox it made), or is our own when SO_NETNS_COOKIE (Linux 5.14)
 * says so; /proc/PID/net/tcp or tcp6 (proc(5)) of a process in that namespace gives the client
 * socket's inode; /proc/PID/fd of the processes in that namespace (lowest pid first) is searched
 * for "socket:[INODE]". Processes whose /proc/PID/{ns,fd} this process may not read (ptrace(2)
 * "Ptrace access mode checking": another uid, non-dumpable) are skipped.
 * budget_us: bound on the search, in CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID,
 * microseconds: the work done, not time lost to other processes on a loaded machine).
 * Returns 0 with *pid set, -ENOENT (no such connection any more, or no readable holder),
 * -ETIMEDOUT (budget spent), -EPERM (the connection's namespace is not ours and SIOCGSKNS is
 * refused), -EAFNOSUPPORT (not TCP over IPv4/IPv6), or another -errno from the calls above. */
int px_peer_pid(int fd, unsigned budget_us, pid_t *pid);

/* px_socket_holder: the pid of a process other than skip (0: any) holding the socket whose inode
 * is ino, searched as px_peer_pid does among the processes in the network namespace of the
 * socket fd (any socket made there; unix_peer.h passes its sock_diag socket). Returns as
 * px_peer_pid. */
int px_socket_holder(int fd, unsigned long ino, pid_t skip, unsigned budget_us, pid_t *pid);

/* px_peer_pid_metered: px_peer_pid within PX_PEER_BUDGET_US and what is left of m's
 * PX_PEER_SHARE_US this second; the time taken is added to m. Returns as px_peer_pid, or -EAGAIN
 * (*pid 0) when this second's share is spent. */
int px_peer_pid_metered(int fd, struct px_peer_meter *m, pid_t *pid);

#endif
