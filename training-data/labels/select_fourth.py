"""Fourth labelling round (2026-11-28): every message still unlabelled.

After round 3, 3,442 pool messages (hot, replies, test) were unlabelled; the department task's raw
sample (447 messages with raw text, labelled only with a department) had never been labelled for
type and urgency. This round takes all of them (抽样方式 `rest` and `raw_sample`), shuffled, in 7
batches. No keyword chose anything: the labelled set now covers the whole raw-text pool, so the
random-part figures gain the most. The fixed id-hash split (split.py) decides train/dev/test.

Usage: python3 select_fourth.py SHARED_DATA_DIR OUT_DIR training-data/labels/type_urgency.csv
"""
import csv, random, sys

src_dir, out_dir, here = sys.argv[1], sys.argv[2], sys.argv[3]
random.seed(20261130)
pools = {'hot': 'messages_hot_unlabeled.csv', 'replies': 'messages_with_replies.csv',
         'test': 'messages_unlabeled_test.csv', 'raw': 'messages_labeled_raw_sample.csv'}
rows, seen = {}, set()
for src, f in pools.items():
    for r in csv.DictReader(open(f'{src_dir}/{f}', encoding='utf-8')):
        i = r['留言编号']
        if i in seen:
            continue
        seen.add(i)
        rows[i] = (src, r['留言主题'].strip(), r['留言详情'].strip())
labelled = {r['留言编号'] for r in csv.DictReader(open(here, encoding='utf-8'))}
ids = sorted((i for i in rows if i not in labelled), key=int)
random.shuffle(ids)
sel = [(i, 'raw_sample' if rows[i][0] == 'raw' else 'rest') for i in ids]
with open(f'{out_dir}/selection4.csv', 'w', encoding='utf-8', newline='') as fo:
    w = csv.writer(fo)
    w.writerow(['留言编号', '来源文件', '抽样方式', '留言主题', '留言详情'])
    for i, how in sel:
        src, t, b = rows[i]
        w.writerow([i, pools[src], how, t, b])
k_batches = 7
n = (len(sel) + k_batches - 1) // k_batches
for k in range(k_batches):
    with open(f'{out_dir}/batch_{k + 18}.csv', 'w', encoding='utf-8', newline='') as fo:
        w = csv.writer(fo)
        w.writerow(['留言编号', '留言主题', '留言详情'])
        for i, _ in sel[k * n:(k + 1) * n]:
            w.writerow([i, rows[i][1], rows[i][2]])
print(len(sel), {h: sum(1 for _, x in sel if x == h) for h in ('rest', 'raw_sample')})
