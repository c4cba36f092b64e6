#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the README's results as Markdown, from what the last runs left in
build/: the matrix (build/results/) with make compare's answers
(build/results-mainline/) and make bench's ratios (build/bench/,
build/bench-mainline/) beside it, make compare's ARCH_COMPAT table, and
make debian (build/results-debian-4k/, build/results-debian-64k/) and
make qemu-l2 (build/results-l2/).  Where make's matrix leaves kselftest's
runner out, its rows are make runner's (build/results-runner/) or make
qemu-l2's.
A part whose results are missing is left out, saying which command makes it.

Usage: results.py [--build DIR] [--readme README.md]
  prints the Markdown, or with --readme replaces what README.md holds
  between the "<!-- results: begin -->" and "<!-- results: end -->" lines.
"""

import argparse
import os
import re
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'scripts'))
import bench  # noqa: E402  (the bench's own parser of guest output)

BEGIN = '<!-- results: begin -->'
END = '<!-- results: end -->'
# The guest program that runs kselftest's runner (scripts/matrix.py).
RUNNER = 'kselftest_kvm'

# KVM_REG_PPC_ARCH_COMPAT values by their short names in the tables.
VALUES = {
    '0x00000000': '0', '0x0f000002': '2.05', '0x0f000003': '2.06',
    '0x0f000004': '2.07', '0x0f000005': 'P9', '0x0f000006': 'P10',
    '0x0f000007': 'P11', '0x0f000008': 'next',
}


def table(head, rows):
    out = ['| ' + ' | '.join(head) + ' |', '|' + '|'.join('---' for _ in head) + '|']
    out += ['| ' + ' | '.join(str(x) for x in r) + ' |' for r in rows]
    return out


def day(path):
    return time.strftime('%Y-%m-%d', time.gmtime(os.path.getmtime(path)))


def summary(results):
    """[(config, test, expected, got, verdict)] of a matrix run, in order."""
    path = os.path.join(results, 'summary.tsv')
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return [tuple(line.rstrip('\n').split('\t')) for line in f if line.strip()]


def guest_program(name):
    return os.path.exists(os.path.join(TOP, 'guest', name + '.c'))


def counts(verdicts):
    n = {v: verdicts.count(v) for v in set(verdicts)}
    return ', '.join(f'{n[v]} {v.lower()}' for v in ('PASS', 'SKIP', 'FAIL', 'TIMEOUT', 'CRASH')
                     if v in n) or '-'


def compat_answers(build, results):
    """{config: what compat_caps reported} of one matrix run, or None."""
    rows = summary(os.path.join(build, results))
    if rows is None:
        return None
    return {r[0]: r[3] for r in rows if r[1] == 'compat_caps'}


def bench_ratios(build, d):
    """{config: ratio or why there is none} of one bench run, or None."""
    path = os.path.join(build, d)
    if not os.path.isdir(path):
        return None
    found = {}
    for name in bench.table_order():
        r = bench.bench_result(os.path.join(path, name + '.tap'))
        if r is not None:
            found[name] = r['ratio'] if 'ratio' in r else \
                ('fails' if 'fails' in r.get('skip', '') else r.get('skip', '-'))
    return found


def matrix_part(build):
    rows = summary(os.path.join(build, 'results'))
    if rows is None:
        return ['The matrix has not run here: `make matrix`.']
    ml = compat_answers(build, 'results-mainline')
    ours_b, ml_b = bench_ratios(build, 'bench'), bench_ratios(build, 'bench-mainline')
    # Where make's matrix leaves kselftest's runner out, its rows come from
    # make runner or make qemu-l2, named in the cell.
    elsewhere = [(where, summary(os.path.join(build, d)) or [])
                 for where, d in (('runner', 'results-runner'), ('qemu-l2', 'results-l2'))]
    configs = list(dict.fromkeys(r[0] for r in rows))
    body = []
    used = set()
    for c in configs:
        mine = [r for r in rows if r[0] == c]
        get = {r[1]: r for r in mine}
        caps = get.get('compat_caps', ('', '', '', '-'))[3]
        progs = [r[4] for r in mine if not r[1].startswith('(') and r[1] not in ('kunit', RUNNER)
                 and guest_program(r[1])]
        tests = counts([r[4] for r in mine if r[1].startswith('kselftest ')])
        if get.get(RUNNER, ('',) * 4)[3] == 'left out':
            tests = 'left out'
            for where, other_rows in elsewhere:
                found = [r[4] for r in other_rows if r[0] == c and r[1].startswith('kselftest ')]
                if found:
                    tests = f'{counts(found)} ({where})'
                    used.add(where)
                    break
        other = [r for r in mine if r[1] == '(guest)']
        row = [c, caps]
        if ml is not None:
            row.append('same' if ml.get(c) == caps else ml.get(c, '-'))
        row += [get.get('kunit', ('',) * 5)[4] or '-', counts(progs), tests,
                get.get('(console)', ('',) * 5)[4] or '-']
        if ours_b is not None:
            b = ours_b.get(c, '-')
            if ml_b is not None and c in ml_b:
                b = f'{b} ({ml_b[c]})'
            row.append(b)
        if other:
            row.append(other[0][4])
        body.append(tuple(row))
    bad = [r for r in rows if r[4] not in ('PASS', 'SKIP')]
    path = os.path.join(build, 'results', 'summary.tsv')
    head = ['configuration', 'compat_caps (cap, bitmap, PR VM)']
    if ml is not None:
        head.append('mainline 7.3')
    head += ['KUnit', 'guest programs', 'KVM selftests (kselftest runner)', 'console']
    if ours_b is not None:
        head.append('bench' + (' (mainline)' if ml_b is not None else ''))
    if any(len(b) > len(head) for b in body):
        head.append('guest')
        body = [b + ('',) * (len(head) - len(b)) for b in body]
    out = [f'`make matrix`, {day(path)}: {len(rows)} rows, '
           + (f'{len(bad)} not PASS or SKIP.' if bad else 'every one PASS or an allowed SKIP.')]
    if ml is not None:
        out.append(f'*mainline 7.3*: what `compat_caps` reported on mainline (`make compare`, '
                   f'{day(os.path.join(build, "results-mainline", "summary.tsv"))}).')
    if used:
        out.append('*KVM selftests*: where `make` leaves kselftest\'s runner out, the '
                   'runner\'s rows of '
                   + ' or '.join(f'`make {w}`' for w in ('runner', 'qemu-l2') if w in used)
                   + ', as the cell says.')
    if ours_b is not None:
        out.append(f'*bench*: `make bench`, '
                   f'{day(os.path.join(build, "bench", "summary.tsv"))}: KVM_PPC_GET_COMPAT_CAPS\'s '
                   'cost as a multiple of KVM_CHECK_EXTENSION\'s on the same VM fd (medians of '
                   '31 rounds of 5000 calls; the bench fails above 1.6).')
    return out + [''] + table(head, body)


def debian_part(build):
    runs = [(pages, summary(os.path.join(build, f'results-debian-{pages}'))) for pages in ('4k', '64k')]
    if all(r is None for _, r in runs):
        return ['Debian\'s kernels have not run here: `make debian`.']
    configs = list(dict.fromkeys(r[0] for _, rows in runs if rows for r in rows))
    body = []
    for c in configs:
        row = [c]
        for _, rows in runs:
            mine = [r for r in (rows or []) if r[0] == c]
            if not mine:
                row.append('-')
                continue
            caps = next((r[3] for r in mine if r[1] == 'compat_caps'), '-')
            row.append(f'{caps.split()[1] if len(caps.split()) > 1 else caps}: '
                       + counts([r[4] for r in mine]))
        body.append(tuple(row))
    dates = ', '.join(f'{pages.upper()} {day(os.path.join(build, f"results-debian-{pages}", "summary.tsv"))}'
                      for pages, rows in runs if rows is not None)
    return ([f'`make debian` ({dates}): Debian\'s own 7.2.13+deb14 images, the series\' '
             '`kvm.ko` and `kvm-hv.ko` loaded; per configuration the bitmap and the verdicts '
             'of every row (programs, selftests, banner, modules, console).', '']
            + table(['configuration', 'powerpc64le (4K pages)', 'powerpc64le-64k'], body))


def l2_part(build):
    rows = summary(os.path.join(build, 'results-l2'))
    if rows is None:
        return ['QEMU has not run as the VMM here: `make qemu-l2`.']
    configs = list(dict.fromkeys(r[0] for r in rows))
    body = []
    for c in configs:
        get = {r[1]: r for r in rows if r[0] == c}
        row = [c]
        for mode in ('power9', 'power10', 'power11', 'default'):
            r = get.get(f'qemu-l2 {mode}')
            got = r[3].replace('cpu-version=', '') if r else '-'
            row.append(got if not r or r[4] == 'PASS' else f'{got} ({r[4]})')
        ks = [r[4] for r in rows if r[0] == c and r[1].startswith('kselftest ')]
        row.append(counts(ks))
        row.append(counts([r[4] for r in rows if r[0] == c]))
        body.append(tuple(row))
    path = os.path.join(build, 'results-l2', 'summary.tsv')
    return ([f'`make qemu-l2` ({day(path)}): in each L1, Debian\'s qemu-system-ppc64 11.1.3 '
             'starts an L2 with `max-cpu-compat=MODE` (or none: default); the cpu-version the '
             'L2 reported, or what QEMU did instead; the KVM selftests through kselftest\'s '
             'runner; every row of the L1.', '']
            + table(['configuration', 'power9', 'power10', 'power11', 'default',
                     'kselftest runner', 'all rows'], body))


def arch_compat(results):
    """{config: {value: 'set=.. run=.. then0=.. thenmode=..'}} from the TAP."""
    found = {}
    if not os.path.isdir(results):
        return found
    for name in sorted(os.listdir(results)):
        if not name.endswith('.tap'):
            continue
        with open(os.path.join(results, name)) as f:
            for line in f:
                m = re.match(r'^# arch_compat: (0x[0-9a-f]+) (.*)$', line.strip())
                if m:
                    found.setdefault(name[:-4], {})[m.group(1)] = dict(
                        x.split('=') for x in m.group(2).split())
    return found


def short(value):
    return VALUES.get(value, 'raw')


def compare_part(build):
    ours, ml = summary(os.path.join(build, 'results')), summary(os.path.join(build, 'results-mainline'))
    if ours is None or ml is None:
        return ['Mainline has not been compared here: `make compare`.']
    answers = {}
    for kernel, rows in (('ml', ml), ('ours', ours)):
        for r in rows:
            if r[1] == 'compat_caps':
                answers.setdefault(r[0], {})[kernel] = r[3]
    out = []
    ac_ours, ac_ml = arch_compat(os.path.join(build, 'results')), arch_compat(
        os.path.join(build, 'results-mainline'))
    body = []
    for c in answers:
        mine, theirs = ac_ours.get(c), ac_ml.get(c)
        if not mine:
            continue
        acc = [short(v) for v, r in mine.items() if r['set'] == 'ok']
        ref = [short(v) for v, r in mine.items() if r['set'] != 'ok']
        stopped = [short(v) for v, r in mine.items() if r['set'] != 'ok' and r['run'] not in ('ok', 'none')]
        back = all(r['then0'] in ('ok', 'none') and r['thenmode'] in ('ok', 'none')
                   for r in mine.values())
        same = sum(1 for v in mine if theirs and theirs.get(v) == mine[v])
        body.append((c, ' '.join(sorted(acc, key=order)), ' '.join(sorted(ref, key=order)),
                     ' '.join(stopped) or '-', 'yes' if back else 'NO',
                     f'{same} of {len(mine)}'))
    out += [f'`make compare`, {day(os.path.join(build, "results-mainline", "summary.tsv"))}: '
            'KVM_REG_PPC_ARCH_COMPAT on a fresh vCPU per value (`guest/arch_compat.c`): '
            'accepted, refused, refused and then not running (KVM_RUN fails), running '
            'again after 0 and the newest reported mode are set, and how many values '
            'behaved exactly as on mainline.', '']
    out += table(['configuration', 'accepted', 'refused', 'refused, not running',
                  'runs again', 'as mainline'], body)
    return out


def order(name):
    names = list(VALUES.values()) + ['raw']
    return names.index(name) if name in names else len(names)


def markdown(build):
    out = []
    for part in (matrix_part, compare_part, debian_part, l2_part):
        out += part(build) + ['']
    return '\n'.join(out).rstrip('\n') + '\n'


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--build', default=os.path.join(TOP, 'build'))
    p.add_argument('--readme')
    args = p.parse_args()
    md = markdown(args.build)
    if not args.readme:
        sys.stdout.write(md)
        return 0
    with open(args.readme) as f:
        text = f.read()
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        sys.exit(f'results: {args.readme} needs one "{BEGIN}" line and one "{END}" line after it')
    new = text[:text.index(BEGIN) + len(BEGIN)] + '\n' + md + text[text.index(END):]
    with open(args.readme, 'w') as f:
        f.write(new)
    print(f'results: {args.readme} updated from {os.path.relpath(args.build, TOP)}/')
    return 0


if __name__ == '__main__':
    sys.exit(main())
