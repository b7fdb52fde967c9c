/* main.c — entry point of the cordon helper: dispatches the first word to a cmd_*.c command. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

#ifndef CORDON_VERSION
#define CORDON_VERSION "0.1.0"
#endif

static const char usage[] =
    "usage: cordon COMMAND [ARGS]\n"
    "\n"
    "  run [--config F] [--allow-write P]... [--allow-host H]... [--strict] [--lock]\n"
    "      [--allow-bind PORT]... [--expose PORT[:HOSTPORT]]...\n"
    "      [-c STRING | -- CMD ARGS...]\n"
    "                      run CMD confined (own PID namespace, fresh /proc); exit status passes\n"
    "                      through (128+N on signal N), 125 on a setup failure\n"
    "  check [--json]      what this kernel supports and what would be missing\n"
    "  policy [--json] [--config F] [--allow-write P]... [--allow-host H]...\n"
    "                      the effective merged policy\n"
    "  log [--json] [-f] [SESSION|FILE]\n"
    "                      denied requests of a session (default: the current one, else the\n"
    "                      latest); -f: then each new one as it is logged, until Ctrl-C\n"
    "  approve [--reject|--pending] SESSION [HOST[:PORT]...]\n"
    "                      answer a locked session's request, from outside the sandbox\n"
    "  connect HOST PORT   relay stdin/stdout to HOST:PORT through the session's proxy\n"
    "                      (for ssh's ProxyCommand inside a session)\n"
    "  shell [policy flags] a confined $SHELL (login, interactive), for editor terminals\n"
    "  sh [policy flags] -c STRING\n"
    "                      a confined `sh -c` drop-in (VS Code tasks, Neovim 'shell')\n"
    "  serve --stdio [--ask-timeout SECONDS]\n"
    "                      JSON-RPC 2.0 for editors, one message per line on stdin/stdout\n"
    "  --version, --help\n";

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{"run", cmd_run},         {"check", cmd_check}, {"policy", cmd_policy},
	{"connect", cmd_connect}, {"log", cmd_log},
	{"shell", cmd_shell},     {"sh", cmd_sh},       {"serve", cmd_serve},
	{"approve", cmd_approve},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return CORDON_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	/* git runs its gpg.ssh.program with ssh-keygen's arguments (git_env.h) */
	if (!strcmp(argv[1], "-Y"))
		return cmd_sign(argc, argv);
	if (!strcmp(argv[1], "--version")) {
		printf("cordon %s\n", CORDON_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cordon: unknown command \"%s\"\n%s", argv[1], usage);
	return CORDON_EXIT_USAGE;
}
