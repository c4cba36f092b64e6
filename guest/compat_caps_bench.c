// SPDX-License-Identifier: GPL-2.0
/*
 * What KVM_PPC_GET_COMPAT_CAPS costs next to KVM_CHECK_EXTENSION, the
 * cheapest vm ioctl there is, on the same HV VM fd in the same run (make
 * bench).  Both are timed in rounds of kvmtest.calls calls each (default
 * 5000), kvmtest.rounds rounds (default 31; both can be set on the kernel
 * command line), the two taking turns to go first; the per-call times and
 * their ratio are the medians over the rounds.  Short rounds, many of
 * them, so that a busy host or a QEMU hiccup spoils few rounds and moves
 * no median.
 *
 * Prints "# bench: get_ns=... check_ns=... ratio=..." and one TAP line that
 * fails when the ratio is above TARGET, the goal this project sets.  Built
 * against the uAPI only, so it runs on mainline kernels too; a kernel
 * without the ioctl on this platform is a skip that says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "cmdline.h"

#define KVM_VM_PPC_HV	1
#define MAX_ROUNDS	101
#define TARGET		1.6

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Nanoseconds per call of @calls KVM_PPC_GET_COMPAT_CAPS; < 0 on an error. */
static double time_get(int vm, long calls)
{
	struct kvm_ppc_compat_caps caps;
	double start = now_ns();

	for (long i = 0; i < calls; i++) {
		caps.size = sizeof(caps);
		caps.flags = 0;
		if (ioctl(vm, KVM_PPC_GET_COMPAT_CAPS, &caps))
			return -1;
	}
	return (now_ns() - start) / calls;
}

static double time_check(int vm, long calls)
{
	double start = now_ns();

	for (long i = 0; i < calls; i++)
		if (ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS) < 0)
			return -1;
	return (now_ns() - start) / calls;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(void)
{
	long calls = cmdline_long("kvmtest.calls", 5000);
	long rounds = cmdline_long("kvmtest.rounds", 31);
	double get[MAX_ROUNDS], check[MAX_ROUNDS], ratio[MAX_ROUNDS];
	struct kvm_ppc_compat_caps caps = { .size = sizeof(caps) };
	double g, c, r;
	int kvm, vm;

	printf("TAP version 13\n1..1\n");
	if (rounds < 1 || rounds > MAX_ROUNDS || calls < 1) {
		printf("not ok 1 bench # bad kvmtest.rounds %ld or kvmtest.calls %ld\n",
		       rounds, calls);
		return 1;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (vm < 0) {
		printf("ok 1 bench # SKIP no HV VM: %s\n", strerror(errno));
		return 4;
	}
	if (ioctl(vm, KVM_PPC_GET_COMPAT_CAPS, &caps)) {
		printf("ok 1 bench # SKIP KVM_PPC_GET_COMPAT_CAPS fails here: %s\n",
		       strerror(errno));
		return 4;
	}

	/* One untimed round warms the caches and the TCG translations. */
	time_get(vm, calls);
	time_check(vm, calls);
	for (int i = 0; i < rounds; i++) {
		if (i % 2) {
			check[i] = time_check(vm, calls);
			get[i] = time_get(vm, calls);
		} else {
			get[i] = time_get(vm, calls);
			check[i] = time_check(vm, calls);
		}
		if (get[i] < 0 || check[i] < 0) {
			printf("not ok 1 bench # an ioctl failed in round %d: %s\n",
			       i, strerror(errno));
			return 1;
		}
		ratio[i] = get[i] / check[i];
		printf("# round %d: get %.0f ns, check %.0f ns, ratio %.3f\n",
		       i, get[i], check[i], ratio[i]);
	}
	g = median(get, rounds);
	c = median(check, rounds);
	r = median(ratio, rounds);
	printf("# bench: get_ns=%.0f check_ns=%.0f ratio=%.3f rounds=%ld calls=%ld\n",
	       g, c, r, rounds, calls);
	printf("%sok 1 bench: KVM_PPC_GET_COMPAT_CAPS %.0f ns, KVM_CHECK_EXTENSION %.0f ns per call, ratio %.3f (target %.2f)\n",
	       r <= TARGET ? "" : "not ", g, c, r, TARGET);
	close(vm);
	close(kvm);
	return r <= TARGET ? 0 : 1;
}
