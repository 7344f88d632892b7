"""Second, independent pass over every labelled message (2026-11-28).

Each of the 9,992 messages of type_urgency.csv is labelled again by a different annotator who never
sees the first label (annotator-2A … 2H, 8 batches in a shuffled order). Agreement is then measured
on all of them (merge_passes.py), and messages where the two disagree go to a third
annotator who adjudicates (select_adjudication.py, merge_passes.py), so every label in type_urgency.csv is either agreed by
two annotators or decided by a third.

Usage: python3 select_second_pass.py training-data/labels/type_urgency_first_pass.csv OUT_DIR
"""
import csv, random, sys

here, out_dir = sys.argv[1], sys.argv[2]
random.seed(20261201)
rows = list(csv.DictReader(open(here, encoding='utf-8')))
random.shuffle(rows)
k_batches = 8
n = (len(rows) + k_batches - 1) // k_batches
for k in range(k_batches):
    with open(f'{out_dir}/second_{k + 1}.csv', 'w', encoding='utf-8', newline='') as fo:
        w = csv.writer(fo)
        w.writerow(['留言编号', '留言主题', '留言详情'])
        for r in rows[k * n:(k + 1) * n]:
            w.writerow([r['留言编号'], r['留言主题'], r['留言详情']])
print(len(rows), n)
