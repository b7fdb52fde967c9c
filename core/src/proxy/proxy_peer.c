/* proxy_peer.c — the process on the client end of an accepted TCP connection (proxy_peer.h): the
 * client socket's inode from /proc/PID/net/tcp{,6}, then its holder from /proc/PID/fd. */
#include "proxy_peer.h"

/* linux/netfilter_ipv4.h and ip6_tables.h clash with <netinet/in.h>: their two values. */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80 /* linux/netfilter_ipv4.h */
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80 /* linux/netfilter_ipv6/ip6_tables.h */
#endif

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* asm-generic/socket.h, Linux 5.14 */
#endif

/* What is searched for. */
struct peer_query {
	bool v6;	      /* in tcp6 (else tcp) */
	char local[64];	      /* the client's address:port as /proc/net/tcp{,6} prints it */
	char remote[64];      /* the proxy listener's, likewise */
	char netns[32];	      /* "net:[INODE]", as /proc/PID/ns/net reads */
	char sock[40];	      /* "socket:[INODE]" once the inode is known, else "" */
	pid_t skip;	      /* a holder not to report (0: none) */
	uint64_t deadline_us; /* CLOCK_THREAD_CPUTIME_ID */
};

static uint64_t us(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* cpu_us: CPU time of this thread, user and system (clock_gettime(2)): the work a lookup does,
 * which is what the budget bounds; time the scheduler gives to others would pass anyway. */
static uint64_t cpu_us(void)
{
	return us(CLOCK_THREAD_CPUTIME_ID);
}

/* tcp_text: sa as the kernel prints it in /proc/net/tcp{,6} (net/ipv4/tcp_ipv4.c and
 * net/ipv6/tcp_ipv6.c, get_tcp{4,6}_sock): each 32-bit word of the address in network order
 * printed as a host integer with %08X, then ':' and the port with %04X. A v4-mapped IPv6 address
 * is looked for as IPv4: the client end of such a connection is an IPv4 socket. */
static int tcp_text(const struct sockaddr_storage *ss, char *buf, size_t len, bool *v6)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		*v6 = false;
		snprintf(buf, len, "%08" PRIX32 ":%04X", (uint32_t)a->sin_addr.s_addr,
			 ntohs(a->sin_port));
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		uint32_t w[4];
		memcpy(w, &a->sin6_addr, sizeof(w));
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			*v6 = false;
			snprintf(buf, len, "%08" PRIX32 ":%04X", w[3], ntohs(a->sin6_port));
		} else {
			*v6 = true;
			snprintf(buf, len,
				 "%08" PRIX32 "%08" PRIX32 "%08" PRIX32 "%08" PRIX32 ":%04X", w[0],
				 w[1], w[2], w[3], ntohs(a->sin6_port));
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* netns_of: "net:[INODE]" of the network namespace fd's socket lives in. */
static int netns_of(int fd, char *buf, size_t len)
{
	struct stat st;
	int ns = ioctl(fd, SIOCGSKNS);

	if (ns >= 0) {
		int r = fstat(ns, &st);
		close(ns);
		if (r < 0)
			return -errno;
		snprintf(buf, len, "net:[%lu]", (unsigned long)st.st_ino);
		return 0;
	}
	if (errno != EPERM)
		return -errno;
	/* No CAP_NET_ADMIN over it: fine when it is our own namespace, which a socket made here
	 * shows by the same cookie. */
	uint64_t a = 0, b = 0;
	socklen_t al = sizeof(a), bl = sizeof(b);
	int mine = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (mine < 0)
		return -errno;
	int r = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &a, &al) < 0 ||
			getsockopt(mine, SOL_SOCKET, SO_NETNS_COOKIE, &b, &bl) < 0
		    ? -errno
		    : 0;
	close(mine);
	if (r < 0)
		return r;
	if (a != b)
		return -EPERM;
	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	snprintf(buf, len, "net:[%lu]", (unsigned long)st.st_ino);
	return 0;
}

/* Why the TCP table of /proc and not NETLINK_SOCK_DIAG (sock_diag(7)): a sock_diag socket answers
 * for the network namespace it was made in, and the session process lives outside the sandbox's;
 * an unprivileged one could only get such a socket through a helper process joining the sandbox's
 * user and network namespaces (setns(2): joining a network namespace needs CAP_SYS_ADMIN in the
 * caller's own user namespace too). libnl's inet_diag module (libnl-idiag-3) only dumps, which
 * walks the same established hash table as /proc/net/tcp, at the same cost. */

/* find_inode: the inode of the socket whose local and remote addresses are q's, from the TCP table
 * of the network namespace of /proc/PID (dirfd procfd). Fills q->sock and returns 1; 0 when the
 * table has no such socket; -errno when the table could not be read (e.g. PID just exited). */
static int find_inode(int procfd, long pid, struct peer_query *q)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int fd, r = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%ld/net/%s", pid, q->v6 ? "tcp6" : "tcp");
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	/* "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid
	 *  timeout inode" (proc(5)); the header line does not scan. */
	while (getline(&line, &cap, f) > 0) {
		char l[64], rem[64];
		unsigned long ino;
		if (sscanf(line, " %*u: %63s %63s %*x %*x:%*x %*x:%*x %*x %*u %*d %lu", l, rem,
			   &ino) != 3)
			continue;
		if (strcmp(l, q->local) || strcmp(rem, q->remote) || ino == 0)
			continue; /* inode 0: a socket no file refers to (e.g. TIME_WAIT) */
		snprintf(q->sock, sizeof(q->sock), "socket:[%lu]", ino);
		r = 1;
		break;
	}
	free(line);
	fclose(f);
	return r;
}

/* holds: whether /proc/PID/fd names q->sock. 1, 0, or -ETIMEDOUT. */
static int holds(int procfd, long pid, const struct peer_query *q)
{
	char path[64], link[64];
	struct dirent *d;
	unsigned n = 0;
	int fd, r = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%ld/fd", pid);
	fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* gone, or not ours to read */
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	while ((d = readdir(dir))) {
		ssize_t len;
		if (++n % 64 == 0 && cpu_us() >= q->deadline_us) {
			r = -ETIMEDOUT;
			break;
		}
		if (d->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(dir), d->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (!strcmp(link, q->sock)) {
			r = 1;
			break;
		}
	}
	closedir(dir);
	return r;
}

/* in_netns: whether /proc/PID/ns/net is q's namespace (false when unreadable). */
static bool in_netns(int procfd, long pid, const struct peer_query *q)
{
	char path[64], link[32];
	ssize_t len;

	snprintf(path, sizeof(path), "%ld/ns/net", pid);
	len = readlinkat(procfd, path, link, sizeof(link) - 1);
	if (len <= 0)
		return false;
	link[len] = '\0';
	return !strcmp(link, q->netns);
}

/* px_peer_original_dst: replace *self by fd's original destination when conntrack has one
 * (SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST); unchanged otherwise. */
static void px_peer_original_dst(int fd, struct sockaddr_storage *self)
{
	struct sockaddr_storage o;
	socklen_t ol = sizeof(o);
	int r = self->ss_family == AF_INET6
		    ? getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &o, &ol)
		    : getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &o, &ol);

	if (r == 0 && o.ss_family == self->ss_family)
		*self = o;
}

/* scan: the lowest pid in q's network namespace holding q->sock (found first through the TCP
 * table when q->sock is ""). Returns as px_peer_pid. */
static int scan(struct peer_query *q, pid_t *pid)
{
	struct dirent *d;
	int procfd, r;
	DIR *proc;

	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	proc = fdopendir(procfd);
	if (!proc) {
		r = -errno;
		close(procfd);
		return r;
	}
	r = -ENOENT;
	while ((d = readdir(proc))) {
		char *end;
		long p = strtol(d->d_name, &end, 10);
		if (!isdigit((unsigned char)d->d_name[0]) || *end || p <= 0)
			continue;
		if (cpu_us() >= q->deadline_us) {
			r = -ETIMEDOUT;
			break;
		}
		/* Only processes in the connection's namespace: the client is confined there, and
		 * the host's other processes are not searched (cheap, and not our business). */
		if (p == q->skip || !in_netns(procfd, p, q))
			continue;
		if (!q->sock[0]) {
			int f = find_inode(procfd, p, q);
			if (f == 0)
				break; /* the table has no such connection: the client is gone */
			if (f < 0)
				continue; /* this one's table is unreadable: try the next process */
		}
		int h = holds(procfd, p, q);
		if (h < 0) {
			r = h;
			break;
		}
		if (h > 0) {
			*pid = (pid_t)p;
			r = 0;
			break;
		}
	}
	closedir(proc);
	return r;
}

int px_peer_pid(int fd, unsigned budget_us, pid_t *pid)
{
	struct sockaddr_storage peer, self;
	socklen_t pl = sizeof(peer), sl = sizeof(self);
	struct peer_query q = {.deadline_us = cpu_us() + budget_us};
	bool v6_self;
	int r;

	*pid = 0;
	if (getpeername(fd, (struct sockaddr *)&peer, &pl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&self, &sl) < 0)
		return -errno;
	/* A connection nftables redirected (capture) is known to the client socket by its
	 * original destination: conntrack's original tuple (proxy_transparent.h). */
	px_peer_original_dst(fd, &self);
	/* The client socket's local address is our peer, and its remote one is our own. */
	r = tcp_text(&peer, q.local, sizeof(q.local), &q.v6);
	if (r == 0)
		r = tcp_text(&self, q.remote, sizeof(q.remote), &v6_self);
	if (r < 0)
		return r;
	r = netns_of(fd, q.netns, sizeof(q.netns));
	if (r < 0)
		return r;
	return scan(&q, pid);
}

int px_socket_holder(int fd, unsigned long ino, pid_t skip, unsigned budget_us, pid_t *pid)
{
	struct peer_query q = {.deadline_us = cpu_us() + budget_us, .skip = skip};
	int r;

	*pid = 0;
	r = netns_of(fd, q.netns, sizeof(q.netns));
	if (r < 0)
		return r;
	snprintf(q.sock, sizeof(q.sock), "socket:[%lu]", ino);
	return scan(&q, pid);
}

int px_peer_pid_metered(int fd, struct px_peer_meter *m, pid_t *pid)
{
	uint64_t now = us(CLOCK_MONOTONIC), t = cpu_us(), budget;
	int r;

	*pid = 0;
	if (now - m->window_us >= 1000000) {
		m->window_us = now;
		m->spent_us = 0;
	}
	if (m->spent_us >= PX_PEER_SHARE_US)
		return -EAGAIN;
	budget = PX_PEER_SHARE_US - m->spent_us;
	r = px_peer_pid(fd, budget < PX_PEER_BUDGET_US ? (unsigned)budget : PX_PEER_BUDGET_US, pid);
	m->spent_us += cpu_us() - t;
	return r;
}
