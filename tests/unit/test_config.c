/* test_config.c — unit tests of JSON configuration files: the sandbox-runtime keys, error
 * messages with file:line:column and key, atomic merge, file loading and the build order. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cordon/config.h"
#include "cordon/hostpat.h"
#include "cordon/policy.h"
#include "cordon/policy_build.h"
#include "cordon/ports.h"

static bool has_path(const struct cordon_path_list *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], path))
			return true;
	return false;
}

/* load: into a fresh policy; returns the result and leaves the message in msg. */
static int load(struct cordon_policy *p, const char *json, char *msg)
{
	struct cordon_error e = {.msg = ""};
	int r = cordon_config_load_string(p, json, strlen(json), "t.json", "/base", "/home/u", &e);
	strcpy(msg, e.msg);
	return r;
}

static void sandbox_runtime_settings_file_loads(void **state)
{
	(void)state;
	struct cordon_policy p = {0};
	char msg[1024];
	/* the shape of sandbox-runtime's documented complete example */
	static const char srt[] =
	    "{\n"
	    "  \"network\": {\n"
	    "    \"allowedDomains\": [\"github.com\", \"*.github.com\", "
	    "\"example.org\", \"*.example.org\"],\n"
	    "    \"deniedDomains\": [\"malicious.com\"],\n"
	    "    \"allowUnixSockets\": [\"/var/run/docker.sock\"],\n"
	    "    \"allowLocalBinding\": false\n"
	    "  },\n"
	    "  \"filesystem\": {\n"
	    "    \"denyRead\": [\"~/.ssh\"],\n"
	    "    \"allowRead\": [],\n"
	    "    \"allowWrite\": [\".\", \"src/\", \"test/\", \"/tmp\"],\n"
	    "    \"denyWrite\": [\".env\", \"config/production.json\"],\n"
	    "    \"allowGitConfig\": true\n"
	    "  },\n"
	    "  \"ignoreViolations\": {\n"
	    "    \"*\": [\"/usr/bin\", \"/System\"],\n"
	    "    \"git push\": [\"/usr/bin/nc\"]\n"
	    "  },\n"
	    "  \"enableWeakerNestedSandbox\": false,\n"
	    "  \"enableWeakerNetworkIsolation\": false,\n"
	    "  \"allowAppleEvents\": false,\n"
	    "  \"lockPolicy\": true, \"privateTmp\": false, \"strict\": true\n"
	    "}\n";
	int r = load(&p, srt, msg);
	if (r)
		fail_msg("refused: %s", msg);
	assert_int_equal(p.allow_hosts.n, 4);
	assert_int_equal(cordon_host_decide(&p, "api.github.com", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(cordon_host_decide(&p, "malicious.com", 443), CORDON_VERDICT_DENY);
	assert_true(has_path(&p.allow_unix_sockets, "/var/run/docker.sock"));
	assert_true(has_path(&p.deny_read, "/home/u/.ssh"));
	assert_true(has_path(&p.allow_write, "/base"));
	assert_true(has_path(&p.allow_write, "/base/src"));
	assert_true(has_path(&p.allow_write, "/tmp"));
	assert_true(has_path(&p.deny_write, "/base/config/production.json"));
	assert_true(p.allow_git_config);
	assert_true(p.ignore_violations);
	assert_false(p.enable_weaker_nested_sandbox);
	assert_true(p.lock_policy && p.strict);
	assert_false(p.private_tmp);
	cordon_policy_free(&p);
}

/* sandbox-runtime's other keys: each is ignored where it means nothing on Linux or to cordon, or
 * refused by name with what to use instead; none is half-honoured. */
static void sandbox_runtime_keys_are_ignored_or_refused_by_name(void **state)
{
	(void)state;
	static const char *const ignored[] = {
	    "{\"mandatoryDenySearchDepth\": 5, \"filesystem\": {\"allowWrite\": [\".\"]}}",
	    "{\"allowPty\": true, \"allowAppleEvents\": true, \"enableWeakerNetworkIsolation\": "
	    "true}",
	    "{\"windows\": {\"proxyPortRange\": [60080, 60089]}}",
	    "{\"ripgrep\": {\"command\": \"rg\"}, \"seccomp\": {}, \"bwrapPath\": "
	    "\"/usr/bin/bwrap\"}",
	    "{\"javaAgentJarPath\": \"/opt/a.jar\", \"git\": {\"safeDirectories\": []}}",
	    "{\"network\": {\"allowMachLookup\": [\"com.example.*\"], \"allowAllUnixSockets\": "
	    "false, \"strictAllowlist\": false, \"deniedDomainReasons\": {\"x.test\": \"no\"}}}",
	    "{\"filesystem\": {\"disabled\": false}}",
	};
	static const struct {
		const char *json, *msg;
	} refused[] = {
	    {"{\"network\": {\"httpProxyPort\": 8080}}",
	     "t.json:1:31: network.httpProxyPort: not supported: cordon's own proxy decides every "
	     "connection; an external proxy is not supported, leave the key out"},
	    {"{\"network\": {\"tlsTerminate\": {}}}",
	     "t.json:1:30: network.tlsTerminate: not supported: cordon does not terminate TLS (it "
	     "decides by host name); leave the key out"},
	    {"{\"network\": {\"allowAllUnixSockets\": true}}",
	     "t.json:1:37: network.allowAllUnixSockets: true is not supported: cordon refuses "
	     "socket(AF_UNIX) unless network.allowUnixSockets names a socket; list them there"},
	    {"{\"filesystem\": {\"disabled\": true}}",
	     "t.json:1:29: filesystem.disabled: true is not supported: cordon always applies the "
	     "filesystem policy; widen it with filesystem.allowWrite"},
	    {"{\"credentials\": {\"files\": []}}",
	     "t.json:1:17: credentials: not supported: cordon does not mask credentials; keep such "
	     "files from being read with filesystem.denyRead"},
	    {"{\"mandatoryDenySearchDepth\": 11}",
	     "t.json:1:30: mandatoryDenySearchDepth: expected an integer from 1 to 10"},
	    {"{\"windows\": true}", "t.json:1:13: windows: expected an object, got a boolean"},
	    {"{\"allowPty\": \"yes\"}", "t.json:1:14: allowPty: expected a boolean, got a string"},
	};
	struct cordon_policy p = {0};
	char msg[1024];

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		if (load(&p, ignored[i], msg))
			fail_msg("refused %s: %s", ignored[i], msg);
	}
	cordon_policy_free(&p);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (load(&p, refused[i].json, msg) != -EINVAL)
			fail_msg("accepted %s", refused[i].json);
		if (strcmp(msg, refused[i].msg))
			fail_msg("for %s\n  got  \"%s\"\n  want \"%s\"", refused[i].json, msg,
				 refused[i].msg);
	}
	cordon_policy_free(&p);
}

/* sandbox-runtime expands globs in denyRead; cordon binds concrete paths and would mask nothing,
 * so a pattern is refused rather than taken literally. */
static void glob_patterns_in_paths_are_refused(void **state)
{
	(void)state;
	struct cordon_policy p = {0};
	char msg[1024];

	assert_int_equal(load(&p, "{\"filesystem\": {\"denyRead\": [\"**/.env\"]}}", msg), -EINVAL);
	assert_string_equal(msg, "t.json:1:30: filesystem.denyRead: \"**/.env\": glob patterns are "
				 "not expanded; name each path");
	assert_int_equal(load(&p, "{\"filesystem\": {\"denyWrite\": [\"file?.txt\"]}}", msg),
			 -EINVAL);
	/* positive control: the same key with a concrete path */
	assert_int_equal(load(&p, "{\"filesystem\": {\"denyRead\": [\"./secrets\"]}}", msg), 0);
	assert_true(has_path(&p.deny_read, "/base/secrets"));
	cordon_policy_free(&p);
}

static void ignore_violations_accepts_boolean_and_command_map(void **state)
{
	(void)state;
	struct cordon_policy p = {0};
	char msg[1024];
	assert_int_equal(load(&p, "{\"ignoreViolations\": true}", msg), 0);
	assert_true(p.ignore_violations);
	assert_int_equal(load(&p, "{\"ignoreViolations\": false}", msg), 0);
	assert_false(p.ignore_violations);
	assert_int_equal(load(&p, "{\"ignoreViolations\": {}}", msg), 0);
	assert_false(p.ignore_violations);
	assert_int_equal(load(&p, "{\"ignoreViolations\": {\"npm\": \"/tmp\"}}", msg), -EINVAL);
	assert_string_equal(msg, "t.json:1:30: ignoreViolations.npm: expected an array of strings, "
				 "got a string");
	assert_int_equal(load(&p, "{\"ignoreViolations\": [\"x\"]}", msg), -EINVAL);
	assert_string_equal(msg, "t.json:1:22: ignoreViolations: expected a boolean or an object "
				 "of command patterns, got an array");
	assert_int_equal(load(&p, "{\"ignoreViolations\": {\"a\": [], \"a\": []}}", msg), -EINVAL);
	assert_string_equal(msg, "t.json:1:32: ignoreViolations.a: duplicate key");
	cordon_policy_free(&p);
}

static void errors_name_file_line_column_and_key(void **state)
{
	(void)state;
	const struct {
		const char *json, *msg;
	} bad[] = {
	    {"{\"foo\": 1}", "t.json:1:2: foo: unknown key"},
	    {"{\n  \"network\": {\n    \"allowedDomain\": []\n  }\n}",
	     "t.json:3:5: network.allowedDomain: unknown key"},
	    {"{\"lockPolicy\": \"yes\"}",
	     "t.json:1:16: lockPolicy: expected a boolean, got a string"},
	    {"{\"strict\": 1}", "t.json:1:12: strict: expected a boolean, got a number"},
	    {"{\"privateTmp\": null}", "t.json:1:16: privateTmp: expected a boolean, got null"},
	    {"{\"network\": []}", "t.json:1:13: network: expected an object, got an array"},
	    {"{\"filesystem\": {\"denyRead\": \"~/.ssh\"}}",
	     "t.json:1:29: filesystem.denyRead: expected an array of strings, got a string"},
	    {"{\"filesystem\": {\"allowWrite\": [\"a\", 2]}}",
	     "t.json:1:37: filesystem.allowWrite: expected an array of strings, element 1 is a "
	     "number"},
	    {"{\"filesystem\": {\"allowWrite\": [\"\"]}}",
	     "t.json:1:32: filesystem.allowWrite: empty path"},
	    {"{\n\t\"network\": {\"allowedDomains\": [\"ok.com\",\n\t\t\"*.com\"]}\n}",
	     "t.json:3:3: network.allowedDomains: invalid host pattern \"*.com\": a wildcard over "
	     "a single label covers a whole top-level domain"},
	    {"{\"network\": {\"deniedDomains\": [\"http://x\"]}}",
	     "t.json:1:32: network.deniedDomains: invalid host pattern \"http://x\": a URL scheme "
	     "is not allowed, give the host only"},
	    {"{\"network\": {\"allowedDomains\": [\"a/b\"]}}",
	     "t.json:1:33: network.allowedDomains: invalid host pattern \"a/b\": contains a path "
	     "('/')"},
	    {"{\"strict\": true, \"strict\": false}", "t.json:1:18: strict: duplicate key"},
	    {"{\"network\": {\"allowLocalBinding\": true,\n \"allowLocalBinding\": true}}",
	     "t.json:2:2: network.allowLocalBinding: duplicate key"},
	    {"{\"strict\": true\n \"lockPolicy\": true}",
	     "t.json:2:2: invalid JSON: expected ',' between members"},
	    {"{\"strict\": true,}", "t.json:1:16: invalid JSON: unexpected ','"},
	    {"{\"strict\" true}", "t.json:1:11: invalid JSON: unexpected 't'"},
	    {"{\"strict\"}", "t.json:1:10: invalid JSON: expected ':' after a key"},
	    {"{\"strict\": tru}", "t.json:1:12: invalid JSON: invalid literal \"tru\""},
	    {"{\"strict\": yes}", "t.json:1:12: invalid JSON: unexpected 'y'"},
	    {"{\"strict\": true", "t.json:1:16: invalid JSON: unexpected end of input"},
	    {"{\"stri", "t.json:1:2: invalid JSON: unterminated string"},
	    {"{\"a\": [1, 2,]}", "t.json:1:12: invalid JSON: unexpected ','"},
	    {"{\"a\": [1 2]}", "t.json:1:10: invalid JSON: expected ',' between members"},
	    {"{\"a\": 01}", "t.json:1:7: invalid JSON: invalid literal \"01\""},
	    {"{} {}", "t.json:1:4: invalid JSON: text after the top-level object"},
	    {"{}]", "t.json:1:3: invalid JSON: unexpected ']'"},
	    {"[]", "t.json:1:1: the top level must be an object, got an array"},
	    {"", "t.json:1:1: invalid JSON: empty document"},
	    {"{\"filesystem\": {\"denyRead\": [\"x\ty\"]}}",
	     "t.json:1:32: filesystem.denyRead: invalid JSON: control character in a string"},
	    {"{\"filesystem\": {\"denyRead\": [\"a\\u0000b\"]}}",
	     "t.json:1:32: filesystem.denyRead: \"\\u0000\" is not allowed"},
	    {"{\"filesystem\": {\"denyRead\": [\"\\ud800\"]}}",
	     "t.json:1:31: filesystem.denyRead: invalid JSON: unpaired surrogate escape"},
	    {"{\"network\": {\"allowedDomains\": [\"ex\\u00e4mple.com\"]}}",
	     "t.json:1:33: network.allowedDomains: invalid host pattern \"ex\xc3\xa4mple.com\": "
	     "contains a non-ASCII byte (use the IDNA \"xn--\" form)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cordon_policy p = {0};
		char msg[1024];
		int r = load(&p, bad[i].json, msg);
		if (r != -EINVAL)
			fail_msg("accepted (%d): %s", r, bad[i].json);
		if (strcmp(msg, bad[i].msg))
			fail_msg("for %s\n  got  \"%s\"\n  want \"%s\"", bad[i].json, msg,
				 bad[i].msg);
		cordon_policy_free(&p);
	}
}

static void embedded_nul_is_refused_at_its_position(void **state)
{
	(void)state;
	struct cordon_policy p = {0};
	struct cordon_error e;
	static const char js[] = "{\"strict\": true}\0{\"x\": 1}";
	assert_int_equal(cordon_config_load_string(&p, js, sizeof(js) - 1, "n.json", "/", NULL, &e),
			 -EINVAL);
	assert_string_equal(e.msg, "n.json:1:17: invalid JSON: NUL byte");
	assert_false(p.strict);
}

static void escapes_decode_to_utf8(void **state)
{
	(void)state;
	struct cordon_policy p = {0};
	char msg[1024];
	assert_int_equal(
	    load(&p,
		 "{\"filesystem\": {\"denyRead\": [\"\\/a\\u002fb\", \"/x\\ud83d\\ude00\", "
		 "\"/caf\\u00e9\"]}}",
		 msg),
	    0);
	assert_true(has_path(&p.deny_read, "/a/b"));
	assert_true(has_path(&p.deny_read, "/x\xf0\x9f\x98\x80"));
	assert_true(has_path(&p.deny_read, "/caf\xc3\xa9"));
	cordon_policy_free(&p);
}

static void lists_append_booleans_overwrite_and_errors_change_nothing(void **state)
{
	(void)state;
	struct cordon_policy p;
	struct cordon_error e;
	char msg[1024], *before, *after;

	assert_int_equal(cordon_policy_init(&p, "/home/u", &e), 0);
	assert_int_equal(load(&p,
			      "{\"network\": {\"allowedDomains\": [\"a.test\"]}, "
			      "\"lockPolicy\": true}",
			      msg),
			 0);
	assert_int_equal(load(&p,
			      "{\"network\": {\"allowedDomains\": [\"b.test\"]}, "
			      "\"lockPolicy\": false}",
			      msg),
			 0);
	assert_int_equal(p.allow_hosts.n, 2);
	assert_false(p.lock_policy);
	assert_int_equal(p.deny_read.n, 14); /* defaults kept */

	assert_int_equal(cordon_policy_to_json(&p, &before, &e), 0);
	/* valid entries before the error must not leak into p */
	assert_int_equal(load(&p,
			      "{\"lockPolicy\": true, \"filesystem\": {\"allowWrite\": "
			      "[\"/w\"]}, \"network\": {\"allowedDomains\": [\"c.test\", "
			      "\"*.com\"]}}",
			      msg),
			 -EINVAL);
	assert_int_equal(cordon_policy_to_json(&p, &after, &e), 0);
	assert_string_equal(before, after);
	free(before);
	free(after);
	cordon_policy_free(&p);
}

/* tmpdir: a fresh directory for file tests. */
static char *tmpdir(void)
{
	char tpl[] = "/tmp/cordon-test-config.XXXXXX";
	char *d = mkdtemp(tpl);
	assert_non_null(d);
	return strdup(d);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	*slash = '/';
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void rm_rf(char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static void file_paths_resolve_against_the_current_directory_not_the_file(void **state)
{
	(void)state;
	char *d = tmpdir(), path[1024], want[4096];
	struct cordon_policy p = {0};
	struct cordon_error e;

	/* sandbox-runtime's meaning: "." in ~/.srt-settings.json is the project, not $HOME */
	write_file(d, "etc/c.json",
		   "{\"filesystem\": {\"allowWrite\": [\".\", \"out\", \"../up\"]}}");
	snprintf(path, sizeof(path), "%s/etc/c.json", d);
	assert_int_equal(cordon_config_load_file(&p, path, "/proj/sub", "/home/u", &e), 0);
	assert_true(has_path(&p.allow_write, "/proj/sub"));
	assert_true(has_path(&p.allow_write, "/proj/sub/out"));
	assert_true(has_path(&p.allow_write, "/proj/up"));
	snprintf(want, sizeof(want), "%s/etc/out", d);
	assert_false(has_path(&p.allow_write, want));

	/* errors carry the path as given */
	write_file(d, "bad.json", "{\n\"nope\": true}");
	snprintf(path, sizeof(path), "%s/bad.json", d);
	assert_int_equal(cordon_config_load_file(&p, path, "/", NULL, &e), -EINVAL);
	snprintf(want, sizeof(want), "%s:2:1: nope: unknown key", path);
	assert_string_equal(e.msg, want);

	snprintf(path, sizeof(path), "%s/missing.json", d);
	assert_int_equal(cordon_config_load_file(&p, path, "/", NULL, &e), -ENOENT);
	assert_non_null(strstr(e.msg, path));
	assert_int_equal(cordon_config_load_file(&p, d, "/", NULL, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a regular file"));
	cordon_policy_free(&p);
	rm_rf(d);
}

static void user_config_path_follows_xdg(void **state)
{
	(void)state;
	char buf[4096], small[8];
	setenv("HOME", "/home/u", 1);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	assert_int_equal(cordon_config_user_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/xdg/cordon/config.json");
	setenv("XDG_CONFIG_HOME", "relative", 1); /* invalid per the XDG spec: ignored */
	assert_int_equal(cordon_config_user_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/u/.config/cordon/config.json");
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(cordon_config_user_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/u/.config/cordon/config.json");
	assert_int_equal(cordon_config_user_path(small, sizeof(small)), -ENAMETOOLONG);
	unsetenv("HOME");
	assert_int_equal(cordon_config_user_path(buf, sizeof(buf)), -ENOENT);
}

/* build: cordon_policy_build for a request of a --config file and flags (borrowed, not freed). */
static int build(struct cordon_policy *p, char *config, char **aw, size_t naw, char **ah,
		 size_t nah, const char *cwd, struct cordon_error *e)
{
	struct cordon_policy_request rq = {.config = config,
					   .allow_write = aw,
					   .n_allow_write = naw,
					   .allow_host = ah,
					   .n_allow_host = nah};
	return cordon_policy_build(p, &rq, cwd, e);
}

static void build_merges_user_config_flags_and_repository_file(void **state)
{
	(void)state;
	char *d = tmpdir(), home[1024], proj[1024], cfg[1024], want[4096];
	struct cordon_policy p;
	struct cordon_error e;
	char *aw[] = {"build", "~/cache"}, *ah[] = {"flag.test:443"};

	snprintf(home, sizeof(home), "%s/home", d);
	snprintf(proj, sizeof(proj), "%s/proj", d);
	snprintf(cfg, sizeof(cfg), "%s/extra.json", d);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	write_file(d, "home/.config/cordon/config.json",
		   "{\"network\": {\"allowedDomains\": [\"*.user.test\"]}}");
	write_file(d, "extra.json", "{\"network\": {\"allowedDomains\": [\"extra.test\"]}}");
	write_file(d, "proj/build/.keep", ""); /* writable paths must exist */
	write_file(d, "home/cache/.keep", "");
	write_file(d, "proj/.cordon.json",
		   "{\"network\": {\"deniedDomains\": [\"bad.user.test\"]}, \"lockPolicy\": true,"
		   " \"filesystem\": {\"allowWrite\": [\".\"], \"denyWrite\": [\"dist\"]}}");

	int r = build(&p, cfg, aw, 2, ah, 1, proj, &e);
	if (r)
		fail_msg("build failed: %s", e.msg);
	assert_int_equal(cordon_host_decide(&p, "a.user.test", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(cordon_host_decide(&p, "bad.user.test", 443), CORDON_VERDICT_DENY);
	assert_int_equal(cordon_host_decide(&p, "extra.test", 80), CORDON_VERDICT_ALLOW);
	assert_int_equal(cordon_host_decide(&p, "flag.test", 443), CORDON_VERDICT_ALLOW);
	assert_int_equal(cordon_host_decide(&p, "flag.test", 80), CORDON_VERDICT_UNLISTED);
	assert_true(p.lock_policy);
	assert_true(has_path(&p.allow_write, proj));
	snprintf(want, sizeof(want), "%s/build", proj);
	assert_true(has_path(&p.allow_write, want));
	snprintf(want, sizeof(want), "%s/cache", home);
	assert_true(has_path(&p.allow_write, want));
	snprintf(want, sizeof(want), "%s/dist", proj);
	assert_true(has_path(&p.deny_write, want));
	snprintf(want, sizeof(want), "%s/.ssh", home);
	assert_true(has_path(&p.deny_read, want));
	cordon_policy_free(&p);

	/* a repository file that loosens is refused, naming itself and the key */
	write_file(d, "proj/.cordon.json", "{\"network\": {\"allowedDomains\": [\"evil.test\"]}}");
	assert_int_equal(build(&p, NULL, NULL, 0, NULL, 0, proj, &e), -EPERM);
	snprintf(want, sizeof(want), "%s/.cordon.json: network.allowedDomains", proj);
	if (!strstr(e.msg, want))
		fail_msg("\"%s\" lacks \"%s\"", e.msg, want);
	assert_int_equal(p.allow_hosts.n, 0); /* nothing left half-built */

	/* a bad user config and a bad flag are errors too */
	write_file(d, "proj/.cordon.json", "{}");
	char *bad_host[] = {"*.com"};
	assert_int_equal(build(&p, NULL, NULL, 0, bad_host, 1, proj, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "--allow-host: invalid host pattern \"*.com\""));
	write_file(d, "home/.config/cordon/config.json", "{\"strict\": \"no\"}");
	assert_int_equal(build(&p, NULL, NULL, 0, NULL, 0, proj, &e), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/.config/cordon/config.json:1:12: strict: expected a boolean", home);
	if (!strstr(e.msg, want))
		fail_msg("\"%s\" lacks \"%s\"", e.msg, want);
	rm_rf(d);
}

static void build_refuses_a_writable_path_that_does_not_exist(void **state)
{
	(void)state;
	char *d = tmpdir(), home[1024], proj[1024], cfg[1024], want[4096];
	struct cordon_policy p;
	struct cordon_error e;
	char *missing[] = {"out"};

	snprintf(home, sizeof(home), "%s/home", d);
	snprintf(proj, sizeof(proj), "%s/proj", d);
	snprintf(cfg, sizeof(cfg), "%s/extra.json", d);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	write_file(d, "proj/.keep", "");

	/* a flag: named, with the resolved path */
	assert_int_equal(build(&p, NULL, missing, 1, NULL, 0, proj, &e), -ENOENT);
	snprintf(want, sizeof(want), "--allow-write: writable path %s/out does not exist", proj);
	if (!strstr(e.msg, want))
		fail_msg("\"%s\" lacks \"%s\"", e.msg, want);
	/* --config: the file and the key; a relative path is the current directory's, as
	 * sandbox-runtime reads it */
	write_file(d, "extra.json", "{\"filesystem\": {\"allowWrite\": [\"gone\"]}}");
	assert_int_equal(build(&p, cfg, NULL, 0, NULL, 0, proj, &e), -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: filesystem.allowWrite: writable path %s/gone does not exist", cfg, proj);
	if (!strstr(e.msg, want))
		fail_msg("\"%s\" lacks \"%s\"", e.msg, want);
	/* the user's own config too */
	write_file(d, "home/.config/cordon/config.json",
		   "{\"filesystem\": {\"allowWrite\": [\"~/.npm\"]}}");
	assert_int_equal(build(&p, NULL, NULL, 0, NULL, 0, proj, &e), -ENOENT);
	snprintf(want, sizeof(want),
		 "%s/.config/cordon/config.json: filesystem.allowWrite: writable path %s/.npm does "
		 "not exist",
		 home, home);
	if (!strstr(e.msg, want))
		fail_msg("\"%s\" lacks \"%s\"", e.msg, want);

	/* positive control: once they exist, the same policy builds */
	write_file(d, "proj/out/.keep", "");
	write_file(d, "proj/gone/.keep", "");
	write_file(d, "home/.npm/.keep", "");
	int r = build(&p, cfg, missing, 1, NULL, 0, proj, &e);
	if (r)
		fail_msg("build failed: %s", e.msg);
	snprintf(want, sizeof(want), "%s/.npm", home);
	assert_true(has_path(&p.allow_write, want));
	cordon_policy_free(&p);
	rm_rf(d);
}

static void build_without_any_config_gives_the_defaults(void **state)
{
	(void)state;
	char *d = tmpdir(), home[4096];
	struct cordon_policy p;
	struct cordon_error e;

	snprintf(home, sizeof(home), "%s/home", d);
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", d, 1);
	assert_int_equal(build(&p, NULL, NULL, 0, NULL, 0, d, &e), 0);
	assert_int_equal(p.allow_hosts.n, 0);
	assert_int_equal(p.allow_write.n, 1);
	assert_string_equal(p.allow_write.v[0], d);
	assert_int_equal(p.deny_read.n, 14);
	assert_true(p.private_tmp);
	cordon_policy_free(&p);
	/* --config naming a missing file is an error, unlike an absent user config */
	char missing[4200];
	snprintf(missing, sizeof(missing), "%s/missing.json", d);
	assert_int_equal(build(&p, missing, NULL, 0, NULL, 0, d, &e), -ENOENT);
	rm_rf(d);
}

/* The README of sandbox-runtime configures ~/.srt-settings.json with "allowWrite": ["."] and a
 * denyWrite under home: read when there is no cordon config, "." is the current directory. */
static void build_reads_srt_settings_when_there_is_no_cordon_config(void **state)
{
	(void)state;
	char *d = tmpdir(), home[1024], proj[1024], want[4096];
	struct cordon_policy p;
	struct cordon_error e;

	snprintf(home, sizeof(home), "%s/home", d);
	snprintf(proj, sizeof(proj), "%s/proj", d);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	write_file(d, "proj/.keep", "");
	write_file(d, "home/.srt-settings.json",
		   "{\n  \"filesystem\": {\n    \"denyRead\": [],\n    \"allowWrite\": [\".\"],\n"
		   "    \"denyWrite\": [\"~/sensitive-folder\"]\n  },\n  \"network\": {\n"
		   "    \"allowedDomains\": [],\n    \"deniedDomains\": []\n  }\n}\n");
	int r = build(&p, NULL, NULL, 0, NULL, 0, proj, &e);
	if (r)
		fail_msg("build failed: %s", e.msg);
	assert_int_equal(p.allow_write.n, 1); /* the project, not $HOME */
	assert_string_equal(p.allow_write.v[0], proj);
	snprintf(want, sizeof(want), "%s/sensitive-folder", home);
	assert_true(has_path(&p.deny_write, want));
	assert_null(p.repo_config);
	cordon_policy_free(&p);

	/* a cordon config takes its place: the srt file is then not read */
	write_file(d, "home/.config/cordon/config.json", "{}");
	assert_int_equal(build(&p, NULL, NULL, 0, NULL, 0, proj, &e), 0);
	assert_false(has_path(&p.deny_write, want));
	cordon_policy_free(&p);

	/* the repository's file in force is named */
	write_file(d, "proj/.cordon.json", "{\"lockPolicy\": true}");
	assert_int_equal(build(&p, NULL, NULL, 0, NULL, 0, proj, &e), 0);
	snprintf(want, sizeof(want), "%s/.cordon.json", proj);
	assert_non_null(p.repo_config);
	assert_string_equal(p.repo_config, want);
	cordon_policy_free(&p);
	rm_rf(d);
}

static void policy_flags_take_both_spellings_and_leave_other_words(void **state)
{
	(void)state;
	char *argv[] = {"on",
			"--config=a.json",
			"--allow-write",
			"out",
			"--allow-host=h.test",
			"--strict",
			"--lock",
			"--config",
			"b.json",
			"--allow-bind",
			"8000",
			"--expose=3000:4000",
			"--json",
			"--allow-host"};
	int argc = sizeof(argv) / sizeof(argv[0]), i, took = 0;
	struct cordon_policy_request rq = {0};
	struct cordon_error e = {{0}};

	for (i = 1; i < argc; i++) {
		int r = cordon_policy_flag(&rq, argc, argv, &i, &e);
		if (r == 0)
			break;
		assert_int_equal(r, 1);
		took++;
	}
	assert_int_equal(took, 8);
	assert_string_equal(argv[i], "--json");	  /* not a policy flag: the adapter's */
	assert_string_equal(rq.config, "b.json"); /* the last --config wins */
	assert_int_equal(rq.n_allow_write, 1);
	assert_string_equal(rq.allow_write[0], "out");
	assert_int_equal(rq.n_allow_host, 1);
	assert_string_equal(rq.allow_host[0], "h.test");
	assert_true(rq.strict && rq.lock);
	assert_int_equal(rq.n_allow_bind, 1);
	assert_string_equal(rq.allow_bind[0], "8000");
	assert_int_equal(rq.n_expose, 1);
	assert_string_equal(rq.expose[0], "3000:4000");
	i = argc - 1;
	assert_int_equal(cordon_policy_flag(&rq, argc, argv, &i, &e), -EINVAL);
	assert_string_equal(e.msg, "option \"--allow-host\" needs an argument");
	char *near[] = {"x", "--configx", "--allow-hosts=a"};
	for (i = 1; i < 3; i++)
		assert_int_equal(cordon_policy_flag(&rq, 3, near, &i, &e), 0);
	cordon_policy_request_free(&rq);
	assert_null(rq.config);
}

/* The JSON form a session sends back (`sandbox policy`) reads back to the same policy, paths
 * with bracket characters included (they are resolved paths there, not patterns). */
static void the_policy_json_form_reads_back_unchanged(void **state)
{
	(void)state;
	struct cordon_policy p, q;
	struct cordon_error e = {{0}};
	char *a = NULL, *b = NULL;

	assert_int_equal(cordon_policy_init(&p, "/home/u", &e), 0);
	assert_int_equal(cordon_policy_add_host(&p.allow_hosts, "*.example.test:443", &e), 0);
	assert_int_equal(cordon_policy_add_host(&p.deny_hosts, "[::1]", &e), 0);
	assert_int_equal(cordon_policy_finish(&p, "/proj/[v2]", &e), 0);
	p.lock_policy = true;
	p.private_tmp = false;
	assert_int_equal(cordon_policy_add_bind(&p, "8000", &e), 0);
	assert_int_equal(cordon_policy_add_expose(&p, "3000:4000", &e), 0);
	assert_int_equal(cordon_git_add_remote(&p.git.remotes, "https://git.example.test/a/b.git",
					       NULL, "/", &e),
			 0);
	assert_int_equal(cordon_policy_to_json(&p, &a, &e), 0);
	if (cordon_policy_from_json(&q, a, &e))
		fail_msg("refused its own JSON: %s", e.msg);
	assert_int_equal(cordon_policy_to_json(&q, &b, &e), 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
	assert_int_equal(cordon_policy_to_text(&q, "read-only\t/proj/[v2]/.git/hooks\n", &a, &e),
			 0);
	assert_non_null(strstr(a, "  allowed hosts:       *.example.test:443\n"));
	assert_non_null(strstr(a, "  writable:            /proj/[v2]\n"));
	assert_non_null(strstr(a, "  ports to bind:       8000, 3000\n"));
	assert_non_null(strstr(a, "  exposed ports:       3000 from 127.0.0.1:4000\n"));
	assert_non_null(
	    strstr(a, "  protected inside:    read-only      /proj/[v2]/.git: hooks\n"));
	assert_non_null(strstr(a, "  remotes relayed:     https://git.example.test/a/b.git\n"));
	free(a);
	/* inside a sandbox no preview can be made: the line says so instead of "(none)" */
	assert_int_equal(cordon_policy_to_text(&q, NULL, &a, &e), 0);
	assert_non_null(strstr(a, "  protected inside:    (not listed inside the sandbox"));
	free(a);
	assert_int_equal(cordon_policy_to_json_protected(&q, "kept\t/proj/[v2]/.git\n", &a, &e), 0);
	assert_non_null(strstr(a, "\"protected\": [\n    {\"kind\": \"kept\", \"path\": "
				  "\"/proj/[v2]/.git\"}\n  ]\n}\n"));
	free(a);
	cordon_policy_free(&p);
	cordon_policy_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(policy_flags_take_both_spellings_and_leave_other_words),
	    cmocka_unit_test(the_policy_json_form_reads_back_unchanged),
	    cmocka_unit_test(sandbox_runtime_keys_are_ignored_or_refused_by_name),
	    cmocka_unit_test(glob_patterns_in_paths_are_refused),
	    cmocka_unit_test(build_reads_srt_settings_when_there_is_no_cordon_config),
	    cmocka_unit_test(sandbox_runtime_settings_file_loads),
	    cmocka_unit_test(ignore_violations_accepts_boolean_and_command_map),
	    cmocka_unit_test(errors_name_file_line_column_and_key),
	    cmocka_unit_test(embedded_nul_is_refused_at_its_position),
	    cmocka_unit_test(escapes_decode_to_utf8),
	    cmocka_unit_test(lists_append_booleans_overwrite_and_errors_change_nothing),
	    cmocka_unit_test(file_paths_resolve_against_the_current_directory_not_the_file),
	    cmocka_unit_test(user_config_path_follows_xdg),
	    cmocka_unit_test(build_merges_user_config_flags_and_repository_file),
	    cmocka_unit_test(build_refuses_a_writable_path_that_does_not_exist),
	    cmocka_unit_test(build_without_any_config_gives_the_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
