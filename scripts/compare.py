#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print what mainline and our kernel answered on each configuration of the
matrix, side by side, from two result directories of scripts/matrix.py:
first the answers of the guest test compat_caps (the capability, the bitmap,
a PR VM's), then, one row per configuration and value, what
KVM_SET_ONE_REG(KVM_REG_PPC_ARCH_COMPAT) did (guest/arch_compat.c: the value
accepted or refused, and whether the vCPU ran afterwards, after 0 was set and
after the newest reported mode was set).

Exit status 1 when the first table differs on a configuration whose name does
not match one of --may-differ (by default the PowerNV ones, where only our
series answers), or when the second differs anywhere: the series keeps
mainline's ARCH_COMPAT rules on every platform."""

import argparse
import fnmatch
import os
import re
import sys


def answers(results, test):
    got = {}
    path = os.path.join(results, 'summary.tsv')
    if not os.path.exists(path):
        sys.exit(f'compare: {path} missing; run the matrix first')
    with open(path) as f:
        for line in f:
            config, name, _expected, value, verdict = line.rstrip('\n').split('\t')
            if name == test:
                got[config] = value
            elif name == '(guest)':
                got.setdefault(config, verdict)
    return got


def arch_compat_rows(results):
    """{(config, value): "set=.. run=.. then0=.. thenmode=.."} from the
    "# arch_compat:" lines of each configuration's TAP."""
    rows = {}
    for name in sorted(os.listdir(results)):
        if not name.endswith('.tap'):
            continue
        config = name[:-4]
        with open(os.path.join(results, name)) as f:
            for line in f:
                m = re.match(r'^# arch_compat: (0x[0-9a-f]+) (.*)$', line.strip())
                if m:
                    rows[(config, m.group(1))] = m.group(2)
    return rows


def print_table(head, body):
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    fmt = ' | '.join('{:<%d}' % w for w in widths)
    print(fmt.format(*head))
    print('-+-'.join('-' * w for w in widths))
    for r in body:
        print(fmt.format(*r))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('mainline')
    p.add_argument('ours')
    p.add_argument('--test', default='compat_caps')
    p.add_argument('--may-differ', default='powernv*')
    args = p.parse_args()
    ml, ours = answers(args.mainline, args.test), answers(args.ours, args.test)
    rows = [(c, ml.get(c, '-'), ours.get(c, '-')) for c in ours]
    rows += [(c, ml[c], '-') for c in ml if c not in ours]
    head = ('configuration', 'mainline 7.3', 'ours', '')
    body = []
    bad = []
    for c, a, b in rows:
        same = a == b
        allowed = any(fnmatch.fnmatch(c, g) for g in args.may_differ.split(','))
        note = 'same' if same else ('differs (expected)' if allowed else 'DIFFERS')
        if not same and not allowed:
            bad.append(c)
        body.append((c, a, b, note))
    print_table(head, body)

    ml_ac, ours_ac = arch_compat_rows(args.mainline), arch_compat_rows(args.ours)
    order = [c for c, _, _ in rows]
    keys = sorted(set(ml_ac) | set(ours_ac),
                  key=lambda k: (order.index(k[0]) if k[0] in order else len(order), k[1]))
    body = []
    bad_ac = []
    for k in keys:
        a, b = ml_ac.get(k, '-'), ours_ac.get(k, '-')
        if a != b:
            bad_ac.append(f'{k[0]} {k[1]}')
        body.append((k[0], k[1], a, b, 'same' if a == b else 'DIFFERS'))
    print()
    print_table(('configuration', 'ARCH_COMPAT', 'mainline 7.3', 'ours', ''), body)
    if not keys:
        print('compare: no "# arch_compat:" line in either result directory', file=sys.stderr)
        bad_ac.append('(none)')

    if bad:
        print(f'compare: mainline and ours differ on {", ".join(bad)}', file=sys.stderr)
    if bad_ac:
        print(f'compare: ARCH_COMPAT differs on {", ".join(bad_ac)}', file=sys.stderr)
    return 1 if bad or bad_ac else 0


if __name__ == '__main__':
    sys.exit(main())
