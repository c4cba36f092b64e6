// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the test initramfs: mount the pseudo file systems, run every
 * program listed in /tests/order, frame each one's TAP output with markers the
 * host-side runner looks for, and power the machine off.  A guest that never
 * reaches the end marker is a failure on the host side, never a pass.
 *
 * Kernel modules in /modules (a kernel with KVM as modules, the debug
 * variant) are loaded first, in the order of /modules/order; one that refuses
 * to load (kvm-hv where there is no hypervisor mode, kvm-pr on a radix host)
 * is reported and left out, and the tests judge what is there.
 *
 * A line of /tests/order is a program name and its arguments; an argument
 * "@KEY" (or "--opt=@KEY") is replaced by the value of kvmtest.KEY on the
 * kernel command line, which is how the matrix table reaches programs that
 * take options; an argument whose value is "none" is left out.
 * kvmtest.skip=NAME,... leaves those programs out: each is reported with a
 * marker instead of being run.
 *
 * kvmtest.stall=SECONDS: a program still running after that long gets its
 * state on the console once, through the magic SysRq 't' (every task's
 * state and stack) and 'l' (what each CPU runs), so that a guest the host
 * ends as hung shows where it was.  The program goes on running; only the
 * host's timeout ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static void mount_or_warn(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, NULL) && errno != EBUSY)
		printf("# init: mount %s on %s: %s\n", type, dst, strerror(errno));
}

#define MAX_ARGS 16

/* SIGALRM of kvmtest.stall: only async-signal-safe calls here. */
static void dump_tasks(int sig)
{
	static const char msg[] = "@@@ STALL task dump follows\n";
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	ssize_t n = write(STDOUT_FILENO, msg, sizeof(msg) - 1);

	(void)sig;
	if (fd < 0)
		return;
	if (n > 0 && write(fd, "t", 1) == 1)
		n = write(fd, "l", 1);
	close(fd);
}

/* Load /modules/NAME.ko for each NAME of /modules/order, in that order. */
static void load_modules(void)
{
	char name[64], path[128];
	FILE *order = fopen("/modules/order", "r");
	int fd;

	if (!order)
		return;
	while (fscanf(order, "%63s", name) == 1) {
		snprintf(path, sizeof(path), "/modules/%s.ko", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
			printf("init: module %s not loaded: %s\n", name, strerror(errno));
		else
			printf("init: module %s loaded\n", name);
		if (fd >= 0)
			close(fd);
	}
	fclose(order);
}

/*
 * Replace "@KEY" in @arg by the value of kvmtest.KEY=VALUE from the command
 * line; NULL when that value is "none".
 */
static char *expand(char *arg, const char *cmdline)
{
	char key[64], *at = strchr(arg, '@'), *val, *out;
	size_t len;

	if (!at)
		return arg;
	snprintf(key, sizeof(key), "kvmtest.%s=", at + 1);
	val = strstr(cmdline, key);
	if (!val)
		return arg;
	val += strlen(key);
	len = strcspn(val, " \n");
	if (len == 4 && !strncmp(val, "none", 4))
		return NULL;
	out = malloc(at - arg + len + 1);
	if (!out)
		return arg;
	memcpy(out, arg, at - arg);
	memcpy(out + (at - arg), val, len);
	out[at - arg + len] = '\0';
	return out;
}

/* The number after @key ("kvmtest.KEY=") on the command line, or 0. */
static int kvmtest_int(const char *key, const char *cmdline)
{
	const char *val = strstr(cmdline, key);

	return val ? atoi(val + strlen(key)) : 0;
}

/* Whether kvmtest.skip=NAME,... on the command line lists @name. */
static int left_out(const char *name, const char *cmdline)
{
	const char *list = strstr(cmdline, "kvmtest.skip=");
	size_t len = strlen(name), n;

	if (!list)
		return 0;
	list += strlen("kvmtest.skip=");
	for (;;) {
		n = strcspn(list, ", \n");
		if (n == len && !strncmp(list, name, len))
			return 1;
		if (list[n] != ',')
			return 0;
		list += n + 1;
	}
}

static int run(char *line, const char *cmdline)
{
	char path[256], *argv[MAX_ARGS + 1], *save;
	const char *name;
	int status, argc = 0, stall, ret = 0;
	struct timespec start, end;
	pid_t pid;
	long ms;

	for (char *tok = strtok_r(line, " \t", &save); tok && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t", &save)) {
		argv[argc] = expand(tok, cmdline);
		if (argv[argc])
			argc++;
	}
	argv[argc] = NULL;
	if (!argc)
		return 0;
	name = argv[0];
	if (left_out(name, cmdline)) {
		printf("@@@ LEFT OUT %s\n", name);
		return 0;
	}
	snprintf(path, sizeof(path), "/tests/%s", name);
	argv[0] = path;
	printf("@@@ BEGIN %s\n", name);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid == 0) {
		execv(path, argv);
		printf("Bail out! exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	stall = kvmtest_int("kvmtest.stall=", cmdline);
	if (pid > 0 && stall > 0) {
		signal(SIGALRM, dump_tasks);
		alarm(stall);
	}
	while (pid > 0 && (ret = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	alarm(0);
	if (pid < 0 || ret < 0) {
		printf("Bail out! cannot run %s: %s\n", path, strerror(errno));
		status = 127 << 8;
	}
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &end);
	ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
	if (WIFSIGNALED(status))
		printf("@@@ END %s signal=%d ms=%ld\n", name, WTERMSIG(status), ms);
	else
		printf("@@@ END %s exit=%d ms=%ld\n", name, WEXITSTATUS(status), ms);
	fflush(stdout);
	return 0;
}

/*
 * On a kernel with lockdep, whether it is still on after the last test: a
 * report turns it off (debug_locks 0), and then it checks nothing more.
 */
static void report_lockdep(void)
{
	char line[128];
	FILE *f = fopen("/proc/lockdep_stats", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int on;

		if (sscanf(line, " debug_locks: %d", &on) == 1)
			printf("@@@ LOCKDEP debug_locks=%d\n", on);
	}
	fclose(f);
}

int main(void)
{
	char line[200], cmdline[4096] = "";
	FILE *order, *f;

	mount_or_warn("proc", "/proc", "proc");
	mount_or_warn("sysfs", "/sys", "sysfs");
	mount_or_warn("devtmpfs", "/dev", "devtmpfs");
	setvbuf(stdout, NULL, _IOLBF, 0);

	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	/* Before the marker: a KUnit module prints its KTAP as it loads. */
	load_modules();
	printf("@@@ GUEST UP\n");
	order = fopen("/tests/order", "r");
	if (!order) {
		printf("Bail out! /tests/order: %s\n", strerror(errno));
	} else {
		while (fgets(line, sizeof(line), order)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] && line[0] != '#')
				run(line, cmdline);
		}
		fclose(order);
	}
	report_lockdep();
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
