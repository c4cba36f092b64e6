#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the table of make bench: per configuration, the per-call cost of
KVM_PPC_GET_COMPAT_CAPS and KVM_CHECK_EXTENSION and their ratio (medians
over rounds, guest/compat_caps_bench.c), for one or more kernels.

Usage: bench.py LABEL=RESULTS-DIR...   (the directories matrix.py wrote)
"""

import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table_order():
    with open(os.path.join(TOP, 'config', 'matrix')) as f:
        return [line.split()[0] for line in f
                if line.strip() and not line.startswith('#')]


def bench_result(path):
    """The bench's figures in one .tap file, or why there are none."""
    if not os.path.exists(path):
        return None
    section = False
    with open(path) as f:
        for line in f:
            if line.startswith('# @@@ program '):
                section = line.split()[3] == 'compat_caps_bench'
            elif section:
                m = re.match(r'# bench: (.*)', line)
                if m:
                    return dict(x.split('=') for x in m.group(1).split())
                m = re.search(r'# SKIP (.*)', line)
                if m:
                    return {'skip': m.group(1).strip()}
    return {'skip': 'no result'}


def main():
    kernels = [a.partition('=')[::2] for a in sys.argv[1:]]
    if not kernels or not all(label and path for label, path in kernels):
        sys.exit(__doc__.strip().splitlines()[-1])
    head = ['configuration']
    for label, _ in kernels:
        head += [f'{label} get ns', f'{label} check ns', f'{label} ratio']
    rows = []
    for name in table_order():
        results = [bench_result(os.path.join(path, name + '.tap')) for _, path in kernels]
        if all(r is None for r in results):
            continue
        row = [name]
        for r in results:
            if r is None or 'skip' in r:
                row += ['-', '-', (r or {}).get('skip', 'not run')]
            else:
                row += [r['get_ns'], r['check_ns'], r['ratio']]
        rows.append(row)
    if not rows:
        sys.exit('bench: no results in ' + ', '.join(p for _, p in kernels))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    print('| ' + ' | '.join(h.ljust(w) for h, w in zip(head, widths)) + ' |')
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for row in rows:
        print('| ' + ' | '.join(str(x).ljust(w) for x, w in zip(row, widths)) + ' |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
