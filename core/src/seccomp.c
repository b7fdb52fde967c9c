/* seccomp.c — the seccomp filter of docs/design.md §5, as one table of libseccomp rules, loaded
 * last. Default allow; the table lists what a confined process may not do and the reason for each.
 */
#include "cordon/layers.h"

#include "cordon/guard.h"
#include "seccomp_prog.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/personality.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

/* clone(2)'s flags are the first argument except on s390, where the stack comes first. */
#if defined(__s390__) || defined(__s390x__) || defined(__CRIS__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

/* The kernel reads ioctl's request, socket's family and open's flags as 32-bit int; comparing the
 * low 32 bits only means junk in the upper half cannot slip past a rule (CVE-2019-10063). */
#define LOW32 0xffffffffULL

/* When a rule applies. */
enum when {
	ALWAYS,
	NO_UNIX,  /* only when the policy allows no unix socket (network.allowUnixSockets empty) */
	LISTENER, /* only when a guard listener is requested (guard.h) */
	UNIX_LISTENER, /* only with a listener and network.allowUnixSockets non-empty */
};

#define NOTIFY 0 /* .err value: route the call to the user-notification listener */
#define NO_ARG -1

struct rule {
	const char *syscall; /* resolved by name: absent on this arch means skipped */
	int err;	     /* errno returned, or NOTIFY */
	int arg;	     /* argument compared, NO_ARG for every call */
	uint64_t mask;	     /* the rule matches when (arg & mask) == value */
	uint64_t value;
	enum when when;
};

/* The table reads as one rule per line. */
/* clang-format off */
#define DENY(name, e) {name, e, NO_ARG, 0, 0, ALWAYS}
#define RULE(name, e, a, m, v, w) {name, e, a, m, v, w}
/* clone/unshare flag set (masked: any other bits may be present as well). */
#define DENY_FLAG(name, a, flag) {name, EPERM, a, flag, flag, ALWAYS}

static const struct rule rules[] = {
	/* Terminal input injection into the unconfined shell that owns the tty: CVE-2017-5226
	 * (TIOCSTI), CVE-2019-10063 (upper 32 bits of the request), CVE-2023-28100 (TIOCLINUX). */
	RULE("ioctl", EPERM, 1, LOW32, TIOCSTI, ALWAYS),
	RULE("ioctl", EPERM, 1, LOW32, TIOCLINUX, ALWAYS),

	/* Unix sockets reach command servers and agents on read-only mounts (docs/threat-model.md
	 * §3, §19); socketpair(2) stays allowed. Seccomp cannot see connect's path: without
	 * allowUnixSockets no unix socket is made at all. */
	RULE("socket", EPERM, 0, LOW32, AF_UNIX, NO_UNIX),
	/* With allowUnixSockets the guard performs every connect(2) itself, to a unix socket only
	 * when its inode is one the list names, and every bind(2), making a socket's name only
	 * where a name may be created (guard_connect.c); datagram unix sockets are refused below,
	 * since sendto(2) names its peer in memory no filter can read. */
	RULE("connect", NOTIFY, NO_ARG, 0, 0, UNIX_LISTENER),
	RULE("bind", NOTIFY, NO_ARG, 0, 0, UNIX_LISTENER),
	/* Raw frames and host-VM sockets bypass the network namespace's proxy
	 * (docs/threat-model.md §27). AF_NETLINK stays: NETLINK_ROUTE inside the sandbox's netns
	 * only sees its own lo, and getaddrinfo(AI_ADDRCONFIG) uses it. */
	RULE("socket", EPERM, 0, LOW32, AF_PACKET, ALWAYS),
	RULE("socket", EPERM, 0, LOW32, AF_VSOCK, ALWAYS),

	/* io_uring performs openat/connect/... without the syscalls this filter sees. */
	DENY("io_uring_setup", EPERM),
	DENY("io_uring_enter", EPERM),
	DENY("io_uring_register", EPERM),

	/* Other processes' memory and fds: the shell's control fd, the session
	 * (docs/threat-model.md §4). */
	DENY("ptrace", EPERM),
	DENY("process_vm_readv", EPERM),
	DENY("process_vm_writev", EPERM),
	DENY("pidfd_getfd", EPERM),
	DENY("kcmp", EPERM),

	/* Kernel keyrings are shared with the host user (docs/threat-model.md §21). */
	DENY("add_key", EPERM),
	DENY("request_key", EPERM),
	DENY("keyctl", EPERM),

	/* Kernel attack surface a shell or compiler never needs (docs/threat-model.md §25). */
	DENY("bpf", EPERM),
	DENY("perf_event_open", EPERM),
	DENY("userfaultfd", EPERM),
	DENY("kexec_load", EPERM),
	DENY("kexec_file_load", EPERM),
	DENY("init_module", EPERM),
	DENY("finit_module", EPERM),
	DENY("delete_module", EPERM),
	DENY("swapon", EPERM),
	DENY("swapoff", EPERM),
	DENY("reboot", EPERM),
	DENY("acct", EPERM),
	DENY("lookup_dcookie", EPERM),
	DENY("syslog", EPERM),           /* kernel log: addresses, other users' activity */
	DENY("open_by_handle_at", EPERM), /* bypasses path checks ("shocker") */
	/* A Landlock layer a confined process adds for itself would not bind the guard worker,
	 * which performs its file-creating calls: no new ruleset can be made, so a sandbox nested
	 * inside sees no Landlock rather than one the guard ignores (ENOSYS: "not supported").
	 * landlock_restrict_self stays for the in-place shell's children (confine_children.c),
	 * whose ruleset was made before this filter; without a way to make another, it is the only
	 * one that can be applied. */
	DENY("landlock_create_ruleset", ENOSYS),
	/* quotactl stays: reading one's own quota is harmless, setting it needs CAP_SYS_ADMIN. */

	/* Mounts and namespaces: uncover what bind mounts hide (docs/threat-model.md §9, §10). */
	DENY("mount", EPERM),
	DENY("umount", EPERM),
	DENY("umount2", EPERM),
	DENY("pivot_root", EPERM),
	DENY("chroot", EPERM),
	DENY("open_tree", EPERM),
	DENY("move_mount", EPERM),
	DENY("fsopen", EPERM),
	DENY("fsconfig", EPERM),
	DENY("fsmount", EPERM),
	DENY("fspick", EPERM),
	DENY("mount_setattr", EPERM), /* CVE-2021-41133 */
	DENY("setns", EPERM),

	/* Every CLONE_NEW* flag. Only CLONE_NEWUSER works without capabilities (and would give
	 * them back inside a child namespace); the others are refused here too so a capability
	 * leaked by mistake still cannot build a namespace, and probes see one errno. */
	DENY_FLAG("unshare", 0, CLONE_NEWUSER),
	DENY_FLAG("unshare", 0, CLONE_NEWNS),
	DENY_FLAG("unshare", 0, CLONE_NEWPID),
	DENY_FLAG("unshare", 0, CLONE_NEWNET),
	DENY_FLAG("unshare", 0, CLONE_NEWUTS),
	DENY_FLAG("unshare", 0, CLONE_NEWIPC),
	DENY_FLAG("unshare", 0, CLONE_NEWCGROUP),
	DENY_FLAG("unshare", 0, CLONE_NEWTIME),
	DENY_FLAG("clone", CLONE_FLAGS_ARG, CLONE_NEWUSER),
	DENY_FLAG("clone", CLONE_FLAGS_ARG, CLONE_NEWNS),
	DENY_FLAG("clone", CLONE_FLAGS_ARG, CLONE_NEWPID),
	DENY_FLAG("clone", CLONE_FLAGS_ARG, CLONE_NEWNET),
	DENY_FLAG("clone", CLONE_FLAGS_ARG, CLONE_NEWUTS),
	DENY_FLAG("clone", CLONE_FLAGS_ARG, CLONE_NEWIPC),
	DENY_FLAG("clone", CLONE_FLAGS_ARG, CLONE_NEWCGROUP),
	/* (CLONE_NEWTIME is 0x80, inside clone's exit-signal byte: clone(2) cannot carry it.) */
	/* clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to
	 * clone, which the rules above inspect (docs/threat-model.md §9). */
	DENY("clone3", ENOSYS),

	/* The guard (guard.h): file-creating calls go to the user-notification listener, and so
	 * do opens for writing, so that a read-only file is refused by whatever name (a hard link)
	 * reaches it. */
	RULE("open", NOTIFY, 1, O_CREAT, O_CREAT, LISTENER),
	RULE("openat", NOTIFY, 2, O_CREAT, O_CREAT, LISTENER),
	RULE("open", NOTIFY, 1, O_ACCMODE, O_WRONLY, LISTENER),
	RULE("openat", NOTIFY, 2, O_ACCMODE, O_WRONLY, LISTENER),
	RULE("open", NOTIFY, 1, O_ACCMODE, O_RDWR, LISTENER),
	RULE("openat", NOTIFY, 2, O_ACCMODE, O_RDWR, LISTENER),
	RULE("open", NOTIFY, 1, O_TRUNC, O_TRUNC, LISTENER),
	RULE("openat", NOTIFY, 2, O_TRUNC, O_TRUNC, LISTENER),
	RULE("creat", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("mkdir", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("mkdirat", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("mknod", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("mknodat", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("symlink", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("symlinkat", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("link", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("linkat", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("rename", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("renameat", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("renameat2", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("unlink", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("unlinkat", NOTIFY, NO_ARG, 0, 0, LISTENER),
	/* truncate(2) by name: a hard link in a writable tree reaches the inode of a pin */
	RULE("truncate", NOTIFY, NO_ARG, 0, 0, LISTENER),
	/* chmod of a name the guard keeps (git's .git, objects, refs, HEAD) would make git stop
	 * seeing the repository; fchmodat2 is added by number below. */
	RULE("chmod", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("fchmod", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("fchmodat", NOTIFY, NO_ARG, 0, 0, LISTENER),
	/* an ACL can take a mode away as chmod does; the *xattrat calls (Linux 6.13) are newer
	 * than glibc 2.36 and get ENOSYS below */
	RULE("setxattr", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("lsetxattr", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("fsetxattr", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("removexattr", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("lremovexattr", NOTIFY, NO_ARG, 0, 0, LISTENER),
	RULE("fremovexattr", NOTIFY, NO_ARG, 0, 0, LISTENER),
	/* openat2's flags live in a struct seccomp cannot read; libc falls back to openat. */
	RULE("openat2", ENOSYS, NO_ARG, 0, 0, LISTENER),
};
/* clang-format on */

/* personality(2) flags that weaken the process's memory layout for what it runs next. */
static const uint32_t unsafe_personality[] = {
    READ_IMPLIES_EXEC, /* every readable mapping becomes executable */
    ADDR_NO_RANDOMIZE, /* no ASLR */
    MMAP_PAGE_ZERO,    /* a mapping at address 0 for NULL-dereference exploits */
};

static int add_rule(scmp_filter_ctx ctx, const struct rule *r, struct cordon_error *e)
{
	int nr = seccomp_syscall_resolve_name(r->syscall);
	if (nr == __NR_SCMP_ERROR || nr < 0)
		return 0; /* not a system call of this architecture */
	uint32_t action = r->err == NOTIFY ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO((uint32_t)r->err);
	int rc;
	if (r->arg == NO_ARG)
		rc = seccomp_rule_add_exact(ctx, action, nr, 0);
	else
		rc = seccomp_rule_add_exact(
		    ctx, action, nr, 1,
		    SCMP_CMP((unsigned)r->arg, SCMP_CMP_MASKED_EQ, r->mask, r->value));
	if (rc < 0)
		return cordon_error_set(e, -rc, "seccomp: rule for %s: %s", r->syscall,
					strerror(-rc));
	return 0;
}

/* personality(0xffffffff) only queries the current persona and must keep working: a call is
 * refused when it sets an unsafe flag and its value is not 0xffffffff, i.e. at least one other bit
 * is clear. One rule takes one masked compare per argument, so the refused set is covered by
 * rules (arg & (flag | bit)) == flag ("flag set, bit clear"): with the first unsafe flag F0, every
 * value that sets F0 has a clear bit b != F0 and matches (F0 | b, F0); every value that sets
 * another flag F but not F0 matches (F | F0, F). 31 + 2 rules refuse exactly what one rule per
 * flag and bit (3 x 31) refused, and the filter compiles in well under half the time. */
static int add_flag_bit_rule(scmp_filter_ctx ctx, int nr, uint32_t flag, uint32_t bit,
			     struct cordon_error *e)
{
	int rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					SCMP_A0(SCMP_CMP_MASKED_EQ, (uint64_t)(flag | bit), flag));
	if (rc < 0)
		return cordon_error_set(e, -rc, "seccomp: rule for personality: %s", strerror(-rc));
	return 0;
}

static int add_personality_rules(scmp_filter_ctx ctx, struct cordon_error *e)
{
	const uint32_t f0 = unsafe_personality[0];
	int nr = seccomp_syscall_resolve_name("personality"), rc = 0;
	if (nr == __NR_SCMP_ERROR || nr < 0)
		return 0;
	for (int b = 0; rc == 0 && b < 32; b++)
		if (1U << b != f0)
			rc = add_flag_bit_rule(ctx, nr, f0, 1U << b, e);
	for (size_t i = 1;
	     rc == 0 && i < sizeof(unsafe_personality) / sizeof(unsafe_personality[0]); i++)
		rc = add_flag_bit_rule(ctx, nr, unsafe_personality[i], f0, e);
	return rc;
}

/* add_unix_dgram_rules: socket(2) and socketpair(2) of AF_UNIX datagram sockets (SOCK_DGRAM, and
 * SOCK_RAW, which unix(7) treats alike) are refused: a datagram socket, even one of a pair, sends
 * to any pathname socket that sendto(2)/sendmsg(2) names (unix_dgram_sendmsg), such as a host
 * daemon's. The type's low bits only: SOCK_NONBLOCK and SOCK_CLOEXEC ride above them. */
static int add_unix_dgram_rules(scmp_filter_ctx ctx, struct cordon_error *e)
{
	static const char *const calls[] = {"socket", "socketpair"};
	static const int types[] = {SOCK_DGRAM, SOCK_RAW};
	for (size_t i = 0; i < 2; i++) {
		int nr = seccomp_syscall_resolve_name(calls[i]);
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue;
		for (size_t t = 0; t < 2; t++) {
			int rc = seccomp_rule_add_exact(
			    ctx, SCMP_ACT_ERRNO(EPERM), nr, 2,
			    SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, AF_UNIX),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, (uint64_t)types[t]));
			if (rc < 0)
				return cordon_error_set(e, -rc, "seccomp: rule for %s: %s",
							calls[i], strerror(-rc));
		}
	}
	return 0;
}

/* build_filter: the filter of the table above, for p, in a new libseccomp context (*out); the
 * guard's rules only when listener is true. */
/* add_sched_rules: the scheduling of another process is refused (EPERM), as its prlimit is: a
 * confined shell shares the host's PID namespace, and "every process of this user" reaches past
 * any namespace. setpriority(2) and ioprio_set(2) for a user or a process group (PRIO_USER,
 * PRIO_PGRP and the IOPRIO_WHO_ equivalents: even the caller's own group may hold processes
 * outside), or naming another process (who != 0); sched_setscheduler(2), sched_setparam(2),
 * sched_setattr(2) and sched_setaffinity(2) naming a pid (!= 0), which also refuses setting the
 * caller's own threads by id (pthread_setaffinity_np): a known cost (docs/threat-model.md §40).
 * Returns 0 or -errno with e set. */
static int add_sched_rules(scmp_filter_ctx ctx, struct cordon_error *e)
{
	static const int by_pid[] = {SCMP_SYS(sched_setscheduler), SCMP_SYS(sched_setparam),
				     SCMP_SYS(sched_setattr), SCMP_SYS(sched_setaffinity)};
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(by_pid) / sizeof(by_pid[0]); i++)
		rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EPERM), by_pid[i], 1,
					    SCMP_A0(SCMP_CMP_NE, 0));
	for (int k = 0; rc == 0 && k < 2; k++) {
		int nr = k ? SCMP_SYS(ioprio_set) : SCMP_SYS(setpriority);
		unsigned long user = k ? 3 /* IOPRIO_WHO_USER */ : PRIO_USER;
		rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					    SCMP_A0(SCMP_CMP_EQ, user));
		/* the caller's process group (who 0) may hold processes outside: cordon run's
		 * command is in its caller's group */
		if (rc == 0)
			rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
						    SCMP_A0(SCMP_CMP_EQ, k ? 2 /* IOPRIO_WHO_PGRP */
									   : PRIO_PGRP));
		if (rc == 0)
			rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
						    SCMP_A1(SCMP_CMP_NE, 0));
	}
	if (rc < 0)
		return cordon_error_set(e, -rc, "seccomp: rules for the scheduling calls: %s",
					strerror(-rc));
	return 0;
}

static int build_filter(const struct cordon_policy *p, bool listener, scmp_filter_ctx *out,
			struct cordon_error *e)
{
	int rc;

	if (listener && seccomp_api_get() < 5)
		return cordon_error_set(e, EOPNOTSUPP,
					"seccomp: user notification is not "
					"supported by this kernel or libseccomp");

	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return cordon_error_set(e, ENOMEM, "seccomp: seccomp_init failed");

	/* Only the native arch is in the filter; any other (i386 via int 0x80, and x32, whose
	 * numbers libseccomp's x86_64 filter treats as a foreign arch) kills the process. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		/* NNP is checked by the loader, not set here */
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc < 0) {
		cordon_error_set(e, -rc, "seccomp: filter attributes: %s", strerror(-rc));
		goto fail;
	}

	/* Without the guard, a list of unix sockets cannot be held to its paths: none then. */
	bool allow_unix = p && p->allow_unix_sockets.n > 0 && listener;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];
		if ((r->when == NO_UNIX && allow_unix) || (r->when == LISTENER && !listener) ||
		    (r->when == UNIX_LISTENER && !allow_unix))
			continue;
		rc = add_rule(ctx, r, e);
		if (rc < 0)
			goto fail;
	}
	rc = add_personality_rules(ctx, e);
	if (rc < 0)
		goto fail;
	rc = add_unix_dgram_rules(ctx, e);
	if (rc < 0)
		goto fail;
	/* prlimit(2) of another process: RLIMIT_CPU would kill it (SIGKILL past the hard limit),
	 * around Landlock's signal scoping, and RLIMIT_NOFILE would starve the guard worker. Only
	 * the caller's own (pid 0) stays. The full 64 bits are compared: junk above a zero pid is
	 * refused too, which only refuses more. */
	rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prlimit64), 1,
				    SCMP_A0(SCMP_CMP_NE, 0));
	if (rc < 0) {
		cordon_error_set(e, -rc, "seccomp: rule for prlimit64: %s", strerror(-rc));
		goto fail;
	}
	rc = add_sched_rules(ctx, e);
	if (rc < 0)
		goto fail;
	if (listener) {
		/* by number: libseccomp 2.5 has no name for it, and an unrouted fchmodat2 would
		 * pass the guard by */
		int nr = seccomp_syscall_resolve_name("fchmodat2");
		rc = seccomp_rule_add_exact(ctx, SCMP_ACT_NOTIFY, nr > 0 ? nr : CORDON_NR_FCHMODAT2,
					    0);
		/* setxattrat and removexattrat (one number everywhere, as fchmodat2) */
		for (int x = 0; rc == 0 && x < 2; x++)
			rc = seccomp_rule_add_exact(
			    ctx, SCMP_ACT_ERRNO(ENOSYS),
			    x ? CORDON_NR_REMOVEXATTRAT : CORDON_NR_SETXATTRAT, 0);
		if (rc < 0) {
			cordon_error_set(e, -rc, "seccomp: rule for fchmodat2 or *xattrat: %s",
					 strerror(-rc));
			goto fail;
		}
	}
	*out = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return rc;
}

static int require_nnp(struct cordon_error *e)
{
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return cordon_error_set(e, EPERM,
					"seccomp: no_new_privs is not set (the caller "
					"must set it before loading the filter)");
	return 0;
}

int cordon_seccomp_apply(const struct cordon_policy *p, int *listener, struct cordon_error *e)
{
	scmp_filter_ctx ctx;
	int rc = require_nnp(e);

	if (rc < 0)
		return rc;
	rc = build_filter(p, listener != NULL, &ctx, e);
	if (rc < 0)
		return rc;
	rc = seccomp_load(ctx);
	if (rc < 0) {
		cordon_error_set(e, -rc, "seccomp: loading the filter: %s", strerror(-rc));
		goto out;
	}
	if (listener) {
		int fd = seccomp_notify_fd(ctx);
		if (fd < 0) {
			rc = cordon_error_set(e, fd == -1 ? EBADF : -fd,
					      "seccomp: no user-notification listener fd");
			goto out;
		}
		*listener = fd;
	}
	rc = 0;
out:
	seccomp_release(ctx);
	return rc;
}

int seccomp_export_pfc_fd(const struct cordon_policy *p, bool listener, int fd,
			  struct cordon_error *e)
{
	scmp_filter_ctx ctx;
	int rc = build_filter(p, listener, &ctx, e);

	if (rc < 0)
		return rc;
	rc = seccomp_export_pfc(ctx, fd);
	if (rc < 0)
		cordon_error_set(e, -rc, "seccomp: exporting the filter as PFC: %s", strerror(-rc));
	seccomp_release(ctx);
	return rc < 0 ? rc : 0;
}

int seccomp_prog_prepare(const struct cordon_policy *p, bool listener, struct seccomp_prog *out,
			 struct cordon_error *e)
{
	scmp_filter_ctx ctx;
	struct stat st;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	rc = build_filter(p, listener, &ctx, e);
	if (rc < 0)
		return rc;
	/* seccomp_export_bpf(3) writes the program seccomp_load(3) would load to an fd. */
	fd = memfd_create("cordon-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		rc = cordon_error_set(e, errno, "seccomp: memfd_create: %m");
		goto out;
	}
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0) {
		cordon_error_set(e, -rc, "seccomp: exporting the filter: %s", strerror(-rc));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		rc = cordon_error_set(e, errno, "seccomp: exported filter: fstat: %m");
		goto out;
	}
	size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
	if (st.st_size <= 0 || (size_t)st.st_size % sizeof(struct sock_filter) != 0 ||
	    n > BPF_MAXINSNS) {
		rc = cordon_error_set(e, EPROTO, "seccomp: exported filter has %lld bytes",
				      (long long)st.st_size);
		goto out;
	}
	out->insns = malloc((size_t)st.st_size);
	if (!out->insns) {
		rc = cordon_error_set(e, ENOMEM, "seccomp: out of memory");
		goto out;
	}
	if (pread(fd, out->insns, (size_t)st.st_size, 0) != st.st_size) {
		rc = cordon_error_set(e, errno ? errno : EIO,
				      "seccomp: reading the exported filter");
		goto out;
	}
	out->len = (unsigned short)n;
	out->listener = listener;
	out->allow_unix = p && p->allow_unix_sockets.n > 0;
	rc = 0;
out:
	if (rc < 0)
		seccomp_prog_free(out);
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}

bool seccomp_prog_fits(const struct seccomp_prog *pr, const struct cordon_policy *p, bool listener)
{
	return pr->insns && pr->listener == listener &&
	       pr->allow_unix == (p && p->allow_unix_sockets.n > 0);
}

int seccomp_prog_load(const struct seccomp_prog *pr, int *listener, struct cordon_error *e)
{
	struct sock_fprog prog = {.len = pr->len, .filter = pr->insns};
	int rc = require_nnp(e);

	if (rc < 0)
		return rc;
	if (!pr->insns || pr->listener != (listener != NULL))
		return cordon_error_set(e, EINVAL, "seccomp: the prepared filter does not fit");
	/* The flags seccomp_load(3) uses for this filter: a new listener when it has notify rules;
	 * no TSYNC, no LOG, no SPEC_ALLOW (none of those attributes is set in build_filter). */
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
	if (fd < 0)
		return cordon_error_set(e, errno, "seccomp: loading the filter: %m");
	if (listener)
		*listener = (int)fd;
	return 0;
}

void seccomp_prog_free(struct seccomp_prog *pr)
{
	free(pr->insns);
	memset(pr, 0, sizeof(*pr));
}

/* ---- the fail-closed filter of a confinement that failed half-way (confine.c) ---- */

/* Write-creating and network system calls refused by the fail-closed filter. */
static const int failsafe_calls[] = {
    SCMP_SYS(socket),	      SCMP_SYS(connect),   SCMP_SYS(creat),
    SCMP_SYS(mkdir),	      SCMP_SYS(mkdirat),   SCMP_SYS(mknod),
    SCMP_SYS(mknodat),	      SCMP_SYS(unlink),	   SCMP_SYS(unlinkat),
    SCMP_SYS(rmdir),	      SCMP_SYS(rename),	   SCMP_SYS(renameat),
    SCMP_SYS(renameat2),      SCMP_SYS(link),	   SCMP_SYS(linkat),
    SCMP_SYS(symlink),	      SCMP_SYS(symlinkat), SCMP_SYS(truncate),
    SCMP_SYS(chmod),	      SCMP_SYS(fchmodat),  SCMP_SYS(chown),
    SCMP_SYS(lchown),	      SCMP_SYS(fchownat),  SCMP_SYS(openat2),
    SCMP_SYS(setxattr),	      SCMP_SYS(lsetxattr), SCMP_SYS(removexattr),
    SCMP_SYS(lremovexattr),   SCMP_SYS(ptrace),	   SCMP_SYS(process_vm_writev),
    SCMP_SYS(io_uring_setup), SCMP_SYS(unshare),   SCMP_SYS(setns),
    SCMP_SYS(mount),	      SCMP_SYS(clone3),
};

/* cordon_seccomp_failsafe (layers.h): the calls above, and open/openat with a write access mode
 * or O_CREAT or O_TRUNC (libseccomp SCMP_CMP_MASKED_EQ on the flags argument). */
int cordon_seccomp_failsafe(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	const struct {
		int nr;
		unsigned arg;
	} opens[] = {{SCMP_SYS(open), 1}, {SCMP_SYS(openat), 2}};
	const unsigned long flags[][2] = {
	    {O_ACCMODE, O_WRONLY}, {O_ACCMODE, O_RDWR}, {O_CREAT, O_CREAT}, {O_TRUNC, O_TRUNC}};
	int ret = 0;

	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(failsafe_calls) / sizeof(failsafe_calls[0]); i++)
		ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), failsafe_calls[i], 0);
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 4; j++)
			ret |= seccomp_rule_add(
			    ctx, SCMP_ACT_ERRNO(EPERM), opens[i].nr, 1,
			    SCMP_CMP(opens[i].arg, SCMP_CMP_MASKED_EQ, flags[j][0], flags[j][1]));
	if (ret == 0)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}
