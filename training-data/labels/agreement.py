"""Cohen's kappa between the batch annotators and the independent second annotator (annotator-G).

Usage (from the repository root): python3 training-data/labels/agreement.py
"""
import collections
import csv
import os

here = os.path.dirname(os.path.abspath(__file__))


def load(path):
    with open(path, encoding='utf-8') as f:
        return {r['留言编号']: r for r in csv.DictReader(f)}


def kappa(a, b):
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = collections.Counter(a), collections.Counter(b)
    expected = sum(ca[l] * cb[l] for l in set(a) | set(b)) / (n * n)
    return observed, (observed - expected) / (1 - expected)


primary = load(os.path.join(here, 'type_urgency_first_pass.csv'))
second = load(os.path.join(here, 'annotations', 'batch_double.labels.csv'))
ids = [i for i in second if i in primary]
print(f'doubly labelled messages: {len(ids)}')
urgent = lambda u: 'urgent' if u in ('特急', '紧急') else '一般'
for name, field, f in [('诉求类型', '诉求类型', str), ('紧急程度', '紧急程度', str), ('urgent vs 一般', '紧急程度', urgent)]:
    po, k = kappa([f(primary[i][field]) for i in ids], [f(second[i][field]) for i in ids])
    print(f'{name}: observed={po:.3f} kappa={k:.3f}')
