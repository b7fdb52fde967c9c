/* report.c — the kernel report (report.h): the probe's answers turned into what a sandbox started
 * now would lack, once, for every command that tells it and for the confinement order. */
#include "cordon/report.h"
#include "capture/capture_probe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void add(struct cordon_report *r, const char *what, unsigned layers)
{
	if (r->n_missing < CORDON_REPORT_MAX_MISSING) {
		r->missing[r->n_missing].what = what;
		r->missing[r->n_missing].layers = layers;
		r->n_missing++;
	}
}

void cordon_report_from_kernel(struct cordon_report *r, const struct cordon_kernel *k,
			       bool tiocsti_blocked, bool inside_sandbox)
{
	memset(r, 0, sizeof(*r));
	r->k = *k;
	r->tiocsti_blocked = tiocsti_blocked;
	r->inside_sandbox = inside_sandbox;
	r->usable = k->userns;

	if (!k->userns)
		add(r, "user namespaces (mount and network namespaces)", CORDON_LAYER_NAMESPACES);
	/* Landlock by ABI (landlock(7)): TCP rules came with 4, signal and abstract-socket
	 * scoping with 6. */
	if (k->landlock_abi < 1)
		add(r, "Landlock", CORDON_LAYER_LANDLOCK);
	else if (k->landlock_abi < 4)
		add(r, "Landlock TCP rules (ABI >= 4)", 0);
	if (k->landlock_abi >= 1 && k->landlock_abi < 6)
		add(r, "Landlock signal and abstract-socket scoping (ABI >= 6)", 0);
	if (!k->seccomp_filter)
		add(r, "seccomp", CORDON_LAYER_SECCOMP | CORDON_LAYER_GUARD);
	else if (!k->seccomp_notify)
		add(r, "seccomp user notification (guard for names not yet created)",
		    CORDON_LAYER_GUARD);
	if (k->legacy_tiocsti && !tiocsti_blocked)
		add(r, "TIOCSTI filter", 0);
	if (!k->mount_setattr)
		add(r, "mount_setattr (recursive read-only)", 0);
}

/* tiocsti_blocked: does cordon's own seccomp filter refuse TIOCSTI, junk in the upper 32 bits
 * included (CVE-2019-10063)? Tried in a child on fd -1: the filter answers EPERM before the kernel
 * would answer EBADF. */
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

void cordon_report_capture(struct cordon_report *r, bool capture, const char *why)
{
	r->capture = capture;
	snprintf(r->capture_why, sizeof(r->capture_why), "%s", capture || !why ? "" : why);
	if (!capture)
		add(r, "transparent capture (every TCP connection and DNS query to the proxy)",
		    CORDON_LAYER_CAPTURE);
}

int cordon_report_probe(struct cordon_report *r, bool inside_sandbox, struct cordon_error *e)
{
	struct cordon_kernel k;
	int ret = cordon_kernel_probe(&k, e);

	if (ret < 0)
		return ret;
	cordon_report_from_kernel(r, &k, k.seccomp_filter && tiocsti_blocked(), inside_sandbox);
	char why[sizeof(r->capture_why)] = "";
	bool capture = k.userns && cordon_capture_probe(why, sizeof(why));
	cordon_report_capture(r, capture, why);
	return 0;
}

unsigned cordon_report_layers(const struct cordon_report *r)
{
	unsigned m = 0;

	for (int i = 0; i < r->n_missing; i++)
		m |= r->missing[i].layers;
	return m;
}

void cordon_report_layer_names(unsigned mask, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
	    {CORDON_LAYER_USERNS, "user namespace"},
	    {CORDON_LAYER_MOUNTNS, "mount namespace"},
	    {CORDON_LAYER_NETNS, "network namespace"},
	    {CORDON_LAYER_LANDLOCK, "Landlock"},
	    {CORDON_LAYER_SECCOMP, "seccomp"},
	    {CORDON_LAYER_GUARD, "guard"},
	    {CORDON_LAYER_CAPTURE, "transparent capture"},
	};
	size_t o = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(mask & names[i].bit))
			continue;
		int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", names[i].name);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

void cordon_report_json(const struct cordon_report *r, struct cordon_strbuf *b)
{
	const struct cordon_kernel *k = &r->k;

	cordon_sb_add(b, "{\"release\":");
	cordon_sb_json_str(b, k->release, CORDON_JSON_UTF8);
	cordon_sb_addf(b,
		       ",\"userns\":%s,\"landlock_abi\":%d,\"seccomp\":%s,\"seccomp_notify\":%s,"
		       "\"legacy_tiocsti\":%s,\"tiocsti_blocked\":%s,\"mount_setattr\":%s,"
		       "\"capture\":%s,\"usable\":%s,\"inside_sandbox\":%s,\"missing\":[",
		       tf(k->userns), k->landlock_abi, tf(k->seccomp_filter), tf(k->seccomp_notify),
		       tf(k->legacy_tiocsti), tf(r->tiocsti_blocked), tf(k->mount_setattr),
		       tf(r->capture), tf(r->usable), tf(r->inside_sandbox));
	for (int i = 0; i < r->n_missing; i++) {
		cordon_sb_add(b, i ? "," : "");
		cordon_sb_json_str(b, r->missing[i].what, CORDON_JSON_UTF8);
	}
	cordon_sb_add(b, "]");
	if (!k->userns) {
		cordon_sb_add(b, ",\"userns_why\":");
		cordon_sb_json_str(b, k->userns_why, CORDON_JSON_UTF8);
	}
	cordon_sb_add(b, "}");
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

void cordon_report_text(const struct cordon_report *r, struct cordon_strbuf *b)
{
	const struct cordon_kernel *k = &r->k;

	cordon_sb_addf(b, "%-21s%s\n", "kernel:", k->release);
	cordon_sb_addf(b, "%-21s%s\n", "user namespaces:", yes(k->userns));
	if (k->landlock_abi)
		cordon_sb_addf(b, "%-21sABI %d\n", "Landlock:", k->landlock_abi);
	else
		cordon_sb_addf(b, "%-21sno\n", "Landlock:");
	cordon_sb_addf(b, "%-21s%s\n", "seccomp filter:", yes(k->seccomp_filter));
	cordon_sb_addf(b, "%-21s%s\n", "seccomp notify:", yes(k->seccomp_notify));
	cordon_sb_addf(b, "%-21s%s%s\n", "legacy TIOCSTI:", yes(k->legacy_tiocsti),
		       !k->legacy_tiocsti   ? ""
		       : r->tiocsti_blocked ? " (blocked by the seccomp filter)"
					    : " (NOT blocked)");
	cordon_sb_addf(b, "%-21s%s\n", "mount_setattr:", yes(k->mount_setattr));
	cordon_sb_addf(b, "%-21s%s%s%s%s\n", "transparent capture:", yes(r->capture),
		       r->capture_why[0] ? " (" : "", r->capture_why, r->capture_why[0] ? ")" : "");
	cordon_sb_addf(b, "%-21s", "would be missing:");
	if (r->n_missing == 0)
		cordon_sb_add(b, "nothing");
	for (int i = 0; i < r->n_missing; i++)
		cordon_sb_addf(b, "%s%s", i ? ", " : "", r->missing[i].what);
	cordon_sb_add(b, "\n");
	if (!r->usable)
		cordon_sb_addf(b, "%-21scordon cannot confine here: %s\n",
			       "status:", k->userns_why);
	if (r->inside_sandbox)
		cordon_sb_add(b,
			      "note: already inside a sandbox, so the lines above are what a "
			      "sandbox nested in it would get; `sandbox status` lists the layers "
			      "in force\n");
}
