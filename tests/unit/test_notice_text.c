/* test_notice_text.c — the words of the prompt notices: each kind of refusal says what happened
 * and what to do, paths are shown from where the person stands, hostile bytes never reach the
 * terminal raw, and a failed command gets a hint only where the sandbox explains it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/notices.h"

static const struct cordon_notice_ctx ctx = {
    .cwd = "/home/u/proj",
    .home = "/home/u",
    .session = "0123456789abcdef0123456789abcdef",
    .locked = false,
    .help = "help sandbox",
};

static struct cordon_vlog_entry *host_entry(const char *host, unsigned port, const char *reason)
{
	struct cordon_vlog_entry *v = calloc(1, sizeof(*v));
	assert_non_null(v);
	snprintf(v->host, sizeof(v->host), "%s", host);
	v->port = (uint16_t)port;
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	snprintf(v->proto, sizeof(v->proto), "connect");
	return v;
}

static struct cordon_vlog_entry *write_entry(const char *path)
{
	struct cordon_vlog_entry *v = calloc(1, sizeof(*v));
	assert_non_null(v);
	snprintf(v->reason, sizeof(v->reason), "mandatory write-deny");
	snprintf(v->proto, sizeof(v->proto), "write");
	snprintf(v->path, sizeof(v->path), "%s", path);
	snprintf(v->syscall, sizeof(v->syscall), "mkdir");
	return v;
}

static void an_unlisted_host_names_the_verb_that_allows_it(void **state)
{
	struct cordon_vlog_entry *v = host_entry("registry.example", 443, "not on the allowlist");
	char buf[1024];
	(void)state;
	cordon_notice_refusal(v, &ctx, buf, sizeof(buf));
	assert_string_equal(buf, "cordon: refused registry.example:443 (not on the allowlist) — "
				 "sandbox allow-host registry.example");
	free(v);
}

static void a_name_looked_up_shows_no_port(void **state)
{
	struct cordon_vlog_entry *v = host_entry("db.example", 0, "looked up; not on the allowlist");
	char buf[1024];
	(void)state;
	snprintf(v->proto, sizeof(v->proto), "dns");
	cordon_notice_refusal(v, &ctx, buf, sizeof(buf));
	assert_string_equal(buf, "cordon: refused db.example (looked up; not on the allowlist)");
	v->port = 5432; /* control: a connection names its port */
	cordon_notice_refusal(v, &ctx, buf, sizeof(buf));
	assert_non_null(strstr(buf, "db.example:5432 ("));
	free(v);
}

static void a_locked_session_points_to_cordon_approve(void **state)
{
	struct cordon_vlog_entry *v = host_entry("registry.example", 443, "not on the allowlist");
	struct cordon_notice_ctx locked = ctx;
	char buf[1024];
	(void)state;
	locked.locked = true;
	cordon_notice_refusal(v, &locked, buf, sizeof(buf));
	assert_non_null(strstr(buf, "cordon approve 0123456789abcdef0123456789abcdef "
				    "registry.example"));
	free(v);
}

static void a_host_resolving_to_loopback_offers_the_literal(void **state)
{
	struct cordon_vlog_entry *v = host_entry(
	    "build.test", 8080,
	    "resolves to loopback address 127.0.0.2, refused unless that address is allowed");
	char buf[1024];
	(void)state;
	cordon_notice_refusal(v, &ctx, buf, sizeof(buf));
	assert_non_null(strstr(buf, "sandbox allow-host 127.0.0.2"));
	free(v);
	v = host_entry("v6.test", 80, "resolves to loopback address ::1, refused unless ...");
	cordon_notice_refusal(v, &ctx, buf, sizeof(buf));
	assert_non_null(strstr(buf, "sandbox allow-host [::1]"));
	free(v);
}

static void a_denied_host_says_deny_wins(void **state)
{
	struct cordon_vlog_entry *v = host_entry("gist.example", 443, "on the denylist");
	char buf[1024];
	(void)state;
	cordon_notice_refusal(v, &ctx, buf, sizeof(buf));
	assert_non_null(strstr(buf, "(on the denylist) — a denied host wins"));
	assert_null(strstr(buf, "allow-host"));
	free(v);
}

static void git_init_at_the_root_is_explained(void **state)
{
	struct cordon_vlog_entry *v = write_entry("/home/u/proj/.git");
	char buf[1024];
	(void)state;
	cordon_notice_refusal(v, &ctx, buf, sizeof(buf));
	assert_string_equal(buf, "cordon: write refused ./.git (git init at the root of a writable "
				 "tree: run it before sandbox on, outside the sandbox, or in a "
				 "subdirectory; see help sandbox)");
	free(v);
}

static void paths_are_shown_from_cwd_then_home(void **state)
{
	struct cordon_vlog_entry *a = write_entry("/home/u/proj/sub/.envrc"),
				 *b = write_entry("/home/u/.bashrc"),
				 *c = write_entry("/srv/x/.mcp.json");
	char buf[1024];
	(void)state;
	cordon_notice_refusal(a, &ctx, buf, sizeof(buf));
	assert_non_null(strstr(buf, "write refused ./sub/.envrc (an editor or tool setting"));
	cordon_notice_refusal(b, &ctx, buf, sizeof(buf));
	assert_non_null(strstr(buf, "write refused ~/.bashrc (a shell startup file"));
	cordon_notice_refusal(c, &ctx, buf, sizeof(buf));
	assert_non_null(strstr(buf, "write refused /srv/x/.mcp.json ("));
	free(a);
	free(b);
	free(c);
}

static void control_bytes_are_escaped(void **state)
{
	struct cordon_vlog_entry *v = host_entry("evil\x1b[2J.test", 80, "not on the allowlist"),
				 *w = write_entry("/home/u/proj/\x1b]0;x\x07/.git");
	char buf[1024];
	(void)state;
	cordon_notice_refusal(v, &ctx, buf, sizeof(buf));
	assert_null(strchr(buf, '\x1b'));
	assert_non_null(strstr(buf, "evil\\x1b[2J.test"));
	cordon_notice_refusal(w, &ctx, buf, sizeof(buf));
	assert_null(strchr(buf, '\x1b'));
	assert_null(strchr(buf, '\x07'));
	free(v);
	free(w);
}

static void a_line_is_cut_to_its_buffer(void **state)
{
	struct cordon_vlog_entry *v = host_entry("registry.example", 443, "not on the allowlist");
	char buf[24];
	(void)state;
	size_t n = cordon_notice_refusal(v, &ctx, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_true(n < sizeof(buf));
	assert_string_equal(buf, "cordon: refused registr");
	free(v);
}

static void sudo_gets_the_no_new_privs_hint_only_when_it_failed(void **state)
{
	char buf[1024];
	(void)state;
	assert_true(
	    cordon_notice_command("sudo apt install x", 1, "/home/u", &ctx, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "sudo cannot gain privileges"));
	assert_non_null(strstr(buf, "no_new_privs"));
	assert_true(cordon_notice_command("FOO=1 /usr/bin/sudo -n true", 1, NULL, &ctx, buf,
					  sizeof(buf)) > 0);
	assert_int_equal(cordon_notice_command("sudo true", 0, NULL, &ctx, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* not installed: nothing the sandbox explains */
	assert_int_equal(cordon_notice_command("sudo true", 127, NULL, &ctx, buf, sizeof(buf)), 0);
	assert_int_equal(cordon_notice_command("make sudo", 2, NULL, &ctx, buf, sizeof(buf)), 0);
}

static void git_global_config_gets_the_identity_hint(void **state)
{
	char buf[1024];
	(void)state;
	assert_true(cordon_notice_command("git config --global user.email me@example.org", 255,
					  "/nonexistent", &ctx, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "GIT_AUTHOR_EMAIL"));
	assert_non_null(strstr(buf, "see help sandbox"));
	assert_int_equal(cordon_notice_command("git config user.email me@example.org", 255,
					       "/nonexistent", &ctx, buf, sizeof(buf)),
			 0);
	assert_int_equal(
	    cordon_notice_command("git status", 128, "/nonexistent", &ctx, buf, sizeof(buf)), 0);
}

static void git_commit_gets_the_hint_only_without_an_identity(void **state)
{
	char buf[1024];
	(void)state;
	unsetenv("GIT_AUTHOR_EMAIL");
	unsetenv("EMAIL");
	unsetenv("XDG_CONFIG_HOME");
	assert_true(cordon_notice_command("git commit -m x", 128, "/nonexistent", &ctx, buf,
					  sizeof(buf)) > 0);
	setenv("GIT_AUTHOR_EMAIL", "me@example.org", 1);
	assert_int_equal(
	    cordon_notice_command("git commit -m x", 1, "/nonexistent", &ctx, buf, sizeof(buf)), 0);
	unsetenv("GIT_AUTHOR_EMAIL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(an_unlisted_host_names_the_verb_that_allows_it),
	    cmocka_unit_test(a_name_looked_up_shows_no_port),
	    cmocka_unit_test(a_locked_session_points_to_cordon_approve),
	    cmocka_unit_test(a_host_resolving_to_loopback_offers_the_literal),
	    cmocka_unit_test(a_denied_host_says_deny_wins),
	    cmocka_unit_test(git_init_at_the_root_is_explained),
	    cmocka_unit_test(paths_are_shown_from_cwd_then_home),
	    cmocka_unit_test(control_bytes_are_escaped),
	    cmocka_unit_test(a_line_is_cut_to_its_buffer),
	    cmocka_unit_test(sudo_gets_the_no_new_privs_hint_only_when_it_failed),
	    cmocka_unit_test(git_global_config_gets_the_identity_hint),
	    cmocka_unit_test(git_commit_gets_the_hint_only_without_an_identity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
