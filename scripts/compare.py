#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print what mainline and our kernel answered on each configuration of the
matrix, side by side, from two result directories of scripts/matrix.py.

Exit status 1 when the two differ on a configuration whose name does not
match one of --may-differ (by default the PowerNV ones, where only our
series answers)."""

import argparse
import fnmatch
import os
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
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    fmt = ' | '.join('{:<%d}' % w for w in widths)
    print(fmt.format(*head))
    print('-+-'.join('-' * w for w in widths))
    for r in body:
        print(fmt.format(*r))
    if bad:
        print(f'compare: mainline and ours differ on {", ".join(bad)}', file=sys.stderr)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
