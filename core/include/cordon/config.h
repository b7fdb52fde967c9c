/* config.h — JSON configuration files (read by json.h) into a policy.
 * Keys: the sandbox-runtime settings (network.*, filesystem.*, ignoreViolations, ...: each is
 * honoured, ignored where it means nothing on Linux, or refused by name) and cordon's own
 * (lockPolicy, privateTmp, strict). */
#ifndef CORDON_CONFIG_H
#define CORDON_CONFIG_H

#include "cordon/policy.h"

/* cordon_config_load_file: parse the JSON file at path and merge it into p (lists are appended,
 * booleans overwritten). Relative paths in the file resolve against base, "~" against home: as
 * sandbox-runtime reads its settings, base is the current directory whatever file they are in
 * (a repository's .cordon.json lives there, so its paths mean the same either way). Errors
 * (-EINVAL, -ENOENT, -EACCES) name "path:line:column: key: what is wrong"; unknown keys, wrong
 * types, glob patterns in paths and sandbox-runtime keys cordon cannot honour are errors. On error
 * p is unchanged. */
int cordon_config_load_file(struct cordon_policy *p, const char *path, const char *base,
			    const char *home, struct cordon_error *e);

/* cordon_config_load_string: as above for a buffer; name is used in messages (e.g. the file name). */
int cordon_config_load_string(struct cordon_policy *p, const char *json, size_t len,
			      const char *name, const char *base, const char *home,
			      struct cordon_error *e);

/* cordon_policy_from_json: p (zeroed first) from the JSON form cordon_policy_to_json wrote (a
 * session's `policy` reply): the same keys, every path already absolute. Returns 0 or -EINVAL /
 * -ENOMEM with e->msg set; on error p holds nothing. */
int cordon_policy_from_json(struct cordon_policy *p, const char *json, struct cordon_error *e);

/* cordon_config_user_path: "$XDG_CONFIG_HOME/cordon/config.json" (or ~/.config/...) into buf.
 * Returns 0 or -ENAMETOOLONG / -ENOENT (no HOME and no XDG_CONFIG_HOME). */
int cordon_config_user_path(char *buf, size_t len);

/* cordon_config_srt_path: sandbox-runtime's own settings file, "$HOME/.srt-settings.json", into
 * buf: read when the user has no cordon config. Returns 0 or -ENAMETOOLONG / -ENOENT (no
 * absolute $HOME). */
int cordon_config_srt_path(char *buf, size_t len);

#endif
