// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the test initramfs: mount the pseudo file systems, run every
 * program listed in /tests/order, frame each one's TAP output with markers the
 * host-side runner looks for, and power the machine off.  A guest that never
 * reaches the end marker is a failure on the host side, never a pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void mount_or_warn(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, NULL) && errno != EBUSY)
		printf("# init: mount %s on %s: %s\n", type, dst, strerror(errno));
}

static int run(const char *name)
{
	char path[256];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/tests/%s", name);
	printf("@@@ BEGIN %s\n", name);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(path, path, (char *)NULL);
		printf("Bail out! exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		printf("Bail out! cannot run %s: %s\n", path, strerror(errno));
		status = 127 << 8;
	}
	fflush(stdout);
	if (WIFSIGNALED(status))
		printf("@@@ END %s signal=%d\n", name, WTERMSIG(status));
	else
		printf("@@@ END %s exit=%d\n", name, WEXITSTATUS(status));
	fflush(stdout);
	return 0;
}

int main(void)
{
	char line[200];
	FILE *order;

	mount_or_warn("proc", "/proc", "proc");
	mount_or_warn("sysfs", "/sys", "sysfs");
	mount_or_warn("devtmpfs", "/dev", "devtmpfs");
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("@@@ GUEST UP\n");
	order = fopen("/tests/order", "r");
	if (!order) {
		printf("Bail out! /tests/order: %s\n", strerror(errno));
	} else {
		while (fgets(line, sizeof(line), order)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] && line[0] != '#')
				run(line);
		}
		fclose(order);
	}
	printf("@@@ GUEST DONE\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	/*
	 * QEMU powernv ignores OPAL power-off and reboot requests: the host ends
	 * the guest once it has seen "GUEST DONE", or its timeout does.
	 */
	for (;;)
		pause();
}
