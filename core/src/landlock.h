/* landlock.h — internal to landlock.c and its unit test: the rights and scopes cordon's
 * Landlock ruleset handles, for a given Landlock ABI. */
#ifndef CORDON_LANDLOCK_H
#define CORDON_LANDLOCK_H

#include <linux/types.h>
#include <stdbool.h>

/* struct landlock_ruleset_attr as of ABI 6. Older kernels accept the larger size as long as the
 * fields they do not know are zero, which landlock_ruleset_attr guarantees. */
struct ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
	__u64 scoped;
};

/* landlock_ruleset_attr: into *out, what cordon_landlock_apply asks Landlock ABI abi to handle:
 * every right that modifies the file system, REFER, TRUNCATE and IOCTL_DEV; TCP connect, and TCP
 * bind unless allow_local_binding, when tcp (a proxy port list is given); abstract unix socket and
 * signal scoping; less whatever that ABI does not know (landlock(7), "Compatibility"; the ABI
 * versions in include/uapi/linux/landlock.h). abi < 1 (no Landlock) gives all zero. */
void landlock_ruleset_attr(long abi, bool tcp, bool allow_local_binding, struct ruleset_attr *out);

#endif
