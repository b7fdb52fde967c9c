/* verb_hosts.c — `sandbox hosts` (the live allowlist, or the one `sandbox on` would start with)
 * and `sandbox allow-host` / `deny-host`, which change it through the control channel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/control.h"

#include "verbs_int.h"

int verbs_hosts(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	char *reply = NULL;
	char *words[] = {"hosts", NULL};
	struct cordon_json j;
	char buf[4096];
	if (ctl_fd < 0) {
		/* Off: the lists `sandbox on` would start with, taken from the local policy. */
		char *pol = NULL;
		if (verbs_local_policy_json(sh, &pol) < 0)
			return CORDON_VERB_FAIL;
		if (verbs_json_parse(&j, pol) < 0) {
			free(pol);
			return CORDON_VERB_FAIL;
		}
		int net = cordon_json_get(&j, 0, "network");
		char allow[2048], deny[2048];
		verbs_json_list(&j, cordon_json_get(&j, net, "allowedDomains"), allow,
				sizeof(allow));
		verbs_json_list(&j, cordon_json_get(&j, net, "deniedDomains"), deny, sizeof(deny));
		if (json) {
			/* Re-emit the raw arrays so the output stays JSON. */
			int a = cordon_json_get(&j, net, "allowedDomains"),
			    d = cordon_json_get(&j, net, "deniedDomains");
			size_t an = 2, dn = 2;
			const char *as = a >= 0 ? cordon_json_raw(&j, a, &an) : "[]",
				   *ds = d >= 0 ? cordon_json_raw(&j, d, &dn) : "[]";
			OUT("{\"on\":false,\"allow\":%.*s,\"deny\":%.*s,\"locked\":false,"
			    "\"pending\":[]}\n",
			    (int)an, as, (int)dn, ds);
		} else {
			OUT("(sandbox off: the lists `sandbox on` would start with)\n");
			OUT("allowed hosts: %s\ndenied hosts: %s\n", allow, deny);
		}
		cordon_json_free(&j);
		free(pol);
		return CORDON_VERB_OK;
	}
	if (verbs_ask(sh, ctl_fd, words, &reply) < 0)
		return CORDON_VERB_FAIL;
	if (json) {
		OUT("%s\n", reply);
	} else if (verbs_json_parse(&j, reply) == 0) {
		verbs_json_list(&j, cordon_json_get(&j, 0, "allow"), buf, sizeof(buf));
		OUT("allowed hosts: %s\n", buf);
		verbs_json_list(&j, cordon_json_get(&j, 0, "deny"), buf, sizeof(buf));
		OUT("denied hosts: %s\n", buf);
		verbs_json_list(&j, cordon_json_get(&j, 0, "pending"), buf, sizeof(buf));
		if (strcmp(buf, "none"))
			OUT("waiting for approval: %s\n", buf);
		cordon_json_free(&j);
	}
	free(reply);
	return CORDON_VERB_OK;
}

int verbs_hostchange(const struct cordon_shell *sh, int ctl_fd, int argc, char *const *argv)
{
	if (argc < 2)
		return verbs_usage(sh, "%s: name at least one host", argv[0]);
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return verbs_usage(sh, "unknown option \"%s\"", argv[i]);
	if (ctl_fd < 0) {
		ERR("%s: %s\n", argv[0],
		    verbs_inherited(ctl_fd)
			? "this shell was started inside the sandbox and holds no "
			  "control channel; use the shell that ran `sandbox on`"
			: "the sandbox is off (`sandbox on --allow-host HOST` starts it)");
		return CORDON_VERB_FAIL;
	}
	char *words[MAX_FLAGS + 2];
	if (argc > MAX_FLAGS + 1)
		return verbs_usage(sh, "%s: too many hosts", argv[0]);
	for (int i = 0; i < argc; i++)
		words[i] = argv[i];
	words[argc] = NULL;
	char *reply = NULL;
	struct cordon_error e = {{0}};
	int r = cordon_control_call(ctl_fd, words, -1, &reply, &e);
	if (r < 0) {
		ERR("%s: %s\n", argv[0], e.msg);
		return CORDON_VERB_FAIL;
	}
	ERR("%s; effective for the next connection\n", reply);
	free(reply);
	return CORDON_VERB_OK;
}
