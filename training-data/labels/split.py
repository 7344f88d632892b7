"""Fixed train/dev/test split of type_urgency.csv, by a hash of the message id (run once; kept for
provenance). dev (20%) chooses calibration and thresholds; test (20%) is only ever evaluated.

Usage (from the repository root): python3 training-data/labels/split.py
"""
import csv
import hashlib
import os

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, 'type_urgency.csv'), encoding='utf-8') as f:
    reader = csv.DictReader(f)
    fields = reader.fieldnames
    rows = list(reader)
parts = {'train': [], 'dev': [], 'test': []}
for r in rows:
    b = hashlib.sha256(('wenzheng-split:' + r['留言编号']).encode()).digest()[0] % 5
    parts['dev' if b == 0 else 'test' if b == 1 else 'train'].append(r)
for name, part in parts.items():
    with open(os.path.join(here, f'type_urgency_{name}.csv'), 'w', encoding='utf-8', newline='') as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(part)
    urgent = sum(r['紧急程度'] in ('特急', '紧急') for r in part)
    print(f'{name}: {len(part)} messages, {urgent} urgent (特急+紧急)')
