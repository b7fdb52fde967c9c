/* test_proxy_addr.c — which resolved addresses the proxy connects to (proxy_addr.c): loopback,
 * link-local, unspecified, metadata and this host's addresses only when the allowlist names the
 * literal. The AnyIP case runs in a network namespace the test creates (the host's routes stay). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/src/proxy/proxy_addr.h"
#include "cordon/hostpat.h"

static struct sockaddr_storage sa(const char *lit)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, lit, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, lit, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	return ss;
}

static enum px_addr_class cls(const char *lit)
{
	struct sockaddr_storage ss = sa(lit);

	assert_int_not_equal(ss.ss_family, 0);
	return px_addr_classify((struct sockaddr *)&ss);
}

static void classes_of_special_addresses(void **state)
{
	(void)state;
	assert_int_equal(cls("127.0.0.1"), PX_ADDR_LOOPBACK);
	assert_int_equal(cls("127.255.0.9"), PX_ADDR_LOOPBACK);
	assert_int_equal(cls("::1"), PX_ADDR_LOOPBACK);
	assert_int_equal(cls("169.254.1.1"), PX_ADDR_LINKLOCAL);
	assert_int_equal(cls("fe80::1"), PX_ADDR_LINKLOCAL);
	assert_int_equal(cls("febf::1"), PX_ADDR_LINKLOCAL);
	assert_int_equal(cls("0.0.0.0"), PX_ADDR_UNSPECIFIED);
	assert_int_equal(cls("0.1.2.3"), PX_ADDR_UNSPECIFIED);
	assert_int_equal(cls("::"), PX_ADDR_UNSPECIFIED);
	assert_int_equal(cls("169.254.169.254"), PX_ADDR_METADATA);
	assert_int_equal(cls("fd00:ec2::254"), PX_ADDR_METADATA);
}

static void ipv4_mapped_forms_are_classified_as_ipv4(void **state)
{
	(void)state;
	assert_int_equal(cls("::ffff:127.0.0.1"), PX_ADDR_LOOPBACK);
	assert_int_equal(cls("::ffff:169.254.169.254"), PX_ADDR_METADATA);
	assert_int_equal(cls("::ffff:0.0.0.0"), PX_ADDR_UNSPECIFIED);
	assert_int_equal(cls("::ffff:93.184.216.34"), PX_ADDR_PUBLIC);
}

static void ordinary_addresses_are_public(void **state)
{
	(void)state;
	assert_int_equal(cls("93.184.216.34"), PX_ADDR_PUBLIC);
	assert_int_equal(cls("128.0.0.1"), PX_ADDR_PUBLIC);
	assert_int_equal(cls("169.253.1.1"), PX_ADDR_PUBLIC);
	assert_int_equal(cls("2001:db8::1"), PX_ADDR_PUBLIC);
	assert_int_equal(cls("fec0::1"), PX_ADDR_PUBLIC);
}

static void literal_of_mapped_address_is_dotted_quad(void **state)
{
	struct sockaddr_storage ss = sa("::ffff:127.0.0.1");
	char buf[64];

	(void)state;
	assert_int_equal(px_addr_literal((struct sockaddr *)&ss, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "127.0.0.1");
	ss = sa("fd00:ec2::254");
	assert_int_equal(px_addr_literal((struct sockaddr *)&ss, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fd00:ec2::254");
}

static int check(struct cordon_policy *p, const char *lit, uint16_t port)
{
	struct sockaddr_storage ss = sa(lit);

	return px_addr_check(p, (struct sockaddr *)&ss, port, NULL);
}

static void loopback_is_refused_unless_the_literal_is_allowed(void **state)
{
	struct cordon_policy p;
	struct cordon_error e;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "allowed.test", &e), 0);
	assert_int_not_equal(check(&p, "127.0.0.1", 80), 0);
	assert_int_not_equal(check(&p, "::ffff:127.0.0.1", 80), 0);
	assert_int_not_equal(check(&p, "169.254.169.254", 80), 0);
	assert_int_equal(check(&p, "93.184.216.34", 80), 0); /* positive control */
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "127.0.0.1", &e), 0);
	assert_int_equal(check(&p, "127.0.0.1", 80), 0);
	assert_int_equal(check(&p, "::ffff:127.0.0.1", 80), 0);
	assert_int_not_equal(check(&p, "127.0.0.2", 80), 0);
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "[::1]:8080", &e), 0);
	assert_int_equal(check(&p, "::1", 8080), 0);
	assert_int_not_equal(check(&p, "::1", 8081), 0);
	cordon_policy_free(&p);
}

static void denied_literal_beats_a_public_address(void **state)
{
	struct cordon_policy p;
	struct cordon_error e;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(check(&p, "93.184.216.34", 443), 0);
	assert_int_equal(cordon_policy_add_host(&p.deny_hosts, "93.184.216.34", &e), 0);
	assert_int_not_equal(check(&p, "93.184.216.34", 443), 0);
	cordon_policy_free(&p);
}

/* check_res: px_addr_check of literal lit into *res. */
static int check_res(struct cordon_policy *p, const char *lit, uint16_t port,
		     struct px_addr_result *res)
{
	struct sockaddr_storage ss = sa(lit);

	return px_addr_check(p, (struct sockaddr *)&ss, port, res);
}

static void a_refusal_says_which_rule_and_address_and_whether_a_literal_would_allow_it(void **state)
{
	struct cordon_policy p;
	struct cordon_error e;
	struct px_addr_result res;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	char why[256];

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(cordon_policy_add_host(&p.deny_hosts, "93.184.216.35", &e), 0);
	assert_int_equal(check_res(&p, "::ffff:127.0.0.1", 80, &res), -EACCES);
	assert_int_equal(res.refusal, PX_ADDR_REFUSED_CLASS);
	assert_int_equal(res.cls, PX_ADDR_LOOPBACK);
	assert_string_equal(res.literal, "127.0.0.1");
	assert_true(px_addr_allowable(&res));
	assert_string_equal(px_addr_reason(&res, why, sizeof(why)),
			    "resolves to loopback address 127.0.0.1, refused unless that address "
			    "is allowed");
	assert_int_equal(check_res(&p, "169.254.169.254", 80, &res), -EACCES);
	assert_int_equal(res.cls, PX_ADDR_METADATA);
	assert_int_equal(check_res(&p, "93.184.216.35", 80, &res), -EACCES);
	assert_int_equal(res.refusal, PX_ADDR_REFUSED_DENYLIST);
	assert_false(px_addr_allowable(&res)); /* a denied literal stays denied */
	assert_string_equal(px_addr_reason(&res, why, sizeof(why)),
			    "resolves to 93.184.216.35, which is on the denylist");
	assert_int_equal(px_addr_check(&p, (struct sockaddr *)&un, 80, &res), -EACCES);
	assert_int_equal(res.refusal, PX_ADDR_REFUSED_FAMILY);
	assert_false(px_addr_allowable(&res));
	assert_string_equal(px_addr_reason(&res, why, sizeof(why)),
			    "resolves to an address of an unsupported family");
	/* positive control: a public address passes and says so */
	assert_int_equal(check_res(&p, "93.184.216.34", 80, &res), 0);
	assert_int_equal(res.refusal, PX_ADDR_ALLOWED);
	assert_string_equal(res.literal, "93.184.216.34");
	cordon_policy_free(&p);
}

/* a_host_address: the first address of this machine's interfaces that px_addr_classify calls
 * public (not loopback, not link-local), as a literal; 0, or -1 when there is none. */
static int a_host_address(char *buf, size_t len)
{
	struct ifaddrs *list, *i;
	int r = -1;

	if (getifaddrs(&list) < 0)
		return -1;
	for (i = list; i && r < 0; i = i->ifa_next)
		if (i->ifa_addr && px_addr_classify(i->ifa_addr) == PX_ADDR_PUBLIC &&
		    (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
			r = px_addr_literal(i->ifa_addr, buf, len) == 0 ? 0 : -1;
	freeifaddrs(list);
	return r;
}

static void the_hosts_own_address_is_refused_unless_the_literal_is_allowed(void **state)
{
	struct cordon_policy p;
	struct cordon_error e;
	struct sockaddr_storage ss;
	char lit[64], why[256];
	struct px_addr_result res;

	(void)state;
	if (a_host_address(lit, sizeof(lit)) < 0) {
		print_message(
		    "skipped: this machine has no address other than loopback/link-local\n");
		skip();
	}
	ss = sa(lit);
	assert_int_equal(px_addr_is_host((struct sockaddr *)&ss), 1);
	if (ss.ss_family == AF_INET) { /* the IPv4-mapped form is looked up as IPv4 */
		char mapped[80];

		snprintf(mapped, sizeof(mapped), "::ffff:%s", lit);
		ss = sa(mapped);
		assert_int_equal(px_addr_is_host((struct sockaddr *)&ss), 1);
	}
	ss = sa("192.0.2.254"); /* TEST-NET-1 (RFC 5737): the control, on no interface here */
	if (px_addr_is_host((struct sockaddr *)&ss) == 0) {
		memset(&p, 0, sizeof(p));
		assert_int_equal(check(&p, "192.0.2.254", 443), 0);
	}
	memset(&p, 0, sizeof(p));
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "allowed.test", &e), 0);
	ss = sa(lit);
	assert_int_equal(px_addr_check(&p, (struct sockaddr *)&ss, 443, &res), -EACCES);
	assert_int_equal(res.refusal, PX_ADDR_REFUSED_CLASS);
	assert_int_equal(res.cls, PX_ADDR_HOST);
	assert_string_equal(res.literal, lit);
	assert_non_null(strstr(px_addr_reason(&res, why, sizeof(why)), "this host's address"));
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, lit, &e), 0);
	assert_int_equal(check(&p, lit, 443), 0);
	cordon_policy_free(&p);
}

/* a_broadcast_address: the broadcast address of one of this machine's IPv4 interfaces, as a
 * literal; 0, or -1 when there is none. */
static int a_broadcast_address(char *buf, size_t len)
{
	struct ifaddrs *list, *i;
	int r = -1;

	if (getifaddrs(&list) < 0)
		return -1;
	for (i = list; i && r < 0; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    (i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr)
			r = px_addr_literal(i->ifa_broadaddr, buf, len) == 0 ? 0 : -1;
	freeifaddrs(list);
	return r;
}

static void the_hosts_broadcast_address_is_the_hosts(void **state)
{
	struct sockaddr_storage ss;
	char lit[64];

	(void)state;
	if (a_broadcast_address(lit, sizeof(lit)) < 0) {
		print_message("skipped: no IPv4 interface with a broadcast address here\n");
		skip();
	}
	ss = sa(lit);
	assert_int_equal(px_addr_is_host((struct sockaddr *)&ss), 1);
}

/* A failed route lookup fails closed and says so: with no file descriptor left (RLIMIT_NOFILE 0)
 * the netlink socket cannot be opened. */
static void a_failed_route_lookup_refuses_and_names_the_failure(void **state)
{
	struct cordon_policy p;
	struct cordon_error e;
	struct sockaddr_storage ss = sa("93.184.216.34");
	struct rlimit old, none;
	char why[256] = "";
	struct px_addr_result res;
	int host, chk;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "allowed.test", &e), 0);
	assert_int_equal(px_addr_is_host((struct sockaddr *)&ss), 0); /* control */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	none = old;
	none.rlim_cur = 0;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &none), 0);
	host = px_addr_is_host((struct sockaddr *)&ss);
	chk = px_addr_check(&p, (struct sockaddr *)&ss, 443, &res);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(host, -EMFILE);
	assert_int_equal(chk, -EACCES);
	assert_int_equal(res.refusal, PX_ADDR_REFUSED_ROUTE);
	assert_int_equal(res.err, -EMFILE);
	assert_true(px_addr_allowable(&res));
	px_addr_reason(&res, why, sizeof(why));
	assert_non_null(strstr(why, "route lookup"));
	assert_non_null(strstr(why, strerror(EMFILE)));
	assert_non_null(strstr(why, "93.184.216.34"));
	cordon_policy_free(&p);
}

/* The answers the child in its own network namespace reports, in this order. */
static const char *const anyip_addrs[] = {
    "198.51.100.7",	   /* in `ip route add local 198.51.100.0/24 dev lo`: 1 */
    "::ffff:198.51.100.7", /* the same, IPv4-mapped: 1 */
    "2001:db8:1::7",	   /* in `ip -6 route add local 2001:db8:1::/64 dev lo`: 1 */
    "10.9.0.255",	   /* broadcast of 10.9.0.1/24 on lo: 1 */
    "192.0.2.9",	   /* no route at all in that namespace: 0 */
    "2001:db8:2::9",	   /* no IPv6 route: 0 */
};
static const int anyip_want[] = {1, 1, 1, 1, 0, 0};

/* write_file: write s to path; 0 or -1. */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* anyip_child: in a new network namespace (and user namespace unless root), set up the AnyIP
 * routes with ip(8) and write px_addr_is_host of each anyip_addrs entry, then px_addr_check's
 * result and reason for 198.51.100.7 (name allowed), then with the literal allowed, to fd. Exit
 * 0, 2 when the namespace cannot be made (skip), 3 when ip(8) fails. */
static int anyip_child(int fd)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct cordon_policy p;
	struct cordon_error e;
	struct sockaddr_storage ss;
	int r[8];
	char why[256] = "", map[64];
	struct px_addr_result res;

	if (uid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			return 2;
	} else {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			return 2;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		if (write_file("/proc/self/uid_map", map) < 0 ||
		    write_file("/proc/self/setgroups", "deny") < 0)
			return 2;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (write_file("/proc/self/gid_map", map) < 0)
			return 2;
	}
	if (system("PATH=/usr/sbin:/usr/bin:/sbin:/bin; exec >/dev/null 2>&1; "
		   "ip link set lo up && ip route add local 198.51.100.0/24 dev lo && "
		   "ip -6 route add local 2001:db8:1::/64 dev lo && "
		   "ip addr add 10.9.0.1/24 brd + dev lo") != 0)
		return 3;
	for (size_t i = 0; i < sizeof(anyip_addrs) / sizeof(anyip_addrs[0]); i++) {
		int v;

		ss = sa(anyip_addrs[i]);
		v = px_addr_is_host((struct sockaddr *)&ss);
		if (write(fd, &v, sizeof(v)) != sizeof(v))
			return 1;
	}
	memset(&p, 0, sizeof(p));
	if (cordon_policy_add_host(&p.allow_hosts, "anyip.test", &e) < 0)
		return 1;
	ss = sa("198.51.100.7");
	r[0] = px_addr_check(&p, (struct sockaddr *)&ss, 80, &res);
	px_addr_reason(&res, why, sizeof(why));
	if (cordon_policy_add_host(&p.allow_hosts, "198.51.100.7", &e) < 0)
		return 1;
	r[1] = px_addr_check(&p, (struct sockaddr *)&ss, 80, NULL);
	cordon_policy_free(&p);
	if (write(fd, r, 2 * sizeof(int)) != 2 * sizeof(int) ||
	    write(fd, why, sizeof(why)) != sizeof(why))
		return 1;
	return 0;
}

static void an_anyip_range_is_the_hosts_unless_the_literal_is_allowed(void **state)
{
	int fds[2], st, v, r[2];
	char why[256];
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(anyip_child(fds[1]));
	}
	close(fds[1]);
	for (size_t i = 0; i < sizeof(anyip_addrs) / sizeof(anyip_addrs[0]); i++) {
		if (read(fds[0], &v, sizeof(v)) != sizeof(v))
			break;
		print_message("%s: px_addr_is_host %d\n", anyip_addrs[i], v);
		assert_int_equal(v, anyip_want[i]);
	}
	v = read(fds[0], r, sizeof(r)) == sizeof(r) &&
	    read(fds[0], why, sizeof(why)) == sizeof(why);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 2) {
		print_message("skipped: cannot create a network namespace here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(v);
	assert_int_equal(r[0], -EACCES); /* the allowed name alone: refused */
	assert_non_null(strstr(why, "this host's address 198.51.100.7"));
	assert_int_equal(r[1], 0); /* positive control: the literal allowed too */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(classes_of_special_addresses),
	    cmocka_unit_test(ipv4_mapped_forms_are_classified_as_ipv4),
	    cmocka_unit_test(ordinary_addresses_are_public),
	    cmocka_unit_test(literal_of_mapped_address_is_dotted_quad),
	    cmocka_unit_test(loopback_is_refused_unless_the_literal_is_allowed),
	    cmocka_unit_test(denied_literal_beats_a_public_address),
	    cmocka_unit_test(
		a_refusal_says_which_rule_and_address_and_whether_a_literal_would_allow_it),
	    cmocka_unit_test(the_hosts_own_address_is_refused_unless_the_literal_is_allowed),
	    cmocka_unit_test(the_hosts_broadcast_address_is_the_hosts),
	    cmocka_unit_test(a_failed_route_lookup_refuses_and_names_the_failure),
	    cmocka_unit_test(an_anyip_range_is_the_hosts_unless_the_literal_is_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
