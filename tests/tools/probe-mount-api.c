/* probe-mount-api.c — attack probe (docs/threat-model.md §9, §10): the mount system calls that
 * could uncover what a bind mount hides or clear read-only (CVE-2021-41133).
 *
 * usage: probe-mount-api CALL   (open_tree move_mount fsopen fsconfig fsmount fspick
 *                                mount_setattr mount umount2 chroot pivot_root setns)
 * Each call gets arguments the kernel rejects without changing anything (invalid flags, fd -1, a
 * path that does not exist), so unconfined it answers EINVAL/EBADF/ENOENT — proof the call
 * reached the kernel — and under the filter EPERM. fsopen, fspick and pivot_root check privilege
 * first: unconfined they need a user+mount namespace of their own (unshare -Urm).
 * Prints "ok" (exit 0) or "CALL: ERRNAME" (exit 1). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BAD_FLAGS 0x80000000U
#define NO_PATH "/nonexistent-cordon-probe"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: probe-mount-api CALL\n", stderr);
		return 2;
	}
	const char *c = argv[1];
	long r;
	if (!strcmp(c, "open_tree"))
		r = syscall(SYS_open_tree, AT_FDCWD, "/", BAD_FLAGS);
	else if (!strcmp(c, "move_mount"))
		r = syscall(SYS_move_mount, -1, "", -1, "", BAD_FLAGS);
	else if (!strcmp(c, "fsopen"))
		r = syscall(SYS_fsopen, "cordon-no-such-fs", 0);
	else if (!strcmp(c, "fsconfig"))
		r = syscall(SYS_fsconfig, -1, 0 /* FSCONFIG_SET_FLAG */, "ro", NULL, 0);
	else if (!strcmp(c, "fsmount"))
		r = syscall(SYS_fsmount, -1, 0, 0);
	else if (!strcmp(c, "fspick"))
		r = syscall(SYS_fspick, AT_FDCWD, NO_PATH, 0);
	else if (!strcmp(c, "mount_setattr"))
		r = syscall(SYS_mount_setattr, -1, "", BAD_FLAGS, NULL, (size_t)0);
	else if (!strcmp(c, "mount"))
		r = mount("none", NO_PATH, "tmpfs", 0, NULL);
	else if (!strcmp(c, "umount2"))
		r = umount2(NO_PATH, (int)BAD_FLAGS);
	else if (!strcmp(c, "chroot"))
		r = chroot(NO_PATH);
	else if (!strcmp(c, "pivot_root"))
		r = syscall(SYS_pivot_root, NO_PATH, NO_PATH);
	else if (!strcmp(c, "setns"))
		r = setns(-1, 0);
	else {
		fprintf(stderr, "probe-mount-api: unknown call %s\n", c);
		return 2;
	}
	if (r < 0) {
		printf("%s: %s\n", c, strerrorname_np(errno));
		return 1;
	}
	puts("ok");
	return 0;
}
