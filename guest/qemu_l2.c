// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_l2 [--timeout=SECONDS]: in the L1 of a matrix configuration, start
 * Debian's qemu-system-ppc64 with KVM, a real VMM, on an L2 guest once per
 * processor mode: -M pseries,max-cpu-compat=MODE for MODE power9, power10
 * and power11, then once without max-cpu-compat ("default").  The L2 is the
 * project's kernel (/l2/vmlinux) with a tiny initramfs (/l2/initrd.cpio,
 * guest/l2init.c) that prints the mode it runs in and powers off.
 *
 * Per run, on stdout:
 *   # qemu_l2: MODE: ARGV...           the command line
 *   @@@ L2 BEGIN MODE
 *   ...                                QEMU's output (its errors), then the
 *                                      L2's console (without CRs)
 *   @@@ L2 END MODE exit=N ms=T        or signal=N, or timeout (QEMU was
 *                                      killed after SECONDS, default 180),
 *                                      or stopped (QEMU said KVM would not
 *                                      run the vCPU, "error: kvm run
 *                                      failed", and stopped the guest
 *                                      without exiting: it was killed)
 * and a TAP line saying whether QEMU ended on its own.  This program judges
 * nothing else: the host (scripts/matrix.py) compares what each L2 reported
 * with the configuration's bitmap.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "tap.h"

/* (The pipeline's tests build this for the host with a stand-in QEMU.) */
#ifndef QEMU
#define QEMU "/usr/bin/qemu-system-ppc64"
#endif
/*
 * TCG in the L0 implements none of the speculation mitigations these caps
 * describe: "broken"/"off" asks KVM for nothing it cannot give.  The L1
 * backs guest memory with 4K pages; QEMU's default 64K maximum would need
 * 64K host pages.
 */
/*
 * The L2's console goes to a file, printed once QEMU has ended: while it
 * runs, the L1's kernel prints on the same console (the nested-v2 VPA and
 * TLB messages) and would cut into the L2's lines.
 */
#ifndef CONSOLE
#define CONSOLE "/tmp/l2-console"
#endif
#define MACHINE "pseries,x-vof=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken," \
		"cap-ccf-assist=off,cap-hpt-max-page-size=4k"

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Copy QEMU's output to stdout without CRs: the L2's console ends its lines
 * with CR LF, and the L1's console adds a CR of its own.  Return 1 once a
 * line says that KVM refused to run the vCPU ("error: kvm run failed"):
 * QEMU then stops the guest and waits, with nothing more to come.
 */
static int relay(const char *buf, ssize_t n, int *at_bol)
{
	static char line[256];
	static size_t len;
	int failed = 0;

	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\r')
			continue;
		putchar(buf[i]);
		*at_bol = buf[i] == '\n';
		if (buf[i] != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = buf[i];
			continue;
		}
		line[len] = '\0';
		failed |= !strncmp(line, "error: kvm run failed", 21);
		len = 0;
	}
	fflush(stdout);
	return failed;
}

/* Run QEMU for @mode (NULL: no max-cpu-compat); 0 if it ended by itself. */
static int run_mode(const char *name, const char *mode, long timeout_ms)
{
	char machine[256], buf[4096];
	char *argv[] = {
		QEMU, "-accel", "kvm", "-cpu", "host", "-m", "512M", "-smp", "1",
		"-nodefaults", "-display", "none", "-serial", "file:" CONSOLE,
		"-monitor", "none", "-no-reboot", "-M", machine,
		"-kernel", "/l2/vmlinux", "-initrd", "/l2/initrd.cpio",
		"-append", "console=hvc0 panic=-1 kunit.enable=0", NULL
	};
	long start, left, stopped_at = 0;
	int out[2], status, console, at_bol = 1, timed_out = 0, stopped = 0;
	pid_t pid;

	snprintf(machine, sizeof(machine), "%s%s%s", MACHINE,
		 mode ? ",max-cpu-compat=" : "", mode ? mode : "");
	printf("# qemu_l2: %s:", name);
	for (char **a = argv; *a; a++) {
		const char *q = strchr(*a, ' ') ? "'" : "";

		printf(" %s%s%s", q, *a, q);
	}
	printf("\n@@@ L2 BEGIN %s\n", name);
	fflush(stdout);
	if (pipe(out)) {
		printf("@@@ L2 END %s exit=127 ms=0\n", name);
		printf("# qemu_l2: pipe: %s\n", strerror(errno));
		return -1;
	}
	unlink(CONSOLE);
	start = now_ms();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(out[0]);
		close(out[1]);
		execv(QEMU, argv);
		printf("qemu_l2: exec %s: %s\n", QEMU, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	if (pid < 0) {
		close(out[0]);
		printf("@@@ L2 END %s exit=127 ms=0\n", name);
		printf("# qemu_l2: fork: %s\n", strerror(errno));
		return -1;
	}
	/* Relay QEMU's output until it closes it or the time is up. */
	for (;;) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		ssize_t n;

		left = start + timeout_ms - now_ms();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		/* Its register dump follows the error: a second for it. */
		if (stopped_at && now_ms() - stopped_at > 1000) {
			stopped = 1;
			break;
		}
		if (poll(&p, 1, left > 1000 ? 1000 : left) <= 0)
			continue;
		n = read(out[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		if (relay(buf, n, &at_bol) && !stopped_at)
			stopped_at = now_ms();
	}
	if (timed_out || stopped)
		kill(-pid, SIGKILL);
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	console = open(CONSOLE, O_RDONLY | O_CLOEXEC);
	if (console >= 0) {
		ssize_t n;

		while ((n = read(console, buf, sizeof(buf))) > 0)
			(void)relay(buf, n, &at_bol);
		close(console);
	}
	if (!at_bol)
		putchar('\n');
	if (timed_out)
		printf("@@@ L2 END %s timeout ms=%ld\n", name, now_ms() - start);
	else if (stopped)
		printf("@@@ L2 END %s stopped ms=%ld\n", name, now_ms() - start);
	else if (WIFSIGNALED(status))
		printf("@@@ L2 END %s signal=%d ms=%ld\n", name, WTERMSIG(status),
		       now_ms() - start);
	else
		printf("@@@ L2 END %s exit=%d ms=%ld\n", name, WEXITSTATUS(status),
		       now_ms() - start);
	fflush(stdout);
	return timed_out ? -1 : 0;
}

int main(int argc, char *argv[])
{
	static const char *const modes[] = { "power9", "power10", "power11" };
	long timeout = 180;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--timeout=", 10)) {
			timeout = strtol(argv[i] + 10, NULL, 0);
		} else {
			fprintf(stderr, "usage: qemu_l2 [--timeout=SECONDS]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* /init passes the kernel's environment on: no PATH. */
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("TMPDIR", "/tmp", 1);
	printf("TAP version 13\n");
	for (unsigned int i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		check(!run_mode(modes[i], modes[i], timeout * 1000),
		      "%s: QEMU ended within %ld s", modes[i], timeout);
	check(!run_mode("default", NULL, timeout * 1000),
	      "default: QEMU ended within %ld s", timeout);
	return tap_done();
}
