/* caps.c — dropping every capability set and locking the securebits (capabilities(7)), the step
 * of docs/design.md §3 after the mounts and before Landlock. */
#include "cordon/layers.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Root keeps no special powers across execve (NOROOT), setuid transitions do not touch the
 * capability sets (NO_SETUID_FIXUP), keep-caps stays off, no ambient raise; all locked so a
 * later process cannot undo them (capabilities(7), "The securebits flags"). */
#define WANT_SECUREBITS                                                                            \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |                           \
	 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |   \
	 SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

/* drop_bounding: empty the bounding set (PR_CAPBSET_DROP of a capability not in it succeeds).
 * Capability numbers are tried upwards until the kernel answers EINVAL for one it does not know,
 * which may lie above the build's CAP_LAST_CAP (/proc/sys/kernel/cap_last_cap tells the same, at
 * the price of reading a file). Without CAP_SETPCAP every drop is refused (EPERM), which is no
 * failure for a capability that is not in the set. Returns 0, or -errno and the capability in
 * *failed. */
static int drop_bounding(int *failed)
{
	for (int c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) == 0)
			continue;
		int err = errno, in = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
		if (in < 0 && errno == EINVAL)
			return 0; /* past the kernel's last capability */
		if (err == EPERM && in == 0)
			continue;
		*failed = c;
		return -err;
	}
	return 0;
}

/* Every step is attempted even after a failure, so the process ends as unprivileged as it can
 * be; the first failure is the one reported. */
int cordon_caps_drop_all(struct cordon_error *e)
{
	int rc = 0;

	/* Securebits first: setting them needs CAP_SETPCAP, which the drops below remove. */
	int cur = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (cur < 0 || (cur & WANT_SECUREBITS) != WANT_SECUREBITS) {
		unsigned long bits = (unsigned long)(cur < 0 ? 0 : cur) | WANT_SECUREBITS;
		if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
			rc = cordon_error_set(e, errno,
					      "capabilities: locking the securebits: %s (needs "
					      "CAP_SETPCAP, i.e. a user namespace of our own)",
					      strerror(errno));
	}

	/* Bounding set: no execve can bring a capability back (also needs CAP_SETPCAP). */
	int failed = 0, r = drop_bounding(&failed);
	if (r < 0 && rc == 0)
		rc = cordon_error_set(
		    e, -r, "capabilities: dropping capability %d from the bounding set: %s", failed,
		    strerror(-r));

	/* Ambient set (Linux >= 4.3): EINVAL means the kernel has none, so nothing to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL &&
	    rc == 0)
		rc = cordon_error_set(e, errno, "capabilities: clearing the ambient set: %s",
				      strerror(errno));

	/* Effective, permitted and inheritable sets, all 64 bits (two 32-bit words). */
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0 && rc == 0)
		rc = cordon_error_set(e, errno,
				      "capabilities: clearing the effective, permitted and "
				      "inheritable sets: %s",
				      strerror(errno));
	return rc;
}

/* The guard worker's set: the bounding and ambient sets emptied as above, CAP_SYS_PTRACE alone
 * kept in the effective and permitted sets (capabilities(7)). Securebits are left as they are:
 * the worker runs no program. */
int cordon_caps_keep_only_ptrace(struct cordon_error *e)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int failed = 0, r = drop_bounding(&failed);

	if (r < 0)
		return cordon_error_set(
		    e, -r, "capabilities: dropping capability %d from the bounding set: %s", failed,
		    strerror(-r));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return cordon_error_set(e, errno, "capabilities: clearing the ambient set: %s",
					strerror(errno));
	memset(data, 0, sizeof(data));
	data[CAP_SYS_PTRACE / 32].effective = 1u << (CAP_SYS_PTRACE % 32);
	data[CAP_SYS_PTRACE / 32].permitted = 1u << (CAP_SYS_PTRACE % 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return cordon_error_set(e, errno, "capabilities: keeping only CAP_SYS_PTRACE: %s",
					strerror(errno));
	return 0;
}
