/* cmd_log.c — `cordon log` (stub until implemented). */
#include <stdio.h>

#include "cmd.h"

int cmd_log(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("cordon log: not implemented yet\n", stderr);
	return CORDON_EXIT_SETUP;
}
