"""Adjudication batches (2026-11-28): every message where the two independent passes disagree on
诉求类型 or 紧急程度 (1,054 of 9,992), shuffled, in 5 batches for a third annotator, who sees the
text and both opinions (labels and notes) in random order, never who gave which.

Usage: python3 select_adjudication.py training-data/labels OUT_DIR
"""
import csv, glob, random, sys

here, out_dir = sys.argv[1], sys.argv[2]
random.seed(20261202)
first = {r['留言编号']: r for r in csv.DictReader(open(f'{here}/type_urgency_first_pass.csv', encoding='utf-8'))}
sec = {}
for path in sorted(glob.glob(f'{here}/annotations/second_pass/second_*.labels.csv')):
    for r in csv.DictReader(open(path, encoding='utf-8')):
        sec[r['留言编号']] = r
ids = [i for i in first if first[i]['诉求类型'] != sec[i]['诉求类型'] or first[i]['紧急程度'] != sec[i]['紧急程度']]
random.shuffle(ids)
k_batches = 5
n = (len(ids) + k_batches - 1) // k_batches
for k in range(k_batches):
    with open(f'{out_dir}/adjudicate_{k + 1}.csv', 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f)
        w.writerow(['留言编号', '留言主题', '留言详情', '意见一_诉求类型', '意见一_紧急程度', '意见一_注',
                    '意见二_诉求类型', '意见二_紧急程度', '意见二_注'])
        for i in ids[k * n:(k + 1) * n]:
            a, b = first[i], sec[i]
            if random.random() < 0.5:
                a, b = b, a
            w.writerow([i, first[i]['留言主题'], first[i]['留言详情'], a['诉求类型'], a['紧急程度'], a['注'],
                        b['诉求类型'], b['紧急程度'], b['注']])
print(len(ids), n)
