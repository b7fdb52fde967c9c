/* verb_status.c — `sandbox status` (the session and its layers, as the session process
 * reports them) and `sandbox check` (the kernel report, report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/report.h"
#include "cordon/strbuf.h"

#include "verbs_int.h"

int verbs_status(const struct cordon_shell *sh, int ctl_fd, bool json)
{
	if (ctl_fd < 0) {
		const char *id = getenv("CORDON_SESSION");
		if (verbs_inherited(ctl_fd)) {
			if (json)
				OUT("{\"on\":true,\"session\":\"%s\",\"control\":false}\n", id);
			else
				OUT("sandbox: on (session %s, inherited: this shell was started "
				    "inside "
				    "the sandbox and holds no control channel)\n",
				    id);
		} else if (json) {
			OUT("{\"on\":false}\n");
		} else {
			OUT("sandbox: off\n");
		}
		return CORDON_VERB_OK;
	}
	char *words[] = {"status", NULL}, *reply = NULL;
	if (verbs_ask(sh, ctl_fd, words, &reply) < 0)
		return CORDON_VERB_FAIL;
	if (json) {
		OUT("{\"on\":true,\"control\":true,%s\n", reply[0] == '{' ? reply + 1 : "}");
		free(reply);
		return CORDON_VERB_OK;
	}
	struct cordon_json j;
	if (verbs_json_parse(&j, reply) < 0) {
		ERR("status: unreadable reply from the session process\n");
		free(reply);
		return CORDON_VERB_FAIL;
	}
	char id[64], buf[512];
	verbs_json_text(&j, cordon_json_get(&j, 0, "session"), id, sizeof(id));
	OUT("sandbox: on (session %s%s)\n", id,
	    verbs_json_bool(&j, cordon_json_get(&j, 0, "locked")) ? ", policy locked" : "");
	int l = cordon_json_get(&j, 0, "layers");
	static const struct {
		const char *key, *name;
	} names[] = {
	    {"userns", "user namespace"},
	    {"mountns", "mount namespace"},
	    {"netns", "network namespace"},
	    {"caps_dropped", "capabilities dropped"},
	    {"nnp", "no_new_privs"},
	    {"landlock", "Landlock"},
	    {"seccomp", "seccomp filter"},
	    {"guard", "write guard"},
	    {"capture", "transparent capture"},
	};
	char in[512] = "", out[512] = "";
	for (size_t i = 0; l >= 0 && i < sizeof(names) / sizeof(names[0]); i++) {
		bool on = verbs_json_bool(&j, cordon_json_get(&j, l, names[i].key));
		char *dst = on ? in : out;
		verbs_append(dst, 512, "%s%s", dst[0] ? ", " : "", names[i].name);
		if (on && !strcmp(names[i].key, "landlock"))
			verbs_append(dst, 512, " ABI %s",
				     verbs_json_text(&j, cordon_json_get(&j, l, "landlock_abi"),
						     buf, sizeof(buf)));
	}
	OUT("layers in force: %s\n", l >= 0 ? (in[0] ? in : "none") : "unknown");
	OUT("layers missing: %s\n", l >= 0 ? (out[0] ? out : "none") : "unknown");
	verbs_json_text(&j, cordon_json_get(&j, 0, "proxy_max_connections"), buf, sizeof(buf));
	OUT("proxy: up to %s connections at once\n", buf[0] ? buf : "?");
	verbs_json_list(&j, cordon_json_get(&j, 0, "pending"), buf, sizeof(buf));
	if (strcmp(buf, "none"))
		OUT("waiting for approval: %s\n", buf);
	int rc = cordon_json_get(&j, 0, "repo_config");
	if (cordon_json_type(&j, rc) == CORDON_JSON_STR)
		OUT("repository config: %s\n", verbs_json_text(&j, rc, buf, sizeof(buf)));
	OUT("violation log: %s\n",
	    verbs_json_text(&j, cordon_json_get(&j, 0, "log"), buf, sizeof(buf)));
	cordon_json_free(&j);
	free(reply);
	return CORDON_VERB_OK;
}

/* verb_check: the kernel report (report.h), probed from here, as `cordon check` prints it.
 * `confined`: this shell is already in a sandbox, so the probe sees what a sandbox nested inside
 * it would get (no new user namespace, no listener), not the layers in force: the report says so
 * and points to `sandbox status`. */
int verbs_check(const struct cordon_shell *sh, bool json, bool confined)
{
	struct cordon_report rep;
	struct cordon_strbuf b = {0};
	struct cordon_error e = {{0}};
	if (cordon_report_probe(&rep, confined, &e) < 0) {
		ERR("check: %s\n", e.msg);
		return CORDON_VERB_FAIL;
	}
	if (json) {
		cordon_report_json(&rep, &b);
		cordon_sb_add(&b, "\n");
	} else {
		cordon_report_text(&rep, &b);
	}
	if (b.oom) {
		ERR("check: out of memory\n");
		return CORDON_VERB_FAIL;
	}
	sh->out(sh->arg, b.s);
	cordon_sb_free(&b);
	return CORDON_VERB_OK;
}
