/* cmd_policy.c — `cordon policy [--json] [policy flags]`: print the effective merged policy
 * (JSON on stdout with --json, a readable summary otherwise). Changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cordon/hostpat.h"
#include "cordon/mounts.h"
#include "cordon/policy.h"
#include "cordon/strbuf.h"
#include "policy_flags.h"

static const char usage[] = "usage: cordon policy [--json] " POLICY_FLAGS_USAGE "\n";

static void print_paths(const char *title, const struct cordon_path_list *l)
{
	printf("  %-20s", title);
	if (l->n == 0)
		fputs(" (none)", stdout);
	for (size_t i = 0; i < l->n; i++)
		printf("%s%s", i ? "\n                       " : " ", l->v[i]);
	putchar('\n');
}

static void print_hosts(const char *title, const struct cordon_host_list *l)
{
	char buf[300];

	printf("  %-20s", title);
	if (l->n == 0)
		fputs(" (none)", stdout);
	for (size_t i = 0; i < l->n; i++) {
		cordon_host_rule_format(&l->v[i], buf, sizeof(buf));
		printf("%s%s", i ? ", " : " ", buf);
	}
	putchar('\n');
}

static void print_list(const char *title, const struct cordon_git_list *l)
{
	printf("  %-20s", title);
	if (l->n == 0)
		fputs(" (none)", stdout);
	for (size_t i = 0; i < l->n; i++)
		printf("%s%s", i ? "\n                       " : " ", l->v[i]);
	putchar('\n');
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* print_protected: the preview's lines (cordon_mounts_preview) as "  KIND  DIR: NAME NAME...",
 * the names of one kind in one directory on one line. */
static void print_protected(const char *preview)
{
	char kind[32] = "", dir[4096] = "";
	bool any = false;

	printf("  %-20s", "protected inside:");
	for (const char *l = preview; l && *l;) {
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
				printf(" %.*s", (int)(end - slash - 1), slash + 1);
			} else {
				printf("%s%-14.*s %.*s: %.*s", any ? "\n                       " : " ",
				       kl, l, dl ? dl : 1, dl ? path : "/", (int)(end - slash - 1),
				       slash + 1);
				snprintf(kind, sizeof(kind), "%.*s", kl, l);
				snprintf(dir, sizeof(dir), "%.*s", dl, path);
			}
			any = true;
		}
		l += len + (nl ? 1 : 0);
	}
	puts(any ? "" : " (none)");
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
			cordon_sb_json_strn(b, tab + 1, len - (size_t)(tab - l) - 1, CORDON_JSON_BYTES);
			cordon_sb_add(b, "}");
			first = false;
		}
		l += len + (nl ? 1 : 0);
	}
	cordon_sb_add(b, first ? "]" : "\n  ]");
}

static void print_summary(const struct cordon_policy *p, const char *preview)
{
	puts("network:");
	print_hosts("allowed hosts:", &p->allow_hosts);
	print_hosts("denied hosts:", &p->deny_hosts);
	print_paths("unix sockets:", &p->allow_unix_sockets);
	printf("  %-20s %s\n", "local binding:", yes_no(p->allow_local_binding));
	puts("filesystem:");
	print_paths("writable:", &p->allow_write);
	print_paths("read-only inside:", &p->deny_write);
	print_paths("masked (no read):", &p->deny_read);
	print_paths("readable inside:", &p->allow_read);
	print_protected(preview);
	printf("  %-20s %s\n", "git config writable:", yes_no(p->allow_git_config));
	printf("  %-20s %s\n", "private /tmp:", yes_no(p->private_tmp));
	puts("git (credentials stay outside):");
	print_list("remotes relayed:", &p->git.remotes);
	print_list("push refs:", &p->git.push_refs);
	printf("  %-20s %s\n", "deletes:", yes_no(p->git.allow_delete));
	printf("  %-20s %s\n", "force pushes:", yes_no(p->git.allow_force));
	print_list("tokens passed in:", &p->git.pass_tokens);
	print_list("ssh hosts (agent):", &p->git.ssh_hosts);
	print_list("ssh keys (agent):", &p->git.ssh_keys);
	printf("  %-20s %s\n", "signing key:", p->git.signing_key ? p->git.signing_key : "(none)");
	puts("session:");
	printf("  %-20s %s\n", "locked:", yes_no(p->lock_policy));
	printf("  %-20s %s\n", "strict:", yes_no(p->strict));
	printf("  %-20s %s\n", "ignore violations:", yes_no(p->ignore_violations));
	printf("  %-20s %s\n", "weaker nested:", yes_no(p->enable_weaker_nested_sandbox));
}

int cmd_policy(int argc, char **argv)
{
	struct policy_flags f;
	struct cordon_policy p = {0};
	struct cordon_error e = {.msg = ""};
	int idx = policy_flags_parse(argc, argv, &f), rc = 0;
	char *json = NULL;

	if (idx >= 0 && f.command)
		fputs("cordon policy: option \"-c\" is for cordon run\n", stderr);
	else if (idx >= 0 && idx < argc)
		fprintf(stderr, "cordon policy: unexpected argument \"%s\"\n", argv[idx]);
	if ((rc = policy_flags_usage(&f, idx, f.command || idx < argc, usage)) >= 0)
		return rc;
	rc = 0;
	if (policy_flags_build(&f, &p, &e) < 0) {
		fprintf(stderr, "cordon policy: %s\n", e.msg);
		rc = CORDON_EXIT_SETUP;
	} else {
		/* what a session here would protect, laid out for real in a throwaway namespace */
		char *preview = NULL;
		struct cordon_error pe = {.msg = ""};
		if (cordon_mounts_preview(&p, getenv("HOME"), &preview, &pe) < 0)
			fprintf(stderr, "cordon policy: cannot show what is protected: %s\n", pe.msg);
		if (!f.json) {
			print_summary(&p, preview);
		} else if (cordon_policy_to_json(&p, &json, &e) < 0) {
			fprintf(stderr, "cordon policy: %s\n", e.msg);
			rc = CORDON_EXIT_SETUP;
		} else {
			/* the policy's object, with "protected" added as its last key */
			struct cordon_strbuf b = {0};
			char *all = NULL;
			size_t n = strlen(json);
			while (n > 0 && (json[n - 1] == '\n' || json[n - 1] == '}'))
				n--;
			cordon_sb_addf(&b, "%.*s,\n  \"protected\": ", (int)n, json);
			protected_json(&b, preview);
			cordon_sb_add(&b, "\n}\n");
			if (cordon_sb_take(&b, &all) == 0 && all)
				fputs(all, stdout);
			free(all);
		}
		free(preview);
	}
	if (fflush(stdout) != 0 && rc == 0) {
		perror("cordon policy: stdout");
		rc = CORDON_EXIT_SETUP;
	}
	free(json);
	cordon_policy_free(&p);
	policy_flags_free(&f);
	return rc;
}
