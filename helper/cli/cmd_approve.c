/* cmd_approve.c — `cordon approve SESSION HOST...`, `cordon approve --reject SESSION HOST...`,
 * `cordon approve --pending SESSION`: a person, outside the sandbox, answers a locked session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cordon/control.h"

static const char usage[] =
    "usage: cordon approve SESSION HOST[:PORT]...      grant what a locked session asked for\n"
    "       cordon approve --reject SESSION HOST...    refuse it\n"
    "       cordon approve --pending SESSION           list what it is waiting for (JSON)\n"
    "  run it in a terminal outside the sandbox; SESSION is the session's CORDON_SESSION\n";

int cmd_approve(int argc, char **argv)
{
	const char *verb = "approve";
	struct cordon_error e = {{0}};
	char *words[64], *reply = NULL;
	int i = 1, n = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--reject"))
		verb = "reject", i++;
	else if (argc > 1 && !strcmp(argv[1], "--pending"))
		verb = "pending", i++;
	if (i >= argc || argv[i][0] == '-') {
		fputs(usage, stderr);
		return CORDON_EXIT_USAGE;
	}
	const char *id = argv[i++];
	int hosts = argc - i;
	if ((!strcmp(verb, "pending") && hosts != 0) || (strcmp(verb, "pending") && hosts < 1) ||
	    hosts > 60) {
		fputs(usage, stderr);
		return CORDON_EXIT_USAGE;
	}
	words[n++] = (char *)verb;
	for (; i < argc; i++)
		words[n++] = argv[i];
	words[n] = NULL;
	if (cordon_control_approve(id, words, &reply, &e) < 0) {
		fprintf(stderr, "cordon: %s\n", e.msg);
		return 1;
	}
	if (!strcmp(verb, "pending"))
		printf("%s\n", reply);
	else
		fprintf(stderr, "cordon: %s\n", reply);
	free(reply);
	return 0;
}
