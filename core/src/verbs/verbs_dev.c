/* verbs_dev.c — the dev-server verbs of the shell builtins: `sandbox expose PORT [HOSTPORT]`,
 * `sandbox unexpose HOSTPORT`, `sandbox exposed`, `sandbox allow-bind PORT` (verbs.h). */
#include "verbs_dev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/control.h"
#include "cordon/ports.h"

static void say(const struct cordon_shell *sh, bool err, const char *fmt, const char *a,
		const char *b)
{
	char msg[2300];

	snprintf(msg, sizeof(msg), fmt, a, b);
	(err ? sh->err : sh->out)(sh->arg, msg);
}

int verbs_dev_main(const struct cordon_shell *sh, int ctl_fd, int argc, char *const *argv)
{
	const char *v = argv[0];
	struct cordon_error e = {{0}};
	char *reply = NULL;
	char *words[4] = {(char *)v, NULL, NULL, NULL};

	if (!strcmp(v, "exposed")  ? argc != 1
	    : !strcmp(v, "expose") ? argc != 2 && argc != 3
				   : argc != 2) {
		say(sh, true, "sandbox: usage: sandbox %s\n",
		    !strcmp(v, "expose")     ? "expose PORT [HOSTPORT]"
		    : !strcmp(v, "exposed")  ? "exposed"
		    : !strcmp(v, "unexpose") ? "unexpose HOSTPORT"
					     : "allow-bind PORT",
		    NULL);
		return CORDON_VERB_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		if (cordon_port_parse(argv[i], v, &e) < 0) {
			say(sh, true, "sandbox: %s\n", e.msg, NULL);
			return CORDON_VERB_USAGE;
		}
		words[i] = argv[i];
	}
	if (ctl_fd < 0) {
		say(sh, true, "sandbox: %s: the sandbox is not on in this shell\n", v, NULL);
		return CORDON_VERB_FAIL;
	}
	if (cordon_control_call(ctl_fd, words, -1, &reply, &e) < 0) {
		say(sh, true, "sandbox: %s\n", e.msg, NULL);
		return CORDON_VERB_FAIL;
	}
	if (!strcmp(v, "expose")) {
		char in[16] = "", host[16] = "";
		sscanf(reply, "%15[0-9]>%15[0-9]", in, host);
		say(sh, false, "sandbox: port %s inside is reached at 127.0.0.1:%s on the host\n",
		    in, host);
	} else if (!strcmp(v, "exposed")) {
		say(sh, false, "%s\n", reply[0] ? reply : "nothing exposed", NULL);
	} else if (!strcmp(v, "allow-bind")) {
		say(sh, false, "sandbox: TCP port %s may be bound%s\n", argv[1],
		    reply[0] ? " (already allowed)" : "");
	}
	free(reply);
	return CORDON_VERB_OK;
}
