/* fuzz_config.c — libFuzzer target for the JSON configuration (config.c, json.c): any bytes are
 * either merged into a policy or refused with a message; the policy is then serialised. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cordon_error e = {{0}};
	struct cordon_policy pol;
	char *json, *out = NULL;

	if (size > 65536)
		return 0;
	json = malloc(size ? size : 1);
	if (!json)
		return 0;
	memcpy(json, data, size);
	if (cordon_policy_init(&pol, "/home/fuzz", &e) == 0) {
		if (cordon_config_load_string(&pol, json, size, "fuzz.json", "/work/fuzz",
					      "/home/fuzz", &e) == 0 &&
		    cordon_policy_to_json(&pol, &out, &e) == 0)
			free(out);
		cordon_policy_free(&pol);
	}
	free(json);
	return 0;
}
