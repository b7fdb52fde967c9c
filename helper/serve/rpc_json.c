/* rpc_json.c — compact JSON output for `cordon serve --stdio` (rpc.h), and the string reading
 * its methods share. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

void jb_compact(struct cordon_strbuf *b, const char *json)
{
	bool in_str = false;
	size_t start = 0, i;

	for (i = 0; json[i]; i++) {
		char c = json[i];
		if (in_str) {
			if (c == '\\' && json[i + 1])
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			cordon_sb_addn(b, json + start, i - start);
			start = i + 1;
		}
	}
	cordon_sb_addn(b, json + start, i - start);
}

char *rpc_strdup(const struct cordon_json *d, int i)
{
	char *s;

	return cordon_json_strdup(d, i, &s, NULL) == 0 ? s : NULL;
}
