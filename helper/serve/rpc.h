/* rpc.h — JSON for `cordon serve --stdio`: output compacted to one line (built in a strbuf.h
 * buffer); messages are read with the core reader (json.h). */
#ifndef CORDON_RPC_H
#define CORDON_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/json.h"
#include "cordon/strbuf.h"

/* JSON-RPC 2.0 error codes (JSON-RPC 2.0 specification §5.1). */
#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603

/* jb_compact: a JSON text (e.g. pretty-printed) without the white space outside its strings, so
 * it fits the one-message-per-line framing. */
void jb_compact(struct cordon_strbuf *b, const char *json);

/* rpc_strdup: the string at i of a message (json.h), decoded and malloc'd; NULL when i is not a
 * string, the string is not valid (cordon_json_strdup), or on allocation failure. */
char *rpc_strdup(const struct cordon_json *d, int i);

#endif
