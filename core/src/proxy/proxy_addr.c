/* proxy_addr.c — post-resolution address checks of the proxy: which addresses a name may resolve
 * to (DNS rebinding to loopback, link-local, cloud metadata or the host itself is refused unless
 * allowed). */
#include "proxy_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>

#include "cordon/hostpat.h"

static enum px_addr_class classify4(const uint8_t a[4])
{
	if (a[0] == 127)
		return PX_ADDR_LOOPBACK;
	if (a[0] == 0)
		return PX_ADDR_UNSPECIFIED;
	if (a[0] == 169 && a[1] == 254)
		return a[2] == 169 && a[3] == 254 ? PX_ADDR_METADATA : PX_ADDR_LINKLOCAL;
	return PX_ADDR_PUBLIC;
}

enum px_addr_class px_addr_classify(const struct sockaddr *sa)
{
	static const uint8_t ec2[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
					0,    0,    0,	  0,	0, 0, 0x02, 0x54};

	if (sa->sa_family == AF_INET)
		return classify4((const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			return classify4(a->s6_addr + 12);
		if (IN6_IS_ADDR_LOOPBACK(a))
			return PX_ADDR_LOOPBACK;
		if (IN6_IS_ADDR_UNSPECIFIED(a))
			return PX_ADDR_UNSPECIFIED;
		if (IN6_IS_ADDR_LINKLOCAL(a))
			return PX_ADDR_LINKLOCAL;
		if (!memcmp(a->s6_addr, ec2, 16))
			return PX_ADDR_METADATA;
		return PX_ADDR_PUBLIC;
	}
	return PX_ADDR_UNSPECIFIED;
}

/* nl_err: a libnl error code (netlink/errno.h, its own numbering) as a negative errno. */
static int nl_err(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_INVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* keep_errno: libnl's error callback: keep the kernel's own errno of the NLMSG_ERROR reply (libnl
 * folds most of them into NLE_FAILURE) and stop reading. */
static int keep_errno(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	(void)who;
	*(int *)arg = -e->error;
	return NL_STOP;
}

/* route_type: the type (RTN_*) of the route the kernel picks for a connection to addr (family,
 * len bytes), the question `ip route get ADDR` asks (RTM_GETROUTE, rtnetlink(7)); -errno. */
static int route_type(int family, const uint8_t *addr, size_t len)
{
	struct nl_sock *sk;
	struct nl_addr *dst;
	struct rtnl_route *route = NULL;
	int kerr = 0, r;

	sk = nl_socket_alloc();
	dst = nl_addr_build(family, addr, len); /* prefix length len * 8: one address */
	if (!sk || !dst) {
		r = -ENOMEM;
		goto out;
	}
	nl_socket_disable_auto_ack(sk); /* the reply is the answer: no ACK round trip after it */
	r = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, keep_errno, &kerr);
	if (r < 0) {
		r = nl_err(r);
		goto out;
	}
	errno = 0;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		r = errno ? -errno : nl_err(r); /* socket(2)'s own reason, e.g. EMFILE */
		goto out;
	}
	r = rtnl_route_lookup(sk, dst, &route);
	if (r < 0)
		r = kerr ? -kerr : nl_err(r);
	else
		r = rtnl_route_get_type(route);
out:
	if (route)
		rtnl_route_put(route);
	if (dst)
		nl_addr_put(dst);
	if (sk)
		nl_socket_free(sk);
	return r;
}

int px_addr_is_host(const struct sockaddr *sa)
{
	const uint8_t *a;
	int family = AF_INET, t;
	size_t len = 4;

	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
			a += 12; /* connect(2) to ::ffff:a.b.c.d goes to a.b.c.d over IPv4 */
		} else {
			family = AF_INET6;
			len = 16;
		}
	} else {
		return -EAFNOSUPPORT;
	}
	t = route_type(family, a, len);
	if (t == -ENETUNREACH || t == -EHOSTUNREACH)
		return 0; /* no route at all: the kernel delivers it nowhere, here neither */
	if (t < 0)
		return t;
	return t == RTN_LOCAL || t == RTN_BROADCAST || t == RTN_ANYCAST;
}

const char *px_addr_class_name(enum px_addr_class c)
{
	switch (c) {
	case PX_ADDR_LOOPBACK:
		return "loopback";
	case PX_ADDR_LINKLOCAL:
		return "link-local";
	case PX_ADDR_UNSPECIFIED:
		return "unspecified";
	case PX_ADDR_METADATA:
		return "cloud metadata";
	case PX_ADDR_HOST:
		return "this host's";
	case PX_ADDR_PUBLIC:
		break;
	}
	return "public";
}

int px_addr_literal(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *src;
	int af = sa->sa_family;

	if (af == AF_INET) {
		src = &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (af == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		src = a;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			af = AF_INET;
			src = a->s6_addr + 12;
		}
	} else {
		return -EAFNOSUPPORT;
	}
	return inet_ntop(af, src, buf, (socklen_t)len) ? 0 : -ENOSPC;
}

int px_addr_check(const struct cordon_policy *p, const struct sockaddr *sa, uint16_t port,
		  struct px_addr_result *res)
{
	struct px_addr_result mine;
	enum cordon_verdict v;

	if (!res)
		res = &mine;
	memset(res, 0, sizeof(*res));
	res->cls = px_addr_classify(sa);
	if (px_addr_literal(sa, res->literal, sizeof(res->literal)) < 0) {
		res->literal[0] = '\0';
		res->refusal = PX_ADDR_REFUSED_FAMILY;
		return -EACCES;
	}
	v = cordon_host_decide(p, res->literal, port);
	if (v == CORDON_VERDICT_DENY) {
		res->refusal = PX_ADDR_REFUSED_DENYLIST;
		return -EACCES;
	}
	if (res->cls == PX_ADDR_PUBLIC && v != CORDON_VERDICT_ALLOW) {
		int h = px_addr_is_host(sa);

		if (h < 0) { /* fail closed, and say why: not a silent "this host's" */
			res->refusal = PX_ADDR_REFUSED_ROUTE;
			res->err = h;
			return -EACCES;
		}
		if (h)
			res->cls = PX_ADDR_HOST;
	}
	if (res->cls != PX_ADDR_PUBLIC && v != CORDON_VERDICT_ALLOW) {
		res->refusal = PX_ADDR_REFUSED_CLASS;
		return -EACCES;
	}
	return 0;
}

bool px_addr_allowable(const struct px_addr_result *res)
{
	return res->refusal == PX_ADDR_REFUSED_CLASS || res->refusal == PX_ADDR_REFUSED_ROUTE;
}

char *px_addr_reason(const struct px_addr_result *res, char *buf, size_t len)
{
	switch (res->refusal) {
	case PX_ADDR_ALLOWED:
		snprintf(buf, len, "resolves to %s, which is allowed", res->literal);
		break;
	case PX_ADDR_REFUSED_FAMILY:
		snprintf(buf, len, "resolves to an address of an unsupported family");
		break;
	case PX_ADDR_REFUSED_DENYLIST:
		snprintf(buf, len, "resolves to %s, which is on the denylist", res->literal);
		break;
	case PX_ADDR_REFUSED_ROUTE:
		snprintf(buf, len,
			 "resolves to address %s, refused: the kernel's route lookup for it "
			 "failed (%s), so it may be this host's",
			 res->literal, strerror(-res->err));
		break;
	case PX_ADDR_REFUSED_CLASS:
		snprintf(buf, len,
			 "resolves to %s address %s, refused unless that address is allowed",
			 px_addr_class_name(res->cls), res->literal);
		break;
	}
	return buf;
}
