/* test_git_policy.c — unit tests of the policy's git section: the keys as a config file gives
 * them, remote matching, the tighten-only merge of a repository's file, and the push decision
 * on single receive-pack commands (refs, deletes, non-fast-forward). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/src/git/git_push_policy.h"
#include "cordon/config.h"
#include "cordon/policy.h"

#define OLD "74730d410fcb6603ace96f1dc55ea6196122532d"
#define NEW "5a3f6be755bbb7deae50065988cbfa1ffa9ab68a"
#define ZERO "0000000000000000000000000000000000000000"

/* load: policy from defaults and json (as a file /etc/x/c.json would give it). */
static int load(struct cordon_policy *p, const char *json, struct cordon_error *e)
{
	assert_int_equal(cordon_policy_init(p, "/home/u", e), 0);
	return cordon_config_load_string(p, json, strlen(json), "c.json", "/etc/x", "/home/u", e);
}

static void git_keys_load_normalised(void **state)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	(void)state;

	assert_int_equal(load(&p,
			      "{\"git\": {\"remotes\": [\"https://Git.Example.org/team/proj.git\", "
			      "\"https://127.0.0.2:8443/*\", \"https://h.test:443/a/\"],"
			      "\"pushRefs\": [\"refs/heads/cordon/*\", \"@start\"],"
			      "\"allowDelete\": true, \"passTokens\": [\"GH_TOKEN\"],"
			      "\"sshHosts\": [\"GitHub.com:22\"], \"sshKeys\": [\"~/.ssh/k.pub\", "
			      "\"ssh-ed25519 AAAAC3Nza u@h\"], \"signingKey\": \"keys/s.pub\"}}",
			      &e),
			 0);
	assert_int_equal(p.git.remotes.n, 3);
	assert_string_equal(p.git.remotes.v[0], "https://git.example.org/team/proj.git");
	assert_string_equal(p.git.remotes.v[1], "https://127.0.0.2:8443/*");
	assert_string_equal(p.git.remotes.v[2], "https://h.test/a"); /* :443 and '/' dropped */
	assert_int_equal(p.git.push_refs.n, 2);
	assert_true(p.git.allow_delete);
	assert_false(p.git.allow_force);
	assert_string_equal(p.git.pass_tokens.v[0], "GH_TOKEN");
	assert_string_equal(p.git.ssh_hosts.v[0], "github.com:22");
	assert_string_equal(p.git.ssh_keys.v[0], "/home/u/.ssh/k.pub");
	assert_string_equal(p.git.ssh_keys.v[1], "ssh-ed25519 AAAAC3Nza u@h");
	assert_string_equal(p.git.signing_key, "/etc/x/keys/s.pub");
	cordon_policy_free(&p);
}

static void bad_git_entries_name_the_key_and_why(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
	    {"{\"git\": {\"remotes\": [\"http://h/x\"]}}",
	     "git.remotes: \"http://h/x\": a remote is an https"},
	    {"{\"git\": {\"remotes\": [\"https://u:pw@h/x\"]}}", "user names do not belong"},
	    {"{\"git\": {\"remotes\": [\"https://h/a/../b\"]}}", "bad repository path"},
	    {"{\"git\": {\"remotes\": [\"https://h/a%2fb\"]}}", "bad repository path"},
	    {"{\"git\": {\"remotes\": [\"https://*.h/x\"]}}", "wildcard host"},
	    {"{\"git\": {\"remotes\": [\"https://h\"]}}", "no repository path"},
	    {"{\"git\": {\"pushRefs\": [\"main\"]}}", "git.pushRefs: \"main\""},
	    {"{\"git\": {\"pushRefs\": [\"refs/heads/a..b\"]}}", "git.pushRefs"},
	    {"{\"git\": {\"passTokens\": [\"HOME\"]}}", "git.passTokens: \"HOME\" is not one of"},
	    {"{\"git\": {\"sshHosts\": [\"*.com\"]}}", "git.sshHosts"},
	    {"{\"git\": {\"allowForce\": \"yes\"}}", "git.allowForce: expected a boolean"},
	    {"{\"git\": {\"signingKey\": [\"x\"]}}", "git.signingKey: expected a string"},
	    {"{\"git\": {\"remote\": []}}", "git.remote: unknown key"},
	    {"{\"git\": {\"remotes\": [], \"remotes\": []}}", "duplicate key"},
	    {"{\"git\": []}", "git: expected an object"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cordon_policy p;
		struct cordon_error e = {{0}};
		assert_int_equal(load(&p, cases[i].json, &e), -EINVAL);
		if (!strstr(e.msg, cases[i].want))
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].json, e.msg, cases[i].want);
		assert_non_null(strstr(e.msg, "c.json:1:"));
		cordon_policy_free(&p);
	}
}

static void remotes_match_one_repository_or_a_prefix(void **state)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	(void)state;

	assert_int_equal(load(&p,
			      "{\"git\": {\"remotes\": [\"https://h.test/team/proj.git\", "
			      "\"https://o.test:8443/pub/*\", \"https://all.test/*\"]}}",
			      &e),
			 0);
	assert_int_equal(cordon_git_remote_match(&p.git, "h.test", "/team/proj.git"), 0);
	assert_int_equal(cordon_git_remote_match(&p.git, "h.test", "/team/proj"), 0);
	assert_int_equal(cordon_git_remote_match(&p.git, "H.TEST:443", "/team/proj"), 0);
	assert_int_equal(cordon_git_remote_match(&p.git, "h.test", "/team/other"), -1);
	assert_int_equal(cordon_git_remote_match(&p.git, "h.test", "/team/proj.git/x"), -1);
	assert_int_equal(cordon_git_remote_match(&p.git, "h.test:8443", "/team/proj"), -1);
	assert_int_equal(cordon_git_remote_match(&p.git, "o.test:8443", "/pub/a.git"), 1);
	assert_int_equal(cordon_git_remote_match(&p.git, "o.test:8443", "/pub/a/b"), 1);
	assert_int_equal(cordon_git_remote_match(&p.git, "o.test:8443", "/pub"), -1);
	assert_int_equal(cordon_git_remote_match(&p.git, "o.test:8443", "/public/a"), -1);
	assert_int_equal(cordon_git_remote_match(&p.git, "o.test", "/pub/a"), -1);
	assert_int_equal(cordon_git_remote_match(&p.git, "all.test", "/x/y"), 2);
	/* a path that would mean another one upstream never matches */
	assert_int_equal(cordon_git_remote_match(&p.git, "o.test:8443", "/pub/../priv/a"), -1);
	assert_int_equal(cordon_git_remote_match(&p.git, "o.test:8443", "/pub/%2e%2e/priv"), -1);
	assert_int_equal(cordon_git_remote_match(&p.git, "o.test:8443", "/pub//a"), -1);
	cordon_policy_free(&p);
}

static void a_repository_file_may_narrow_git_but_not_widen_it(void **state)
{
	struct cordon_policy p, r;
	struct cordon_error e = {{0}};
	(void)state;

	assert_int_equal(load(&p,
			      "{\"git\": {\"remotes\": [\"https://h.test/team/*\"], \"pushRefs\": "
			      "[\"refs/heads/cordon/*\", \"@start\"], \"allowDelete\": true}}",
			      &e),
			 0);
	/* narrower: one repository below the prefix, one ref the pattern matches, no deletes */
	assert_int_equal(
	    load(&r,
		 "{\"git\": {\"remotes\": [\"https://h.test/team/proj\"], \"pushRefs\": "
		 "[\"refs/heads/cordon/ci\"], \"allowDelete\": false}}",
		 &e),
	    0);
	assert_int_equal(cordon_policy_tighten(&p, &r, "/w/.cordon.json", &e), 0);
	assert_int_equal(p.git.remotes.n, 1);
	assert_string_equal(p.git.remotes.v[0], "https://h.test/team/proj");
	assert_int_equal(p.git.push_refs.n, 1);
	assert_string_equal(p.git.push_refs.v[0], "refs/heads/cordon/ci");
	assert_false(p.git.allow_delete);
	cordon_policy_free(&r);

	static const struct {
		const char *json, *key;
	} wider[] = {
	    {"{\"git\": {\"remotes\": [\"https://other.test/x\"]}}", "git.remotes"},
	    {"{\"git\": {\"pushRefs\": [\"refs/heads/main\"]}}", "git.pushRefs"},
	    {"{\"git\": {\"pushRefs\": [\"refs/heads/*\"]}}", "git.pushRefs"},
	    {"{\"git\": {\"allowForce\": true}}", "git.allowForce"},
	    {"{\"git\": {\"allowDelete\": true}}", "git.allowDelete"},
	    {"{\"git\": {\"passTokens\": [\"GITHUB_TOKEN\"]}}", "git.passTokens"},
	    {"{\"git\": {\"sshKeys\": [\"/k.pub\"]}}", "git.sshKeys"},
	    {"{\"git\": {\"signingKey\": \"/k.pub\"}}", "git.signingKey"},
	};
	for (size_t i = 0; i < sizeof(wider) / sizeof(wider[0]); i++) {
		assert_int_equal(load(&r, wider[i].json, &e), 0);
		assert_int_equal(cordon_policy_tighten(&p, &r, "/w/.cordon.json", &e), -EPERM);
		if (!strstr(e.msg, wider[i].key) || !strstr(e.msg, "/w/.cordon.json"))
			fail_msg("%s: \"%s\"", wider[i].json, e.msg);
		cordon_policy_free(&r);
	}
	/* refused: p unchanged */
	assert_string_equal(p.git.remotes.v[0], "https://h.test/team/proj");
	cordon_policy_free(&p);
}

static void ssh_keys_get_an_agent_socket_that_policy_lists(void **state)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	(void)state;

	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_STATE_HOME");
	assert_int_equal(load(&p, "{\"git\": {\"sshKeys\": [\"/k.pub\"]}}", &e), 0);
	assert_int_equal(cordon_policy_finish(&p, "/home/u/w", &e), 0);
	assert_non_null(p.git.agent_path);
	assert_memory_equal(p.git.agent_path, "/home/u/.local/state/cordon/agent/", 34);
	bool listed = false;
	for (size_t i = 0; i < p.allow_unix_sockets.n; i++)
		listed |= !strcmp(p.allow_unix_sockets.v[i], p.git.agent_path);
	assert_true(listed);
	assert_string_equal(p.git.repo_dir, "/home/u/w");
	/* a second finish keeps the path */
	char *was = strdup(p.git.agent_path);
	assert_int_equal(cordon_policy_finish(&p, "/home/u/w", &e), 0);
	assert_string_equal(p.git.agent_path, was);
	free(was);
	cordon_policy_free(&p);
}

static struct git_push_cmd cmd(const char *old, const char *new, const char *ref)
{
	struct git_push_cmd c;
	memset(&c, 0, sizeof(c));
	snprintf(c.old_oid, sizeof(c.old_oid), "%s", old);
	snprintf(c.new_oid, sizeof(c.new_oid), "%s", new);
	snprintf(c.ref, sizeof(c.ref), "%s", ref);
	return c;
}

static void push_refs_decide_which_refs_may_move(void **state)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char why[512];
	bool anc;
	(void)state;

	assert_int_equal(
	    load(&p, "{\"git\": {\"pushRefs\": [\"refs/heads/cordon/*\", \"@start\"]}}", &e), 0);
	struct git_push_cmd c = cmd(ZERO, NEW, "refs/heads/cordon/a/b");
	assert_int_equal(git_push_check(&p.git, "refs/heads/feat", &c, &anc, why, sizeof(why)), 0);
	assert_false(anc); /* a create needs no history */
	c = cmd(OLD, NEW, "refs/heads/feat");
	assert_int_equal(git_push_check(&p.git, "refs/heads/feat", &c, &anc, why, sizeof(why)), 0);
	assert_true(anc);
	c = cmd(OLD, NEW, "refs/heads/main");
	assert_int_equal(git_push_check(&p.git, "refs/heads/feat", &c, &anc, why, sizeof(why)),
			 -EACCES);
	assert_non_null(strstr(why, "refs/heads/main is not allowed by git.pushRefs"));
	assert_non_null(strstr(why, "@start = refs/heads/feat"));
	/* no branch at start: @start matches nothing */
	c = cmd(OLD, NEW, "refs/heads/feat");
	assert_int_equal(git_push_check(&p.git, NULL, &c, &anc, why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "(no branch)"));
	/* tags are refs like any other: not matched by a heads pattern */
	c = cmd(ZERO, NEW, "refs/tags/cordon/v1");
	assert_int_equal(git_push_check(&p.git, NULL, &c, &anc, why, sizeof(why)), -EACCES);
	cordon_policy_free(&p);

	/* an empty pushRefs allows nothing */
	assert_int_equal(load(&p, "{\"git\": {\"remotes\": [\"https://h/x\"]}}", &e), 0);
	c = cmd(ZERO, NEW, "refs/heads/cordon/a");
	assert_int_equal(git_push_check(&p.git, NULL, &c, &anc, why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "(none)") ? strstr(why, "(none)") : strstr(why, "none"));
	cordon_policy_free(&p);
}

static void deletes_need_allow_delete(void **state)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char why[512];
	bool anc;
	(void)state;

	assert_int_equal(load(&p, "{\"git\": {\"pushRefs\": [\"refs/heads/cordon/*\"]}}", &e), 0);
	struct git_push_cmd c = cmd(OLD, ZERO, "refs/heads/cordon/a");
	assert_int_equal(git_push_check(&p.git, NULL, &c, &anc, why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "deleting refs/heads/cordon/a"));
	assert_non_null(strstr(why, "git.allowDelete"));
	p.git.allow_delete = true; /* positive control */
	assert_int_equal(git_push_check(&p.git, NULL, &c, &anc, why, sizeof(why)), 0);
	assert_false(anc);
	/* a delete of a ref the patterns do not name is still refused, by the ref rule */
	c = cmd(OLD, ZERO, "refs/heads/main");
	assert_int_equal(git_push_check(&p.git, NULL, &c, &anc, why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "git.pushRefs"));
	cordon_policy_free(&p);
}

static void non_fast_forward_needs_allow_force(void **state)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char why[512];
	bool anc;
	(void)state;

	assert_int_equal(load(&p, "{\"git\": {\"pushRefs\": [\"refs/heads/cordon/*\"]}}", &e), 0);
	struct git_push_cmd c = cmd(OLD, NEW, "refs/heads/cordon/a");
	assert_int_equal(git_push_check(&p.git, NULL, &c, &anc, why, sizeof(why)), 0);
	assert_true(anc);
	assert_int_equal(git_push_check_ff(&c, 1, NULL, why, sizeof(why)), 0);
	assert_int_equal(git_push_check_ff(&c, 0, NULL, why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "non-fast-forward update of refs/heads/cordon/a"));
	assert_non_null(strstr(why, "git.allowForce"));
	/* undecidable: refused (fail closed), saying why */
	assert_int_equal(git_push_check_ff(&c, -1, "fetch failed", why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "fetch failed"));
	p.git.allow_force = true; /* with allowForce no history is needed */
	assert_int_equal(git_push_check(&p.git, NULL, &c, &anc, why, sizeof(why)), 0);
	assert_false(anc);
	cordon_policy_free(&p);
}

static void json_form_names_the_git_keys(void **state)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char *json = NULL;
	(void)state;

	assert_int_equal(
	    load(&p,
		 "{\"git\": {\"remotes\": [\"https://h/x\"], \"pushRefs\": [\"@start\"], "
		 "\"allowForce\": true}}",
		 &e),
	    0);
	assert_int_equal(cordon_policy_to_json(&p, &json, &e), 0);
	assert_non_null(strstr(json, "\"remotes\": [\"https://h/x\"]"));
	assert_non_null(strstr(json, "\"pushRefs\": [\"@start\"]"));
	assert_non_null(strstr(json, "\"allowForce\": true"));
	assert_non_null(strstr(json, "\"signingKey\": null"));
	/* and it loads back */
	struct cordon_policy q;
	assert_int_equal(load(&q, json, &e), 0);
	assert_string_equal(q.git.remotes.v[0], "https://h/x");
	assert_true(q.git.allow_force);
	cordon_policy_free(&q);
	free(json);
	cordon_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(git_keys_load_normalised),
	    cmocka_unit_test(bad_git_entries_name_the_key_and_why),
	    cmocka_unit_test(remotes_match_one_repository_or_a_prefix),
	    cmocka_unit_test(a_repository_file_may_narrow_git_but_not_widen_it),
	    cmocka_unit_test(ssh_keys_get_an_agent_socket_that_policy_lists),
	    cmocka_unit_test(push_refs_decide_which_refs_may_move),
	    cmocka_unit_test(deletes_need_allow_delete),
	    cmocka_unit_test(non_fast_forward_needs_allow_force),
	    cmocka_unit_test(json_form_names_the_git_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
