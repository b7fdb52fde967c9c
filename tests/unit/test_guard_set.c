/* test_guard_set.c — the guard set as the builder hands it to the guard worker: entries, flags and
 * object inodes survive the sealed memfd; an unsealed or malformed memfd is refused; duplicates
 * are kept once, as a full entry when either was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cordon/guard.h"

static void entries_flags_and_inodes_survive_the_memfd(void **state)
{
	struct cordon_guard_set g = {0}, back;
	struct cordon_error e = {{0}};
	(void)state;
	for (int i = 0; i < 100; i++) {
		char name[32];
		snprintf(name, sizeof(name), "name-%d", i);
		assert_int_equal(cordon_guard_set_add_ex(&g, 7, (ino_t)(1000 + i), name,
							 i % 2 ? CORDON_GUARD_KEEP : 0, 8,
							 (ino_t)(2000 + i), CORDON_WHY_GIT),
				 0);
	}
	assert_int_equal(cordon_guard_set_add_ex(&g, 7, 9, ".", CORDON_GUARD_PREFIX, 0, 0, CORDON_WHY_HOME), 0);
	int fd = cordon_guard_set_to_fd(&g, &e);
	assert_true(fd >= 0);
	assert_int_equal(cordon_guard_set_from_fd(fd, &back, &e), 0);
	assert_int_equal(back.n, g.n);
	assert_memory_equal(back.v, g.v, g.n * sizeof(g.v[0]));
	assert_int_equal(back.v[100].flags, CORDON_GUARD_PREFIX);
	/* sealed: nobody holding it can change it */
	assert_true(write(fd, "x", 1) < 0);
	assert_true(ftruncate(fd, 0) < 0);
	close(fd);
	cordon_guard_set_free(&g);
	cordon_guard_set_free(&back);
}

static void an_unsealed_or_malformed_memfd_is_refused(void **state)
{
	struct cordon_guard_set back;
	struct cordon_error e = {{0}};
	(void)state;
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "garbage garbage garbage", 23), 23);
	assert_int_equal(cordon_guard_set_from_fd(fd, &back, &e), -EPROTO);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK), 0);
	assert_int_equal(cordon_guard_set_from_fd(fd, &back, &e), -EPROTO);
	close(fd);
}

static void a_pair_added_twice_is_kept_once_and_full_wins(void **state)
{
	struct cordon_guard_set g = {0};
	(void)state;
	assert_int_equal(cordon_guard_set_add_ex(&g, 1, 2, "HEAD", CORDON_GUARD_KEEP, 0, 0, CORDON_WHY_GIT), 0);
	assert_int_equal(cordon_guard_set_add(&g, 1, 2, "HEAD"), 1);
	assert_int_equal(cordon_guard_set_add_ex(&g, 1, 2, "HEAD", CORDON_GUARD_KEEP, 3, 4, CORDON_WHY_GIT), 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.v[0].flags, 0);
	assert_int_equal(g.v[0].obj_ino, 4);
	assert_int_equal(cordon_guard_set_add(&g, 1, 2, "a/b"), -EINVAL);
	assert_int_equal(cordon_guard_set_add(&g, 1, 2, ""), -EINVAL);
	cordon_guard_set_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(entries_flags_and_inodes_survive_the_memfd),
	    cmocka_unit_test(an_unsealed_or_malformed_memfd_is_refused),
	    cmocka_unit_test(a_pair_added_twice_is_kept_once_and_full_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
