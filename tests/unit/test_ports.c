/* test_ports.c — dev-server ports in the policy (ports.c) and their config keys
 * (network.allowBind, network.expose): parsing, the JSON form, and a repository config that may
 * not add them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/config.h"
#include "cordon/ports.h"

static void ports_parse_strictly(void **state)
{
	struct cordon_error e;
	(void)state;
	assert_int_equal(cordon_port_parse("8000", "x", &e), 8000);
	assert_int_equal(cordon_port_parse("65535", "x", &e), 65535);
	assert_int_equal(cordon_port_parse("0", "x", &e), -EINVAL);
	assert_int_equal(cordon_port_parse("65536", "x", &e), -EINVAL);
	assert_int_equal(cordon_port_parse("80a", "x", &e), -EINVAL);
	assert_int_equal(cordon_port_parse("-1", "x", &e), -EINVAL);
	assert_int_equal(cordon_port_parse("", "x", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a TCP port"));
}

static void expose_implies_bind_and_refuses_a_host_port_twice(void **state)
{
	struct cordon_policy p;
	struct cordon_error e;
	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(cordon_policy_add_expose(&p, "3000", &e), 0);
	assert_int_equal(cordon_policy_add_expose(&p, "8000:9000", &e), 0);
	assert_int_equal(p.n_expose, 2);
	assert_int_equal(p.expose[0].host_port, 3000);
	assert_int_equal(p.expose[1].port, 8000);
	assert_int_equal(p.expose[1].host_port, 9000);
	assert_true(cordon_policy_binds(&p, 3000));
	assert_true(cordon_policy_binds(&p, 8000));
	assert_false(cordon_policy_binds(&p, 9000));
	assert_int_equal(cordon_policy_add_expose(&p, "1234:9000", &e), -EEXIST);
	assert_int_equal(cordon_policy_add_expose(&p, "1:2:3", &e), -EINVAL);
	p.allow_local_binding = true;
	assert_true(cordon_policy_binds(&p, 9000));
}

static void config_keys_load_and_round_trip(void **state)
{
	static const char cfg[] =
	    "{\"network\": {\"allowBind\": [\"8000\", \"8000\"], \"expose\": [\"3000:4000\"]}}";
	struct cordon_policy p, q;
	struct cordon_error e;
	char *a, *b;
	(void)state;
	assert_int_equal(cordon_policy_init(&p, NULL, &e), 0);
	assert_int_equal(cordon_config_load_string(&p, cfg, strlen(cfg), "c", "/", NULL, &e), 0);
	assert_int_equal(p.n_allow_bind, 2); /* 8000 once, 3000 from expose */
	assert_int_equal(cordon_policy_to_json(&p, &a, &e), 0);
	assert_non_null(strstr(a, "\"allowBind\": [\"8000\", \"3000\"]"));
	assert_non_null(strstr(a, "\"expose\": [\"3000:4000\"]"));
	memset(&q, 0, sizeof(q));
	assert_int_equal(cordon_config_load_string(&q, a, strlen(a), "out", "/", NULL, &e), 0);
	assert_int_equal(cordon_policy_to_json(&q, &b, &e), 0);
	assert_string_equal(a, b);
	static const char bad[] = "{\"network\": {\"allowBind\": [\"http\"]}}";
	assert_int_equal(cordon_config_load_string(&q, bad, strlen(bad), "b.json", "/", NULL, &e),
			 -EINVAL);
	assert_non_null(strstr(e.msg, "b.json:1:"));
	assert_non_null(strstr(e.msg, "network.allowBind"));
	free(a);
	free(b);
	cordon_policy_free(&p);
	cordon_policy_free(&q);
}

static void a_repository_config_cannot_add_binds_or_forwards(void **state)
{
	struct cordon_policy p, r;
	struct cordon_error e;
	(void)state;
	assert_int_equal(cordon_policy_init(&p, NULL, &e), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(cordon_policy_add_bind(&r, "8000", &e), 0);
	assert_int_equal(cordon_policy_tighten(&p, &r, "/p/.cordon.json", &e), -EPERM);
	assert_non_null(strstr(e.msg, "network.allowBind"));
	/* control: the same port already allowed by the user is no loosening */
	assert_int_equal(cordon_policy_add_bind(&p, "8000", &e), 0);
	r.private_tmp = p.private_tmp; /* a repository config is read over the user's booleans */
	if (cordon_policy_tighten(&p, &r, "/p/.cordon.json", &e) != 0)
		fail_msg("%s", e.msg);
	memset(&r, 0, sizeof(r));
	r.private_tmp = p.private_tmp;
	assert_int_equal(cordon_policy_add_expose(&r, "8000", &e), 0);
	assert_int_equal(cordon_policy_tighten(&p, &r, "/p/.cordon.json", &e), -EPERM);
	assert_non_null(strstr(e.msg, "network.expose"));
	cordon_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ports_parse_strictly),
	    cmocka_unit_test(expose_implies_bind_and_refuses_a_host_port_twice),
	    cmocka_unit_test(config_keys_load_and_round_trip),
	    cmocka_unit_test(a_repository_config_cannot_add_binds_or_forwards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
