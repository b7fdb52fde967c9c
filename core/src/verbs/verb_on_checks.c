/* verb_on_checks.c — what `sandbox on` refuses before it changes anything: open file
 * descriptors that would reach outside the policy, and children that would stay unconfined. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verbs_int.h"

static bool path_under(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return true;
	return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

bool verbs_writable_by_policy(const struct cordon_policy *p, const char *path)
{
	for (size_t i = 0; i < p->allow_write.n; i++) {
		char real[PATH_MAX];
		if (path_under(path, p->allow_write.v[i]))
			return true;
		if (realpath(p->allow_write.v[i], real) && path_under(path, real))
			return true;
	}
	return false;
}

/* Open file descriptors that would outlive confinement as a way out (docs/threat-model.md §7, §20):
 * Landlock governs only opens made after it, so a directory fd, a socket or a write fd to a file
 * outside the writable trees would stay usable. stdin/stdout/stderr may be sockets (the person's
 * own stdio); ttys, anonymous pipes and /dev/null-like devices are harmless. */
int verbs_scan_fds(const struct cordon_policy *p, char *list, size_t len, int *suggest)
{
	DIR *d = opendir("/proc/self/fd");
	int bad = 0;
	*suggest = -1;
	if (!d) {
		verbs_append(list, len, "  cannot list /proc/self/fd: %s\n", strerror(errno));
		return 1;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (de->d_name[0] == '.' || *end || fd == dirfd(d))
			continue;
		char lp[64], target[PATH_MAX] = "", info[512];
		snprintf(lp, sizeof(lp), "/proc/self/fd/%ld", fd);
		ssize_t tl = readlink(lp, target, sizeof(target) - 1);
		target[tl > 0 ? tl : 0] = '\0';
		struct stat st;
		if (fstat((int)fd, &st) < 0)
			continue;
		unsigned flags = 0;
		snprintf(lp, sizeof(lp), "/proc/self/fdinfo/%ld", fd);
		FILE *f = fopen(lp, "re");
		if (f) {
			while (fgets(info, sizeof(info), f))
				if (sscanf(info, "flags: %o", &flags) == 1)
					break;
			fclose(f);
		}
		bool wr = (flags & O_ACCMODE) != O_RDONLY;
		/* A close-on-exec write fd reaches no program the shell runs: it is the shell's own
		 * saved copy of stdio during a redirection (`sandbox on 2>/dev/null`). */
		bool cloexec = (fcntl((int)fd, F_GETFD) & FD_CLOEXEC) != 0;
		const char *why = NULL;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s", target);
		char *del = strstr(path, " (deleted)");
		if (del && del[10] == '\0')
			*del = '\0';

		if (S_ISDIR(st.st_mode)) {
			why = "directory";
		} else if (S_ISSOCK(st.st_mode)) {
			if (fd > 2)
				why = "socket";
		} else if (S_ISBLK(st.st_mode)) {
			why = "block device";
		} else if (strncmp(target, "anon_inode:", 11) == 0) {
			const char *k = target + 11;
			if (strcmp(k, "[eventfd]") && strcmp(k, "[eventpoll]") &&
			    strcmp(k, "[signalfd]") && strcmp(k, "[timerfd]") &&
			    strcmp(k, "inotify"))
				why = "kernel object";
		} else if (S_ISCHR(st.st_mode)) {
			static const char *const harmless[] = {"/dev/null",    "/dev/zero",
							       "/dev/full",    "/dev/random",
							       "/dev/urandom", "/dev/tty"};
			bool ok = isatty((int)fd) || !wr;
			for (size_t i = 0; !ok && i < sizeof(harmless) / sizeof(harmless[0]); i++)
				ok = strcmp(target, harmless[i]) == 0;
			if (!ok)
				why = "write fd to a device";
		} else if (S_ISFIFO(st.st_mode)) {
			if (wr && target[0] == '/' && !verbs_writable_by_policy(p, path))
				why = "write fd to a named pipe outside the writable trees";
		} else if (S_ISREG(st.st_mode) && wr && fd > 2 && !cloexec) {
			if (strncmp(target, "/memfd:", 7) != 0 &&
			    !verbs_writable_by_policy(p, path))
				why = "write fd to a file outside the writable trees";
		}
		if (why) {
			verbs_append(list, len, "  fd %ld: %s %s\n", fd, why, target);
			if (*suggest < 0)
				*suggest = (int)fd;
			bad++;
		}
	}
	closedir(d);
	return bad;
}

/* Living children of this process (jobs, coprocs, process substitutions): they would stay
 * unconfined and the shell could drive them through pipes afterwards (docs/threat-model.md §8).
 * Zombies are finished and harmless. */
int verbs_scan_children(char *list, size_t len)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[PATH_MAX], buf[4096];
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		long pid;
		while (fscanf(f, "%ld", &pid) == 1) {
			char comm[64] = "?", state = '?';
			snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
			int sfd = open(path, O_RDONLY | O_CLOEXEC);
			ssize_t r = sfd >= 0 ? read(sfd, buf, sizeof(buf) - 1) : -1;
			if (sfd >= 0)
				close(sfd);
			if (r <= 0)
				continue;
			buf[r] = '\0';
			char *l = strchr(buf, '('), *rp = strrchr(buf, ')');
			if (l && rp && rp > l) {
				snprintf(comm, sizeof(comm), "%.*s", (int)(rp - l - 1), l + 1);
				state = rp[1] == ' ' ? rp[2] : '?';
			}
			if (state == 'Z' || state == 'X')
				continue;
			verbs_append(list, len, "  pid %ld (%s)\n", pid, comm);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}
