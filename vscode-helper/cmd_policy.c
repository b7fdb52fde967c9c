/* cmd_policy.c — `cordon policy [--json] [policy flags]`: print the effective merged policy
 * (JSON on stdout with --json, a readable summary otherwise). Changes nothing. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cordon/hostpat.h"
#include "cordon/policy.h"
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

static void print_summary(const struct cordon_policy *p)
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
	} else if (f.json) {
		if (cordon_policy_to_json(&p, &json, &e) < 0) {
			fprintf(stderr, "cordon policy: %s\n", e.msg);
			rc = CORDON_EXIT_SETUP;
		} else {
			fputs(json, stdout);
		}
	} else {
		print_summary(&p);
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
