"""Third labelling round (2026-11-28): messages of the rarer request types.

The second round left no unlabelled message with an urgency cue, and the weakest classes were the
rare request types (表扬 had 11 examples). From the 5,120 still unlabelled pool messages this takes
every message with a cue of 表扬 or 求助, up to 400 with a cue of 举报, 300 with a cue of 咨询 and
300 at random. Keywords chose which messages were read, never a label (抽样方式 records the part);
the fixed id-hash split (split.py) decides train/dev/test as before.

Usage: python3 select_third.py SHARED_DATA_DIR OUT_DIR training-data/labels/type_urgency.csv
"""
import csv, random, re, sys

src_dir, out_dir, here = sys.argv[1], sys.argv[2], sys.argv[3]
random.seed(20261129)
pools = {'hot': 'messages_hot_unlabeled.csv', 'replies': 'messages_with_replies.csv', 'test': 'messages_unlabeled_test.csv'}
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
cues = [
    ('praise_keyword', re.compile('感谢|表扬|点赞|致谢|赞扬|好评|锦旗'), None),
    ('help_keyword', re.compile('求助|帮帮|救救|恳请|走投无路|无助|困难户|低保'), None),
    ('report_keyword', re.compile('举报|违法|违规|偷|骗|黑恶|赌博|传销|无证'), 400),
    ('ask_keyword', re.compile('请问|咨询|如何办理|怎么办理|能否|是否可以'), 300),
]
sel, taken = [], set()
for how, pat, cap in cues:
    part = [i for i in ids if i not in taken and pat.search(rows[i][1] + rows[i][2])]
    part = part[:cap] if cap else part
    taken.update(part)
    sel += [(i, how) for i in part]
sel += [(i, 'random') for i in [i for i in ids if i not in taken][:300]]
random.shuffle(sel)
with open(f'{out_dir}/selection3.csv', 'w', encoding='utf-8', newline='') as fo:
    w = csv.writer(fo)
    w.writerow(['留言编号', '来源文件', '抽样方式', '留言主题', '留言详情'])
    for i, how in sel:
        src, t, b = rows[i]
        w.writerow([i, pools[src], how, t, b])
n = (len(sel) + 4) // 5
for k in range(5):
    with open(f'{out_dir}/batch_{k + 13}.csv', 'w', encoding='utf-8', newline='') as fo:
        w = csv.writer(fo)
        w.writerow(['留言编号', '留言主题', '留言详情'])
        for i, _ in sel[k * n:(k + 1) * n]:
            w.writerow([i, rows[i][1], rows[i][2]])
print(len(sel), {h: sum(1 for _, x in sel if x == h) for _, h in [(0, c[0]) for c in cues] + [(0, 'random')]})
