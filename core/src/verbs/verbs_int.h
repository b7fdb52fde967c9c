/* verbs_int.h — what the files of the `sandbox` verbs share (verbs.c dispatches to verb_*.c):
 * output through the shell adapter, the control channel, and reading its JSON replies. */
#ifndef CORDON_VERBS_INT_H
#define CORDON_VERBS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/json.h"
#include "cordon/policy.h"
#include "cordon/verbs.h"

#define MAX_FLAGS 64 /* hosts one allow-host or deny-host names */

/* verbs_say: printf-formatted text to the adapter's stdout (to_err 0) or stderr; OUT and ERR
 * ("sandbox: " first) in a function with `sh` in scope. Cut at 4 KiB. */
void verbs_say(const struct cordon_shell *sh, int to_err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define OUT(...) verbs_say(sh, 0, __VA_ARGS__)
#define ERR(...) verbs_say(sh, 1, "sandbox: " __VA_ARGS__)

/* verbs_usage: "sandbox: " fmt (with what) and the usage text on stderr; returns
 * CORDON_VERB_USAGE. */
int verbs_usage(const struct cordon_shell *sh, const char *fmt, const char *what);

/* verbs_append: printf-formatted text appended to the string in buf (len bytes in all). */
void verbs_append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* verbs_self_confined: NoNewPrivs 1 and Seccomp 2 in /proc/self/status: confined by someone.
 * verbs_inherited: this shell is confined but holds no control channel (started inside). */
bool verbs_self_confined(void);
bool verbs_inherited(int ctl_fd);

/* verbs_ask: one request on the control channel (control.h); on failure the message is printed
 * and a negative errno returned. */
int verbs_ask(const struct cordon_shell *sh, int ctl_fd, char **words, char **reply);

/* Reading a JSON reply (json.h) for the text forms: parse (freed on failure), a value's text
 * (control bytes as \xHH, cut to len), a boolean (false if absent), an array of scalars as
 * "a, b, c" or "none". */
int verbs_json_parse(struct cordon_json *j, const char *s);
const char *verbs_json_text(const struct cordon_json *j, int i, char *buf, size_t len);
int verbs_json_bool(const struct cordon_json *j, int i);
void verbs_json_list(const struct cordon_json *j, int i, char *buf, size_t len);

/* verb_on_checks.c: is path inside a writable tree of p (as written or through realpath)?
 * The open fds and the live children `sandbox on` refuses, listed into list; their number. */
bool verbs_writable_by_policy(const struct cordon_policy *p, const char *path);
int verbs_scan_fds(const struct cordon_policy *p, char *list, size_t len, int *suggest);
int verbs_scan_children(char *list, size_t len);

/* verb_log.c: $CORDON_LOG when this shell is confined without a channel, else NULL. */
const char *verbs_file_log_path(int ctl_fd);

/* verb_policy.c: the policy `sandbox on` would build here, as JSON (malloc'd); -1 on failure
 * (printed). */
int verbs_local_policy_json(const struct cordon_shell *sh, char **out);

/* The verbs, each in its file; each returns a CORDON_VERB_* status. */
int verbs_on(const struct cordon_shell *sh, int *ctl_fd, int argc, char *const *argv);
int verbs_status(const struct cordon_shell *sh, int ctl_fd, bool json);
int verbs_check(const struct cordon_shell *sh, bool json, bool confined);
int verbs_policy(const struct cordon_shell *sh, int ctl_fd, bool json);
int verbs_hosts(const struct cordon_shell *sh, int ctl_fd, bool json);
int verbs_hostchange(const struct cordon_shell *sh, int ctl_fd, int argc, char *const *argv);
int verbs_log(const struct cordon_shell *sh, int ctl_fd, bool json);
int verbs_log_follow(const struct cordon_shell *sh, int ctl_fd, bool json);

#endif
