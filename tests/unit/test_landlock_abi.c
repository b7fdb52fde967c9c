/* test_landlock_abi.c — what cordon's Landlock ruleset handles on each Landlock ABI (landlock.c's
 * fall-through switch): for ABI 1..7 and a later one, the file-system rights, network rights and
 * scopes left, against a table written from the UAPI (include/uapi/linux/landlock.h, landlock(7)),
 * and the running kernel's acceptance of the set for every ABI up to its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../core/src/landlock.h"

/* Bits of the UAPI, by the ABI that added them (kernel ABI: they never change). */
#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_REMOVE_DIR (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_DIR (1ULL << 7)
#define FS_MAKE_REG (1ULL << 8)
#define FS_MAKE_SOCK (1ULL << 9)
#define FS_MAKE_FIFO (1ULL << 10)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_MAKE_SYM (1ULL << 12)
#define FS_REFER (1ULL << 13)	  /* ABI 2 */
#define FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define NET_BIND_TCP (1ULL << 0)  /* ABI 4 */
#define NET_CONNECT_TCP (1ULL << 1)
#define SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define SCOPE_SIGNAL (1ULL << 1)
/* ABI 7 added only logging flags of landlock_restrict_self(2). */

/* Every right that modifies the file system in ABI 1; reads and execution are never handled. */
#define FS_WRITES                                                                                  \
	(FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR | FS_MAKE_DIR |             \
	 FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM)

struct expect {
	long abi;
	uint64_t fs;
	bool net; /* TCP rights are handled (when a proxy port list is given) */
	uint64_t scoped;
};

static const struct expect table[] = {
    {1, FS_WRITES, false, 0},
    {2, FS_WRITES | FS_REFER, false, 0},
    {3, FS_WRITES | FS_REFER | FS_TRUNCATE, false, 0},
    {4, FS_WRITES | FS_REFER | FS_TRUNCATE, true, 0},
    {5, FS_WRITES | FS_REFER | FS_TRUNCATE | FS_IOCTL_DEV, true, 0},
    {6, FS_WRITES | FS_REFER | FS_TRUNCATE | FS_IOCTL_DEV, true,
     SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL},
    {7, FS_WRITES | FS_REFER | FS_TRUNCATE | FS_IOCTL_DEV, true,
     SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL},
    /* A later ABI keeps everything cordon asks for. */
    {8, FS_WRITES | FS_REFER | FS_TRUNCATE | FS_IOCTL_DEV, true,
     SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL},
};

static void each_abi_handles_the_rights_it_knows_and_no_other(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct expect *x = &table[i];
		for (int tcp = 0; tcp <= 1; tcp++) {
			for (int bind_ok = 0; bind_ok <= 1; bind_ok++) {
				struct ruleset_attr a;
				landlock_ruleset_attr(x->abi, tcp, bind_ok, &a);
				uint64_t net = 0;
				if (x->net && tcp)
					net = NET_CONNECT_TCP | (bind_ok ? 0 : NET_BIND_TCP);
				if (a.handled_access_fs != x->fs || a.handled_access_net != net ||
				    a.scoped != x->scoped)
					fail_msg(
					    "ABI %ld tcp=%d allowLocalBinding=%d: fs 0x%llx net "
					    "0x%llx scoped 0x%llx, want 0x%llx 0x%llx 0x%llx",
					    x->abi, tcp, bind_ok,
					    (unsigned long long)a.handled_access_fs,
					    (unsigned long long)a.handled_access_net,
					    (unsigned long long)a.scoped, (unsigned long long)x->fs,
					    (unsigned long long)net, (unsigned long long)x->scoped);
			}
		}
	}
}

static void reads_and_execution_are_never_handled(void **state)
{
	(void)state;
	for (long abi = 1; abi <= 8; abi++) {
		struct ruleset_attr a;
		landlock_ruleset_attr(abi, true, false, &a);
		assert_int_equal(a.handled_access_fs & (FS_EXECUTE | FS_READ_FILE | FS_READ_DIR),
				 0);
	}
}

static void without_landlock_nothing_is_asked(void **state)
{
	(void)state;
	for (long abi = -1; abi <= 0; abi++) {
		struct ruleset_attr a;
		landlock_ruleset_attr(abi, true, false, &a);
		assert_int_equal(a.handled_access_fs, 0);
		assert_int_equal(a.handled_access_net, 0);
		assert_int_equal(a.scoped, 0);
	}
}

/* The running kernel creates a ruleset from the set for its own ABI and every older one: the set
 * names no right or scope it does not know (it would answer EINVAL). */
static void the_running_kernel_accepts_the_set_for_its_abi_and_older(void **state)
{
	(void)state;
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* ..._VERSION */);
	if (abi < 1) {
		printf("# Landlock unavailable here (%s)\n", strerror(errno));
		skip();
	}
	for (long v = 1; v <= abi; v++) {
		for (int tcp = 0; tcp <= 1; tcp++) {
			struct ruleset_attr a;
			landlock_ruleset_attr(v, tcp, false, &a);
			long fd = syscall(SYS_landlock_create_ruleset, &a, sizeof(a), 0);
			if (fd < 0)
				fail_msg("kernel ABI %ld refused the set for ABI %ld (tcp=%d): %s",
					 abi, v, tcp, strerror(errno));
			close((int)fd);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_abi_handles_the_rights_it_knows_and_no_other),
	    cmocka_unit_test(reads_and_execution_are_never_handled),
	    cmocka_unit_test(without_landlock_nothing_is_asked),
	    cmocka_unit_test(the_running_kernel_accepts_the_set_for_its_abi_and_older),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
