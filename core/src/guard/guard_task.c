/* guard_task.c — the guard worker's view of one target task: its /proc/TID directory and status
 * file, kept open across calls in a small per-tid cache, and the facts the emulation needs parsed
 * afresh from that status file on every call.
 *
 * What is cached, and why that is safe: only the two file descriptors, never a value read through
 * them. A procfs fd of /proc/TID is bound to the task (its struct pid) it was opened for, not to
 * the number: once that task has exited, every read or lookup through the fd fails (ESRCH or
 * ENOENT), also after the number has been given to a new task (proc(5); the kernel's
 * get_proc_task() finds no task). So a stale slot can only fail, and a failing slot is reopened.
 * Credentials, umask, groups and capabilities can change inside (setuid(2), capset(2), umask(2)
 * are allowed), and so can the cwd: they are read again for every notification. */
#include "guard_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* key_is: line starts with key (which ends in ':'); returns the text after it, or NULL. */
static const char *key_is(const char *line, const char *key, size_t keylen)
{
	return strncmp(line, key, keylen) == 0 ? line + keylen : NULL;
}

/* numbers: parse up to max unsigned numbers in base from s (separated by blanks); returns how
 * many were read. strtoull, not sscanf: this runs for every notification. */
static int numbers(const char *s, int base, unsigned long long *v, int max)
{
	int n = 0;
	while (n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s < '0' || (*s > '9' && base != 16) ||
		    (base == 16 && !((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
				     (*s >= 'A' && *s <= 'F'))))
			break;
		char *end;
		errno = 0;
		v[n] = strtoull(s, &end, base);
		if (end == s || errno)
			break;
		n++;
		s = end;
	}
	return n;
}

/* parse_status: fill t from the text of /proc/TID/status (proc(5): "Key:\tvalue" lines). s is
 * modified (lines are cut at '\n'). Returns 0, or -EPROTO when a field is missing. */
static int parse_status(char *s, struct guard_task *t)
{
	int seen = 0;
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		unsigned long long v[4];
		const char *rest;
		if ((rest = key_is(line, "Tgid:", 5)) && numbers(rest, 10, v, 1) == 1) {
			t->tgid = (pid_t)v[0];
			seen |= 1;
		} else if ((rest = key_is(line, "Umask:", 6)) && numbers(rest, 8, v, 1) == 1) {
			t->umask = (mode_t)v[0];
			seen |= 2;
		} else if ((rest = key_is(line, "Uid:", 4)) && numbers(rest, 10, v, 4) == 4) {
			t->fsuid = (uid_t)v[3];
			seen |= 4;
		} else if ((rest = key_is(line, "Gid:", 4)) && numbers(rest, 10, v, 4) == 4) {
			t->fsgid = (gid_t)v[3];
			seen |= 8;
		} else if ((rest = key_is(line, "CapEff:", 7)) && numbers(rest, 16, v, 1) == 1) {
			t->capeff = v[0];
			seen |= 16;
		} else if ((rest = key_is(line, "Groups:", 7))) {
			size_t len = strlen(rest);
			t->groups_cut = len >= sizeof(t->groups);
			if (!t->groups_cut)
				memcpy(t->groups, rest, len + 1);
			else
				t->groups[0] = '\0';
			seen |= 32;
		}
		line = nl ? nl + 1 : NULL;
	}
	return seen == 63 ? 0 : -EPROTO;
}

int guard_status_read(int statusfd, struct guard_task *t)
{
	char buf[8192];
	/* pread at offset 0 makes procfs generate the text anew (seq_file restarts at 0) */
	ssize_t n = pread(statusfd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	pid_t tid = t->tid;
	int r = parse_status(buf, t);
	t->tid = tid;
	return r;
}

/* slot_close: forget slot s, closing its fds. */
static void slot_close(struct guard_tslot *s)
{
	if (s->procfd >= 0)
		close(s->procfd);
	if (s->statusfd >= 0)
		close(s->statusfd);
	s->tid = 0;
	s->procfd = s->statusfd = -1;
}

void guard_tcache_init(struct guard_tcache *tc)
{
	memset(tc, 0, sizeof(*tc));
	for (int i = 0; i < GUARD_TCACHE_SLOTS; i++)
		tc->v[i].procfd = tc->v[i].statusfd = -1;
}

void guard_tcache_clear(struct guard_tcache *tc)
{
	for (int i = 0; i < GUARD_TCACHE_SLOTS; i++)
		slot_close(&tc->v[i]);
}

/* slot_open: open /proc/TID and its status file into s. Returns 0 or -errno. */
static int slot_open(struct guard_tslot *s, pid_t tid)
{
	char nm[32];
	snprintf(nm, sizeof(nm), "/proc/%d", (int)tid);
	int pfd = open(nm, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	int sfd = openat(pfd, "status", O_RDONLY | O_CLOEXEC);
	if (sfd < 0) {
		int e = errno;
		close(pfd);
		return -e;
	}
	s->tid = tid;
	s->procfd = pfd;
	s->statusfd = sfd;
	return 0;
}

int guard_task_attach(struct guard_call *c, struct guard_tcache *tc, pid_t tid)
{
	struct guard_tslot *s = NULL, *lru = &tc->v[0];
	for (int i = 0; i < GUARD_TCACHE_SLOTS; i++) {
		if (tc->v[i].tid == tid && tc->v[i].procfd >= 0) {
			s = &tc->v[i];
			break;
		}
		if (tc->v[i].used < lru->used)
			lru = &tc->v[i];
	}
	c->task.tid = tid;
	if (s) {
		if (guard_status_read(s->statusfd, &c->task) == 0)
			goto hit;
		/* the task this slot was opened for is gone (or unreadable): open anew */
		slot_close(s);
	} else {
		s = lru;
		slot_close(s);
	}
	int r = slot_open(s, tid);
	if (r < 0)
		return r;
	r = guard_status_read(s->statusfd, &c->task);
	if (r < 0) {
		slot_close(s);
		return r;
	}
hit:
	s->used = ++tc->clock;
	c->procfd = s->procfd;
	c->task_read = true;
	return 0;
}
