/* cmd_check.c — `cordon check [--json]`: what this kernel offers each layer and which layers a
 * sandbox started now would lack. Changes nothing (probes run in child processes). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "cordon/capture.h"
#include "cordon/layers.h"

static const char help[] =
    "usage: cordon check [--json]\n"
    "\n"
    "Probe what this kernel supports for each sandbox layer and name the layers a sandbox\n"
    "started now would lack. Nothing is changed; the probes run in child processes.\n"
    "\n"
    "  --json   print one JSON object on stdout (nothing else goes to stdout)\n"
    "\n"
    "Exit status: 0 when every layer is available, 1 when something is missing (the\n"
    "\"missing\" line / array names it; without user namespaces cordon cannot confine at all,\n"
    "and \"status\" / \"userns_why\" say why and what can be done), 2 on a usage error.\n";

/* Does cordon's own seccomp filter refuse TIOCSTI, junk in the upper 32 bits included? Tried in a
 * child on fd -1: the filter answers EPERM before the kernel would answer EBADF. */
static bool tiocsti_blocked(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		struct cordon_policy p;
		struct cordon_error e;
		memset(&p, 0, sizeof(p));
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    cordon_seccomp_apply(&p, NULL, &e) < 0)
			_exit(2);
		char c = 0;
		unsigned long req = 0xdead000000000000UL | TIOCSTI;
		long r = syscall(SYS_ioctl, -1, req, &c);
		_exit(r < 0 && errno == EPERM ? 0 : 1);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

struct missing {
	const char *v[8];
	int n;
};

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

int cmd_check(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return 0;
		} else {
			fprintf(stderr, "cordon check: unknown option \"%s\"\n%s", argv[i], help);
			return CORDON_EXIT_USAGE;
		}
	}

	struct cordon_kernel k;
	struct cordon_error e = {{0}};
	if (cordon_kernel_probe(&k, &e) < 0) {
		fprintf(stderr, "cordon check: %s\n", e.msg);
		return CORDON_EXIT_SETUP;
	}
	bool blocked = k.seccomp_filter && tiocsti_blocked();

	struct missing m = {.n = 0};
	if (!k.userns)
		m.v[m.n++] = "user namespaces (mount and network namespaces)";
	if (k.landlock_abi < 1)
		m.v[m.n++] = "Landlock";
	else if (k.landlock_abi < 4)
		m.v[m.n++] = "Landlock TCP rules (ABI >= 4)";
	if (k.landlock_abi >= 1 && k.landlock_abi < 6)
		m.v[m.n++] = "Landlock signal and abstract-socket scoping (ABI >= 6)";
	if (!k.seccomp_filter)
		m.v[m.n++] = "seccomp";
	else if (!k.seccomp_notify)
		m.v[m.n++] = "seccomp user notification (guard for names not yet created)";
	if (k.legacy_tiocsti && !blocked)
		m.v[m.n++] = "TIOCSTI filter";
	if (!k.mount_setattr)
		m.v[m.n++] = "mount_setattr (recursive read-only)";
	char capture_why[256] = "";
	bool capture = k.userns && cordon_capture_probe(capture_why, sizeof(capture_why));
	if (!capture)
		m.v[m.n++] =
		    "transparent capture (every TCP connection and DNS query to the proxy)";

	if (json) {
		printf("{\"kernel\":");
		json_str(k.release);
		printf(",\"userns\":%s,\"landlock_abi\":%d,\"seccomp\":%s,\"seccomp_notify\":%s,"
		       "\"legacy_tiocsti\":%s,\"tiocsti_blocked\":%s,\"mount_setattr\":%s,"
		       "\"capture\":%s,\"usable\":%s,\"missing\":[",
		       k.userns ? "true" : "false", k.landlock_abi,
		       k.seccomp_filter ? "true" : "false", k.seccomp_notify ? "true" : "false",
		       k.legacy_tiocsti ? "true" : "false", blocked ? "true" : "false",
		       k.mount_setattr ? "true" : "false", capture ? "true" : "false",
		       k.userns ? "true" : "false");
		for (int i = 0; i < m.n; i++) {
			if (i)
				putchar(',');
			json_str(m.v[i]);
		}
		printf("]");
		if (!k.userns) {
			printf(",\"userns_why\":");
			json_str(k.userns_why);
		}
		printf("}\n");
	} else {
		printf("kernel:            %s\n", k.release);
		printf("user namespaces:   %s\n", yes(k.userns));
		if (k.landlock_abi)
			printf("Landlock:          ABI %d\n", k.landlock_abi);
		else
			printf("Landlock:          no\n");
		printf("seccomp filter:    %s\n", yes(k.seccomp_filter));
		printf("seccomp notify:    %s\n", yes(k.seccomp_notify));
		printf("legacy TIOCSTI:    %s%s\n", yes(k.legacy_tiocsti),
		       k.legacy_tiocsti
			   ? (blocked ? " (blocked by the seccomp filter)" : " (NOT blocked)")
			   : "");
		printf("mount_setattr:     %s\n", yes(k.mount_setattr));
		printf("transparent capture: %s%s%s%s\n", yes(capture), capture_why[0] ? " (" : "",
		       capture_why, capture_why[0] ? ")" : "");
		printf("missing:           ");
		if (m.n == 0)
			printf("nothing\n");
		for (int i = 0; i < m.n; i++)
			printf("%s%s", m.v[i], i + 1 < m.n ? ", " : "\n");
		if (!k.userns)
			printf("status:            cordon cannot confine here: %s\n", k.userns_why);
	}
	return m.n ? 1 : 0;
}
