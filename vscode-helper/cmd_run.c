/* cmd_run.c — `cordon run`: parse the policy flags and the command, then hand both to
 * cordon_run (core/run.c); prints warnings and errors, returns the command's exit status. */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cordon/config.h"
#include "cordon/policy.h"
#include "cordon/run.h"

static const char run_usage[] =
	"usage: cordon run [--config F] [--allow-write P]... [--allow-host H]... [--strict] "
	"[--lock]\n"
	"                  [-c STRING | -- CMD ARGS...]\n";

static void warn(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "cordon: warning: %s\n", msg);
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'f'},
		{"allow-write", required_argument, NULL, 'w'},
		{"allow-host", required_argument, NULL, 'H'},
		{"strict", no_argument, NULL, 's'},
		{"lock", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char **writes = calloc(argc, sizeof(char *)), **hosts = calloc(argc, sizeof(char *));
	size_t n_writes = 0, n_hosts = 0;
	const char *config = NULL, *command = NULL;
	bool strict = false, lock = false;
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char cwd[PATH_MAX];
	int opt, r;

	if (!writes || !hosts) {
		fputs("cordon run: out of memory\n", stderr);
		return CORDON_EXIT_SETUP;
	}
	/* "+": stop at the first non-option, so the command's own options are left alone. */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			config = optarg;
			break;
		case 'w':
			writes[n_writes++] = optarg;
			break;
		case 'H':
			hosts[n_hosts++] = optarg;
			break;
		case 's':
			strict = true;
			break;
		case 'l':
			lock = true;
			break;
		case 'c':
			command = optarg;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 0;
		default:
			fputs(run_usage, stderr);
			return CORDON_EXIT_USAGE;
		}
	}
	char *sh_argv[] = {"/bin/sh", "-c", (char *)command, NULL};
	char *const *cmd = command ? sh_argv : argv + optind;
	if ((command && optind < argc) || (!command && optind >= argc)) {
		fputs(run_usage, stderr);
		return CORDON_EXIT_USAGE;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		perror("cordon run: getcwd");
		return CORDON_EXIT_SETUP;
	}
	r = cordon_policy_build(&p, config, writes, n_writes, hosts, n_hosts, cwd, &e);
	if (r < 0) {
		fprintf(stderr, "cordon: %s\n", e.msg);
		return CORDON_EXIT_SETUP;
	}
	if (strict)
		p.strict = true;
	if (lock)
		p.lock_policy = true;

	struct cordon_run_opts o = {
		.policy = &p, .argv = cmd, .cwd = cwd, .warn = warn, .warn_arg = NULL};
	r = cordon_run(&o, &e);
	if (r < 0) {
		fprintf(stderr, "cordon: %s\n", e.msg);
		r = CORDON_EXIT_SETUP;
	} else if (e.msg[0]) {
		fprintf(stderr, "cordon: %s\n", e.msg);
	}
	cordon_policy_free(&p);
	free(writes);
	free(hosts);
	return r;
}
