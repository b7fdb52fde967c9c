/* config.h — JSON configuration files (jsmn) into a policy.
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

/* cordon_config_load_file_at: cordon_config_load_file with relative paths resolved against base
 * (an absolute directory; NULL: the file's directory). sandbox-runtime resolves the paths of
 * its settings against the current directory, and so does cordon_policy_build. */
int cordon_config_load_file_at(struct cordon_policy *p, const char *path, const char *base,
			       const char *home, struct cordon_error *e);

/* cordon_config_srt_path: sandbox-runtime's own settings file, "$HOME/.srt-settings.json", into
 * buf; read by cordon_policy_build when the user has no cordon config. Returns 0 or
 * -ENAMETOOLONG / -ENOENT (no absolute $HOME). */
int cordon_config_srt_path(char *buf, size_t len);

/* cordon_config_load_string: as above for a buffer; name is used in messages (e.g. the file name).
 */
int cordon_config_load_string(struct cordon_policy *p, const char *json, size_t len,
			      const char *name, const char *base, const char *home,
			      struct cordon_error *e);

/* cordon_config_user_path: "$XDG_CONFIG_HOME/cordon/config.json" (or ~/.config/...) into buf.
 * Returns 0 or -ENAMETOOLONG / -ENOENT (no HOME and no XDG_CONFIG_HOME). */
int cordon_config_user_path(char *buf, size_t len);

/* cordon_policy_build: the full merge of DESIGN.md §1: defaults, then the user config (if it
 * exists; else ~/.srt-settings.json), then config_file (--config, may be NULL), then the flags
 * (allow_write paths, allow_host patterns), then cwd/.cordon.json (if it exists) which may only
 * tighten, then finish with cwd. Relative paths in every file resolve against cwd, as
 * sandbox-runtime's do. Returns 0 or a negative errno with e->msg naming file, line:column and key.
 */
int cordon_policy_build(struct cordon_policy *p, const char *config_file, char *const *allow_write,
			size_t n_allow_write, char *const *allow_host, size_t n_allow_host,
			const char *cwd, struct cordon_error *e);

#endif
