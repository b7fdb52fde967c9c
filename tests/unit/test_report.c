/* test_report.c — the one kernel report: what each kernel lacks, which layers that takes away,
 * and the JSON shape every command prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/json.h"
#include "cordon/report.h"

static const struct cordon_kernel full = {
    .userns = true,
    .landlock_abi = 7,
    .seccomp_filter = true,
    .seccomp_notify = true,
    .legacy_tiocsti = true,
    .mount_setattr = true,
    .release = "6.18",
};

static void a_full_kernel_lacks_nothing(void **state)
{
	struct cordon_report r;
	(void)state;
	cordon_report_from_kernel(&r, &full, true, false);
	assert_int_equal(r.n_missing, 0);
	assert_true(r.usable);
	assert_int_equal(cordon_report_layers(&r), 0);
	/* control: the same kernel whose filter would let TIOCSTI through lacks the TIOCSTI filter
	 */
	cordon_report_from_kernel(&r, &full, false, false);
	assert_int_equal(r.n_missing, 1);
	assert_string_equal(r.missing[0].what, "TIOCSTI filter");
	assert_int_equal(cordon_report_layers(&r), 0);
}

static void an_old_kernel_lacks_parts_and_whole_layers(void **state)
{
	struct cordon_kernel k = full;
	struct cordon_report r;
	char names[256];
	(void)state;
	k.landlock_abi = 3; /* no TCP rules, no scoping */
	k.seccomp_notify = false;
	cordon_report_from_kernel(&r, &k, true, false);
	assert_int_equal(r.n_missing, 3);
	assert_string_equal(r.missing[0].what, "Landlock TCP rules (ABI >= 4)");
	assert_string_equal(r.missing[1].what,
			    "Landlock signal and abstract-socket scoping (ABI >= 6)");
	assert_int_equal(cordon_report_layers(&r), CORDON_LAYER_GUARD);

	k.userns = false;
	k.landlock_abi = 0;
	k.seccomp_filter = false;
	snprintf(k.userns_why, sizeof(k.userns_why), "user.max_user_namespaces is 0");
	cordon_report_from_kernel(&r, &k, false, false);
	cordon_report_capture(&r, false, NULL);
	assert_false(r.usable); /* no weaker mode: without user namespaces nothing is confined */
	cordon_report_layer_names(cordon_report_layers(&r), names, sizeof(names));
	assert_string_equal(names, "user namespace, mount namespace, network namespace, Landlock, "
				   "seccomp, guard, transparent capture");
	struct cordon_strbuf b = {0};
	cordon_report_text(&r, &b);
	assert_non_null(strstr(b.s, "status:              cordon cannot confine here: "
				    "user.max_user_namespaces is 0\n"));
	assert_null(strstr(b.s, "degraded"));
	cordon_sb_free(&b);
	cordon_report_json(&r, &b);
	assert_non_null(strstr(b.s, "\"usable\":false"));
	assert_non_null(strstr(b.s, "\"userns_why\":\"user.max_user_namespaces is 0\""));
	cordon_sb_free(&b);
}

static void the_json_shape_holds_every_key(void **state)
{
	static const char *const keys[] = {"release",	      "userns",		"landlock_abi",
					   "seccomp",	      "seccomp_notify", "legacy_tiocsti",
					   "tiocsti_blocked", "mount_setattr",	"capture",
					   "usable",	      "inside_sandbox", "missing"};
	struct cordon_kernel k = full;
	struct cordon_report r;
	struct cordon_strbuf b = {0};
	struct cordon_json d;
	(void)state;
	k.landlock_abi = 5;
	cordon_report_from_kernel(&r, &k, true, true);
	cordon_report_capture(&r, true, NULL);
	cordon_report_json(&r, &b);
	assert_false(b.oom);
	assert_int_equal(cordon_json_parse(&d, b.s, b.len, CORDON_JSON_OBJECT, NULL), 0);
	assert_int_equal(cordon_json_size(&d, 0), sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (cordon_json_get(&d, 0, keys[i]) < 0)
			fail_msg("no \"%s\" in %s", keys[i], b.s);
	assert_int_equal(cordon_json_size(&d, cordon_json_get(&d, 0, "missing")), 1);
	cordon_json_free(&d);
	cordon_sb_free(&b);
	cordon_report_text(&r, &b);
	assert_non_null(strstr(b.s, "would be missing:    Landlock signal"));
	assert_non_null(strstr(b.s, "note: already inside a sandbox"));
	cordon_sb_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_full_kernel_lacks_nothing),
	    cmocka_unit_test(an_old_kernel_lacks_parts_and_whole_layers),
	    cmocka_unit_test(the_json_shape_holds_every_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
