/* test_seccomp_rules.c — the seccomp rule table of seccomp.c as libseccomp compiles it: the filter
 * cordon_seccomp_apply would load, exported as pseudo filter code (seccomp_export_pfc(3)) and read
 * back into (system call, conditions, action) rules, for each policy and listener choice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/personality.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/src/seccomp_prog.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* One rule of the PFC listing: an action under the conditions that lead to it (joined by " && ",
 * the arch and syscall-number tests left out; "" for a rule on every call). "(default)" and
 * "(badarch)" stand for the filter's default and invalid-architecture actions. */
struct pfc_rule {
	char sys[64];
	char cond[512];
	char action[64];
};

struct pfc {
	struct pfc_rule *v;
	size_t n;
	int arches; /* "# filter for arch" blocks */
};

static void add(struct pfc *f, const char *sys, const char *cond, const char *action)
{
	f->v = realloc(f->v, (f->n + 1) * sizeof(f->v[0]));
	assert_non_null(f->v);
	snprintf(f->v[f->n].sys, sizeof(f->v[0].sys), "%s", sys);
	snprintf(f->v[f->n].cond, sizeof(f->v[0].cond), "%s", cond);
	snprintf(f->v[f->n].action, sizeof(f->v[0].action), "%s", action);
	f->n++;
}

/* parse: the listing as libseccomp 2.5 writes it: "# filter for syscall "NAME" ...", nested
 * "if (COND)" lines whose indentation gives the nesting, and "action ACTION;" leaves. */
static void parse(struct pfc *f, char *text)
{
	struct {
		size_t indent;
		char cond[128];
	} stack[16];
	size_t depth = 0;
	char sys[64] = "";

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		size_t indent = strspn(line, " ");
		char *t = line + indent, name[64];
		if (!strncmp(t, "# filter for arch", 17)) {
			f->arches++;
		} else if (sscanf(t, "# filter for syscall \"%63[^\"]\"", name) == 1) {
			snprintf(sys, sizeof(sys), "%s", name);
			depth = 0;
		} else if (!strcmp(t, "# default action")) {
			snprintf(sys, sizeof(sys), "(default)");
			depth = 0;
		} else if (!strcmp(t, "# invalid architecture action")) {
			snprintf(sys, sizeof(sys), "(badarch)");
			depth = 0;
		} else if (!strncmp(t, "if (", 4)) {
			if (!strncmp(t, "if ($arch ==", 12) || !strncmp(t, "if ($syscall ==", 15))
				continue;
			while (depth > 0 && stack[depth - 1].indent >= indent)
				depth--;
			assert_true(depth < 16);
			size_t len = strlen(t);
			assert_true(len > 5 && t[len - 1] == ')');
			snprintf(stack[depth].cond, sizeof(stack[0].cond), "%.*s", (int)(len - 5),
				 t + 4);
			stack[depth++].indent = indent;
		} else if (!strncmp(t, "action ", 7)) {
			char cond[512] = "";
			while (depth > 0 && stack[depth - 1].indent >= indent)
				depth--;
			for (size_t i = 0; i < depth; i++) {
				if (i)
					strcat(cond, " && ");
				strcat(cond, stack[i].cond);
			}
			size_t len = strlen(t + 7);
			char action[64];
			snprintf(action, sizeof(action), "%.*s",
				 (int)(len && t[6 + len] == ';' ? len - 1 : len), t + 7);
			add(f, sys, cond, action);
		}
	}
}

/* filter: the rules of the filter for p (NULL: the defaults) and listener. */
static struct pfc filter(const struct cordon_policy *p, bool listener)
{
	struct cordon_error e = {0};
	struct pfc f = {0};
	int fd = memfd_create("pfc", MFD_CLOEXEC);
	assert_true(fd >= 0);
	int rc = seccomp_export_pfc_fd(p, listener, fd, &e);
	if (rc < 0)
		fail_msg("seccomp_export_pfc_fd: %s", e.msg);
	off_t size = lseek(fd, 0, SEEK_END);
	assert_true(size > 0);
	char *text = malloc((size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(pread(fd, text, (size_t)size, 0), size);
	text[size] = 0;
	close(fd);
	parse(&f, text);
	free(text);
	assert_true(f.n > 0);
	return f;
}

static void release(struct pfc *f)
{
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static size_t count(const struct pfc *f, const char *sys, const char *cond, const char *action)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].sys, sys) && (!cond || !strcmp(f->v[i].cond, cond)) &&
		    (!action || !strcmp(f->v[i].action, action)))
			n++;
	return n;
}

static bool has(const struct pfc *f, const char *sys, const char *cond, const char *action)
{
	return count(f, sys, cond, action) > 0;
}

static const char *errno_action(int err)
{
	static char buf[32];
	snprintf(buf, sizeof(buf), "ERRNO(%d)", err);
	return buf;
}

/* low32: the conditions of a masked compare on the low 32 bits of argument ARG only. */
static const char *low32(int arg, uint32_t mask, uint32_t value)
{
	static char buf[128];
	snprintf(buf, sizeof(buf), "$a%d.hi32 & 0x00000000 == 0 && $a%d.lo32 & 0x%08x == %u", arg,
		 arg, mask, value);
	return buf;
}

/* The user-notification action: libseccomp 2.5 prints its value, later versions its name. */
static bool is_notify(const char *action)
{
	return !strcmp(action, "0x7fc00000") || !strcmp(action, "NOTIFY");
}

static size_t notify_rules(const struct pfc *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += is_notify(f->v[i].action);
	return n;
}

static void tiocsti_and_tioclinux_are_refused_on_the_low_32_bits_of_the_request(void **state)
{
	(void)state;
	struct pfc f = filter(NULL, false);
	assert_true(has(&f, "ioctl", low32(1, 0xffffffff, TIOCSTI), errno_action(EPERM)));
	assert_true(has(&f, "ioctl", low32(1, 0xffffffff, TIOCLINUX), errno_action(EPERM)));
	/* Every ioctl rule ignores the upper half, where junk would otherwise slip a request past
	 * (CVE-2019-10063), and ioctl as such stays allowed. */
	assert_int_equal(count(&f, "ioctl", NULL, NULL), 2);
	for (size_t i = 0; i < f.n; i++)
		if (!strcmp(f.v[i].sys, "ioctl"))
			assert_true(!strncmp(f.v[i].cond, "$a1.hi32 & 0x00000000 == 0 && ", 30));
	release(&f);
}

static void clone3_gets_enosys_on_every_call_so_libc_falls_back_to_clone(void **state)
{
	(void)state;
	struct pfc f = filter(NULL, false);
	assert_true(has(&f, "clone3", "", errno_action(ENOSYS)));
	assert_int_equal(count(&f, "clone3", NULL, NULL), 1);
	release(&f);
}

static void every_new_namespace_flag_is_refused_in_unshare_and_clone(void **state)
{
	static const uint32_t flags[] = {CLONE_NEWUSER,	  CLONE_NEWNS,	CLONE_NEWPID,
					 CLONE_NEWNET,	  CLONE_NEWUTS, CLONE_NEWIPC,
					 CLONE_NEWCGROUP, CLONE_NEWTIME};
	(void)state;
	struct pfc f = filter(NULL, false);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *c = low32(0, flags[i], flags[i]);
		assert_true(has(&f, "unshare", c, errno_action(EPERM)));
		/* CLONE_NEWTIME lies in clone's exit-signal byte: clone(2) cannot carry it. */
		if (flags[i] != CLONE_NEWTIME)
			assert_true(has(&f, "clone", c, errno_action(EPERM)));
	}
	assert_false(has(&f, "clone", low32(0, CLONE_NEWTIME, CLONE_NEWTIME), NULL));
	/* Plain clone (fork, threads) stays allowed: no rule on clone without a flag compare. */
	assert_false(has(&f, "clone", "", NULL));
	release(&f);
}

static void escape_and_kernel_surface_calls_are_refused_outright(void **state)
{
	static const char *const denied[] = {
	    "ptrace",
	    "process_vm_readv",
	    "process_vm_writev",
	    "pidfd_getfd",
	    "kcmp",
	    "add_key",
	    "request_key",
	    "keyctl",
	    "io_uring_setup",
	    "io_uring_enter",
	    "bpf",
	    "perf_event_open",
	    "userfaultfd",
	    "open_by_handle_at",
	    "mount",
	    "umount2",
	    "pivot_root",
	    "chroot",
	    "open_tree",
	    "move_mount",
	    "fsopen",
	    "fsconfig",
	    "fsmount",
	    "fspick",
	    "mount_setattr",
	    "setns",
	    "init_module",
	    "finit_module",
	    "kexec_load",
	    "syslog",
	};
	/* no new Landlock ruleset inside (a layer the guard would not carry): "not supported" */
	static const char *const enosys[] = {"landlock_create_ruleset", "clone3"};
	(void)state;
	struct pfc f = filter(NULL, false);
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (!has(&f, denied[i], "", errno_action(EPERM)))
			fail_msg("no unconditional EPERM rule for %s", denied[i]);
	for (size_t i = 0; i < sizeof(enosys) / sizeof(enosys[0]); i++)
		if (!has(&f, enosys[i], "", errno_action(ENOSYS)))
			fail_msg("no unconditional ENOSYS rule for %s", enosys[i]);
	/* prlimit of another process (pid != 0) is refused; the rule has a condition */
	if (count(&f, "prlimit64", NULL, errno_action(EPERM)) < 1 ||
	    has(&f, "prlimit64", "", errno_action(EPERM)))
		fail_msg("no conditional EPERM rule for prlimit64");
	/* positive control: what a shell and a compiler do has no rule at all */
	static const char *const allowed[] = {"read",  "write",	   "openat", "execve",
					      "mkdir", "unlinkat", "rename", "wait4"};
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (count(&f, allowed[i], NULL, NULL))
			fail_msg("a rule for %s without a listener", allowed[i]);
	assert_true(has(&f, "(default)", "", "ALLOW"));
	release(&f);
}

static void a_foreign_architecture_kills_the_process(void **state)
{
	(void)state;
	struct pfc f = filter(NULL, false);
	assert_int_equal(f.arches, 1); /* the native one only: i386 and x32 are not in the filter */
	assert_true(has(&f, "(badarch)", "", "KILL_PROCESS"));
	release(&f);
}

static void unix_sockets_are_refused_unless_the_policy_lists_one(void **state)
{
	char *sockets[] = {"/run/user/1000/agent.sock"};
	struct cordon_policy p = {0};
	(void)state;
	p.allow_unix_sockets.v = sockets;
	p.allow_unix_sockets.n = 1;

	struct pfc f = filter(NULL, false);
	assert_true(has(&f, "socket", low32(0, 0xffffffff, AF_UNIX), errno_action(EPERM)));
	assert_true(has(&f, "socket", low32(0, 0xffffffff, AF_PACKET), errno_action(EPERM)));
	assert_true(has(&f, "socket", low32(0, 0xffffffff, AF_VSOCK), errno_action(EPERM)));
	assert_false(has(&f, "socket", low32(0, 0xffffffff, AF_INET), NULL));
	assert_false(has(&f, "socket", low32(0, 0xffffffff, AF_NETLINK), NULL));
	release(&f);

	/* A list without the guard's listener cannot be held to its paths: AF_UNIX stays refused.
	 */
	f = filter(&p, false);
	assert_true(has(&f, "socket", low32(0, 0xffffffff, AF_UNIX), errno_action(EPERM)));
	assert_int_equal(count(&f, "connect", NULL, NULL), 0);
	release(&f);

	if (seccomp_api_get() < 5)
		return;
	/* With the listener, socket(AF_UNIX) is allowed and every connect goes to the guard. */
	f = filter(&p, true);
	assert_false(has(&f, "socket", low32(0, 0xffffffff, AF_UNIX), errno_action(EPERM)));
	assert_true(has(&f, "socket", low32(0, 0xffffffff, AF_PACKET), errno_action(EPERM)));
	assert_true(has(&f, "socket", low32(0, 0xffffffff, AF_VSOCK), errno_action(EPERM)));
	assert_int_equal(count(&f, "connect", NULL, NULL), 1);
	release(&f);
}

static void datagram_unix_sockets_are_refused_in_every_filter(void **state)
{
	(void)state;
	struct pfc f = filter(NULL, false);
	/* socketpair: AF_UNIX with SOCK_DGRAM or SOCK_RAW (the type's low 4 bits), two rules;
	 * a stream pair has none */
	assert_int_equal(count(&f, "socketpair", NULL, errno_action(EPERM)), 2);
	for (size_t i = 0; i < f.n; i++)
		if (!strcmp(f.v[i].sys, "socketpair") && !strstr(f.v[i].cond, "& 0x0000000f =="))
			fail_msg("socketpair rule without a type: %s", f.v[i].cond);
	release(&f);
	if (seccomp_api_get() < 5)
		return;
	/* where a list allows unix stream sockets, socket(AF_UNIX) of the datagram types stays
	 * refused */
	char *sockets[] = {"/run/user/1000/agent.sock"};
	struct cordon_policy p = {0};
	p.allow_unix_sockets.v = sockets;
	p.allow_unix_sockets.n = 1;
	f = filter(&p, true);
	size_t dgram = 0;
	for (size_t i = 0; i < f.n; i++)
		if (!strcmp(f.v[i].sys, "socket") && strstr(f.v[i].cond, "& 0x0000000f =="))
			dgram++;
	assert_int_equal(dgram, 2);
	release(&f);
}

static void file_creating_calls_go_to_the_listener_only_when_one_is_asked_for(void **state)
{
	static const char *const always[] = {
	    "creat",  "mkdir",	"mkdirat",  "mknod",	 "mknodat", "symlink",	"symlinkat", "link",
	    "linkat", "rename", "renameat", "renameat2", "unlink",  "unlinkat", "truncate"};
	(void)state;
	if (seccomp_api_get() < 5)
		skip(); /* no user notification in this kernel or libseccomp */
	struct pfc f = filter(NULL, true);
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		assert_int_equal(count(&f, always[i], NULL, NULL), 1);
		for (size_t j = 0; j < f.n; j++)
			if (!strcmp(f.v[j].sys, always[i])) {
				assert_string_equal(f.v[j].cond, "");
				if (!is_notify(f.v[j].action))
					fail_msg("%s: action %s, not notify", always[i],
						 f.v[j].action);
			}
	}
	/* open and openat with O_CREAT, a write access mode or O_TRUNC; a plain read-only open
	 * stays with the kernel. */
	const int arg[2] = {1, 2};
	const char *const sys[2] = {"open", "openat"};
	for (int k = 0; k < 2; k++) {
		char c[4][128];
		snprintf(c[0], sizeof(c[0]), "%s", low32(arg[k], O_CREAT, O_CREAT));
		snprintf(c[1], sizeof(c[1]), "%s", low32(arg[k], O_ACCMODE, O_WRONLY));
		snprintf(c[2], sizeof(c[2]), "%s", low32(arg[k], O_ACCMODE, O_RDWR));
		snprintf(c[3], sizeof(c[3]), "%s", low32(arg[k], O_TRUNC, O_TRUNC));
		assert_int_equal(count(&f, sys[k], NULL, NULL), 4);
		for (int i = 0; i < 4; i++)
			if (!has(&f, sys[k], c[i], NULL))
				fail_msg("%s: no rule %s", sys[k], c[i]);
		for (size_t j = 0; j < f.n; j++)
			if (!strcmp(f.v[j].sys, sys[k]))
				assert_true(is_notify(f.v[j].action));
	}
	/* chmod and the xattr writes too (an ACL takes a mode away as chmod does) */
	static const char *const modes[] = {"chmod",	   "fchmod",	   "fchmodat",
					    "setxattr",	   "lsetxattr",	   "fsetxattr",
					    "removexattr", "lremovexattr", "fremovexattr"};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (count(&f, modes[i], NULL, NULL) != 1)
			fail_msg("%s is not routed to the guard", modes[i]);
	/* openat2's flags are out of the filter's reach: ENOSYS makes libc use openat. */
	assert_true(has(&f, "openat2", "", errno_action(ENOSYS)));
	/* 14 creating calls, truncate, 8 opens, 9 chmod and xattr calls, fchmodat2 by number */
	assert_int_equal(notify_rules(&f), 33);
	release(&f);

	/* Without a listener, no call is routed anywhere and openat2 works. */
	f = filter(NULL, false);
	assert_int_equal(notify_rules(&f), 0);
	assert_false(has(&f, "openat2", NULL, NULL));
	release(&f);
}

/* personality_refused: whether the filter's personality rules refuse personality(x). */
static bool personality_refused(const struct pfc *f, uint32_t x)
{
	for (size_t i = 0; i < f->n; i++) {
		unsigned mask, value;
		if (strcmp(f->v[i].sys, "personality"))
			continue;
		assert_int_equal(sscanf(f->v[i].cond,
					"$a0.hi32 & 0x00000000 == 0 && $a0.lo32 & %x == %u", &mask,
					&value),
				 2);
		if ((x & mask) == value)
			return true;
	}
	return false;
}

static void personality_cannot_weaken_the_layout_but_can_still_be_queried(void **state)
{
	static const uint32_t unsafe = READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | MMAP_PAGE_ZERO;
	(void)state;
	struct pfc f = filter(NULL, false);
	assert_false(personality_refused(&f, 0xffffffff)); /* the query */
	assert_false(personality_refused(&f, PER_LINUX));
	assert_false(personality_refused(&f, PER_LINUX32));
	assert_true(personality_refused(&f, ADDR_NO_RANDOMIZE));
	assert_true(personality_refused(&f, READ_IMPLIES_EXEC));
	assert_true(personality_refused(&f, MMAP_PAGE_ZERO));
	assert_true(personality_refused(&f, PER_LINUX32 | ADDR_NO_RANDOMIZE));
	/* Every value one bit short of the query still sets an unsafe flag. */
	for (int b = 0; b < 32; b++)
		if (!personality_refused(&f, 0xffffffff & ~(1U << b)))
			fail_msg("personality(0x%08x) is not refused", 0xffffffff & ~(1U << b));
	/* Refused exactly when an unsafe flag is set and the value is not the query, over values
	 * drawn from a fixed sequence (xorshift32) with the unsafe flags mixed in. */
	uint32_t x = 2463534242U;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uint32_t v = (i & 1) ? x : (x & ~unsafe) | (unsafe & (x >> 7));
		bool want = (v & unsafe) && v != 0xffffffff;
		if (personality_refused(&f, v) != want)
			fail_msg("personality(0x%08x): refused %d, want %d", v, !want, want);
	}
	release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tiocsti_and_tioclinux_are_refused_on_the_low_32_bits_of_the_request),
	    cmocka_unit_test(clone3_gets_enosys_on_every_call_so_libc_falls_back_to_clone),
	    cmocka_unit_test(every_new_namespace_flag_is_refused_in_unshare_and_clone),
	    cmocka_unit_test(escape_and_kernel_surface_calls_are_refused_outright),
	    cmocka_unit_test(a_foreign_architecture_kills_the_process),
	    cmocka_unit_test(unix_sockets_are_refused_unless_the_policy_lists_one),
	    cmocka_unit_test(datagram_unix_sockets_are_refused_in_every_filter),
	    cmocka_unit_test(file_creating_calls_go_to_the_listener_only_when_one_is_asked_for),
	    cmocka_unit_test(personality_cannot_weaken_the_layout_but_can_still_be_queried),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
