/* verb_policy.c — `sandbox policy`: the live session's policy, or the one `sandbox on` would
 * build here, in the JSON and text forms `cordon policy` prints. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cordon/config.h"
#include "cordon/mounts.h"
#include "cordon/policy_build.h"
#include "cordon/strbuf.h"

#include "verbs_int.h"

/* local_policy: the policy `sandbox on` would build here into p; -1 on failure (printed). */
static int local_policy(const struct cordon_shell *sh, struct cordon_policy *p)
{
	char cwd[PATH_MAX];
	struct cordon_error e = {{0}};
	memset(p, 0, sizeof(*p));
	if (!getcwd(cwd, sizeof(cwd)) || cordon_policy_build(p, NULL, cwd, &e) < 0) {
		ERR("policy: %s\n", e.msg[0] ? e.msg : strerror(errno));
		cordon_policy_free(p);
		return -1;
	}
	return 0;
}

/* Without a session: the policy `sandbox on` would build here, as JSON. */
int verbs_local_policy_json(const struct cordon_shell *sh, char **out)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	if (local_policy(sh, &p) < 0)
		return -1;
	int r = cordon_policy_to_json(&p, out, &e);
	if (r < 0)
		ERR("policy: %s\n", e.msg);
	cordon_policy_free(&p);
	return r < 0 ? -1 : 0;
}

/* put_whole: s with one newline at its end, whole (OUT would cut it at 4 KiB). */
static void put_whole(const struct cordon_shell *sh, const char *s)
{
	struct cordon_strbuf b = {0};
	size_t n = strlen(s);
	while (n && s[n - 1] == '\n')
		n--;
	cordon_sb_addn(&b, s, n);
	cordon_sb_add(&b, "\n");
	if (!b.oom)
		sh->out(sh->arg, b.s);
	cordon_sb_free(&b);
}

/* Off: what `cordon policy` prints here, the protections of a session laid out in a throwaway
 * namespace (cordon_mounts_preview) included. */
static int policy_off(const struct cordon_shell *sh, bool json)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}}, pe = {{0}};
	char *preview = NULL, *out = NULL;
	if (local_policy(sh, &p) < 0)
		return CORDON_VERB_FAIL;
	if (cordon_mounts_preview(&p, getenv("HOME"), &preview, &pe) < 0)
		ERR("policy: cannot show what is protected: %s\n", pe.msg);
	int r = json ? cordon_policy_to_json_protected(&p, preview ? preview : "", &out, &e)
		     : cordon_policy_to_text(&p, preview ? preview : "", &out, &e);
	if (r < 0) {
		ERR("policy: %s\n", e.msg);
	} else {
		if (!json)
			OUT("(sandbox off: the policy `sandbox on` would apply here)\n");
		put_whole(sh, out);
	}
	free(out);
	free(preview);
	cordon_policy_free(&p);
	return r < 0 ? CORDON_VERB_FAIL : CORDON_VERB_OK;
}

int verbs_policy(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	char *reply = NULL;
	char *words[] = {"policy", NULL};
	if (ctl_fd < 0)
		return policy_off(sh, json);
	if (verbs_ask(sh, ctl_fd, words, &reply) < 0)
		return CORDON_VERB_FAIL;
	if (json) {
		put_whole(sh, reply); /* as `cordon policy --json` */
	} else {
		/* the summary `cordon policy` prints, from the policy the reply holds; a user
		 * namespace for the list of protections cannot be made in here */
		struct cordon_policy p;
		struct cordon_error e = {{0}};
		char *text = NULL;
		if (cordon_policy_from_json(&p, reply, &e) < 0 ||
		    cordon_policy_to_text(&p, NULL, &text, &e) < 0) {
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
