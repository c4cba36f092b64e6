#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot the test kernel on every QEMU configuration of config/matrix, in
parallel, and judge what each guest reports.

Every guest gets a timeout: a guest that hangs is TIMEOUT, one that dies
before /init's end marker is CRASH, never a pass.  The console of each guest
goes to RESULTS/<config>.log and the TAP of its test programs to
RESULTS/<config>.tap.  One row per configuration and test program is printed,
and one for the console: a kernel report on it (WARNING, BUG, Oops, a
sanitizer or lockdep) fails the configuration unless config/console-allow
lists it with a reason.  Any row that is not PASS (or an expected SKIP) makes
the exit status 1.
"""

import argparse
import concurrent.futures
import fnmatch
import os
import queue
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'scripts'))
from judge import (console_reports, judge_kunit, judge_tap, kunit_lines,  # noqa: E402
                   read_allow, reported, split_programs)
from clients import PROGRAM_JUDGES  # noqa: E402

# QEMU settings per machine family: data, not code paths.
PSERIES = ('pseries,x-vof=on,cap-cfpc=broken,cap-sbbc=broken,'
           'cap-ibs=broken,cap-ccf-assist=off')
MACHINES = {
    'pseries': PSERIES,
    'powernv8': 'powernv8',
    'powernv9': 'powernv9',
    'powernv10': 'powernv10',
}
MEMORY = '2G'
# Seconds a guest may take to stop after /init said it is done.
DONE_GRACE = 3

# The program of guest/order-ci that runs kselftest's runner (--runner).
RUNNER = 'kselftest_kvm'

# Which expectation keys each guest program reports on a "# result:" line.
RESULT_KEYS = {
    'hv_vm': ('hv',),
    'compat_caps': ('cap', 'caps', 'pr'),
    'arch_compat': ('old',),
    'masked_access': ('masked',),
}


class Config:
    def __init__(self, name, machine, cpu, options, expect, cmdline=()):
        self.name = name
        self.cmdline = list(cmdline)
        self.machine = machine
        self.cpu = cpu
        self.options = options
        self.expect = expect

    def qemu_argv(self, kernel, initrd, append, memory=MEMORY, monitor=None):
        if self.machine not in MACHINES:
            raise ValueError(f'{self.name}: unknown machine {self.machine}')
        machine = MACHINES[self.machine]
        if self.options:
            machine += ',' + self.options
        argv = ['qemu-system-ppc64', '-M', machine, '-m', memory, '-smp', '1',
                '-nodefaults', '-display', 'none', '-serial', 'stdio',
                '-monitor', f'unix:{monitor},server=on,wait=off' if monitor else 'none',
                '-no-reboot',
                '-kernel', kernel, '-initrd', initrd, '-append', append]
        if self.cpu:
            argv[3:3] = ['-cpu', self.cpu]
        return argv


def read_table(path):
    configs = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split('#', 1)[0].split()
            if not line:
                continue
            if len(line) < 4:
                sys.exit(f'{path}:{lineno}: expected name machine cpu options expectations...')
            name, machine, cpu, options = line[:4]
            expect, cmdline = {}, []
            for item in line[4:]:
                # "+word" goes to the kernel command line as it is.
                if item.startswith('+'):
                    cmdline.append(item[1:])
                    continue
                key, sep, value = item.partition('=')
                if not sep:
                    sys.exit(f'{path}:{lineno}: expectation {item!r} is not key=value')
                expect[key] = value
            if machine not in MACHINES:
                sys.exit(f'{path}:{lineno}: unknown machine {machine!r} '
                         f'(known: {", ".join(MACHINES)})')
            configs.append(Config(name, machine, None if cpu == '-' else cpu,
                                  None if options == '-' else options, expect, cmdline))
    return configs


class JobSlots:
    """Guests share the job slots of the GNU make jobserver this runs under,
    if any (`make check`'s), with the builds running beside them.  One slot
    is ours without asking: the one make started us in.  Each further guest
    first takes a token from the jobserver and gives it back when it ends."""

    def __init__(self):
        self.fds = self.jobserver()
        self.own_free = True
        self.lock = threading.Lock()

    @staticmethod
    def jobserver():
        for word in os.environ.get('MAKEFLAGS', '').split():
            if not word.startswith('--jobserver-auth='):
                continue
            auth = word.partition('=')[2]
            try:
                if auth.startswith('fifo:'):
                    fd = os.open(auth[5:], os.O_RDWR | os.O_NONBLOCK)
                    return fd, fd
                rfd, wfd = (int(x) for x in auth.split(','))
                os.fstat(rfd)
                os.fstat(wfd)
                return rfd, wfd
            except (OSError, ValueError):
                return None
        return None

    def acquire(self):
        """A slot: None for our own one, else the token read."""
        while True:
            with self.lock:
                if self.fds is None or self.own_free:
                    self.own_free = False
                    return None
            # Wait for a token, looking at our own slot again every half
            # second: a guest ending here frees it, and the last guests
            # must not wait for a token while it is free.  The descriptor
            # is non-blocking (make sets it so): other clients may take
            # the token first.
            ready, _, _ = select.select([self.fds[0]], [], [], 0.5)
            if ready:
                try:
                    token = os.read(self.fds[0], 1)
                except BlockingIOError:
                    continue
                if token:
                    return token

    def release(self, token):
        if token is None:
            with self.lock:
                self.own_free = True
        else:
            os.write(self.fds[1], token)


def run_slotted(cfg, args, slots):
    token = slots.acquire()
    try:
        return run_one(cfg, args)
    finally:
        slots.release(token)


def where(monitor):
    """The registers of a hung guest's CPU, from QEMU's monitor: the log of
    a TIMEOUT shows where the guest was (NIP, LR; the kernel's System.map
    names them)."""
    out = b''
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(monitor)
            sock.sendall(b'info registers\n')
            end = time.monotonic() + 2
            while time.monotonic() < end:
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                out += chunk
    except OSError as e:
        return [f'# monitor: {e}']
    text = re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', out.decode('utf-8', 'replace'))
    return ['# monitor: ' + x.rstrip() for x in text.splitlines()
            if x.strip() and not x.startswith(('QEMU ', '(qemu)'))]


def skip_list(cfg, args):
    """What this guest leaves out: --skip, and kselftest's runner on the HV
    configurations --runner does not name."""
    names = list(args.skip_list)
    if args.runner and cfg.expect.get('hv') == '1' and RUNNER not in names and \
            not any(fnmatch.fnmatch(cfg.name, g) for g in args.runner):
        names.append(RUNNER)
    return names


def run_one(cfg, args):
    skips = skip_list(cfg, args)
    append = ' '.join(['console=hvc0', 'panic=-1'] +
                      cfg.cmdline +
                      [f'kvmtest.{k}={v}' for k, v in cfg.expect.items()] +
                      [f'kvmtest.seed={args.seed}'] +
                      ([f'kvmtest.skip={",".join(skips)}'] if skips else []) +
                      ([args.append] if args.append else []))
    mondir = tempfile.mkdtemp(prefix='matrix-mon-')
    monitor = os.path.join(mondir, 'monitor')
    argv = cfg.qemu_argv(args.kernel, args.initrd, append, args.memory, monitor)
    log_path = os.path.join(args.results, cfg.name + '.log')
    start = time.monotonic()
    timed_out = False
    done_at = None
    with open(log_path, 'wb') as log:
        log.write(('# ' + ' '.join(argv) + '\n').encode())
        log.flush()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # Read the console as it comes; a reader thread keeps a hung guest
        # from blocking the timeout.
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put(None)],
                         daemon=True).start()
        while True:
            now = time.monotonic()
            if done_at is None and now - start > args.timeout:
                timed_out = True
                break
            # QEMU powernv cannot power off: once /init is done, allow the
            # kernel a moment to finish, then end the guest.
            if done_at is not None and now - done_at > DONE_GRACE:
                break
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            log.write(line)
            # As it comes: a log read while the guest runs is its console.
            if lines.empty():
                log.flush()
            if line.startswith(b'@@@ GUEST DONE'):
                done_at = time.monotonic()
        if timed_out and proc.poll() is None:
            log.write(('\n'.join(where(monitor)) + '\n').encode())
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    shutil.rmtree(mondir, ignore_errors=True)
    elapsed = time.monotonic() - start
    with open(log_path, 'rb') as log:
        console = log.read().decode('utf-8', 'replace')
    return judge(cfg, console, timed_out, proc.returncode, elapsed, args)


def judge(cfg, console, timed_out, returncode, elapsed, args):
    """Return the summary rows of one guest: (config, test, expected, got,
    verdict, detail, seconds)."""
    rows = []
    programs = split_programs(console)
    with open(os.path.join(args.results, cfg.name + '.tap'), 'w') as tap:
        for name, status, lines in programs:
            tap.write(f'# @@@ program {name} ({cfg.name})\n')
            tap.write('\n'.join(lines) + '\n')
    finished = '@@@ GUEST DONE' in console
    if args.kunit:
        ktap = kunit_lines(console)
        verdict, detail = judge_kunit(ktap)
        programs_rows = [(cfg.name, 'kunit', 'pass', verdict.lower(), verdict, detail, elapsed)]
        with open(os.path.join(args.results, cfg.name + '.ktap'), 'w') as f:
            f.write('\n'.join(ktap) + '\n')
    else:
        programs_rows = []
    rows.extend(programs_rows)
    skips = skip_list(cfg, args)
    for name, status, lines in programs:
        if status == 'left out':
            # /init leaves out what kvmtest.skip (--skip, --runner) lists,
            # and only that.
            asked = name in skips
            why = 'left out: --skip' if name in args.skip_list else \
                'left out: --runner (make runner or make qemu-l2-check runs it)'
            rows.append((cfg.name, name, 'left out' if asked else 'run', 'left out',
                         'SKIP' if asked else 'FAIL',
                         why if asked else 'left out, but --skip does not name it',
                         elapsed))
            continue
        if name in PROGRAM_JUDGES:
            rows.extend(PROGRAM_JUDGES[name](cfg, status, lines, elapsed, args))
            continue
        keys = [k for k in RESULT_KEYS.get(name, ()) if k in cfg.expect]
        expected = ' '.join(f'{k}={cfg.expect[k]}' for k in keys) or \
            ('pass' if cfg.expect.get('guests', '1') == '1' else 'pass/skip')
        values = reported(lines)
        got_values = ' '.join(f'{k}={values.get(k, "?")}' for k in keys)
        verdict, detail = judge_tap(lines)
        # Some common KVM selftests print no TAP: their exit code speaks
        # (kselftest's 4 is a skip).
        if not any(re.match(r'^(\d+\.\.\d+|(not )?ok\b)', x) for x in lines):
            verdict, detail = {0: ('PASS', 'exit 0, no TAP'),
                               'exit=4': ('SKIP', 'exit 4 (kselftest skip), no TAP')}.get(
                                   status, ('FAIL', f'program ended with {status}'))
        elif status == 'exit=4' and verdict == 'SKIP':
            pass
        elif status != 0:
            verdict, detail = 'FAIL', f'program ended with {status}'
        # Where the table says guests run, a KVM test may not skip.
        if verdict == 'SKIP' and cfg.expect.get('guests') == '1':
            verdict, detail = 'FAIL', 'skipped where guests=1: ' + detail
        mismatch = [k for k in keys if values.get(k) != cfg.expect[k]]
        if mismatch:
            verdict = 'FAIL'
            detail = 'reported ' + got_values + ', table says ' + expected
        got = got_values or verdict.lower()
        rows.append((cfg.name, name, expected, got, verdict, detail, elapsed))
    # What was left out checks nothing.
    ran = [p for p in programs if p[1] != 'left out']
    checked = {k for name, _, _ in ran for k in RESULT_KEYS.get(name, ())}
    checked |= {k for k in ('guests',) if ran}
    unchecked = sorted(set(cfg.expect) - checked)
    missing = [n for n in skips if n not in {name for name, _, _ in programs}]
    if missing and finished:
        rows.append((cfg.name, '(guest)', 'left out: ' + ' '.join(missing), 'not in its order',
                     'FAIL', '--skip names programs this guest does not have', elapsed))
    not_left_out = sorted({name for name, _, _ in ran} & set(skips))
    if not_left_out:
        rows.append((cfg.name, '(guest)', 'left out: ' + ' '.join(not_left_out), 'run',
                     'FAIL', '--skip names programs the guest ran (an /init without kvmtest.skip?)',
                     elapsed))
    if unchecked and finished:
        rows.append((cfg.name, '(guest)', ' '.join(unchecked), 'not checked', 'FAIL',
                     'no test program reported ' + ', '.join(unchecked), elapsed))
    if timed_out:
        rows.append((cfg.name, '(guest)', 'done', 'hung', 'TIMEOUT',
                     f'killed after {args.timeout} s', elapsed))
    elif not finished:
        rows.append((cfg.name, '(guest)', 'done', f'qemu exit {returncode}',
                     'CRASH', 'no "@@@ GUEST DONE" on the console', elapsed))
    elif not ran:
        rows.append((cfg.name, '(guest)', 'tests', 'none', 'FAIL',
                     'no test program ran', elapsed))
    if args.lockdep and finished:
        m = re.search(r'^@@@ LOCKDEP debug_locks=(\d+)', console, re.M)
        got = f'debug_locks={m.group(1)}' if m else 'no /proc/lockdep_stats'
        rows.append((cfg.name, '(lockdep)', 'debug_locks=1', got,
                     'PASS' if got == 'debug_locks=1' else 'FAIL',
                     'lockdep on after the last test' if got == 'debug_locks=1' else
                     'lockdep was off by the end: it checked nothing after its report',
                     elapsed))
    for name, text in args.require:
        seen = text in console
        rows.append((cfg.name, f'({name})', text.strip(), 'seen' if seen else 'not seen',
                     'PASS' if seen else 'FAIL',
                     'on the console' if seen else f'the console lacks {text!r}', elapsed))
    reports = console_reports(console, args.allow_list)
    if reports:
        kinds = sorted({k for k, _ in reports})
        rows.append((cfg.name, '(console)', 'clean', f'{len(reports)} report(s): {", ".join(kinds)}',
                     'FAIL', 'first: ' + reports[0][1], elapsed))
    else:
        rows.append((cfg.name, '(console)', 'clean', 'clean', 'PASS', 'no kernel report', elapsed))
    return rows


def print_table(rows, out=sys.stdout):
    head = ('configuration', 'test', 'expected', 'got', 'verdict', 'seconds')
    body = [(r[0], r[1], r[2], r[3], r[4], f'{r[6]:.1f}') for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = ' | '.join('{:<%d}' % w for w in widths)
    print(fmt.format(*head), file=out)
    print('-+-'.join('-' * w for w in widths), file=out)
    for r in body:
        print(fmt.format(*r), file=out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--table', default=os.path.join(TOP, 'config', 'matrix'))
    p.add_argument('--kernel', default=os.path.join(TOP, 'build', 'vmlinux'))
    p.add_argument('--initrd', default=os.path.join(TOP, 'build', 'initramfs.cpio'))
    p.add_argument('--results', default=os.path.join(TOP, 'build', 'results'))
    p.add_argument('--configs', default='',
                   help='names or globs, comma or space separated; !GLOB leaves those out')
    p.add_argument('--runner', default='', metavar='CONFIGS',
                   help=f'the HV configurations (names or globs) whose guests run {RUNNER}; '
                   'the other HV guests leave it out (default: every one)')
    p.add_argument('--where', default='', metavar='KEY=VALUE',
                   help='only the configurations whose table sets these expectations')
    p.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    p.add_argument('--timeout', type=int, default=600, help='seconds per guest')
    p.add_argument('--memory', default=MEMORY, help=f'guest memory (default {MEMORY})')
    p.add_argument('--append', default='', help='extra kernel command line')
    p.add_argument('--seed', type=int, default=None,
                   help='seed of the guests\' random tests (kvmtest.seed); default: a new one '
                   'per run, printed so that the run can be replayed')
    p.add_argument('--skip', default='', metavar='PROGRAMS',
                   help='programs of the guests\' order to leave out (kvmtest.skip), '
                   'comma or space separated; each gets a SKIP row')
    p.add_argument('--kunit', action='store_true',
                   help='require passing KUnit suites on the console before /init')
    p.add_argument('--set', action='append', default=[], metavar='KEY=VALUE',
                   help='override an expectation of the table on every configuration that has it '
                   '(a kernel with a test-only fix of the base)')
    p.add_argument('--require', action='append', default=[], metavar='NAME=TEXT',
                   help='a row NAME per guest: PASS if TEXT is on its console (repeatable)')
    p.add_argument('--lockdep', action='store_true',
                   help='require lockdep to be on after the last test (debug kernels)')
    p.add_argument('--report-only', action='store_true',
                   help='exit 0 whatever the verdicts (for make compare)')
    p.add_argument('--allow', default=os.path.join(TOP, 'config', 'console-allow'),
                   help='console lines that look like reports but are accepted, with why')
    p.add_argument('--judge-log', metavar='LOG',
                   help='judge a saved console log for --configs NAME; boot nothing')
    args = p.parse_args()

    configs = read_table(args.table)
    for item in args.set:
        key, sep, value = item.partition('=')
        if not sep:
            sys.exit(f'matrix: --set {item!r} is not KEY=VALUE')
        for c in configs:
            if key in c.expect:
                c.expect[key] = value
    args.allow_list = read_allow(args.allow)
    require = []
    for item in args.require:
        name, sep, text = item.partition('=')
        if not sep or not name or not text:
            sys.exit(f'matrix: --require {item!r} is not NAME=TEXT')
        require.append((name, text))
    args.require = require
    # (/init knows a program by its file name: compat_caps_test, not
    # powerpc/compat_caps_test.)
    args.skip_list = [os.path.basename(n) for n in args.skip.replace(',', ' ').split()]
    args.runner = args.runner.replace(',', ' ').split()
    for what, globs in (('--configs', [g.lstrip('!') for g in args.configs.replace(',', ' ').split()]),
                        ('--runner', args.runner)):
        unknown = [g for g in globs if not any(fnmatch.fnmatch(c.name, g) for c in configs)]
        if unknown:
            sys.exit(f'matrix: {what}: no configuration matches {", ".join(unknown)} in {args.table}')
    if args.configs:
        items = args.configs.replace(',', ' ').split()
        wanted = [w for w in items if not w.startswith('!')]
        unwanted = [w[1:] for w in items if w.startswith('!')]
        configs = [c for c in configs
                   if (not wanted or any(fnmatch.fnmatch(c.name, w) for w in wanted)) and
                   not any(fnmatch.fnmatch(c.name, w) for w in unwanted)]
    for item in args.where.replace(',', ' ').split():
        key, _, value = item.partition('=')
        configs = [c for c in configs if c.expect.get(key) == value]
    if not configs:
        sys.exit(f'matrix: no configuration of {args.table} is selected')
    os.makedirs(args.results, exist_ok=True)
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), 'little')

    if args.judge_log:
        with open(args.judge_log, encoding='utf-8', errors='replace') as f:
            rows = [r for c in configs for r in judge(c, f.read(), False, 0, 0.0, args)]
    else:
        for path in (args.kernel, args.initrd):
            if not os.path.exists(path):
                sys.exit(f'matrix: {path} missing; run "make kernel initramfs"')
        start = time.monotonic()
        slots = JobSlots()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(lambda c: run_slotted(c, args, slots), configs))
        rows = [r for res in results for r in res]
        shared = ", slots shared through make's jobserver" if slots.fds else ''
        print(f'matrix: {len(configs)} configuration(s) in '
              f'{time.monotonic() - start:.0f} s, at most {args.jobs} at a time{shared}, '
              f'logs in {os.path.relpath(args.results)}/, seed {args.seed} (SEED={args.seed} replays it)')
    print_table(rows)
    with open(os.path.join(args.results, 'summary.txt'), 'w') as f:
        print_table(rows, f)
    with open(os.path.join(args.results, 'summary.tsv'), 'w') as f:
        for r in rows:
            print('\t'.join(str(x) for x in r[:5]), file=f)
    if args.report_only:
        return 0
    bad = [r for r in rows if r[4] not in ('PASS', 'SKIP')]
    for r in bad:
        print(f'matrix: {r[0]} {r[1]}: {r[4]}: {r[5]}', file=sys.stderr)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
