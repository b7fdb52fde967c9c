/* guard_truncate.c — truncate(2) for a confined process: a file read-only inside (a pin, by any of
 * its names: a hard link of it in a writable tree reaches the same inode) is refused, as a writing
 * open of it is (guard_ops.c do_open); any other file is truncated by the worker through the
 * magic link of the O_PATH fd it checked (proc(5)), so the inode checked is the one changed. The
 * worker's Landlock domain and mounts are the target's: a file outside the writable trees stays
 * EROFS/EACCES as the kernel says. */
#include "guard_int.h"
#include "guard_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int guard_truncate(struct guard_call *c, struct guard_req *r)
{
	struct guard_path p;
	char link[PATH_MAX];
	bool magic = false;
	struct stat st;
	int fd, e;

	if (r->length < 0)
		return -EINVAL;
	if ((e = guard_resolve(c, r->dfd[0], r->path[0], &p)) < 0)
		return e;
	/* truncate(2) follows symbolic links: each one is resolved as the target would */
	for (int i = 0;; i++) {
		fd = openat(p.parent, p.name, O_PATH | O_CLOEXEC | (magic ? 0 : O_NOFOLLOW));
		if (fd < 0)
			return -errno;
		fd = guard_call_track(c, fd);
		if (fd < 0)
			return fd;
		if (guard_fstat(c, fd, &st) < 0)
			return -EACCES; /* fail closed */
		if (!S_ISLNK(st.st_mode) || magic)
			break;
		if (i >= 40)
			return -ELOOP;
		e = guard_follow_final(c, &p, link, sizeof(link));
		if (e < 0)
			return e;
		magic = e == 1;
	}
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (guard_object_read_only(c->g, &st)) {
		guard_log_note(c, &p);
		return -EACCES;
	}
	char lp[64];
	snprintf(lp, sizeof(lp), "/proc/self/fd/%d", fd);
	int res = truncate(lp, r->length);
	return guard_reply(c, res < 0 ? errno : 0, 0) < 0 ? -ESRCH : 1;
}
