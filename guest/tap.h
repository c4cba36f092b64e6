/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TAP output of the guest programs: "ok N ..." or "not ok N ..." per check,
 * "# SKIP" for what cannot be checked here, and the plan at the end.
 */
#ifndef GUEST_TAP_H
#define GUEST_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tests, failures;

static inline __attribute__((format(printf, 2, 3)))
void check(int cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	failures += !cond;
	printf("%sok %d ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline void skip(const char *what, const char *why)
{
	tests++;
	printf("ok %d %s # SKIP %s\n", tests, what, why);
}

/* The plan, and the exit status: 1 if a check failed. */
static inline int tap_done(void)
{
	printf("1..%d\n", tests);
	return failures != 0;
}

#endif
