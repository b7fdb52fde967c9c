/* cmd_connect.c — `cordon connect` (stub until implemented). */
#include <stdio.h>

#include "cmd.h"

int cmd_connect(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("cordon connect: not implemented yet\n", stderr);
	return CORDON_EXIT_SETUP;
}
