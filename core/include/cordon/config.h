/* config.h — JSON configuration files (read by json.h) into a policy.
 * Keys: the sandbox-runtime settings (network.*, filesystem.*, ignoreViolations,
 * enableWeakerNestedSandbox) and cordon's own (lockPolicy, privateTmp, strict). */
#ifndef CORDON_CONFIG_H
#define CORDON_CONFIG_H

#include "cordon/policy.h"

/* cordon_config_load_file: parse the JSON file at path and merge it into p (lists are appended,
 * booleans overwritten). Relative paths in the file resolve against the file's directory, "~"
 * against home. Errors (-EINVAL, -ENOENT, -EACCES) name "path:line:column: key: what is wrong";
 * unknown keys and wrong types are errors. On error p is unchanged. */
int cordon_config_load_file(struct cordon_policy *p, const char *path, const char *home,
			    struct cordon_error *e);

/* cordon_config_load_string: as above for a buffer; name is used in messages (e.g. the file name). */
int cordon_config_load_string(struct cordon_policy *p, const char *json, size_t len,
			      const char *name, const char *base, const char *home,
			      struct cordon_error *e);

/* cordon_config_user_path: "$XDG_CONFIG_HOME/cordon/config.json" (or ~/.config/...) into buf.
 * Returns 0 or -ENAMETOOLONG / -ENOENT (no HOME and no XDG_CONFIG_HOME). */
int cordon_config_user_path(char *buf, size_t len);

#endif
