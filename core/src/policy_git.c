/* policy_git.c — the writable trees a git worktree or submodule checkout needs to commit when its
 * git directory lies outside the current directory: found from the ".git" file git itself
 * reads (gitrepository-layout(5), git-worktree(1)), added to the policy so that `cordon policy`
 * shows them, and protected inside like every git directory (mounts_git.c). */
#include "cordon/policy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* first_line: the first line of path after prefix, trailing blanks cut, into out (PATH_MAX).
 * Returns 0, or -1 when the file does not read or does not start with prefix. */
static int first_line(const char *path, const char *prefix, char *out)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, out, PATH_MAX - 1);
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	for (size_t l = strlen(out); l > 0 && out[l - 1] == ' '; l--)
		out[l - 1] = '\0';
	size_t pl = strlen(prefix);
	if (strncmp(out, prefix, pl) != 0 || !out[pl])
		return -1;
	memmove(out, out + pl, strlen(out + pl) + 1);
	return 0;
}

/* real_dir: realpath(3) of rel (relative to base when not absolute), which must be a directory.
 * Returns 0 or -1. */
static int real_dir(const char *base, const char *rel, char *out)
{
	char joined[PATH_MAX * 2];
	struct stat st;

	if (rel[0] == '/')
		snprintf(joined, sizeof(joined), "%s", rel);
	else
		snprintf(joined, sizeof(joined), "%s/%s", base, rel);
	if (!realpath(joined, out) || stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
		return -1;
	return 0;
}

static bool within_writable(const struct cordon_policy *p, const char *path)
{
	for (size_t i = 0; i < p->allow_write.n; i++) {
		size_t n = strlen(p->allow_write.v[i]);
		if (!strncmp(path, p->allow_write.v[i], n) && (path[n] == '/' || !path[n]))
			return true;
	}
	return false;
}

int cordon_policy_add_git_admin(struct cordon_policy *p, const char *cwd, struct cordon_error *e)
{
	char dir[PATH_MAX], dotgit[PATH_MAX + 8], target[PATH_MAX], admin[PATH_MAX];
	char common[PATH_MAX + 16], cdir[PATH_MAX];
	struct stat st;

	if (!cwd || cwd[0] != '/' || !realpath(cwd, dir))
		return 0;
	/* the ".git" git finds first, from cwd upwards */
	for (;;) {
		snprintf(dotgit, sizeof(dotgit), "%s/.git", dir);
		if (lstat(dotgit, &st) == 0)
			break;
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			return 0;
		*slash = '\0';
	}
	if (!S_ISREG(st.st_mode) || first_line(dotgit, "gitdir: ", target) < 0 ||
	    real_dir(dir, target, admin) < 0 || within_writable(p, admin))
		return 0;
	int r = 0;
	snprintf(common, sizeof(common), "%s/commondir", admin);
	if (first_line(common, "", target) == 0 && real_dir(admin, target, cdir) == 0) {
		/* a linked worktree: its own administrative directory (index, HEAD, logs) and, for
		 * its commits, the common directory's objects, refs and logs; the common config and
		 * hooks stay read-only */
		static const char *const parts[] = {"objects", "refs", "logs"};
		r = cordon_policy_add_path(&p->allow_write, admin, NULL, NULL, e);
		for (size_t i = 0; r == 0 && i < sizeof(parts) / sizeof(parts[0]); i++) {
			char part[PATH_MAX + 16];
			snprintf(part, sizeof(part), "%s/%s", cdir, parts[i]);
			if (stat(part, &st) == 0 && S_ISDIR(st.st_mode) && !within_writable(p, part))
				r = cordon_policy_add_path(&p->allow_write, part, NULL, NULL, e);
		}
	} else {
		/* a submodule's checkout: its git directory in the superproject's .git/modules */
		r = cordon_policy_add_path(&p->allow_write, admin, NULL, NULL, e);
	}
	return r;
}
