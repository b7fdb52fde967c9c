/* subreaper.c — test runner aid: runs CMD as a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER),
 * so every process CMD starts and orphans is re-parented here, then names what CMD left behind.
 *
 * usage: subreaper --report FILE [--grace SECONDS] [--marker PATH] -- CMD [ARGS...]
 * Every child is reaped as it ends (a zombie would still answer kill -0). When CMD has exited,
 * the processes still below this one get up to SECONDS (default 5; PR_SET_PDEATHSIG and teardown
 * are asynchronous) to end; each one left is then written to FILE as "PID COMMAND LINE" (one line),
 * killed (SIGKILL) and reaped. With --marker, a process elsewhere (not this one's ancestor, so not
 * the runner) whose cwd, executable or command line contains PATH is reported and killed the same
 * way: one started outside this tree, e.g. by a server that was itself left behind and then reaped.
 * FILE is empty when nothing was left. Exit status: CMD's (128+N when it died of signal N), 125
 * when this program could not run it. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 65536

static pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static void usage(void)
{
	fputs("usage: subreaper --report FILE [--grace SECONDS] [--marker PATH] -- CMD [ARGS...]\n",
	      stderr);
	exit(125);
}

/* parent_of: PPid of PID from /proc/PID/stat (proc(5): field 4, after the parenthesised comm,
 * which may itself hold spaces and parentheses); -1 when PID is gone. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *rp = strrchr(buf, ')');
	int ppid;
	if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/* cmdline_of: /proc/PID/cmdline with NULs as spaces into BUF (empty when unreadable). */
static void cmdline_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	while (n > 0 && buf[n - 1] == 0)
		n--;
	buf[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = ' ';
}

/* one_line: CMD as one line of at most 200 bytes for the report (an inline script's newlines and
 * tabs become spaces, runs of them one space). */
static const char *one_line(char *cmd)
{
	size_t o = 0;
	for (size_t i = 0; cmd[i] && o < 200; i++) {
		char c = (unsigned char)cmd[i] < 0x20 ? ' ' : cmd[i];
		if (c == ' ' && (o == 0 || cmd[o - 1] == ' '))
			continue;
		cmd[o++] = c;
	}
	if (o == 200)
		memcpy(cmd + 196, " ...", 4);
	cmd[o] = 0;
	return cmd;
}

/* link_has: the target of /proc/PID/NAME (cwd, exe) contains MARK. */
static bool link_has(pid_t pid, const char *name, const char *mark)
{
	char path[64], target[4096];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = 0;
	return strstr(target, mark) != NULL;
}

/* is_ancestor: PID is this process or one of its ancestors (the runner). */
static bool is_ancestor(pid_t pid)
{
	for (pid_t p = getpid(); p > 0; p = parent_of(p))
		if (p == pid)
			return true;
	return false;
}

/* leftovers: fill OUT with the processes below this one (and, with MARK, those elsewhere that
 * carry it); returns how many. */
static size_t leftovers(pid_t *out, size_t max, const char *mark)
{
	static pid_t pids[MAX_PROCS], ppids[MAX_PROCS];
	size_t n = 0, k = 0;
	pid_t self = getpid();
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d)) && n < MAX_PROCS;) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (*end || v <= 0)
			continue;
		pids[n] = (pid_t)v;
		ppids[n] = parent_of((pid_t)v);
		n++;
	}
	closedir(d);
	for (size_t i = 0; i < n && k < max; i++) {
		bool below = false;
		/* Walk up through the snapshot; depth bounded by the number of processes. */
		pid_t p = ppids[i];
		for (size_t depth = 0; p > 0 && depth < n; depth++) {
			if (p == self) {
				below = true;
				break;
			}
			size_t j;
			for (j = 0; j < n && pids[j] != p; j++)
				;
			p = j < n ? ppids[j] : -1;
		}
		if (!below && mark && pids[i] != self && !is_ancestor(pids[i])) {
			char cmd[4096];
			cmdline_of(pids[i], cmd, sizeof(cmd));
			below = strstr(cmd, mark) || link_has(pids[i], "cwd", mark) ||
				link_has(pids[i], "exe", mark);
		}
		if (below)
			out[k++] = pids[i];
	}
	return k;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	const char *report = NULL, *mark = NULL;
	long grace_ms = 5000;
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--report") && i + 1 < argc)
			report = argv[++i];
		else if (!strcmp(argv[i], "--grace") && i + 1 < argc)
			grace_ms = atol(argv[++i]) * 1000;
		else if (!strcmp(argv[i], "--marker") && i + 1 < argc)
			mark = argv[++i];
		else
			usage();
	}
	if (!report || i + 1 >= argc)
		usage();
	FILE *rep = fopen(report, "we");
	if (!rep) {
		fprintf(stderr, "subreaper: %s: %s\n", report, strerror(errno));
		return 125;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "subreaper: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 125;
	}
	struct sigaction sa = {.sa_handler = forward};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	child = fork();
	if (child < 0) {
		fprintf(stderr, "subreaper: fork: %s\n", strerror(errno));
		return 125;
	}
	if (child == 0) {
		execvp(argv[i + 1], argv + i + 1);
		fprintf(stderr, "subreaper: %s: %s\n", argv[i + 1], strerror(errno));
		_exit(125);
	}
	int status = 0, rc;
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p == child) {
			status = st;
			break;
		}
		if (p < 0 && errno != EINTR)
			break;
	}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	child = 0;

	static pid_t left[MAX_PROCS];
	size_t n = 0;
	for (long waited = 0;; waited += 50) {
		reap_all();
		n = leftovers(left, MAX_PROCS, mark);
		if (n == 0 || waited >= grace_ms)
			break;
		sleep_ms(50);
	}
	for (size_t j = 0; j < n; j++) {
		char cmd[4096];
		cmdline_of(left[j], cmd, sizeof(cmd));
		fprintf(rep, "%d %s\n", (int)left[j], one_line(cmd));
	}
	fclose(rep);
	/* Kill until nothing is left: a leftover may fork while its siblings die. */
	for (int round = 0; n > 0 && round < 100; round++) {
		for (size_t j = 0; j < n; j++)
			kill(left[j], SIGKILL);
		sleep_ms(20);
		reap_all();
		n = leftovers(left, MAX_PROCS, mark);
	}
	return rc;
}
