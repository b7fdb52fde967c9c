/* git_verb.h — private to verbs.c: the `sandbox git` verb (git_verb.c). */
#ifndef CORDON_GIT_VERB_H
#define CORDON_GIT_VERB_H

#include <stdbool.h>

struct cordon_shell;

/* cordon_git_verb: ask the session over ctl_fd for its git state ("git" control request) and
 * print it as text, or as the session's JSON object with json. Returns a CORDON_VERB_* status. */
int cordon_git_verb(const struct cordon_shell *sh, int ctl_fd, bool json);

#endif
