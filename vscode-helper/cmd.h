/* cmd.h — the subcommands of the cordon helper binary; each lives in its own cmd_*.c file.
 * Every command returns the process exit status: 0 ok, 2 usage, 125 setup failure, or the
 * confined command's status (cordon run). */
#ifndef CORDON_CMD_H
#define CORDON_CMD_H

#define CORDON_EXIT_USAGE 2
#define CORDON_EXIT_SETUP 125

int cmd_run(int argc, char **argv);     /* cmd_run.c */
int cmd_check(int argc, char **argv);   /* cmd_check.c */
int cmd_policy(int argc, char **argv);  /* cmd_policy.c */
int cmd_connect(int argc, char **argv); /* cmd_connect.c */
int cmd_log(int argc, char **argv);     /* cmd_log.c */
int cmd_approve(int argc, char **argv); /* cmd_approve.c */

#endif
