#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The matrix's judging of a guest's console (scripts/matrix.py): kernel
reports and their allow-list, /init's program framing, TAP and KTAP."""

import os
import re
import sys

# Console lines that are kernel reports: a configuration whose console shows
# one fails, unless config/console-allow lists it with a reason.
REPORTS = [
    ('WARNING', r'WARNING:'),
    ('BUG', r'\bBUG[: ]|kernel BUG at'),
    ('Oops', r'\bOops\b'),
    ('KASAN', r'\bKASAN:'),
    ('UBSAN', r'\bUBSAN:'),
    ('KFENCE', r'\bKFENCE:'),
    ('lockdep', r'DEBUG_LOCKS_WARN_ON|INFO: lockdep|possible (recursive|circular) locking'),
    ('sleeping in atomic', r'sleeping function called from invalid context'),
]


def read_allow(path):
    """Return [(regex, reason)] from the console allow-list."""
    entries = []
    if not os.path.exists(path):
        return entries
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            key, sep, value = line.partition(': ')
            if key == 'match' and sep:
                try:
                    entries.append([re.compile(value), '', lineno])
                except re.error as e:
                    sys.exit(f'{path}:{lineno}: bad regular expression: {e}')
            elif key == 'why' and sep and entries:
                entries[-1][1] = (entries[-1][1] + ' ' + value).strip()
            else:
                sys.exit(f'{path}:{lineno}: expected "match: REGEX" or "why: TEXT"')
    for rx, why, lineno in entries:
        if not why:
            sys.exit(f'{path}:{lineno}: "match: {rx.pattern}" has no "why:" line')
    return [(rx, why) for rx, why, _ in entries]


def console_reports(console, allow):
    """Return the console lines that are kernel reports and are not allowed,
    as (kind, line)."""
    found = []
    for line in console.splitlines():
        line = line.rstrip('\r')
        if line.startswith('# qemu-system'):
            continue
        for kind, rx in REPORTS:
            if re.search(rx, line):
                if not any(a.search(line) for a, _ in allow):
                    found.append((kind, line.strip()))
                break
    return found


def split_programs(console):
    """Return [(program, status, tap_lines)] from the console of one guest."""
    programs = []
    current = None
    for line in console.splitlines():
        line = line.rstrip('\r')
        m = re.match(r'^@@@ BEGIN (\S+)$', line)
        if m:
            current = (m.group(1), [])
            continue
        m = re.match(r'^@@@ END (\S+) (exit|signal)=(\d+)( ms=\d+)?$', line)
        if m and current and m.group(1) == current[0]:
            status = f'{m.group(2)}={m.group(3)}'
            if status == 'exit=0':
                status = 0
            programs.append((current[0], status, current[1]))
            current = None
            continue
        m = re.match(r'^@@@ LEFT OUT (\S+)$', line)
        if m and not current:
            programs.append((m.group(1), 'left out', []))
            continue
        if current:
            current[1].append(line)
    if current:
        programs.append((current[0], 'no end marker', current[1]))
    return programs


def judge_tap(lines):
    """Return (verdict, detail) from the TAP of one program."""
    plan = None
    ok = notok = skipped = 0
    bail = None
    for line in lines:
        m = re.match(r'^1\.\.(\d+)', line)
        if m:
            plan = int(m.group(1))
            if '# SKIP' in line or plan == 0:
                return 'SKIP', line.split('#', 1)[-1].strip()
        m = re.match(r'^(not ok|ok)\b', line)
        if m:
            if m.group(1) == 'ok':
                ok += 1
                if re.search(r'#\s*SKIP', line, re.I):
                    skipped += 1
            elif re.search(r'#\s*(TODO|XFAIL)', line, re.I):
                ok += 1
            else:
                notok += 1
        if line.startswith('Bail out!'):
            bail = line
    if bail:
        return 'FAIL', bail
    if plan is None:
        return 'FAIL', 'no TAP plan'
    if ok + notok != plan:
        return 'FAIL', f'{ok + notok} of {plan} tests reported'
    if notok:
        return 'FAIL', f'{notok} of {plan} failed'
    if skipped == plan:
        return 'SKIP', f'{skipped} skipped'
    return 'PASS', f'{ok - skipped} passed' + (f', {skipped} skipped' if skipped else '')


def kunit_lines(console):
    """The KTAP that KUnit prints before /init's marker: built-in suites at
    boot, then one document per KUnit module /init loads."""
    lines, seen = [], False
    for line in console.splitlines():
        line = line.rstrip('\r')
        if line.startswith('@@@ GUEST UP'):
            break
        if re.match(r'^KTAP version', line):
            seen = True
        if seen and re.match(r'^\s*(KTAP version|1\.\.|ok |not ok |#)', line):
            lines.append(line)
    return lines


def judge_kunit(ktap):
    """Judge every KTAP document of kunit_lines() by its suites (the top
    level; their cases are indented): each document must be complete and
    pass, and some suite must have run.  A kernel with its suites in a
    module prints an empty document ("1..0") at boot, then the module's."""
    docs = []
    for line in ktap:
        if line.startswith('KTAP version'):
            docs.append([])
        if docs and not line.startswith((' ', '\t')):
            docs[-1].append(line)
    if not docs:
        return 'FAIL', 'no KUnit output before /init'
    verdicts = []
    for doc in docs:
        if any(re.match(r'^1\.\.0\s*$', line) for line in doc):
            continue
        verdict, detail = judge_tap(doc)
        if verdict == 'FAIL':
            return verdict, detail
        verdicts.append((verdict, detail))
    if not verdicts:
        return 'FAIL', 'no KUnit suite ran (a module that did not load?)'
    # The series' suite feeds its own inputs and needs no KVM host: where
    # --kunit asks for it, a run in which every suite skipped checked nothing.
    if all(v == 'SKIP' for v, _ in verdicts):
        return 'FAIL', 'every KUnit suite skipped: ' + '; '.join(d for _, d in verdicts)
    return 'PASS', '; '.join(d for _, d in verdicts)


def reported(lines):
    values = {}
    for line in lines:
        m = re.match(r'^# result: (.*)$', line)
        if m:
            for item in m.group(1).split():
                key, _, value = item.partition('=')
                values[key] = value
    return values
