/* guard_mem.c — copying path strings out of a seccomp-notified target's memory, once, bounded.
 * The guard decides on and acts on this copy only (docs/threat-model.md §26). */
#include "guard_int.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define FIRST_CHUNK 256 /* bytes of the first read: holds most paths whole */

long cordon_guard_read_path(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	/* The kernel's getname() treats a NULL pointer as EFAULT, and accepts strings shorter than
	 * PATH_MAX including the terminating NUL. */
	if (addr == 0)
		return -EFAULT;
	if (size > PATH_MAX)
		size = PATH_MAX;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t done = 0;

	/* process_vm_readv(2) reports partial transfers only at iovec granularity, so read at most
	 * one page (or the rest of one) per call: a string that ends just before an unmapped page is
	 * read without touching that page, as the kernel's own strncpy_from_user would. Most paths
	 * are short: the first read takes FIRST_CHUNK bytes, the rest follows only without a NUL. */
	while (done < size) {
		uint64_t at = addr + done;
		size_t chunk = page - (size_t)(at % page);
		if (done == 0 && chunk > FIRST_CHUNK)
			chunk = FIRST_CHUNK;
		if (chunk > size - done)
			chunk = size - done;
		struct iovec local = {buf + done, chunk};
		struct iovec remote = {(void *)(uintptr_t)at, chunk};
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n < 0)
			return errno == ESRCH ? -ESRCH : -EFAULT;
		if (n == 0)
			return -EFAULT;
		char *nul = memchr(buf + done, '\0', (size_t)n);
		if (nul)
			return nul - buf;
		done += (size_t)n;
	}
	return -ENAMETOOLONG;
}
