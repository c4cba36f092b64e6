/* SPDX-License-Identifier: GPL-2.0 */
/* Read a test parameter (key=value) from the guest kernel command line. */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy the value of @key into @buf; return 0 when found, -1 when not. */
static inline int cmdline_get(const char *key, char *buf, size_t len)
{
	char line[4096], *tok, *save;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	for (tok = strtok_r(line, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		if (!strncmp(tok, key, klen) && tok[klen] == '=') {
			snprintf(buf, len, "%s", tok + klen + 1);
			return 0;
		}
	}
	return -1;
}

static inline long cmdline_long(const char *key, long dflt)
{
	char buf[64];

	return cmdline_get(key, buf, sizeof(buf)) ? dflt :
	       strtol(buf, NULL, 0);
}

#endif
