/* test_policy.c — unit tests of the policy model: defaults, path normalisation, the
 * tighten-only merge of a repository's file, final validation and the JSON form. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cordon/config.h"
#include "cordon/dedup.h"
#include "cordon/hostpat.h"
#include "cordon/policy.h"

static bool has_path(const struct cordon_path_list *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], path))
			return true;
	return false;
}

static void defaults_mask_secrets_allow_no_host_and_keep_tmp_private(void **state)
{
	(void)state;
	struct cordon_policy p;
	struct cordon_error e;
	const char *masked[] = {"/home/u/.ssh",
				"/home/u/.gnupg",
				"/home/u/.aws",
				"/home/u/.azure",
				"/home/u/.config/gcloud",
				"/home/u/.kube",
				"/home/u/.netrc",
				"/home/u/.docker/config.json",
				"/home/u/.password-store",
				"/home/u/.mozilla",
				"/home/u/.config/google-chrome",
				"/home/u/.config/chromium",
				"/home/u/.git-credentials",
				"/home/u/.pgpass"};

	assert_int_equal(cordon_policy_init(&p, "/home/u/", &e), 0);
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
		if (!has_path(&p.deny_read, masked[i]))
			fail_msg("default mask %s missing", masked[i]);
	assert_int_equal(p.deny_read.n, sizeof(masked) / sizeof(masked[0]));
	assert_int_equal(p.allow_hosts.n, 0);
	assert_int_equal(p.allow_write.n, 0);
	assert_true(p.private_tmp);
	assert_false(p.lock_policy || p.strict || p.allow_git_config || p.allow_local_binding);
	assert_int_equal(cordon_host_decide(&p, "example.com", 443), CORDON_VERDICT_UNLISTED);
	cordon_policy_free(&p);
	cordon_policy_free(&p); /* freeing twice is harmless */

	assert_int_equal(cordon_policy_init(&p, NULL, &e), 0);
	assert_int_equal(p.deny_read.n, 0);
	assert_true(p.private_tmp);
	cordon_policy_free(&p);
	assert_int_equal(cordon_policy_init(&p, "relative/home", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "relative/home"));
}

static void paths_are_normalised_expanded_and_deduplicated(void **state)
{
	(void)state;
	struct cordon_path_list l = {0};
	struct cordon_error e;
	const struct {
		const char *in, *base, *out;
	} ok[] = {
	    {"/a//b/./c/../d/", NULL, "/a/b/d"},
	    {"/..", NULL, "/"},
	    {"/../../x", NULL, "/x"},
	    {"~", NULL, "/home/u"},
	    {"~/", NULL, "/home/u"},
	    {"~/src/../.cache", NULL, "/home/u/.cache"},
	    {"src/", "/proj", "/proj/src"},
	    {".", "/proj", "/proj"},
	    {"../other", "/proj", "/other"},
	    {"a/../../..", "/proj", "/"},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cordon_policy_add_path(&l, ok[i].in, "/home/u", ok[i].base, &e),
				 0);
		if (!has_path(&l, ok[i].out))
			fail_msg("%s (base %s) did not give %s", ok[i].in, ok[i].base, ok[i].out);
	}
	size_t n = l.n;
	assert_int_equal(cordon_policy_add_path(&l, "/proj/./src", NULL, NULL, &e), 0);
	assert_int_equal(l.n, n);

	assert_int_equal(cordon_policy_add_path(&l, "", NULL, "/x", &e), -EINVAL);
	assert_int_equal(cordon_policy_add_path(&l, "rel", NULL, NULL, &e), -EINVAL);
	assert_int_equal(cordon_policy_add_path(&l, "rel", NULL, "also/rel", &e), -EINVAL);
	assert_int_equal(cordon_policy_add_path(&l, "~root/x", "/home/u", NULL, &e), -EINVAL);
	assert_int_equal(cordon_policy_add_path(&l, "~/x", NULL, NULL, &e), -EINVAL);
	assert_int_equal(l.n, n);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
}

/* user_and_repo: p = a user policy (allows *.example.com and /proj and /data writable,
 * /proj/pub readable inside masks); r = a repository's file loaded into a policy with p's booleans.
 */
static void user_and_repo(struct cordon_policy *p, struct cordon_policy *r, const char *repo_json)
{
	struct cordon_error e;
	static const char user[] = "{\"network\": {\"allowedDomains\": [\"*.example.com\", "
				   "\"git.test:443\"]},"
				   " \"filesystem\": {\"allowWrite\": [\"/data\"], "
				   "\"allowRead\": [\"/proj/pub\"]}}";

	assert_int_equal(cordon_policy_init(p, "/home/u", &e), 0);
	assert_int_equal(
	    cordon_config_load_string(p, user, strlen(user), "user.json", "/", "/home/u", &e), 0);
	memset(r, 0, sizeof(*r));
	r->private_tmp = p->private_tmp;
	int ret = cordon_config_load_string(r, repo_json, strlen(repo_json), "/proj/.cordon.json",
					    "/proj", "/home/u", &e);
	if (ret != 0)
		fail_msg("repo json refused: %s", e.msg);
}

static void repository_file_adds_denies_and_locks(void **state)
{
	(void)state;
	struct cordon_policy p, r;
	struct cordon_error e;
	user_and_repo(&p, &r,
		      "{\"network\": {\"deniedDomains\": [\"bad.example.com\"],"
		      " \"allowedDomains\": [\"api.example.com:443\", \"git.test:443\"]},"
		      " \"filesystem\": {\"denyRead\": [\"secrets\"], \"denyWrite\": [\".env\"],"
		      " \"allowWrite\": [\"/data/out\"], \"allowRead\": [\"/proj/pub/x\"]},"
		      " \"lockPolicy\": true, \"strict\": true}");
	int ret = cordon_policy_tighten(&p, &r, "/proj/.cordon.json", &e);
	if (ret != 0)
		fail_msg("tightening refused: %s", e.msg);
	assert_true(has_path(&p.deny_read, "/proj/secrets"));
	assert_true(has_path(&p.deny_write, "/proj/.env"));
	assert_false(has_path(&p.allow_write, "/data/out")); /* already covered: nothing added */
	assert_int_equal(cordon_host_decide(&p, "bad.example.com", 443), CORDON_VERDICT_DENY);
	assert_int_equal(cordon_host_decide(&p, "good.example.com", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(p.allow_hosts.n, 2);
	assert_true(p.lock_policy);
	assert_true(p.strict);
	assert_true(p.private_tmp);
	cordon_policy_free(&r);
	cordon_policy_free(&p);
}

/* A carve-out equal to a mask cancels it (mounts_cover.c): a repository's denyRead of the user's
 * carve-out takes the carve-out away, or the mask would be listed and not applied. */
static void repository_mask_of_a_carve_out_takes_the_carve_out_away(void **state)
{
	(void)state;
	struct cordon_policy p, r;
	struct cordon_error e;
	user_and_repo(&p, &r,
		      "{\"filesystem\": {\"denyRead\": [\"/proj/pub/\", \"/proj/other\"]}}");
	assert_true(has_path(&p.allow_read, "/proj/pub"));
	int ret = cordon_policy_tighten(&p, &r, "/proj/.cordon.json", &e);
	if (ret != 0)
		fail_msg("tightening refused: %s", e.msg);
	assert_true(has_path(&p.deny_read, "/proj/pub"));
	assert_false(has_path(&p.allow_read, "/proj/pub"));
	cordon_policy_free(&r);
	cordon_policy_free(&p);
	/* control: a mask elsewhere leaves the carve-out */
	user_and_repo(&p, &r, "{\"filesystem\": {\"denyRead\": [\"/proj\", \"/proj/pub/x\"]}}");
	assert_int_equal(cordon_policy_tighten(&p, &r, "/proj/.cordon.json", &e), 0);
	assert_true(has_path(&p.allow_read, "/proj/pub"));
	cordon_policy_free(&r);
	cordon_policy_free(&p);
}

static void repository_file_that_loosens_is_refused_naming_file_and_key(void **state)
{
	(void)state;
	const struct {
		const char *json, *key;
	} bad[] = {
	    {"{\"network\": {\"allowedDomains\": [\"evil.test\"]}}", "network.allowedDomains"},
	    {"{\"network\": {\"allowedDomains\": [\"example.com\"]}}", "network.allowedDomains"},
	    {"{\"network\": {\"allowedDomains\": [\"git.test\"]}}", "network.allowedDomains"},
	    {"{\"network\": {\"allowedDomains\": [\"git.test:22\"]}}", "network.allowedDomains"},
	    {"{\"network\": {\"allowUnixSockets\": [\"/run/docker.sock\"]}}",
	     "network.allowUnixSockets"},
	    {"{\"network\": {\"allowLocalBinding\": true}}", "network.allowLocalBinding"},
	    {"{\"filesystem\": {\"allowWrite\": [\"~\"]}}", "filesystem.allowWrite"},
	    {"{\"filesystem\": {\"allowWrite\": [\"/database\"]}}", "filesystem.allowWrite"},
	    {"{\"filesystem\": {\"allowRead\": [\"~/.ssh\"]}}", "filesystem.allowRead"},
	    {"{\"filesystem\": {\"allowGitConfig\": true}}", "filesystem.allowGitConfig"},
	    {"{\"privateTmp\": false}", "privateTmp"},
	    {"{\"enableWeakerNestedSandbox\": true}", "enableWeakerNestedSandbox"},
	    {"{\"ignoreViolations\": {\"*\": [\"/usr\"]}}", "ignoreViolations"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cordon_policy p, r;
		struct cordon_error e;
		char *before, *after;
		user_and_repo(&p, &r, bad[i].json);
		assert_int_equal(cordon_policy_to_json(&p, &before, &e), 0);
		int ret = cordon_policy_tighten(&p, &r, "/proj/.cordon.json", &e);
		if (ret != -EPERM)
			fail_msg("%s: not refused (%d)", bad[i].json, ret);
		if (!strstr(e.msg, "/proj/.cordon.json") || !strstr(e.msg, bad[i].key))
			fail_msg("%s: message \"%s\" does not name file and %s", bad[i].json, e.msg,
				 bad[i].key);
		assert_int_equal(cordon_policy_to_json(&p, &after, &e), 0);
		assert_string_equal(before, after); /* unchanged */
		free(before);
		free(after);
		cordon_policy_free(&r);
		cordon_policy_free(&p);
	}
}

static void locked_or_strict_user_policy_cannot_be_unlocked_by_a_repository(void **state)
{
	(void)state;
	struct cordon_policy p = {0}, r = {0};
	struct cordon_error e;
	p.lock_policy = p.strict = true;
	r.strict = true;
	assert_int_equal(cordon_policy_tighten(&p, &r, "f", &e), -EPERM);
	assert_non_null(strstr(e.msg, "lockPolicy"));
	r.lock_policy = true;
	r.strict = false;
	assert_int_equal(cordon_policy_tighten(&p, &r, "f", &e), -EPERM);
	assert_non_null(strstr(e.msg, "strict"));
	r.strict = true;
	assert_int_equal(cordon_policy_tighten(&p, &r, "f", &e), 0);
}

static void finish_adds_cwd_and_refuses_a_writable_root(void **state)
{
	(void)state;
	struct cordon_policy p;
	struct cordon_error e;
	assert_int_equal(cordon_policy_init(&p, NULL, &e), 0);
	assert_int_equal(cordon_policy_finish(&p, "/proj/sub/", &e), 0);
	assert_true(has_path(&p.allow_write, "/proj/sub"));
	assert_int_equal(cordon_policy_finish(&p, "rel", &e), -EINVAL);
	assert_int_equal(cordon_policy_finish(&p, "/", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "\"/\""));
	cordon_policy_free(&p);

	assert_int_equal(cordon_policy_init(&p, NULL, &e), 0);
	assert_int_equal(cordon_policy_add_path(&p.allow_write, "/a/..", NULL, NULL, &e), 0);
	assert_int_equal(cordon_policy_finish(&p, "/proj", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "filesystem.allowWrite"));
	cordon_policy_free(&p);
}

static void json_form_loads_back_into_the_same_policy(void **state)
{
	(void)state;
	struct cordon_policy p, q;
	struct cordon_error e;
	char *a, *b;
	static const char cfg[] =
	    "{\"network\": {\"allowedDomains\": [\"*.example.com:8443\", \"[::1]:80\", "
	    "\"127.1\"], \"deniedDomains\": [\"x.example.com\"], \"allowUnixSockets\": "
	    "[\"/run/a \\\"quoted\\\"\\nsock\"], \"allowLocalBinding\": true},"
	    " \"filesystem\": {\"denyWrite\": [\".env\"], \"allowGitConfig\": true},"
	    " \"lockPolicy\": true, \"privateTmp\": false, \"strict\": true,"
	    " \"ignoreViolations\": true, \"enableWeakerNestedSandbox\": true}";

	assert_int_equal(cordon_policy_init(&p, "/home/u", &e), 0);
	assert_int_equal(cordon_config_load_string(&p, cfg, strlen(cfg), "c", "/p", NULL, &e), 0);
	assert_int_equal(cordon_policy_to_json(&p, &a, &e), 0);
	memset(&q, 0, sizeof(q));
	int r = cordon_config_load_string(&q, a, strlen(a), "out", "/", NULL, &e);
	if (r != 0)
		fail_msg("own JSON refused: %s\n%s", e.msg, a);
	assert_int_equal(cordon_policy_to_json(&q, &b, &e), 0);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "\"*.example.com:8443\""));
	assert_non_null(strstr(a, "\"[::1]:80\""));
	assert_non_null(strstr(a, "\"127.0.0.1\""));
	assert_non_null(strstr(a, "\"privateTmp\": false"));
	assert_true(q.allow_local_binding && q.allow_git_config && q.lock_policy && q.strict);
	free(a);
	free(b);
	cordon_policy_free(&p);
	cordon_policy_free(&q);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void dedup_keeps_the_first_of_equals_in_their_order(void **state)
{
	(void)state;
	int v[] = {5, 3, 5, 1, 3, 3, 9, 1};
	assert_int_equal(cordon_dedup(v, 8, sizeof(v[0]), int_cmp, NULL), 4);
	assert_int_equal(v[0], 5);
	assert_int_equal(v[1], 3);
	assert_int_equal(v[2], 1);
	assert_int_equal(v[3], 9);
	assert_int_equal(cordon_dedup(v, 0, sizeof(v[0]), int_cmp, NULL), 0);
}

static void a_file_s_repeats_are_dropped_after_the_first_in_order(void **state)
{
	(void)state;
	static const char json[] =
	    "{\"filesystem\": {\"denyWrite\": [\"/b\", \"/a\", \"/b/\", \"/c\", \"/./a\"]},"
	    " \"network\": {\"deniedDomains\": [\"b.test\", \"a.test\", \"B.test.\", "
	    "\"a.test:443\", \"a.test\"]}}";
	struct cordon_policy p;
	struct cordon_error e;
	char buf[300];

	memset(&p, 0, sizeof(p));
	assert_int_equal(cordon_config_load_string(&p, json, strlen(json), "t.json", "/", NULL, &e),
			 0);
	assert_int_equal(p.deny_write.n, 3);
	assert_string_equal(p.deny_write.v[0], "/b");
	assert_string_equal(p.deny_write.v[1], "/a");
	assert_string_equal(p.deny_write.v[2], "/c");
	assert_int_equal(p.deny_hosts.n, 3);
	const char *want[] = {"b.test", "a.test", "a.test:443"};
	for (size_t i = 0; i < 3; i++) {
		cordon_host_rule_format(&p.deny_hosts.v[i], buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
	}
	/* a second file's entries follow, its repeats of the first's dropped */
	static const char more[] = "{\"filesystem\": {\"denyWrite\": [\"/d\", \"/a\"]}}";
	assert_int_equal(cordon_config_load_string(&p, more, strlen(more), "u.json", "/", NULL, &e),
			 0);
	assert_int_equal(p.deny_write.n, 4);
	assert_string_equal(p.deny_write.v[3], "/d");
	cordon_policy_free(&p);
}

static void a_repository_may_name_what_the_user_s_rules_cover(void **state)
{
	(void)state;
	struct cordon_policy p, r;
	struct cordon_error e;
	size_t masks;
	/* *.example.com covers deeper names and wildcards under it on any port; git.test:443 its
	 * own port only; /data covers what lies beneath */
	user_and_repo(&p, &r,
		      "{\"network\": {\"allowedDomains\": [\"a.b.example.com\", "
		      "\"*.x.example.com:8443\", \"git.test:443\"]},"
		      " \"filesystem\": {\"allowWrite\": [\"/data/x/y\"],"
		      " \"denyRead\": [\"~/.ssh\", \"/proj/new\"]}}");
	masks = p.deny_read.n;
	int ret = cordon_policy_tighten(&p, &r, "/proj/.cordon.json", &e);
	if (ret != 0)
		fail_msg("tightening refused: %s", e.msg);
	/* ~/.ssh is a default mask already: only /proj/new is added, last */
	assert_int_equal(p.deny_read.n, masks + 1);
	assert_string_equal(p.deny_read.v[masks], "/proj/new");
	cordon_policy_free(&r);
	cordon_policy_free(&p);
	/* controls: a suffix that is not at a label or path boundary covers nothing */
	const char *not_covered[] = {
	    "{\"network\": {\"allowedDomains\": [\"xexample.com\"]}}",
	    "{\"network\": {\"allowedDomains\": [\"git.test:8443\"]}}",
	    "{\"filesystem\": {\"allowWrite\": [\"/dat\"]}}",
	    "{\"filesystem\": {\"allowWrite\": [\"/datax\"]}}",
	};
	for (size_t i = 0; i < sizeof(not_covered) / sizeof(not_covered[0]); i++) {
		user_and_repo(&p, &r, not_covered[i]);
		if (cordon_policy_tighten(&p, &r, "/proj/.cordon.json", &e) != -EPERM)
			fail_msg("%s: not refused", not_covered[i]);
		cordon_policy_free(&r);
		cordon_policy_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_mask_secrets_allow_no_host_and_keep_tmp_private),
	    cmocka_unit_test(paths_are_normalised_expanded_and_deduplicated),
	    cmocka_unit_test(repository_file_adds_denies_and_locks),
	    cmocka_unit_test(repository_mask_of_a_carve_out_takes_the_carve_out_away),
	    cmocka_unit_test(repository_file_that_loosens_is_refused_naming_file_and_key),
	    cmocka_unit_test(locked_or_strict_user_policy_cannot_be_unlocked_by_a_repository),
	    cmocka_unit_test(finish_adds_cwd_and_refuses_a_writable_root),
	    cmocka_unit_test(json_form_loads_back_into_the_same_policy),
	    cmocka_unit_test(dedup_keeps_the_first_of_equals_in_their_order),
	    cmocka_unit_test(a_file_s_repeats_are_dropped_after_the_first_in_order),
	    cmocka_unit_test(a_repository_may_name_what_the_user_s_rules_cover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
