/* verbs_dev.h — private to verbs.c: the dev-server verbs (expose, unexpose, exposed,
 * allow-bind), sent to the session process over the control channel. */
#ifndef CORDON_VERBS_DEV_H
#define CORDON_VERBS_DEV_H

#include "cordon/verbs.h"

/* verbs_dev_is: is v one of them? */
static inline int verbs_dev_is(const char *v)
{
	return !__builtin_strcmp(v, "expose") || !__builtin_strcmp(v, "unexpose") ||
	       !__builtin_strcmp(v, "exposed") || !__builtin_strcmp(v, "allow-bind");
}

/* verbs_dev_main: run verb argv[0] with its words; returns a CORDON_VERB_* status. */
int verbs_dev_main(const struct cordon_shell *sh, int ctl_fd, int argc, char *const *argv);

#endif
