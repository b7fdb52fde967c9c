/* cmd_run.c — `cordon run`: parse the policy flags and the command, then hand both to
 * cordon_run (core/src/run.c); prints warnings and errors, returns the command's exit status. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cordon/policy.h"
#include "cordon/run.h"
#include "cordon/vlog.h"
#include "policy_flags.h"

static const char run_usage[] =
    "usage: cordon run " POLICY_FLAGS_USAGE " [-c STRING | -- CMD ARGS...]\n";

/* put_safe: s to stderr with control characters as \xHH: a host name or a path comes from a
 * confined process and must not reach the terminal as escape sequences. */
static void put_safe(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			fprintf(stderr, "\\x%02x", *c);
		else
			fputc(*c, stderr);
	}
}

/* print_denial: one stderr line per refused request, so a command whose own error is vague
 * ("E403") is explained: the host and why the proxy refused it. */
static int print_denial(const struct cordon_vlog_entry *v, void *arg)
{
	(void)arg;
	if (!strcmp(v->proto, "write")) {
		fputs("cordon: refused write ", stderr);
		put_safe(v->path);
		fprintf(stderr, " (%s, %s)\n", v->syscall, v->reason);
	} else {
		fputs("cordon: refused ", stderr);
		put_safe(v->host);
		if (strcmp(v->proto, "dns")) /* a name looked up at the DNS stub has no port */
			fprintf(stderr, ":%u", v->port);
		fprintf(stderr, " (%s)\n", v->reason);
	}
	return 0;
}

/* warn: a notice from cordon_run; "note: ..." ones are information, the rest warnings. */
static void warn(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "cordon: %s%s\n", strncmp(msg, "note: ", 6) ? "warning: " : "", msg);
}

int cmd_run(int argc, char **argv)
{
	struct policy_flags f;
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char cwd[PATH_MAX];
	int first, r;

	/* --help wins over a wrong operand count: the operands are checked after it. */
	first = policy_flags_parse(argc, argv, &f);
	if ((r = policy_flags_usage(&f, first, false, run_usage)) >= 0)
		return r;
	/* -c STRING is `sh -c STRING`; otherwise the operands are the command. */
	char *sh_argv[] = {"/bin/sh", "-c", (char *)f.command, NULL};
	char *const *cmd = f.command ? sh_argv : argv + first;
	bool bad = f.json || (f.command && first < argc) || (!f.command && first >= argc);
	if ((r = policy_flags_usage(&f, first, bad, run_usage)) >= 0)
		return r;
	if (!getcwd(cwd, sizeof(cwd))) {
		perror("cordon run: getcwd");
		policy_flags_free(&f);
		return CORDON_EXIT_SETUP;
	}
	r = policy_flags_build(&f, &p, &e);
	policy_flags_free(&f);
	if (r < 0) {
		fprintf(stderr, "cordon: %s\n", e.msg);
		cordon_policy_free(&p);
		return CORDON_EXIT_SETUP;
	}

	char log_path[4096] = "";
	struct cordon_run_opts o = {.policy = &p,
				    .argv = cmd,
				    .cwd = cwd,
				    .warn = warn,
				    .log_path = log_path,
				    .log_path_len = sizeof(log_path)};
	r = cordon_run(&o, &e);
	if (log_path[0])
		(void)cordon_vlog_read(log_path, print_denial, NULL, NULL);
	if (r < 0) {
		fprintf(stderr, "cordon: %s\n", e.msg);
		r = CORDON_EXIT_SETUP;
	} else if (e.msg[0]) {
		fprintf(stderr, "cordon: %s\n", e.msg); /* why the command could not be executed */
	}
	cordon_policy_free(&p);
	return r;
}
