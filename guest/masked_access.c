// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel addresses given to system calls as user pointers: EFAULT is the
 * only right answer.  Linux 7.2 on 64-bit Book3S masks user pointers
 * (mask_user_address()) instead of checking them with access_ok() on the
 * paths below, which turns every kernel address into 0x8000000000000000.
 * In hypervisor state with the radix MMU that effective address is in
 * quadrant 2, translated with LPIDR = 0 and PID 0: the host kernel's own
 * translation, so the access may reach the kernel's memory at real address
 * 0 instead of faulting (see docs/masked-user-access.md).
 *
 * Each path is tried with KADDR (the kernel's first address):
 *   read      sethostname(2) from KADDR: copy_from_user(), whose result
 *             uname(2) hands back
 *   select    select(2) with its fd sets at KADDR: scoped_user_read_access()
 *   ioctl     KVM_PPC_GET_COMPAT_CAPS on an HV VM with the structure at
 *             KADDR: copy_from_user() (where HV KVM is)
 *   write     poll(2) with its pollfd array at KADDR, reading its fd then
 *             storing revents: scoped_user_write_access_size().  Where the
 *             read does not fault, this store aims at the kernel's memory at
 *             real address 6, which the kernel maps read-only (its text);
 *             it comes last, and the program is the last one /init runs.
 * For each: "# masked: PATH=efault" or "# masked: PATH=nofault" with what
 * the call returned, and for the read path whether the bytes equal the
 * first bytes of the kernel image (/tests/kernel-head, copied there from
 * the vmlinux under test).
 *
 * kvmtest.masked=efault|nofault|none is what the table (or, for a kernel
 * with the candidate fix, the matrix) expects of the read path here:
 * "efault" where the kernel faults, and then every path must; "nofault"
 * where the base kernel's finding holds, which the read path must show
 * again, so that a change in the base's behaviour is noticed either way;
 * "none" where nothing is known.  The read path's answer is printed as
 * "# result: masked=..." for the host to compare with the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/utsname.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <linux/kvm.h>

#include "cmdline.h"
#include "tap.h"

#define KADDR		((void *)0xc000000000000000UL)
#define KVM_VM_PPC_HV	1
#define HEAD		16

static unsigned char head[HEAD];
static int have_head;

static void load_head(void)
{
	int fd = open("/tests/kernel-head", O_RDONLY);

	have_head = fd >= 0 && read(fd, head, HEAD) == HEAD;
	if (fd >= 0)
		close(fd);
}

static void hex(const char *what, const unsigned char *p, int n)
{
	printf("# %s:", what);
	for (int i = 0; i < n; i++)
		printf(" %02x", p[i]);
	printf("\n");
}

/* sethostname(2) from KADDR: does copy_from_user() fault? */
static int try_read(void)
{
	struct utsname u;

	if (sethostname(KADDR, HEAD)) {
		printf("# masked: read=efault (sethostname: %s)\n", strerror(errno));
		return 0;
	}
	uname(&u);
	printf("# masked: read=nofault (sethostname took %d bytes)\n", HEAD);
	hex("read from KADDR", (unsigned char *)u.nodename, HEAD);
	if (have_head) {
		hex("kernel image  ", head, HEAD);
		printf("# the bytes %s the kernel image's first bytes\n",
		       !memcmp(u.nodename, head, HEAD) ? "are" : "are not");
	}
	sethostname("guest", 5);
	return 1;
}

/* select(2) reading its fd sets from KADDR. */
static int try_select(void)
{
	struct timeval tv = { 0 };
	int r = select(64, KADDR, NULL, NULL, &tv);

	if (r < 0 && errno == EFAULT) {
		printf("# masked: select=efault\n");
		return 0;
	}
	printf("# masked: select=nofault (select returned %d%s%s)\n", r,
	       r < 0 ? ", " : "", r < 0 ? strerror(errno) : "");
	return 1;
}

/* KVM_PPC_GET_COMPAT_CAPS with the structure at KADDR; -1 without HV KVM. */
static int try_ioctl(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, r, e;

	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (vm < 0) {
		printf("# masked: ioctl=none (no HV VM)\n");
		if (kvm >= 0)
			close(kvm);
		return -1;
	}
	r = ioctl(vm, KVM_PPC_GET_COMPAT_CAPS, KADDR);
	e = errno;
	close(vm);
	close(kvm);
	if (r < 0 && e == EFAULT) {
		printf("# masked: ioctl=efault\n");
		return 0;
	}
	printf("# masked: ioctl=nofault (%s)\n", r ? strerror(e) : "success");
	return 1;
}

/* poll(2) on a pollfd array at KADDR: it reads the fd and stores revents. */
static int try_write(void)
{
	int r = poll(KADDR, 1, 0);

	if (r < 0 && errno == EFAULT) {
		printf("# masked: write=efault\n");
		return 0;
	}
	printf("# masked: write=nofault (poll returned %d%s%s)\n", r,
	       r < 0 ? ", " : "", r < 0 ? strerror(errno) : "");
	return 1;
}

int main(void)
{
	char want[16] = "none";
	int rd, sel, io, wr;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	cmdline_get("kvmtest.masked", want, sizeof(want));
	load_head();

	rd = try_read();
	sel = try_select();
	io = try_ioctl();
	wr = try_write();
	printf("# result: masked=%s\n", rd ? "nofault" : "efault");

	if (!strcmp(want, "efault")) {
		check(!rd, "read from a kernel address: EFAULT");
		check(!sel, "select on a kernel address: EFAULT");
		if (io < 0)
			skip("KVM_PPC_GET_COMPAT_CAPS on a kernel address: EFAULT", "no HV VM");
		else
			check(!io, "KVM_PPC_GET_COMPAT_CAPS on a kernel address: EFAULT");
		check(!wr, "poll on a kernel address: EFAULT");
	} else if (!strcmp(want, "nofault")) {
		check(rd == 1, "read from a kernel address does not fault, as recorded");
	} else {
		skip("read from a kernel address as the table says", "kvmtest.masked=none");
	}
	return tap_done();
}
