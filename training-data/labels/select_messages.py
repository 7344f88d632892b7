"""How the 2,220 messages in type_urgency.csv were chosen (run 2026-11-27; kept for provenance).

1,720 messages drawn uniformly at random from the three unlabelled pools (hot, replies, test), and
500 more drawn at random among the remaining messages that mention an urgency signal of the
labelling guideline (keyword list below), because 特急/紧急 messages are rare and the urgency model
needs examples. Every message was then read and labelled by an annotator; the keywords chose only
which messages were read, never a label. The sampling method of each message is in the 抽样方式
column so that evaluations can be reported on the random part alone.

Usage: python3 select_messages.py SHARED_DATA_DIR OUT_DIR
"""
import csv, random, re, sys

src_dir, out_dir = sys.argv[1], sys.argv[2]
random.seed(20261127)
pools = {'hot': 'messages_hot_unlabeled.csv', 'replies': 'messages_with_replies.csv', 'test': 'messages_unlabeled_test.csv'}
rows, seen = {}, set()
for src, f in pools.items():
    for r in csv.DictReader(open(f'{src_dir}/{f}', encoding='utf-8')):
        i = r['留言编号']
        if i in seen:  # a few ids repeat across files: keep the first
            continue
        seen.add(i)
        rows[i] = (src, r['留言主题'].strip(), r['留言详情'].strip())
ids = sorted(rows, key=int)
random.shuffle(ids)
rand = ids[:1720]
kw = re.compile('停水|停电|停气|燃气|煤气|漏气|坍塌|倒塌|垮塌|火灾|着火|危房|溺水|中毒|失联|自杀|轻生|跳楼|打人|殴打|暴力|上访|聚集|欠薪|拖欠工资|农民工工资|断供|驱逐|强拆|急救|漫溢|污水横流|施工扰民|深夜施工|夜间施工|凌晨|裂缝|触电|电线|塌陷|无人看管|救命|生命安全|安全隐患')
enrich = [i for i in ids[1720:] if kw.search(rows[i][1] + rows[i][2])][:500]
sel = [(i, 'random') for i in rand] + [(i, 'keyword') for i in enrich]
random.shuffle(sel)
with open(f'{out_dir}/selection.csv', 'w', encoding='utf-8', newline='') as fo:
    w = csv.writer(fo)
    w.writerow(['留言编号', '来源文件', '抽样方式', '留言主题', '留言详情'])
    for i, how in sel:
        src, t, b = rows[i]
        w.writerow([i, pools[src], how, t, b])
# Six batches of 370 for six annotators; the first 40 of each batch also went to a seventh
# annotator, independently, for Cohen's kappa.
n, size = 6, 370
for k in range(n):
    part = sel[k * size:(k + 1) * size]
    with open(f'{out_dir}/batch_{k + 1}.csv', 'w', encoding='utf-8', newline='') as fo:
        w = csv.writer(fo)
        w.writerow(['留言编号', '留言主题', '留言详情'])
        for i, _ in part:
            w.writerow([i, rows[i][1], rows[i][2]])
dbl = [p for k in range(n) for p in sel[k * size:(k + 1) * size][:40]]
random.shuffle(dbl)
with open(f'{out_dir}/batch_double.csv', 'w', encoding='utf-8', newline='') as fo:
    w = csv.writer(fo)
    w.writerow(['留言编号', '留言主题', '留言详情'])
    for i, _ in dbl:
        w.writerow([i, rows[i][1], rows[i][2]])
