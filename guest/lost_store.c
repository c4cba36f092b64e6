// SPDX-License-Identifier: GPL-2.0
/*
 * Reproducer of the lost store (docs/lost-store.md): does a thread started
 * with pthread_create() see what its creator stored just before?
 *
 * Each round lays out THREADS slots (default 9) in one calloc()ed array,
 * stores a value into each, and starts a thread per slot that reads its
 * slot first thing; the creator joins them and counts the threads that saw
 * anything else.  BUSY threads (default 2) keep spinning meanwhile.
 *
 * With -k the values are file descriptors, as in compat_caps_abi's
 * concurrency test when the lost store was seen there: the last slot holds
 * /dev/kvm's, and its thread creates and destroys HV VMs with it; the
 * others hold an HV VM's, and their threads call KVM_CHECK_EXTENSION on
 * it.  Without -k the values are plain numbers and no KVM work is done.
 *
 * Usage: lost_store [-t TUNABLES] [-k] [ROUNDS [BUSY [THREADS]]]
 *   -t  run again with GLIBC_TUNABLES=TUNABLES, e.g. glibc.cpu.hwcaps=-arch_3_1
 *       to keep glibc from its POWER10 string functions
 * ROUNDS defaults to kvmtest.rounds from the kernel command line, or 3000
 * (300 with -k).  Prints "# lost_store: ..." and one TAP result.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "cmdline.h"
#include "tap.h"

#define KVM_VM_PPC_HV	1
#define MAX_THREADS	64
#define KVM_CALLS	100

struct job {
	pthread_t thread;
	int started;
	int creator;	/* with -k: this thread creates VMs */
	long value;	/* stored before pthread_create() */
	long seen;	/* what the thread read first */
};

static atomic_int stop;
static int kvm_mode;

static void *reader(void *arg)
{
	struct job *job = arg;
	int fd, vm;

	job->seen = job->value;
	if (!kvm_mode)
		return NULL;
	fd = job->seen;
	for (int i = 0; i < KVM_CALLS; i++) {
		if (job->creator) {
			vm = ioctl(fd, KVM_CREATE_VM, KVM_VM_PPC_HV);
			if (vm >= 0)
				close(vm);
		} else {
			ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
		}
	}
	return NULL;
}

static void *busy(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		n++;
	return NULL;
}

int main(int argc, char *argv[])
{
	long rounds, mismatches = 0, first_seen = 0, first_round = -1, created = 0;
	int kvm = -1, vm = -1, nbusy, nthreads, arg = 1;
	pthread_t busy_threads[16];

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		setenv("GLIBC_TUNABLES", argv[2], 1);
		argv[2] = argv[0];
		execv("/proc/self/exe", argv + 2);
		perror("execv /proc/self/exe");
		return 1;
	}
	if (argc > arg && !strcmp(argv[arg], "-k")) {
		kvm_mode = 1;
		arg++;
	}
	rounds = argc > arg ? atol(argv[arg]) :
		 cmdline_long("kvmtest.rounds", kvm_mode ? 300 : 3000);
	nbusy = argc > arg + 1 ? atoi(argv[arg + 1]) : 2;
	nthreads = argc > arg + 2 ? atoi(argv[arg + 2]) : 9;
	if (nbusy < 0 || nbusy > 16)
		nbusy = 2;
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 9;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (getenv("GLIBC_TUNABLES"))
		printf("# GLIBC_TUNABLES=%s\n", getenv("GLIBC_TUNABLES"));
	if (kvm_mode) {
		kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
		if (vm < 0) {
			printf("1..0 # SKIP -k: no HV VM here\n");
			return 0;
		}
	}
	for (int i = 0; i < nbusy; i++)
		pthread_create(&busy_threads[i], NULL, busy, NULL);

	for (long r = 0; r < rounds; r++) {
		struct job *jobs = calloc(nthreads, sizeof(*jobs));

		if (!jobs)
			break;
		for (int i = 0; i < nthreads; i++) {
			jobs[i].seen = -1;
			jobs[i].creator = kvm_mode && i == nthreads - 1;
			if (kvm_mode)
				jobs[i].value = jobs[i].creator ? kvm : vm;
			else	/* never 0, different in every slot and round */
				jobs[i].value = 0x1000 + r * MAX_THREADS + i;
			jobs[i].started = !pthread_create(&jobs[i].thread, NULL,
							  reader, &jobs[i]);
			created += jobs[i].started;
		}
		for (int i = 0; i < nthreads; i++) {
			if (!jobs[i].started)
				continue;
			pthread_join(jobs[i].thread, NULL);
			if (jobs[i].seen != jobs[i].value && !mismatches++) {
				first_round = r;
				first_seen = jobs[i].seen;
			}
		}
		free(jobs);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < nbusy; i++)
		pthread_join(busy_threads[i], NULL);

	printf("# lost_store: %s%ld rounds, %ld threads, %ld mismatches",
	       kvm_mode ? "-k, " : "", rounds, created, mismatches);
	if (mismatches)
		printf(", the first in round %ld, read 0x%lx", first_round, first_seen);
	printf("\n");
	check(!mismatches, "every thread saw the value stored before pthread_create()");
	return tap_done();
}
