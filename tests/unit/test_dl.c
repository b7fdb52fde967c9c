/* test_dl.c — the loader of core/src/dl/dl.h: each library the helper opens on first use is not
 * in the process before its load and is after it, with every symbol of its table resolved and
 * callable; a library that cannot be opened and a symbol it lacks are reported by name, once, and
 * leave no half-filled table. This binary does not link the libraries (Makefile). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "dl/dl_gnutls.h"
#include "dl/dl_ldns.h"
#include "dl/dl_nettle.h"
#include "dl/dl_ssl.h"

/* loaded: whether soname is in the process now (RTLD_NOLOAD opens nothing). */
static int loaded(const char *soname)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);

	if (h)
		dlclose(h);
	return h != NULL;
}

/* every_slot_set: every pointer of lib's table is set (the tables hold pointers only). */
static void every_slot_set(const struct cordon_dl_lib *lib)
{
	void *const *p = lib->table;

	assert_int_equal(lib->size, lib->nsyms * sizeof(void *));
	for (size_t i = 0; i < lib->nsyms; i++)
		assert_non_null(p[i]);
}

static void each_library_is_opened_at_its_first_load_with_every_symbol(void **state)
{
	struct cordon_dl_lib *libs[] = {&cordon_dl_gnutls_lib, &cordon_dl_ssl_lib,
					&cordon_dl_ldns_lib, &cordon_dl_nettle_lib};
	struct cordon_error e = {{0}};
	(void)state;

	/* Nettle and libssl come in as dependencies of GnuTLS and ldns, so "not loaded before"
	 * holds for each only until the first load. */
	assert_false(loaded(cordon_dl_gnutls_lib.soname));
	assert_false(loaded(cordon_dl_ldns_lib.soname));
	assert_false(loaded(cordon_dl_ssl_lib.soname));
	assert_false(loaded(cordon_dl_nettle_lib.soname));
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		assert_int_equal(cordon_dl_load(libs[i], &e), 0);
		assert_true(loaded(libs[i]->soname));
		every_slot_set(libs[i]);
		assert_string_equal(cordon_dl_why(libs[i]), "");
		assert_int_equal(cordon_dl_load(libs[i], &e), 0); /* again: the same, at no cost */
	}
}

static void calls_go_through_the_table(void **state)
{
	char b64[BASE64_ENCODE_RAW_LENGTH(5) + 1] = {0};
	struct cordon_error e = {{0}};
	(void)state;

	assert_int_equal(cordon_dl_nettle_load(&e), 0);
	base64_encode_raw(b64, 5, (const uint8_t *)"hello"); /* a macro of nettle/base64.h */
	assert_string_equal(b64, "aGVsbG8=");
	assert_int_equal(cordon_dl_gnutls_load(&e), 0);
	assert_non_null(strstr(gnutls_strerror(GNUTLS_E_AGAIN), "again"));
	assert_int_equal(cordon_dl_ldns_load(&e), 0);
	ldns_pkt *p = ldns_pkt_new();
	assert_non_null(p);
	ldns_pkt_set_id(p, 0x4242);
	ldns_pkt_free(p);
	assert_int_equal(cordon_dl_ssl_load(&e), 0);
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());
	assert_non_null(c);
	SSL_CTX_free(c);
}

static void *missing_table[1];
static const struct cordon_dl_sym missing_syms[] = {{"strlen", 0}};
static struct cordon_dl_lib missing = {
    .soname = "libcordon-test-no-such-library.so.0",
    .syms = missing_syms,
    .nsyms = 1,
    .table = missing_table,
    .size = sizeof(missing_table),
    .lock = PTHREAD_MUTEX_INITIALIZER,
};

static void a_library_that_cannot_be_opened_is_named_every_time(void **state)
{
	struct cordon_error e = {{0}};
	(void)state;

	assert_int_equal(cordon_dl_load(&missing, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "cannot load libcordon-test-no-such-library.so.0"));
	assert_null(missing_table[0]);
	memset(e.msg, 0, sizeof(e.msg));
	assert_int_equal(cordon_dl_load(&missing, &e), -ENOENT); /* the kept result */
	assert_non_null(strstr(e.msg, "libcordon-test-no-such-library.so.0"));
	assert_non_null(strstr(cordon_dl_why(&missing), "libcordon-test-no-such-library.so.0"));
	assert_int_equal(cordon_dl_load(&missing, NULL), -ENOENT); /* e is optional */
}

static void *partial_table[2];
static const struct cordon_dl_sym partial_syms[] = {{"strlen", 0},
						    {"cordon_test_no_such_symbol", sizeof(void *)}};
static struct cordon_dl_lib partial = {
    .soname = "libc.so.6",
    .syms = partial_syms,
    .nsyms = 2,
    .table = partial_table,
    .size = sizeof(partial_table),
    .lock = PTHREAD_MUTEX_INITIALIZER,
};

static void a_missing_symbol_is_named_and_leaves_the_table_empty(void **state)
{
	struct cordon_error e = {{0}};
	(void)state;

	/* Control: the same library with only the symbol it has loads. */
	void *ok_table[1] = {0};
	struct cordon_dl_lib ok = {.soname = "libc.so.6",
				   .syms = partial_syms,
				   .nsyms = 1,
				   .table = ok_table,
				   .size = sizeof(ok_table),
				   .lock = PTHREAD_MUTEX_INITIALIZER};
	assert_int_equal(cordon_dl_load(&ok, &e), 0);
	assert_ptr_equal(ok_table[0], (void *)strlen);

	assert_int_equal(cordon_dl_load(&partial, &e), -ENOSYS);
	assert_non_null(strstr(e.msg, "libc.so.6 has no symbol cordon_test_no_such_symbol"));
	assert_null(partial_table[0]); /* strlen was found first, and cleared again */
	assert_null(partial_table[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_library_is_opened_at_its_first_load_with_every_symbol),
	    cmocka_unit_test(calls_go_through_the_table),
	    cmocka_unit_test(a_library_that_cannot_be_opened_is_named_every_time),
	    cmocka_unit_test(a_missing_symbol_is_named_and_leaves_the_table_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
