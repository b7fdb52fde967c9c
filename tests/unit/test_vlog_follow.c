/* test_vlog_follow.c — reading the violation log as it grows (cordon_vlog_read_from,
 * cordon_vlog_follow): only complete lines are entries, a torn one waits for its '\n'. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cordon/vlog.h"

#define LINE_A                                                                                     \
	"{\"time\":\"2026-01-31T12:00:00Z\",\"host\":\"a.test\",\"port\":443,\"pid\":7,"           \
	"\"reason\":\"not on the allowlist\",\"proto\":\"connect\"}\n"
#define LINE_B                                                                                     \
	"{\"time\":\"2026-01-31T12:00:01Z\",\"host\":\"b.test\",\"port\":80,\"pid\":0,"            \
	"\"reason\":\"on the denylist\",\"proto\":\"http\"}\n"

struct seen {
	int n;
	char host[8][256];
	int stop_after; /* 0: never */
};

static int collect(const struct cordon_vlog_entry *v, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->host[s->n], sizeof(s->host[0]), "%s", v->host);
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 42 : 0;
}

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cordon-vlogf.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int open_log(const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	return open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
}

static void put(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void a_torn_last_line_is_not_read_until_its_newline_comes(void **state)
{
	struct cordon_error e = {{0}};
	struct seen s = {0};
	char path[128];
	off_t off = 0;
	int fd = open_log("torn.log", path, sizeof(path));
	size_t half = strlen(LINE_B) / 2;

	(void)state;
	assert_true(fd >= 0);
	put(fd, LINE_A);
	assert_int_equal(write(fd, LINE_B, half), (ssize_t)half);
	assert_int_equal(cordon_vlog_read_from(fd, &off, collect, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.host[0], "a.test");
	assert_int_equal(off, (off_t)strlen(LINE_A)); /* the torn half is left unread */
	/* nothing new: nothing read, twice */
	assert_int_equal(cordon_vlog_read_from(fd, &off, collect, &s, &e), 0);
	assert_int_equal(s.n, 1);
	/* all of the line but its '\n': still not an entry (a JSON object is complete before) */
	assert_int_equal(write(fd, LINE_B + half, strlen(LINE_B) - half - 1),
			 (ssize_t)(strlen(LINE_B) - half - 1));
	assert_int_equal(cordon_vlog_read_from(fd, &off, collect, &s, &e), 0);
	assert_int_equal(s.n, 1);
	put(fd, "\n");
	assert_int_equal(cordon_vlog_read_from(fd, &off, collect, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.host[1], "b.test");
	assert_int_equal(off, (off_t)(strlen(LINE_A) + strlen(LINE_B)));
	close(fd);
}

static void bad_lines_are_skipped_and_a_stopping_callback_leaves_its_line_unread(void **state)
{
	struct cordon_error e = {{0}};
	struct seen s = {.stop_after = 1};
	char path[128];
	off_t off = 0;
	int fd = open_log("mixed.log", path, sizeof(path));

	(void)state;
	assert_true(fd >= 0);
	put(fd, "not json\n" LINE_A LINE_B);
	assert_int_equal(cordon_vlog_read_from(fd, &off, collect, &s, &e), 42);
	assert_int_equal(s.n, 1);
	assert_int_equal(off, (off_t)strlen("not json\n")); /* LINE_A stays unread */
	s.stop_after = 0;
	assert_int_equal(cordon_vlog_read_from(fd, &off, collect, &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.host[1], "a.test");
	assert_string_equal(s.host[2], "b.test");
	/* a truncated file is read again from its start */
	assert_int_equal(ftruncate(fd, 0), 0);
	put(fd, LINE_B);
	assert_int_equal(cordon_vlog_read_from(fd, &off, collect, &s, &e), 0);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.host[3], "b.test");
	close(fd);
}

static void an_overlong_line_is_skipped_whole(void **state)
{
	struct cordon_error e = {{0}};
	struct seen s = {0};
	char path[128];
	off_t off = 0;
	int fd = open_log("long.log", path, sizeof(path));
	char *big = malloc(5 * CORDON_VLOG_LINE_MAX);

	(void)state;
	assert_non_null(big);
	assert_true(fd >= 0);
	memset(big, 'x', 5 * CORDON_VLOG_LINE_MAX - 1);
	big[5 * CORDON_VLOG_LINE_MAX - 1] = '\0';
	put(fd, big);
	put(fd, "\n" LINE_A);
	assert_int_equal(cordon_vlog_read_from(fd, &off, collect, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.host[0], "a.test");
	free(big);
	close(fd);
}

/* A bound on a follow that should have ended by itself: fails the test rather than hanging. */
static int too_long(void *arg)
{
	return time(NULL) > *(time_t *)arg;
}

/* A writer process that creates the log late, writes a torn line, completes it, then a second
 * entry; the follower must see exactly the two entries, in order. */
static void follow_waits_for_the_file_and_for_complete_lines(void **state)
{
	struct cordon_error e = {{0}};
	struct seen s = {.stop_after = 2};
	time_t deadline = time(NULL) + 10;
	struct cordon_vlog_follow_opts o = {
	    .should_stop = too_long, .stop_arg = &deadline, .interval_ms = 50};
	char path[128];
	size_t half = strlen(LINE_A) / 2;
	pid_t pid;
	int status;

	(void)state;
	snprintf(path, sizeof(path), "%s/late/s.log", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct timespec t = {0, 200 * 1000 * 1000};
		char d[128];
		int fd;

		nanosleep(&t, NULL);
		snprintf(d, sizeof(d), "%s/late", dir);
		fd = mkdir(d, 0700) == 0 ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;
		if (fd < 0 || write(fd, LINE_A, half) != (ssize_t)half)
			_exit(1);
		nanosleep(&t, NULL);
		if (write(fd, LINE_A + half, strlen(LINE_A) - half) < 0)
			_exit(1);
		nanosleep(&t, NULL);
		if (write(fd, LINE_B, strlen(LINE_B)) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(cordon_vlog_follow(path, &o, collect, &s, &e), 42);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.host[0], "a.test");
	assert_string_equal(s.host[1], "b.test");
}

static int stop_now(void *arg)
{
	return ++*(int *)arg >= 3;
}

/* should_stop ends the follow with 0; a hung-up hup_fd with -EPIPE, after the entries. */
static void follow_ends_on_should_stop_and_on_hang_up(void **state)
{
	struct cordon_error e = {{0}};
	struct seen s = {0};
	int calls = 0, sv[2];
	struct cordon_vlog_follow_opts o = {
	    .should_stop = stop_now, .stop_arg = &calls, .interval_ms = 20};
	char path[128];
	int fd = open_log("ends.log", path, sizeof(path));

	(void)state;
	assert_true(fd >= 0);
	put(fd, LINE_A);
	assert_int_equal(cordon_vlog_follow(path, &o, collect, &s, &e), 0);
	assert_int_equal(calls, 3);
	assert_int_equal(s.n, 1);
	/* control for the hang-up: a live peer does not end it (should_stop does, as above) */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	calls = 0;
	o.has_hup_fd = true;
	o.hup_fd = sv[0];
	assert_int_equal(cordon_vlog_follow(path, &o, collect, &s, &e), 0);
	assert_int_equal(s.n, 2);
	close(sv[1]);
	o.should_stop = NULL;
	assert_int_equal(cordon_vlog_follow(path, &o, collect, &s, &e), -EPIPE);
	assert_int_equal(s.n, 3);
	assert_non_null(strstr(e.msg, "session ended"));
	close(sv[0]);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_torn_last_line_is_not_read_until_its_newline_comes),
	    cmocka_unit_test(bad_lines_are_skipped_and_a_stopping_callback_leaves_its_line_unread),
	    cmocka_unit_test(an_overlong_line_is_skipped_whole),
	    cmocka_unit_test(follow_waits_for_the_file_and_for_complete_lines),
	    cmocka_unit_test(follow_ends_on_should_stop_and_on_hang_up),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
