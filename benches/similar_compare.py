"""TF-IDF cosine baseline for the similar-case task (p@5 by 一级标签), on the split written by
`examples/search_data.rs split`.

Usage: python similar_compare.py CORPUS.csv QUERIES.csv
Prints `baseline=tfidf_cosine n=... p_at_5=...` as its last line.

The baseline: jieba (default dictionary) segmentation of 留言主题 + 留言详情, scikit-learn
TfidfVectorizer over the words (sublinear tf, l2 norm), and the 5 corpus messages with the highest
cosine similarity to each query.
"""

import csv
import sys

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

jieba.setLogLevel(60)


def read(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [(r["留言主题"] + "\n" + r["留言详情"]) for r in rows]
    labels = [r["一级标签"].strip() for r in rows]
    return texts, labels


def tokens(text):
    return [w for w in jieba.lcut(text) if w.strip()]


def main():
    corpus_texts, corpus_labels = read(sys.argv[1])
    query_texts, query_labels = read(sys.argv[2])
    vec = TfidfVectorizer(tokenizer=tokens, lowercase=False, sublinear_tf=True, token_pattern=None)
    c = vec.fit_transform(corpus_texts)
    q = vec.transform(query_texts)
    sims = (q @ c.T).toarray()
    corpus_labels = np.array(corpus_labels)
    total = 0.0
    for i, row in enumerate(sims):
        top = np.argpartition(-row, 5)[:5]
        total += float(np.mean(corpus_labels[top] == query_labels[i]))
    n = len(query_labels)
    print(f"baseline=tfidf_cosine n={n} p_at_5={total / n:.4f}")


if __name__ == "__main__":
    main()
