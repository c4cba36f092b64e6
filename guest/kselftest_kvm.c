// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest_kvm --expect=BITMAP --timeout=SECONDS: run the kvm collection of
 * the installed kselftests (/kselftest, `make -C tools/testing/selftests
 * TARGETS=kvm install`) through kselftest's own runner, as KernelCI and LKFT
 * do: `run_kselftest.sh -c kvm -o SECONDS`, under Debian's /bin/sh (dash).
 * The script is run as `/bin/sh run_kselftest.sh`: the test kernel has no
 * CONFIG_BINFMT_SCRIPT, so its #! line would not work.  For the same
 * reason the image has no perl: the runner then prefixes the tests' output
 * with sed instead of its prefix.pl, as it does on any system without
 * /usr/bin/perl.
 *
 *   --expect   reaches compat_caps_test as its --expect option through the
 *              runner's KSELFTEST_<TEST>_ARGS variable, so that the runner's
 *              run also checks the bitmap against the matrix table
 *   --timeout  replaces the collection's timeout (tools/testing/selftests/
 *              kvm/settings) for every test: under TCG the memory tests
 *              take longer than on hardware
 * The runner's TAP goes to stdout as it is; scripts/matrix.py judges it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The runner writes its log to /dev/stdout.  devtmpfs makes no such link (on
 * a Debian system udev does): without it, `>> /dev/stdout` fills a file.
 */
static void dev_links(void)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },
		{ "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" },
		{ "/proc/self/fd/2", "/dev/stderr" },
	};

	for (unsigned int i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) && errno != EEXIST)
			printf("# kselftest_kvm: %s: %s\n", links[i][1], strerror(errno));
}

int main(int argc, char *argv[])
{
	const char *expect = NULL, *timeout = "300";
	char args[128];

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--expect=", 9)) {
			expect = argv[i] + 9;
		} else if (!strncmp(argv[i], "--timeout=", 10)) {
			timeout = argv[i] + 10;
		} else {
			fprintf(stderr, "usage: kselftest_kvm [--expect=BITMAP] [--timeout=SECONDS]\n");
			return 2;
		}
	}
	/* /init passes the kernel's environment on: no PATH. */
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("TMPDIR", "/tmp", 1);
	if (expect) {
		snprintf(args, sizeof(args), "--expect=%s", expect);
		setenv("KSELFTEST_COMPAT_CAPS_TEST_ARGS", args, 1);
	}
	dev_links();
	if (chdir("/kselftest")) {
		printf("Bail out! /kselftest: %s\n", strerror(errno));
		return 1;
	}
	fflush(stdout);
	execl("/bin/sh", "sh", "/kselftest/run_kselftest.sh", "-c", "kvm",
	      "-o", timeout, (char *)NULL);
	printf("Bail out! exec /bin/sh /kselftest/run_kselftest.sh: %s\n", strerror(errno));
	return 1;
}
