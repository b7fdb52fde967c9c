/* landlock.c — the Landlock ruleset of docs/design.md §5: writes only beneath the writable trees,
 * TCP connect only to the proxy ports, abstract-socket and signal scoping; clamped to the kernel's
 * ABI.
 */
#include "cordon/layers.h"

#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* UAPI values newer than the build machine's headers (landlock(7); include/uapi/linux/landlock.h).
 * They are kernel ABI and never change. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#define CORDON_LANDLOCK_RULE_NET_PORT 2 /* enum landlock_rule_type, ABI 4 */

struct net_port_attr { /* struct landlock_net_port_attr */
	__u64 allowed_access;
	__u64 port;
};

/* Every right that modifies the file system. Reads and execution are not handled: they stay
 * allowed everywhere, and secrets are hidden by the mount layer instead. */
#define WRITE_RIGHTS_ABI1                                                                          \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                           \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                           \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                               \
	 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |                             \
	 LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

/* Rights that make sense on a file (not a directory) rule. */
#define FILE_RIGHTS                                                                                \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Devices a shell, an editor or a compiler writes to, and whose ioctls (termios) must keep
 * working: `cmd >/dev/null` opens with O_TRUNC, `less` and `ssh` open /dev/tty. Devices only,
 * so no right to create or remove anything in /dev. /dev/pts and /dev/ptmx are the sandbox's own
 * devpts instance (mounts.c), so only terminals made inside are reached; the caller's own
 * terminal is allowed by its open fd (cordon_landlock_req.files). */
static const char *const devices[] = {
    "/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx", "/dev/pts",
};

static long ll_create_ruleset(const struct ruleset_attr *attr, size_t size, __u32 flags)
{
	return syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

static long ll_add_rule(int ruleset, int type, const void *attr)
{
	return syscall(SYS_landlock_add_rule, ruleset, type, attr, 0);
}

/* add_path: allow `rights` beneath path (a directory) or on it (a file, file rights only).
 * A path that does not exist gives nothing to write and is skipped. */
static int add_path(int ruleset, const char *path, __u64 rights, struct cordon_error *e)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return cordon_error_set(e, errno, "Landlock: opening %s: %s", path,
					strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return cordon_error_set(e, err, "Landlock: fstat %s: %s", path, strerror(err));
	}
	if (!S_ISDIR(st.st_mode))
		rights &= FILE_RIGHTS;
	struct landlock_path_beneath_attr pb = {.allowed_access = rights, .parent_fd = fd};
	int rc = 0;
	if (rights && ll_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb) < 0)
		rc = cordon_error_set(e, errno, "Landlock: rule for %s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

/* add_file_fd: allow the file rights on the file open at fd (a terminal or an output file the
 * caller holds: /dev/stderr reopens it through its magic link). */
static int add_file_fd(int ruleset, int fd, __u64 rights, struct cordon_error *e)
{
	struct landlock_path_beneath_attr pb = {.allowed_access = rights & FILE_RIGHTS,
						.parent_fd = fd};
	if (pb.allowed_access && ll_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb) < 0)
		return cordon_error_set(e, errno, "Landlock: rule for the file on fd %d: %s", fd,
					strerror(errno));
	return 0;
}

int cordon_landlock_apply(const struct cordon_policy *p, const unsigned short *tcp_ports,
			  int n_tcp_ports, bool connect_any, int *abi_out, struct cordon_error *e)
{
	struct cordon_landlock_req r = {.policy = p,
					.tcp_ports = tcp_ports,
					.n_tcp_ports = n_tcp_ports,
					.connect_any = connect_any};
	return cordon_landlock_restrict(&r, abi_out, e);
}

int cordon_landlock_restrict(const struct cordon_landlock_req *req, int *abi_out,
			     struct cordon_error *e)
{
	const struct cordon_policy *p = req->policy;
	const unsigned short *tcp_ports = req->tcp_ports;
	int n_tcp_ports = req->n_tcp_ports;
	bool connect_any = req->connect_any;

	if (abi_out)
		*abi_out = 0;
	if (!p || n_tcp_ports < 0 || req->n_files < 0)
		return cordon_error_set(e, EINVAL, "Landlock: no policy");
	long abi = ll_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return cordon_error_set(e, EOPNOTSUPP,
					"Landlock is not available on this kernel (%s): writes "
					"are not limited by Landlock",
					strerror(errno));
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return cordon_error_set(e, EPERM,
					"Landlock: no_new_privs is not set (the caller "
					"must set it before restricting itself)");

	struct ruleset_attr attr;
	landlock_ruleset_attr(abi, tcp_ports != NULL, p->allow_local_binding, &attr);
	/* connect_any: the network namespace bounds every connection (layers.h). */
	if (connect_any)
		attr.handled_access_net &= ~(__u64)LANDLOCK_ACCESS_NET_CONNECT_TCP;

	int ruleset = (int)ll_create_ruleset(&attr, sizeof(attr), 0);
	if (ruleset < 0)
		return cordon_error_set(e, errno, "Landlock: creating the ruleset (ABI %ld): %s",
					abi, strerror(errno));

	int rc = 0;
	const __u64 fs = attr.handled_access_fs;
	for (size_t i = 0; i < p->allow_write.n && rc == 0; i++)
		rc = add_path(ruleset, p->allow_write.v[i], fs, e);
	if (rc == 0 && p->private_tmp)
		rc = add_path(ruleset, "/tmp", fs, e);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]) && rc == 0; i++)
		rc = add_path(ruleset, devices[i], fs & FILE_RIGHTS, e);
	for (int i = 0; i < req->n_files && rc == 0; i++)
		rc = add_file_fd(ruleset, req->files[i], fs, e);
	const __u64 net = attr.handled_access_net;
	for (int i = 0; (net & LANDLOCK_ACCESS_NET_CONNECT_TCP) && i < n_tcp_ports && rc == 0;
	     i++) {
		struct net_port_attr np = {.allowed_access = LANDLOCK_ACCESS_NET_CONNECT_TCP,
					   .port = tcp_ports[i]};
		if (ll_add_rule(ruleset, CORDON_LANDLOCK_RULE_NET_PORT, &np) < 0)
			rc = cordon_error_set(e, errno, "Landlock: rule for TCP port %u: %s",
					      tcp_ports[i], strerror(errno));
	}
	/* Dev servers (ports.h): a port that may be bound may be connected to as well, so a
	 * server inside is reached from inside (its listener is in the sandbox's namespace). */
	for (size_t i = 0; tcp_ports && net && i < p->n_allow_bind && rc == 0; i++) {
		struct net_port_attr np = {.allowed_access = net, .port = p->allow_bind[i]};
		if (ll_add_rule(ruleset, CORDON_LANDLOCK_RULE_NET_PORT, &np) < 0)
			rc = cordon_error_set(e, errno, "Landlock: rule for TCP port %u: %s",
					      p->allow_bind[i], strerror(errno));
	}
	if (rc == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		rc = cordon_error_set(e, errno, "Landlock: landlock_restrict_self: %s",
				      strerror(errno));
	close(ruleset);
	if (rc == 0 && abi_out)
		*abi_out = (int)abi;
	return rc;
}

int cordon_landlock_scope(int *abi_out, struct cordon_error *e)
{
	long abi = ll_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (abi_out)
		*abi_out = abi > 0 ? (int)abi : 0;
	if (abi < 6)
		return cordon_error_set(e, EOPNOTSUPP,
					"Landlock: scoping needs ABI 6 (this kernel has %ld)",
					abi > 0 ? abi : 0);
	/* Only scoping: no access right is handled, so this layer changes nothing but the domain
	 * boundary that signals and abstract sockets may not cross (landlock(7), "Scoping"). */
	struct ruleset_attr attr = {
	    .scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL};
	int ruleset = (int)ll_create_ruleset(&attr, sizeof(attr), 0);
	if (ruleset < 0)
		return cordon_error_set(e, errno, "Landlock: creating the scope ruleset: %s",
					strerror(errno));
	int rc = 0;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		rc = cordon_error_set(e, errno, "Landlock: landlock_restrict_self (scope): %s",
				      strerror(errno));
	close(ruleset);
	return rc;
}

void landlock_ruleset_attr(long abi, bool tcp, bool allow_local_binding, struct ruleset_attr *out)
{
	if (abi < 1) {
		*out = (struct ruleset_attr){0};
		return;
	}
	*out = (struct ruleset_attr){
	    .handled_access_fs = WRITE_RIGHTS_ABI1 | LANDLOCK_ACCESS_FS_REFER |
				 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV,
	    .handled_access_net = 0,
	    .scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL,
	};
	if (tcp) {
		out->handled_access_net = LANDLOCK_ACCESS_NET_CONNECT_TCP;
		if (!allow_local_binding)
			out->handled_access_net |= LANDLOCK_ACCESS_NET_BIND_TCP;
	}

	/* Strip what the running kernel does not know, oldest ABI first (landlock(7)). */
	switch (abi) {
	case 1:
		/* ABI 1: renaming or linking across directories is always denied (no REFER). */
		out->handled_access_fs &= ~LANDLOCK_ACCESS_FS_REFER;
		__attribute__((fallthrough));
	case 2:
		/* ABI 3 adds TRUNCATE (docs/threat-model.md §17). */
		out->handled_access_fs &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
		__attribute__((fallthrough));
	case 3:
		/* ABI 4 adds TCP bind/connect rules. */
		out->handled_access_net = 0;
		__attribute__((fallthrough));
	case 4:
		/* ABI 5 adds ioctl on device files. */
		out->handled_access_fs &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
		__attribute__((fallthrough));
	case 5:
		/* ABI 6 adds scoping: abstract unix sockets and signals stay inside the domain. */
		out->scoped = 0;
		__attribute__((fallthrough));
	case 6:
		/* ABI 7 adds audit logging flags for landlock_restrict_self: not used. */
	default:
		break;
	}
}
