/* cmd_run.c — `cordon run` (stub until implemented). */
#include <stdio.h>

#include "cmd.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("cordon run: not implemented yet\n", stderr);
	return CORDON_EXIT_SETUP;
}
