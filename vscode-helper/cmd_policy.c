/* cmd_policy.c — `cordon policy` (stub until implemented). */
#include <stdio.h>

#include "cmd.h"

int cmd_policy(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("cordon policy: not implemented yet\n", stderr);
	return CORDON_EXIT_SETUP;
}
