/* dl.c — the loader of dl.h: dlopen(3) once per library, dlsym(3) each symbol of its table, and
 * a failure kept and reported by name. */
#include "dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* load: the first attempt, under lib->lock. */
static int load(struct cordon_dl_lib *lib)
{
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *d = dlerror();
		snprintf(lib->why, sizeof(lib->why), "cannot load %s (is it installed?): %s",
			 lib->soname, d ? d : "dlopen failed");
		return -ENOENT;
	}
	for (size_t i = 0; i < lib->nsyms; i++) {
		void *p;

		(void)dlerror();
		p = dlsym(h, lib->syms[i].name);
		if (!p) {
			const char *d = dlerror();
			snprintf(lib->why, sizeof(lib->why),
				 "%s has no symbol %s (an incompatible version?)%s%s", lib->soname,
				 lib->syms[i].name, d ? ": " : "", d ? d : "");
			/* Leave no half-filled table behind: the caller's contract is all or none.
			 */
			memset(lib->table, 0, lib->size);
			dlclose(h);
			return -ENOSYS;
		}
		memcpy((char *)lib->table + lib->syms[i].off, &p, sizeof(p));
	}
	/* The handle stays open for the process's life: the table points into the library. */
	return 0;
}

int cordon_dl_load(struct cordon_dl_lib *lib, struct cordon_error *e)
{
	int st = __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE);

	if (st == 0) {
		pthread_mutex_lock(&lib->lock);
		st = lib->state;
		if (st == 0) {
			st = load(lib);
			__atomic_store_n(&lib->state, st == 0 ? 1 : st, __ATOMIC_RELEASE);
			st = st == 0 ? 1 : st;
		}
		pthread_mutex_unlock(&lib->lock);
	}
	if (st == 1)
		return 0;
	return cordon_error_set(e, -st, "%s", lib->why);
}

const char *cordon_dl_why(const struct cordon_dl_lib *lib)
{
	return __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE) < 0 ? lib->why : "";
}
