/* unix_peer.c — the holder of a unix connection's client socket (unix_peer.h), with libnl-3 for
 * the sock_diag request. */
#include "unix_peer.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proxy/proxy_peer.h"

struct unix_peer {
	struct nl_sock *nl;
	int fd; /* the sock_diag socket, owned by nl */
};

struct unix_peer *unix_peer_new(int diag_fd)
{
	struct unix_peer *u = calloc(1, sizeof(*u));

	if (u)
		u->nl = nl_socket_alloc();
	if (!u || !u->nl || nl_socket_set_fd(u->nl, NETLINK_SOCK_DIAG, diag_fd) < 0) {
		if (u && u->nl)
			nl_socket_free(u->nl);
		free(u);
		close(diag_fd);
		return NULL;
	}
	u->fd = diag_fd;
	/* The kernel answers while the request is sent: the reply is queued when send returns. */
	nl_socket_set_nonblocking(u->nl);
	return u;
}

void unix_peer_free(struct unix_peer *u)
{
	if (!u)
		return;
	nl_socket_free(u->nl); /* closes the fd */
	free(u);
}

/* peer_inode: the inode of the peer of the unix socket whose inode is ino, or -errno. */
static long long peer_inode(struct unix_peer *u, unsigned long ino)
{
	struct unix_diag_req req = {
	    .sdiag_family = AF_UNIX,
	    .udiag_states = ~0u,
	    .udiag_ino = (__u32)ino,
	    .udiag_show = UDIAG_SHOW_PEER,
	    .udiag_cookie = {INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE},
	};
	struct sockaddr_nl from;
	unsigned char *buf = NULL;
	long long r = -EPROTO;

	int n = nl_send_simple(u->nl, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, &req, sizeof(req));
	if (n < 0)
		return -EIO;
	n = nl_recv(u->nl, &from, &buf, NULL);
	if (n <= 0) {
		free(buf);
		return n == 0 ? -EPROTO : -EIO;
	}
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (!nlmsg_ok(h, n)) {
		free(buf);
		return -EPROTO;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = nlmsg_data(h);
		r = nlmsg_datalen(h) >= (int)sizeof(*err) && err->error < 0 ? err->error : -EPROTO;
	} else if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
		struct nlattr *tb[UNIX_DIAG_MAX + 1];
		if (nlmsg_parse(h, sizeof(struct unix_diag_msg), tb, UNIX_DIAG_MAX, NULL) == 0 &&
		    tb[UNIX_DIAG_PEER] && nla_len(tb[UNIX_DIAG_PEER]) >= 4) {
			const struct unix_diag_msg *m = nlmsg_data(h);
			uint32_t peer = nla_get_u32(tb[UNIX_DIAG_PEER]);
			r = m->udiag_ino == ino && peer ? (long long)peer : -ENOENT;
		}
	}
	free(buf);
	return r;
}

int unix_peer_pid(struct unix_peer *u, int fd, pid_t skip, unsigned budget_us, pid_t *pid)
{
	struct stat st;

	*pid = 0;
	if (!u)
		return -ENOENT;
	if (fstat(fd, &st) < 0)
		return -errno;
	long long peer = peer_inode(u, (unsigned long)st.st_ino);
	if (peer < 0)
		return (int)peer;
	/* The client lives in the sandbox's network namespace, the one the diag socket was made
	 * in. */
	return px_socket_holder(u->fd, (unsigned long)peer, skip, budget_us, pid);
}
