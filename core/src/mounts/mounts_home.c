/* mounts_home.c — a writable tree that holds the home directory (cwd = ~, --allow-write ~):
 * home's dot-entries and ~/bin stay read-only, and none can be created, except the writable trees
 * the person named beneath them (a cache: --allow-write ~/.npm).
 *
 * A list of dangerous names in home cannot be complete: login shells, desktop sessions, systemd,
 * editors, language tool chains and plugin managers each read their own (~/.config/..., ~/.local/
 * share/..., ~/.pam_environment, ~/.gdbinit, ~/.ipython/...), and ~/bin is on PATH by Debian's
 * .profile. So the rule is the other way round: every entry whose name starts with "." and bin
 * itself, as they are at start, read-only; a prefix guard entry refuses new ones
 * (README.md, "A writable home"). */
#include "mounts_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void mnt_note(struct mnt_ctx *c, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!c->notes || c->notes_len == 0)
		return;
	n = strlen(c->notes);
	if (n > 0 && n + 2 < c->notes_len) {
		memcpy(c->notes + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	if (n < c->notes_len)
		vsnprintf(c->notes + n, c->notes_len - n, fmt, ap);
	va_end(ap);
}

/* home_writable: a writable tree holds canon (or is it). */
static bool home_writable(const struct mnt_ctx *c, const char *canon)
{
	for (size_t i = 0; i < c->nw; i++)
		if (c->w[i].is_dir &&
		    (!strcmp(c->w[i].canon, canon) || mnt_under(canon, c->w[i].canon, NULL)))
			return true;
	return false;
}

/* is_tree: canon is a writable tree itself (the person allowed it by name). */
static bool is_tree(const struct mnt_ctx *c, const char *canon)
{
	for (size_t i = 0; i < c->nw; i++)
		if (!strcmp(c->w[i].canon, canon))
			return true;
	return false;
}

static bool kept_name(const char *n)
{
	return (n[0] == '.' && strcmp(n, ".") && strcmp(n, "..")) || !strcmp(n, "bin");
}

/* pin_entry: home's entry name read-only (a link: guarded, what it names protected). */
static int pin_entry(struct mnt_ctx *c, int hfd, const char *home, const char *name)
{
	char shown[PATH_MAX], canon[PATH_MAX];
	struct stat st;

	if (snprintf(shown, sizeof(shown), "%s/%s", home, name) >= (int)sizeof(shown))
		shown[sizeof(shown) - 2] = '~';
	if (fstatat(hfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		snprintf(shown, sizeof(shown), "%s", home);
		return mnt_walk(c, hfd, name, shown);
	}
	int fd = mnt_open(hfd, name, O_NOFOLLOW,
			  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd == -ENOENT || fd == -EACCES)
		return 0;
	if (fd < 0)
		return mnt_fail(c, -fd, "read-only home entry", shown, "openat2");
	int r = 0;
	if (mnt_canon(fd, canon, sizeof(canon)) == 0 && is_tree(c, canon)) {
		close(fd);
		return 0; /* named writable by the person */
	}
	r = mnt_ro_bind(c, fd, shown, true);
	close(fd);
	return r == 0 ? mnt_guard_at(c, hfd, name, shown, CORDON_GUARD_KEEP) : r;
}

int mnt_home_protect(struct mnt_ctx *c, const char *home)
{
	char canon[PATH_MAX];

	if (!home || home[0] != '/' || !strcmp(home, "/"))
		return 0;
	int hfd = mnt_open(AT_FDCWD, home, O_DIRECTORY, RESOLVE_NO_MAGICLINKS);
	if (hfd < 0)
		return 0; /* no home, or hidden: nothing writable there */
	if (mnt_canon(hfd, canon, sizeof(canon)) < 0 || !home_writable(c, canon) ||
	    mnt_on_ro_mount(hfd)) {
		close(hfd);
		return 0;
	}
	int rd = openat(hfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = rd >= 0 ? fdopendir(rd) : NULL;
	if (!d) {
		int err = errno;
		if (rd >= 0)
			close(rd);
		close(hfd);
		return mnt_fail(c, err, "read-only home entries of", canon, "opendir");
	}
	int r = 0;
	for (struct dirent *de; r == 0 && (de = readdir(d));)
		if (kept_name(de->d_name))
			r = pin_entry(c, hfd, canon, de->d_name);
	closedir(d);
	/* and none new: every name starting with ".", and bin */
	if (r == 0)
		r = mnt_guard_at(c, hfd, ".", canon, CORDON_GUARD_PREFIX);
	if (r == 0 && faccessat(hfd, "bin", F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		r = mnt_guard_at(c, hfd, "bin", canon, 0);
	close(hfd);
	if (r == 0)
		mnt_note(c,
			 "the home directory %s is writable, so its dot-files and bin stay "
			 "read-only (allow a cache by name: --allow-write ~/.cache/NAME)",
			 canon);
	return r;
}
