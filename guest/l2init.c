// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the L2 guest that guest/qemu_l2.c starts with Debian's QEMU inside
 * an L1 of the matrix: print what processor mode the L2 runs in, then power
 * off.  Two facts, each on a line of its own between "@@@ L2 UP" and
 * "@@@ L2 DONE":
 *   # l2: cpu: TEXT              the "cpu" line of /proc/cpuinfo, e.g.
 *                                "POWER9 (architected), altivec supported"
 *   # l2: cpu-version: NODE PVR  per cpu node of the device tree's /cpus:
 *                                its cpu-version property (the logical PVR
 *                                QEMU set, or the raw PVR), "none" if absent
 * The device tree is read where /proc/device-tree points to,
 * /sys/firmware/devicetree/base: the kernel makes no /proc/device-tree
 * without CONFIG_PROC_DEVICETREE.
 * The host (scripts/matrix.py) compares the PVRs with the configuration's
 * bitmap.  The markers are not those of the L1's /init (guest/init.c): the
 * L2's console reaches the host inside the L1's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>

static void print_cpu_line(void)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0;

	if (!f) {
		printf("# l2: cpu: /proc/cpuinfo: %s\n", strerror(errno));
		return;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "cpu", 3) || !colon)
			continue;
		/* "cpu\t\t: POWER9 ..." and not "cpu MHz" or the like */
		if (strspn(line + 3, " \t") != (size_t)(colon - line - 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		printf("# l2: cpu: %s\n", colon + 1 + strspn(colon + 1, " \t"));
		found = 1;
	}
	fclose(f);
	if (!found)
		printf("# l2: cpu: no cpu line in /proc/cpuinfo\n");
}

/* Whether @dir (a node under /proc/device-tree/cpus) is a cpu node. */
static int is_cpu_node(const char *dir)
{
	char path[512], type[16] = "";
	int fd, n;

	snprintf(path, sizeof(path), "%s/device_type", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, type, sizeof(type) - 1);
	close(fd);
	return n > 0 && !strcmp(type, "cpu");
}

static void print_cpu_versions(void)
{
	const char *cpus = "/sys/firmware/devicetree/base/cpus";
	DIR *d = opendir(cpus);
	struct dirent *e;
	int nodes = 0;

	if (!d) {
		printf("# l2: cpu-version: %s: %s\n", cpus, strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		char dir[300], path[400];
		unsigned char pvr[4];
		int fd, n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", cpus, e->d_name);
		if (!is_cpu_node(dir))
			continue;
		nodes++;
		snprintf(path, sizeof(path), "%s/cpu-version", dir);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, pvr, sizeof(pvr));
		if (fd >= 0)
			close(fd);
		if (n != (int)sizeof(pvr)) {
			printf("# l2: cpu-version: %s none\n", e->d_name);
			continue;
		}
		/* Device-tree cells are big-endian. */
		printf("# l2: cpu-version: %s 0x%02x%02x%02x%02x\n", e->d_name,
		       pvr[0], pvr[1], pvr[2], pvr[3]);
	}
	closedir(d);
	if (!nodes)
		printf("# l2: cpu-version: no cpu node under %s\n", cpus);
}

int main(void)
{
	mkdir("/proc", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL) && errno != EBUSY)
		printf("# l2: mount proc: %s\n", strerror(errno));
	mkdir("/sys", 0755);
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) && errno != EBUSY)
		printf("# l2: mount sysfs: %s\n", strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("@@@ L2 UP\n");
	print_cpu_line();
	print_cpu_versions();
	printf("@@@ L2 DONE\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
