/* dl.h — libraries that start-up does not need (GnuTLS, OpenSSL, ldns, Nettle), opened with
 * dlopen(3) on first use instead of being linked: linked, each `cordon run` paid for mapping and
 * relocating them and their own dependencies (p11-kit, libidn2, libunistring, libtasn1, GMP, …)
 * at exec, and every process it forks copied those pages again.
 *
 * One table per library (dl_gnutls.h, dl_ssl.h, dl_ldns.h, dl_nettle.h): a struct of typed
 * function pointers, one per symbol the code calls, filled once by cordon_dl_load. The file that
 * uses a library includes that header after (or instead of) the library's own headers; the header
 * redirects each name to its pointer with a macro, so calls (and the library's own macros that
 * expand to them, such as SSL_set_app_data) read as before. A name used but missing from the
 * table fails the link, as the library is no longer on the link line. */
#ifndef CORDON_DL_H
#define CORDON_DL_H

#include <pthread.h>
#include <stddef.h>

#include "cordon/error.h"

/* One symbol of a table: its name and where its pointer sits in the table struct. */
struct cordon_dl_sym {
	const char *name;
	size_t off;
};

/* One library. The first four fields are constant; the rest are the loader's. */
struct cordon_dl_lib {
	const char *soname; /* as the linker recorded it, e.g. "libgnutls.so.30" (Makefile) */
	const struct cordon_dl_sym *syms;
	size_t nsyms;
	void *table; /* the struct of pointers the syms' offsets index */
	size_t size; /* sizeof *table */
	pthread_mutex_t lock;
	int state;     /* 0: not tried; 1: loaded; < 0: -errno of the failed attempt */
	char why[512]; /* the failed attempt's message, kept for later callers */
};

/* CORDON_DL_SLOT(name): the table member for a symbol, typed as the library's header declares
 * it (a pointer to the function, or to the variable for a data symbol such as gnutls_free). */
#define CORDON_DL_SLOT(name) __typeof__(name) *name;
/* CORDON_DL_ENTRY(type, name): the struct cordon_dl_sym of a member of struct type. */
#define CORDON_DL_ENTRY(type, name) {#name, offsetof(type, name)},

/* CORDON_DL_DEFINE(lib, entries, soname): in the one file of a library (dl_gnutls.c, …), its
 * table `struct cordon_dl_<lib> cordon_dl_<lib>` and the loader's entry `cordon_dl_<lib>_lib`
 * for it; entries is the library's symbol list expanded to CORDON_DL_ENTRY of that struct. */
#define CORDON_DL_DEFINE(lib, entries, so)                                                         \
	static const struct cordon_dl_sym cordon_dl_##lib##_syms[] = {entries};                    \
	struct cordon_dl_##lib cordon_dl_##lib;                                                    \
	struct cordon_dl_lib cordon_dl_##lib##_lib = {                                             \
	    .soname = so,                                                                          \
	    .syms = cordon_dl_##lib##_syms,                                                        \
	    .nsyms = sizeof(cordon_dl_##lib##_syms) / sizeof(cordon_dl_##lib##_syms[0]),           \
	    .table = &cordon_dl_##lib,                                                             \
	    .size = sizeof(cordon_dl_##lib),                                                       \
	    .lock = PTHREAD_MUTEX_INITIALIZER,                                                     \
	}

/* cordon_dl_load: open lib->soname (dlopen RTLD_NOW | RTLD_LOCAL) and resolve every symbol of its
 * table (dlsym(3), which also searches the library's own dependencies: BIO_new is found through
 * libssl in libcrypto), once per process; later calls return the first attempt's result.
 * Thread-safe (lib->lock). Not async-signal-safe; a child forked while another thread of its
 * parent was loading would find lib->lock held, so load before forking where that can happen
 * (cordon's processes that use these libraries are single-threaded).
 * Returns 0 with every pointer of lib->table set, or -ENOENT (the library cannot be opened, e.g.
 * not installed: dlerror's reason) or -ENOSYS (a symbol is missing: an incompatible version),
 * with e->msg (when e is not NULL) naming the library and the symbol; the table is then left
 * all NULL. */
int cordon_dl_load(struct cordon_dl_lib *lib, struct cordon_error *e);

/* cordon_dl_why: the message of lib's failed load ("" when it has not failed), for callers that
 * report through a fixed string rather than a struct cordon_error. Valid for the process's life. */
const char *cordon_dl_why(const struct cordon_dl_lib *lib);

#endif
