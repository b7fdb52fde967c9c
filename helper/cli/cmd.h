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
int cmd_sign(int argc, char **argv);    /* cmd_sign.c: git's gpg.ssh.program (-Y ...) */
int cmd_log(int argc, char **argv);     /* cmd_log.c */
int cmd_approve(int argc, char **argv); /* cmd_approve.c */
int cmd_shell(int argc, char **argv);   /* cmd_shell.c */
int cmd_sh(int argc, char **argv);      /* cmd_sh.c */
int cmd_serve(int argc, char **argv);   /* cmd_serve.c */

struct policy_flags;
/* cmd_run_confined (cmd_shell.c): build the policy from f and the current directory, run argv
 * confined with cordon_run; prints errors as "cordon WHO: ..."; returns the exit status. */
int cmd_run_confined(const char *who, const struct policy_flags *f, char *const *argv);

#endif
