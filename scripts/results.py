#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the README's results as Markdown, from what the last runs left in
build/: the matrix (build/results/), make compare (build/results-mainline/
beside build/results/) and make bench (build/bench/, build/bench-mainline/).
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


def matrix_part(build):
    rows = summary(os.path.join(build, 'results'))
    if rows is None:
        return ['The matrix has not run here: `make matrix`.']
    configs = list(dict.fromkeys(r[0] for r in rows))
    body = []
    for c in configs:
        mine = [r for r in rows if r[0] == c]
        get = {r[1]: r for r in mine}
        caps = get.get('compat_caps', ('', '', '', '-'))[3]
        progs = [r[4] for r in mine if not r[1].startswith('(') and r[1] != 'kunit'
                 and guest_program(r[1])]
        tests = [r[4] for r in mine if not r[1].startswith('(') and r[1] != 'kunit'
                 and not guest_program(r[1])]
        other = [r for r in mine if r[1] == '(guest)']
        body.append((c, caps, get.get('kunit', ('',) * 5)[4] or '-', counts(progs),
                     counts(tests), get.get('(console)', ('',) * 5)[4] or '-')
                    + ((other[0][4],) if other else ()))
    bad = [r for r in rows if r[4] not in ('PASS', 'SKIP')]
    path = os.path.join(build, 'results', 'summary.tsv')
    head = ['configuration', 'compat_caps (cap, bitmap, PR VM)', 'KUnit',
            'guest programs', 'KVM selftests', 'console']
    if any(len(b) > len(head) for b in body):
        head.append('guest')
        body = [b + ('',) * (len(head) - len(b)) for b in body]
    return ([f'`make matrix`, {day(path)}: {len(rows)} rows, '
             + (f'{len(bad)} not PASS or SKIP.' if bad else 'every one PASS or an allowed SKIP.'),
             ''] + table(head, body))


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
    body = [(c, a.get('ml', '-'), a.get('ours', '-'),
             'same' if a.get('ml') == a.get('ours') else 'differs')
            for c, a in answers.items()]
    out = [f'`make compare`, {day(os.path.join(build, "results-mainline", "summary.tsv"))}: '
           'what the guest test `compat_caps` reported.', '']
    out += table(['configuration', 'mainline 7.3', 'ours', ''], body)

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
    out += ['', 'KVM_REG_PPC_ARCH_COMPAT on a fresh vCPU per value (`guest/arch_compat.c`): '
            'accepted, refused, refused and then not running (KVM_RUN fails), running '
            'again after 0 and the newest reported mode are set, and how many values '
            'behaved exactly as on mainline.', '']
    out += table(['configuration', 'accepted', 'refused', 'refused, not running',
                  'runs again', 'as mainline'], body)
    return out


def order(name):
    names = list(VALUES.values()) + ['raw']
    return names.index(name) if name in names else len(names)


def bench_part(build):
    kernels = [(label, os.path.join(build, d)) for label, d in
               (('mainline', 'bench-mainline'), ('ours', 'bench'))
               if os.path.isdir(os.path.join(build, d))]
    if not any(label == 'ours' for label, _ in kernels):
        return ['The bench has not run here: `make bench`.']
    head = ['configuration'] + [f'{label} ratio' for label, _ in kernels]
    body = []
    for name in bench.table_order():
        res = [bench.bench_result(os.path.join(p, name + '.tap')) for _, p in kernels]
        if all(r is None for r in res):
            continue
        body.append([name] + [r['ratio'] if r and 'ratio' in r else
                              (r or {}).get('skip', '-') for r in res])
    path = os.path.join(build, 'bench', 'summary.tsv')
    return ([f'`make bench`{" and `make compare`" if len(kernels) > 1 else ""}, '
             f'{day(path) if os.path.exists(path) else "-"}: the cost of '
             'KVM_PPC_GET_COMPAT_CAPS as a multiple of KVM_CHECK_EXTENSION\'s on the same '
             'VM fd (medians of 31 rounds of 5000 calls; the bench fails above 1.6).', '']
            + table(head, body))


def markdown(build):
    out = []
    for part in (matrix_part, compare_part, bench_part):
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
