/* policy_show.c — what `cordon policy` and `sandbox policy` print (policy.h): the summary text,
 * and the JSON form with what a session protects (cordon_mounts_preview's lines) added. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/hostpat.h"
#include "cordon/policy.h"
#include "cordon/strbuf.h"

#define INDENT "\n                       " /* a continuation line, under the first value */

/* text_strings: one line "  TITLE  V[0]", the other values under the first, or "(none)". */
static void text_strings(struct cordon_strbuf *b, const char *title, char *const *v, size_t n)
{
	cordon_sb_addf(b, "  %-20s", title);
	if (n == 0)
		cordon_sb_add(b, " (none)");
	for (size_t i = 0; i < n; i++)
		cordon_sb_addf(b, "%s%s", i ? INDENT : " ", v[i]);
	cordon_sb_add(b, "\n");
}

static void text_hosts(struct cordon_strbuf *b, const char *title, const struct cordon_host_list *l)
{
	char buf[300];

	cordon_sb_addf(b, "  %-20s", title);
	if (l->n == 0)
		cordon_sb_add(b, " (none)");
	for (size_t i = 0; i < l->n; i++) {
		cordon_host_rule_format(&l->v[i], buf, sizeof(buf));
		cordon_sb_addf(b, "%s%s", i ? ", " : " ", buf);
	}
	cordon_sb_add(b, "\n");
}

static void text_bool(struct cordon_strbuf *b, const char *title, bool v)
{
	cordon_sb_addf(b, "  %-20s %s\n", title, v ? "yes" : "no");
}

/* text_ports: allowBind ("8000, 8001") or expose ("3000 from 127.0.0.1:4000, ..."). */
static void text_ports(struct cordon_strbuf *b, const struct cordon_policy *p, bool expose)
{
	size_t n = expose ? p->n_expose : p->n_allow_bind;

	cordon_sb_addf(b, "  %-20s", expose ? "exposed ports:" : "ports to bind:");
	if (n == 0)
		cordon_sb_add(b, " (none)");
	for (size_t i = 0; i < n; i++) {
		if (expose)
			cordon_sb_addf(b, "%s%u from 127.0.0.1:%u", i ? ", " : " ",
				       p->expose[i].port, p->expose[i].host_port);
		else
			cordon_sb_addf(b, "%s%u", i ? ", " : " ", p->allow_bind[i]);
	}
	cordon_sb_add(b, "\n");
}

/* text_protected: the preview's lines as "  KIND  DIR: NAME NAME...", the names of one kind in
 * one directory on one line; NULL: not known here. */
static void text_protected(struct cordon_strbuf *b, const char *preview)
{
	char kind[32] = "", dir[4096] = "";
	bool any = false;

	cordon_sb_addf(b, "  %-20s", "protected inside:");
	if (!preview) {
		cordon_sb_add(b, " (not listed inside the sandbox: `cordon policy` outside lists "
				 "what a session here protects)\n");
		return;
	}
	for (const char *l = preview; *l;) {
		const char *nl = strchr(l, '\n'), *tab = strchr(l, '\t');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (tab && tab < l + len) {
			const char *path = tab + 1, *end = l + len, *slash = end;
			while (slash > path && *slash != '/')
				slash--;
			int kl = (int)(tab - l), dl = (int)(slash - path);
			bool same = any && !strncmp(kind, l, (size_t)kl) && !kind[kl] &&
				    !strncmp(dir, path, (size_t)dl) && !dir[dl];
			if (same) {
				cordon_sb_addf(b, " %.*s", (int)(end - slash - 1), slash + 1);
			} else {
				cordon_sb_addf(b, "%s%-14.*s %.*s: %.*s", any ? INDENT : " ", kl, l,
					       dl ? dl : 1, dl ? path : "/", (int)(end - slash - 1),
					       slash + 1);
				snprintf(kind, sizeof(kind), "%.*s", kl, l);
				snprintf(dir, sizeof(dir), "%.*s", dl, path);
			}
			any = true;
		}
		l += len + (nl ? 1 : 0);
	}
	cordon_sb_add(b, any ? "\n" : " (none)\n");
}

int cordon_policy_to_text(const struct cordon_policy *p, const char *preview, char **out,
			  struct cordon_error *e)
{
	struct cordon_strbuf b = {0};
	const struct cordon_git_policy *g = &p->git;

	cordon_sb_add(&b, "network:\n");
	text_hosts(&b, "allowed hosts:", &p->allow_hosts);
	text_hosts(&b, "denied hosts:", &p->deny_hosts);
	text_strings(&b, "unix sockets:", p->allow_unix_sockets.v, p->allow_unix_sockets.n);
	text_bool(&b, "local binding:", p->allow_local_binding);
	text_ports(&b, p, false);
	text_ports(&b, p, true);
	cordon_sb_add(&b, "filesystem:\n");
	text_strings(&b, "writable:", p->allow_write.v, p->allow_write.n);
	text_strings(&b, "read-only inside:", p->deny_write.v, p->deny_write.n);
	text_strings(&b, "masked (no read):", p->deny_read.v, p->deny_read.n);
	text_strings(&b, "readable inside:", p->allow_read.v, p->allow_read.n);
	text_protected(&b, preview);
	text_bool(&b, "git config writable:", p->allow_git_config);
	text_bool(&b, "private /tmp:", p->private_tmp);
	cordon_sb_add(&b, "git (credentials stay outside):\n");
	text_strings(&b, "remotes relayed:", g->remotes.v, g->remotes.n);
	text_strings(&b, "push refs:", g->push_refs.v, g->push_refs.n);
	text_bool(&b, "deletes:", g->allow_delete);
	text_bool(&b, "force pushes:", g->allow_force);
	text_strings(&b, "tokens passed in:", g->pass_tokens.v, g->pass_tokens.n);
	text_strings(&b, "ssh hosts (agent):", g->ssh_hosts.v, g->ssh_hosts.n);
	text_strings(&b, "ssh keys (agent):", g->ssh_keys.v, g->ssh_keys.n);
	cordon_sb_addf(&b, "  %-20s %s\n",
		       "signing key:", g->signing_key ? g->signing_key : "(none)");
	cordon_sb_add(&b, "session:\n");
	text_bool(&b, "locked:", p->lock_policy);
	text_bool(&b, "strict:", p->strict);
	text_bool(&b, "ignore violations:", p->ignore_violations);
	text_bool(&b, "weaker nested:", p->enable_weaker_nested_sandbox);
	if (cordon_sb_take(&b, out) < 0)
		return cordon_error_set(e, ENOMEM, "out of memory");
	return 0;
}

/* protected_json: the preview's lines as a JSON array of {"kind", "path"} into b. */
static void protected_json(struct cordon_strbuf *b, const char *preview)
{
	bool first = true;

	cordon_sb_add(b, "[");
	for (const char *l = preview; l && *l;) {
		const char *nl = strchr(l, '\n'), *tab = strchr(l, '\t');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (tab && tab < l + len) {
			cordon_sb_add(b, first ? "\n    {\"kind\": " : ",\n    {\"kind\": ");
			cordon_sb_json_strn(b, l, (size_t)(tab - l), CORDON_JSON_BYTES);
			cordon_sb_add(b, ", \"path\": ");
			cordon_sb_json_strn(b, tab + 1, len - (size_t)(tab - l) - 1,
					    CORDON_JSON_BYTES);
			cordon_sb_add(b, "}");
			first = false;
		}
		l += len + (nl ? 1 : 0);
	}
	cordon_sb_add(b, first ? "]" : "\n  ]");
}

int cordon_policy_to_json_protected(const struct cordon_policy *p, const char *preview, char **out,
				    struct cordon_error *e)
{
	struct cordon_strbuf b = {0};
	char *json = NULL;
	int r = cordon_policy_to_json(p, &json, e);

	*out = NULL;
	if (r < 0)
		return r;
	/* the policy's object, with "protected" added as its last key */
	size_t n = strlen(json);
	while (n > 0 && (json[n - 1] == '\n' || json[n - 1] == '}'))
		n--;
	cordon_sb_addf(&b, "%.*s,\n  \"protected\": ", (int)n, json);
	protected_json(&b, preview);
	cordon_sb_add(&b, "\n}\n");
	free(json);
	if (cordon_sb_take(&b, out) < 0)
		return cordon_error_set(e, ENOMEM, "out of memory");
	return 0;
}
