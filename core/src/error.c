/* error.c — formatting of cordon_error messages (see error.h). */
#include "cordon/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cordon_error_set(struct cordon_error *e, int errnum, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return -errnum;
}

int cordon_error_prefix(struct cordon_error *e, int negerr, const char *fmt, ...)
{
	if (e) {
		char prefix[256], old[sizeof(e->msg)];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(prefix, sizeof(prefix), fmt, ap);
		va_end(ap);
		size_t n = strlen(prefix);

		memcpy(old, e->msg, sizeof(old));
		if (n + 2 >= sizeof(e->msg))
			n = sizeof(e->msg) - 3;
		memcpy(e->msg, prefix, n);
		memcpy(e->msg + n, ": ", 2);
		strncpy(e->msg + n + 2, old, sizeof(e->msg) - n - 3);
		e->msg[sizeof(e->msg) - 1] = '\0';
	}
	return negerr;
}
