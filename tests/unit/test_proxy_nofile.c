/* test_proxy_nofile.c — the session process's fd limit and the proxy's connection limit
 * (proxy.h): the soft RLIMIT_NOFILE goes up to the hard one, bounded, never down; the capacity
 * follows from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/proxy.h"

static unsigned long target(rlim_t cur, rlim_t max)
{
	struct rlimit rl = {.rlim_cur = cur, .rlim_max = max};

	return cordon_proxy_nofile_target(&rl);
}

static void the_soft_limit_goes_up_to_the_hard_one_bounded_and_never_down(void **state)
{
	(void)state;
	assert_int_equal(target(1024, 20000), 20000);
	assert_int_equal(target(1024, 1048576), CORDON_PROXY_NOFILE_MAX);
	assert_int_equal(target(1024, RLIM_INFINITY), CORDON_PROXY_NOFILE_MAX);
	assert_int_equal(target(1024, 1024), 1024);	  /* nothing to raise */
	assert_int_equal(target(100000, 200000), 100000); /* above the bound: left as it is */
	assert_true(target(RLIM_INFINITY, RLIM_INFINITY) == (unsigned long)RLIM_INFINITY);
}

static void the_capacity_is_what_the_fds_allow(void **state)
{
	(void)state;
	/* The figures of the report: 1024 gave 160, its hard limit 20000 gives 3322. */
	assert_int_equal(cordon_proxy_capacity(1024), 160);
	assert_int_equal(cordon_proxy_capacity(20000), 3322);
	assert_int_equal(cordon_proxy_capacity(76), 2);
	assert_int_equal(cordon_proxy_capacity(10), 1); /* never none */
	assert_int_equal(cordon_proxy_capacity((unsigned long)RLIM_INFINITY),
			 CORDON_PROXY_CONNS_UNLIMITED);
}

/* In a child, so the test's own limit is left alone. */
static void raising_sets_the_soft_limit_and_leaves_the_hard_one(void **state)
{
	struct rlimit rl;
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 300) {
		print_message("skipped: hard RLIMIT_NOFILE %lu leaves no room to raise\n",
			      (unsigned long)rl.rlim_max);
		skip();
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit low = {.rlim_cur = 256, .rlim_max = rl.rlim_max}, now;
		long want =
		    (long)(rl.rlim_max == RLIM_INFINITY || rl.rlim_max > CORDON_PROXY_NOFILE_MAX
			       ? CORDON_PROXY_NOFILE_MAX
			       : rl.rlim_max);

		if (setrlimit(RLIMIT_NOFILE, &low) < 0)
			_exit(2);
		if (cordon_proxy_nofile_raise() != want)
			_exit(3);
		if (getrlimit(RLIMIT_NOFILE, &now) < 0 || (long)now.rlim_cur != want ||
		    now.rlim_max != rl.rlim_max)
			_exit(4);
		_exit(cordon_proxy_nofile_raise() == want ? 0 : 5); /* again: nothing to do */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_soft_limit_goes_up_to_the_hard_one_bounded_and_never_down),
	    cmocka_unit_test(the_capacity_is_what_the_fds_allow),
	    cmocka_unit_test(raising_sets_the_soft_limit_and_leaves_the_hard_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
