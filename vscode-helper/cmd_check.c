/* cmd_check.c — `cordon check` (stub until implemented). */
#include <stdio.h>

#include "cmd.h"

int cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("cordon check: not implemented yet\n", stderr);
	return CORDON_EXIT_SETUP;
}
