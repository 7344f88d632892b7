"""Builds type_urgency.csv from the two independent passes and the adjudication, then reports
agreement between the passes over every message (Cohen's kappa).

- type_urgency_first_pass.csv: rounds 1–4, one annotator per message (the text, its source, the
  sampling method and the first annotator).
- annotations/second_pass/second_K.labels.csv: every message again, by annotator-2A … 2H, who never
  saw the first labels (batches made by select_second_pass.py).
- annotations/adjudication/adjudicate_K.labels.csv: every message where the passes disagreed on a
  field, decided by a third annotator (annotator-3A … 3E) who saw both opinions in random order
  (batches made by select_adjudication.py).

A field's final label is the two passes' label where they agree, else the adjudicator's. Columns
added: 第二标注者, 裁定者 (empty when the passes agreed on both fields), 标注方式 (两人一致 or 三人裁定).

Usage (from the repository root): python3 training-data/labels/merge_passes.py
"""
import collections
import csv
import glob
import os

here = os.path.dirname(os.path.abspath(__file__))
SECOND = {f'second_{k}': f'annotator-2{c}' for k, c in zip(range(1, 9), 'ABCDEFGH')}
THIRD = {f'adjudicate_{k}': f'annotator-3{c}' for k, c in zip(range(1, 6), 'ABCDE')}


def read(path):
    with open(path, encoding='utf-8') as f:
        return list(csv.DictReader(f))


def by_file(pattern, names):
    out = {}
    for path in sorted(glob.glob(os.path.join(here, pattern))):
        who = names[os.path.basename(path).split('.')[0]]
        for r in read(path):
            out[r['留言编号']] = (r, who)
    return out


def kappa(a, b):
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = collections.Counter(a), collections.Counter(b)
    expected = sum(ca[l] * cb[l] for l in set(a) | set(b)) / (n * n)
    return observed, (observed - expected) / (1 - expected)


first = read(os.path.join(here, 'type_urgency_first_pass.csv'))
second = by_file('annotations/second_pass/second_*.labels.csv', SECOND)
third = by_file('annotations/adjudication/adjudicate_*.labels.csv', THIRD)
assert {r['留言编号'] for r in first} == set(second), 'the second pass must cover every message'

fields = list(first[0].keys()) + ['第二标注者', '裁定者', '标注方式']
rows, missing = [], []
for r in first:
    s, who2 = second[r['留言编号']]
    out = dict(r, 第二标注者=who2, 裁定者='', 标注方式='两人一致')
    for field in ('诉求类型', '紧急程度'):
        if r[field] != s[field]:
            if r['留言编号'] not in third:
                missing.append(r['留言编号'])
                continue
            t, who3 = third[r['留言编号']]
            out[field] = t[field]
            out['注'] = t['注'] or out['注']
            out['裁定者'] = who3
            out['标注方式'] = '三人裁定'
    rows.append(out)
assert not missing, f'{len(set(missing))} disagreements have no adjudication'
with open(os.path.join(here, 'type_urgency.csv'), 'w', encoding='utf-8', newline='') as f:
    w = csv.DictWriter(f, fieldnames=fields)
    w.writeheader()
    w.writerows(rows)

urgent = lambda u: 'urgent' if u in ('特急', '紧急') else '一般'
ids = [r['留言编号'] for r in first]
one = {r['留言编号']: r for r in first}
print(f'messages: {len(rows)}; adjudicated: {sum(r["标注方式"] == "三人裁定" for r in rows)}')
for name, field, f in [('诉求类型', '诉求类型', str), ('紧急程度', '紧急程度', str),
                       ('urgent vs 一般', '紧急程度', urgent)]:
    o, k = kappa([f(one[i][field]) for i in ids], [f(second[i][0][field]) for i in ids])
    print(f'first vs second pass, {name}: observed {o:.3f}, kappa {k:.3f}')
