#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The matrix's judging of the real clients in the Debian userspace image
(scripts/matrix.py): Debian's QEMU starting L2 guests and kselftest's
runner."""

import os
import re

# --- Real clients in the Debian userspace image (scripts/initramfs-l2,
# `make qemu-l2`): Debian's QEMU starting L2 guests (guest/qemu_l2.c) and
# kselftest's runner (guest/kselftest_kvm.c).  Each program gets rows of
# its own instead of the generic one.

# The processor modes an L2 is started in: bit of KVM_PPC_GET_COMPAT_CAPS
# (config/matrix, caps) and logical PVR.
L2_MODES = (('power9', 1 << 62, 0x0f000005),
            ('power10', 1 << 61, 0x0f000006),
            ('power11', 1 << 60, 0x0f000007))
# A raw PVR's version (its upper half): the generation it is.
RAW_PVR_VERSIONS = {0x004e: 'power9', 0x0080: 'power10', 0x0082: 'power11'}


def l2_runs(lines):
    """{mode: (end, ms, argv, console lines)} from qemu_l2's output; end is
    'exit=N', 'signal=N', 'timeout', 'stopped' (KVM_RUN failed, QEMU
    stopped the guest and qemu_l2 ended it) or 'no end marker'."""
    runs, current, argv = {}, None, {}
    for line in lines:
        m = re.match(r'^# qemu_l2: (\S+): (.*)$', line)
        if m and not current:
            argv[m.group(1)] = m.group(2)
            continue
        m = re.match(r'^@@@ L2 BEGIN (\S+)$', line)
        if m:
            current = (m.group(1), [])
            continue
        m = re.match(r'^@@@ L2 END (\S+) (exit=\d+|signal=\d+|timeout|stopped) ms=(\d+)$', line)
        if m and current and m.group(1) == current[0]:
            runs[current[0]] = (m.group(2), int(m.group(3)), argv.get(current[0], ''), current[1])
            current = None
            continue
        if current:
            current[1].append(line)
    if current:
        runs[current[0]] = ('no end marker', 0, argv.get(current[0], ''), current[1])
    return runs


def pvr_mode(pvr):
    """(mode, raw) of a cpu-version value: a logical PVR, or a raw one."""
    for mode, _, logical in L2_MODES:
        if pvr == logical:
            return mode, False
    return RAW_PVR_VERSIONS.get(pvr >> 16), True


def l2_outcome(end, console):
    """What one QEMU run did: ('booted', pvr, text), ('refused', None,
    text), ('hung', None, text) or ('failed', None, text)."""
    # (Searched, not matched: a message of the L1's kernel may still land
    # at the start of a line of the L2's.)
    versions = [int(m.group(1), 16) for line in console
                for m in [re.search(r'# l2: cpu-version: \S+ (0x[0-9a-f]+)$', line)] if m]
    cpu = next((m.group(1) for line in console for m in [re.search(r'# l2: cpu: (.*)$', line)] if m), '?')
    errors = [line for line in console if line.startswith('qemu-system-ppc64:') and
              not line.startswith('qemu-system-ppc64: warning:')]
    if end == 'timeout':
        return 'hung', None, 'killed by qemu_l2 after its timeout'
    if end == 'stopped':
        run_failed = next((line for line in console if 'error: kvm run failed' in line), 'error: kvm run failed')
        started = any('@@@ L2 UP' in line or 'Linux version' in line for line in console)
        if started:
            return 'failed', None, f'KVM stopped running the L2 after it had started: {run_failed}'
        # KVM would not run the vCPU at all: QEMU stops the guest and stays
        # (a user sees the error and a register dump); qemu_l2 ended it.
        return 'refused', None, f'{run_failed} before the L2 started; QEMU stopped the guest and did not exit'
    if any('@@@ L2 DONE' in line for line in console):
        if not versions:
            return 'failed', None, f'the L2 ran ("{cpu}") but reported no cpu-version'
        if len(set(versions)) > 1:
            return 'failed', None, 'cpu nodes differ: ' + ' '.join(f'{v:#010x}' for v in versions)
        return 'booted', versions[0], cpu
    if end.startswith('exit=') and end != 'exit=0':
        # QEMU or KVM said no, and QEMU ended: a refusal.
        return 'refused', None, errors[0] if errors else f'qemu {end}, no error message'
    what = {'exit=0': 'qemu exit 0'}.get(end, 'qemu ' + end.replace('=', ' '))
    return 'failed', None, f'{what} before the L2 reached /init' + (f': {errors[0]}' if errors else '')


def l1_generation(cfg):
    """The processor generation of a configuration's L1, from its table
    entry: the CPU model (power10) or the machine (powernv9)."""
    m = re.match(r'^power(?:nv)?(\d+)$', cfg.cpu or cfg.machine)
    return f'power{m.group(1)}' if m else None


def judge_qemu_l2(cfg, status, lines, elapsed, args):
    """Rows `qemu-l2 MODE`: the L2 runs in MODE exactly where the
    configuration's bitmap has MODE's bit; elsewhere QEMU or KVM refuse it
    and QEMU ends.  `qemu-l2 default` (no max-cpu-compat): where the bitmap
    has the L1's own generation, the L2 runs in it (its logical PVR, or the
    raw PVR: the host's processor, all of it).  Where the L1 is capped below
    its generation (max-cpu-compat), QEMU, which does not read the bitmap,
    may ask KVM for what it refuses: a refusal is recorded and passes, an L2
    in a mode the bitmap has passes, one in a mode it lacks fails."""
    rows = []
    caps_text = cfg.expect.get('caps', 'none')
    caps = 0 if caps_text == 'none' else int(caps_text, 16)
    reported = [mode for mode, bit, _ in L2_MODES if caps & bit]
    newest = reported[-1] if reported else None
    capped = newest is not None and l1_generation(cfg) != newest
    runs = l2_runs(lines)
    for mode, (end, ms, argv, console) in runs.items():
        with open(os.path.join(args.results, f'{cfg.name}.l2-{mode}.log'), 'w') as f:
            f.write(f'# {argv}\n' + '\n'.join(console) + f'\n# qemu_l2: {end} after {ms} ms\n')
    for mode, bit, logical in L2_MODES + (('default', None, None),):
        name = f'qemu-l2 {mode}'
        if mode not in runs:
            rows.append((cfg.name, name, 'run', 'not run', 'FAIL',
                         f'qemu_l2 ({status}) reported no run for {mode}', elapsed))
            continue
        end, ms, _, console = runs[mode]
        secs = ms / 1000
        outcome, pvr, text = l2_outcome(end, console)
        if bit is not None:
            expected = f'cpu-version={logical:#010x}' if caps & bit else 'refused'
            may_refuse = not caps & bit
        elif not reported:
            expected, may_refuse = 'refused', True
        elif capped:
            expected, may_refuse = 'reported (' + ' '.join(reported) + ') or refused', True
        else:
            expected, may_refuse = f'newest: {newest}', False
        if outcome == 'hung':
            rows.append((cfg.name, name, expected, 'hung', 'TIMEOUT', text, secs))
            continue
        if outcome == 'failed':
            rows.append((cfg.name, name, expected, 'failed', 'FAIL', text, secs))
            continue
        if outcome == 'refused':
            rows.append((cfg.name, name, expected, 'refused', 'PASS' if may_refuse else 'FAIL',
                         text if may_refuse else f'refused where the bitmap has {newest if bit is None else mode}: {text}',
                         secs))
            continue
        got_mode, raw = pvr_mode(pvr)
        got = f'cpu-version={pvr:#010x}'
        shown = f'{"raw " if raw else ""}{got_mode or "an unknown mode"}'
        if bit is not None:
            ok = bool(caps & bit) and pvr == logical
            why = (f'booted in {mode}: {text}' if ok else
                   f'booted ({text}) where the bitmap {caps_text} says no' if not caps & bit else
                   f'booted in {shown} ({text}), not {mode}')
        else:
            got += f' ({"raw " if raw else ""}{got_mode or "?"})'
            ok = got_mode in reported and (capped or got_mode == newest)
            why = (f'booted in {shown} ({text})' if ok else
                   f'booted in {shown} ({text}), which the bitmap {caps_text} does not report'
                   if got_mode not in reported else
                   f'booted in {shown} ({text}), older than the newest reported, {newest}')
        rows.append((cfg.name, name, expected, got, 'PASS' if ok else 'FAIL', why, secs))
    return rows


def judge_kselftest(cfg, status, lines, elapsed, args):
    """Rows `kselftest COLLECTION:TEST` from run_kselftest.sh's TAP: every
    test passes; a skip (its reason is the test's own last SKIP line) is a
    failure where the table says guests run; a test the runner timed out is
    TIMEOUT.  compat_caps_test must have checked the table's bitmap (its
    --expect, passed through KSELFTEST_COMPAT_CAPS_TEST_ARGS)."""
    rows, tests, nested, plan, current = [], [], {}, None, None
    guests = cfg.expect.get('guests') == '1'
    for line in lines:
        m = re.match(r'^1\.\.(\d+)', line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = re.match(r'^# selftests: (\S+): (\S+)$', line)
        if m:
            current = f'{m.group(1)}:{m.group(2)}'
            nested[current] = []
            continue
        m = re.match(r'^(ok|not ok) (\d+) selftests: (\S+): (\S+)\s*(?:#\s*(.*))?$', line)
        if m:
            tests.append((f'{m.group(3)}:{m.group(4)}', m.group(1) == 'ok', (m.group(5) or '').strip()))
            current = None
            continue
        if current and line.startswith('#'):
            nested[current].append(line[1:].strip())
    secs = elapsed
    for test, ok, directive in tests:
        inner = nested.get(test, [])
        name = f'kselftest {test}'
        expected = 'pass' if guests else 'pass/skip'
        skips = [x for x in inner if re.search(r'#\s*SKIP', x)]
        if ok and directive.upper().startswith('SKIP'):
            why = skips[-1] if skips else 'the test gave no reason'
            rows.append((cfg.name, name, expected, 'skip', 'FAIL' if guests else 'SKIP',
                         ('skipped where guests=1: ' if guests else 'skip: ') + why, secs))
            continue
        if not ok and directive.upper().startswith('TIMEOUT'):
            rows.append((cfg.name, name, expected, 'hung', 'TIMEOUT',
                         f'the runner ended it: {directive}', secs))
            continue
        if not ok:
            fails = [x for x in inner if re.match(r'^not ok\b|^Bail out!|==== Test Assertion Failure', x)]
            rows.append((cfg.name, name, expected, 'fail', 'FAIL',
                         (directive + ': ' if directive else '') + (fails[0] if fails else 'failed'), secs))
            continue
        if test.endswith(':compat_caps_test') and cfg.expect.get('caps', 'none') != 'none' and \
                not any(re.match(r'^ok \d+ bitmap 0x[0-9a-f]+ is the expected ' + cfg.expect['caps'] + r'$', x)
                        for x in inner):
            rows.append((cfg.name, name, f'pass, --expect={cfg.expect["caps"]}', 'pass, unchecked', 'FAIL',
                         'compat_caps_test did not check the bitmap the table gives '
                         '(KSELFTEST_COMPAT_CAPS_TEST_ARGS lost?)', secs))
            continue
        rows.append((cfg.name, name, expected, 'pass', 'PASS', 'passed', secs))
    if plan is None or plan == 0 or len(tests) != plan:
        got = 'no plan' if plan is None else f'{len(tests)} of {plan}'
        rows.append((cfg.name, '(kselftest)', 'all tests reported', got, 'FAIL',
                     'the runner printed no TAP plan' if plan is None else
                     'the collection is empty' if plan == 0 else
                     f'the runner reported {len(tests)} of the {plan} tests it planned', secs))
    elif status != 0 and all(r[4] == 'PASS' for r in rows):
        rows.append((cfg.name, '(kselftest)', 'exit 0', str(status), 'FAIL',
                     f'run_kselftest.sh ended with {status}', secs))
    return rows


# Programs whose output is judged by a function of their own.
PROGRAM_JUDGES = {
    'qemu_l2': judge_qemu_l2,
    'kselftest_kvm': judge_kselftest,
}
