/* verb_policy.c — `sandbox policy`: the live session's policy, or the one `sandbox on` would
 * build here, in the JSON and text forms `cordon policy` prints. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cordon/config.h"
#include "cordon/policy_build.h"
#include "cordon/strbuf.h"

#include "verbs_int.h"

/* Without a session: the policy `sandbox on` would build here, as JSON. */
int verbs_local_policy_json(const struct cordon_shell *sh, char **out)
{
	char cwd[PATH_MAX];
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	memset(&p, 0, sizeof(p));
	if (!getcwd(cwd, sizeof(cwd)) || cordon_policy_build(&p, NULL, cwd, &e) < 0 ||
	    cordon_policy_to_json(&p, out, &e) < 0) {
		ERR("policy: %s\n", e.msg[0] ? e.msg : strerror(errno));
		cordon_policy_free(&p);
		return -1;
	}
	cordon_policy_free(&p);
	return 0;
}

int verbs_policy(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	char *reply = NULL;
	char *words[] = {"policy", NULL};
	if (ctl_fd >= 0 ? verbs_ask(sh, ctl_fd, words, &reply) < 0
			: verbs_local_policy_json(sh, &reply) < 0)
		return CORDON_VERB_FAIL;
	if (json) {
		/* as `cordon policy --json`: one newline at the end, and whole (OUT would cut it)
		 */
		struct cordon_strbuf b = {0};
		size_t n = strlen(reply);
		while (n && reply[n - 1] == '\n')
			n--;
		cordon_sb_addn(&b, reply, n);
		cordon_sb_add(&b, "\n");
		if (!b.oom)
			sh->out(sh->arg, b.s);
		cordon_sb_free(&b);
	} else {
		/* the summary `cordon policy` prints, from the policy the reply holds */
		struct cordon_policy p;
		struct cordon_error e = {{0}};
		char *text = NULL;
		if (ctl_fd < 0)
			OUT("(sandbox off: the policy `sandbox on` would apply here)\n");
		if (cordon_policy_from_json(&p, reply, &e) < 0 ||
		    cordon_policy_to_text(&p, &text, &e) < 0) {
			ERR("policy: unreadable reply from the session process: %s\n", e.msg);
			cordon_policy_free(&p);
			free(reply);
			return CORDON_VERB_FAIL;
		}
		sh->out(sh->arg, text);
		free(text);
		cordon_policy_free(&p);
	}
	free(reply);
	return CORDON_VERB_OK;
}
