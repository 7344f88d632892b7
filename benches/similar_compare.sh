#!/usr/bin/env bash
# The similar-case evaluation (docs/search.md): wenzheng's more-like-this against a TF-IDF cosine
# baseline (jieba + scikit-learn) on the same corpus/query split, in one run.
#
#   1. `examples/search_data.rs split` writes the split into a scratch directory:
#      queries = the labelled messages in the department classifier's dev split (never trained
#      on), corpus = the rest minus exact copies of a query; and the raw labelled sample as a
#      second query set against the corpus minus its near-duplicates.
#   2. `wenzheng eval --task similar --corpus corpus.csv queries.csv` (both query sets).
#   3. benches/similar_compare.py: the TF-IDF cosine baseline on the same files.
#   4. `examples/search_data.rs duplicates`: the duplicate-threshold table.
#
# Usage: bash benches/similar_compare.sh   (about 2 minutes after the release build and the
# first-time pip install into benches/.venv)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-target}"
VENV="benches/.venv"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

cargo build --release --quiet --bin wenzheng --example search_data
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import jieba, sklearn, numpy' 2>/dev/null; then
    echo "# creating $VENV (jieba, scikit-learn, numpy)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check jieba scikit-learn numpy
fi

"$TARGET/release/examples/search_data" split training-data "$SCRATCH"
for set in "" "_raw"; do
    echo "== queries$set.csv against corpus$set.csv"
    "$TARGET/release/wenzheng" eval --task similar --corpus "$SCRATCH/corpus$set.csv" "$SCRATCH/queries$set.csv"
    "$VENV/bin/python" benches/similar_compare.py "$SCRATCH/corpus$set.csv" "$SCRATCH/queries$set.csv"
done
echo "== duplicate threshold"
"$TARGET/release/examples/search_data" duplicates training-data
