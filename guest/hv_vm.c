// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of the platform matrix, valid on any kernel: is there HV KVM in
 * this guest?  Opens /dev/kvm and asks for an HV VM (KVM_CREATE_VM type 1).
 * The expectation comes from the matrix table through the kernel command line
 * (kvmtest.hv=0|1); the answer is printed as a "# result:" line that the host
 * compares with the table on its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "cmdline.h"

#define KVM_VM_PPC_HV 1

int main(void)
{
	long expect_hv = cmdline_long("kvmtest.hv", -1);
	int kvm, vm, hv = 0;

	printf("TAP version 13\n1..1\n");
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("# /dev/kvm: %s\n", strerror(errno));
	} else {
		vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
		if (vm < 0)
			printf("# KVM_CREATE_VM(HV): %s\n", strerror(errno));
		else
			hv = 1;
		if (vm >= 0)
			close(vm);
		close(kvm);
	}
	printf("# result: hv=%d\n", hv);
	if (expect_hv < 0) {
		printf("not ok 1 hv_vm # kvmtest.hv= missing on the command line\n");
		return 1;
	}
	printf("%sok 1 hv_vm (expected hv=%ld, got hv=%d)\n",
	       hv == expect_hv ? "" : "not ", expect_hv, hv);
	return hv != expect_hv;
}
