/* git_run.c — child processes of the git relay (git_run.h): fork, exec, pipes and a deadline. */
#include "git_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_OUT_MAX (1 << 20)

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* child: set up fds 0-2 and exec; never returns. */
__attribute__((noreturn)) static void child(const struct git_run *r, int in, int out, int err)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (dup2(in >= 0 ? in : null, 0) < 0 || dup2(out >= 0 ? out : null, 1) < 0 ||
	    dup2(err >= 0 ? err : null, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; r->env_add && r->env_add[i]; i++)
		putenv((char *)r->env_add[i]);
	if (r->dir && chdir(r->dir) < 0)
		_exit(127);
	execvp(r->argv[0], (char *const *)r->argv);
	_exit(127);
}

int git_run(const struct git_run *r, int *status, struct cordon_error *e)
{
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1}, ws;
	pid_t pid;
	size_t in_off = 0;
	long long deadline = now_ms() + (r->timeout_ms > 0 ? r->timeout_ms : 60000);
	bool killed = false;

	if ((r->in && pipe2(pin, O_CLOEXEC) < 0) || pipe2(pout, O_CLOEXEC) < 0 ||
	    pipe2(perr, O_CLOEXEC) < 0) {
		int err = errno;
		for (int i = 0; i < 2; i++) {
			if (pin[i] >= 0)
				close(pin[i]);
			if (pout[i] >= 0)
				close(pout[i]);
		}
		return cordon_error_set(e, err, "%s: pipe: %s", r->argv[0], strerror(err));
	}
	pid = fork();
	if (pid < 0) {
		int err = errno;
		close(pout[0]);
		close(pout[1]);
		close(perr[0]);
		close(perr[1]);
		if (r->in) {
			close(pin[0]);
			close(pin[1]);
		}
		return cordon_error_set(e, err, "%s: fork: %s", r->argv[0], strerror(err));
	}
	if (pid == 0)
		child(r, r->in ? pin[0] : r->in_fd, pout[1], perr[1]);
	close(pout[1]);
	close(perr[1]);
	if (r->in) {
		close(pin[0]);
		fcntl(pin[1], F_SETFL, O_NONBLOCK);
	}
	struct pollfd p[3] = {{.fd = pout[0], .events = POLLIN},
			      {.fd = perr[0], .events = POLLIN},
			      {.fd = r->in ? pin[1] : -1, .events = POLLOUT}};
	struct cordon_strbuf *sink[2] = {r->out, r->err};
	if (r->in && r->in_len == 0) {
		close(pin[1]);
		p[2].fd = -1;
	}
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		int n = poll(p, 3, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			char buf[8192];
			ssize_t got = read(p[i].fd, buf, sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
			} else if (sink[i] && sink[i]->len < RUN_OUT_MAX) {
				cordon_sb_addn(sink[i], buf, (size_t)got);
			}
		}
		if (p[2].fd >= 0 && p[2].revents) {
			ssize_t w = write(p[2].fd, r->in + in_off, r->in_len - in_off);
			if (w > 0)
				in_off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || in_off == r->in_len) {
				close(p[2].fd);
				p[2].fd = -1;
			}
		}
	}
	for (int i = 0; i < 3; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return cordon_error_set(e, errno, "%s: waitpid: %m", r->argv[0]);
	if (killed)
		*status = 124;
	else if (WIFEXITED(ws))
		*status = WEXITSTATUS(ws);
	else
		*status = 128 + WTERMSIG(ws);
	return 0;
}

void git_run_last_line(const struct cordon_strbuf *s, char *buf, size_t len)
{
	const char *t = s && s->s ? s->s : "";
	size_t n = strlen(t);

	while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
		n--;
	size_t start = n;
	while (start > 0 && t[start - 1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(n - start), t + start);
}
