#!/usr/bin/env bash
# Compares wenzheng's department classifier with a typical Python/scikit-learn pipeline:
#
#   accuracy  python_baseline: jieba + TF-IDF word 1-2grams + LinearSVC, trained on
#             training-data/tipdm2020/messages_labeled_tokenized.csv (minus the rows that
#             near-duplicate an evaluation message) and scored on the 447 raw messages of
#             messages_labeled_raw_sample.csv (macro-F1 and accuracy from sklearn.metrics).
#             A word+char n-gram variant and the Rust labels on the same 447 messages are
#             printed too.
#   speed     the per-message cost of classifying ONE message at a time, on the SAME raw
#             messages (the 447, repeated to >= 2,000):
#             - Python: jieba.lcut + vectorizer.transform([text]) + clf.predict in a loop,
#               timed with time.perf_counter around the loop only (model loaded, jieba warmed up);
#             - Rust: wall time of `target/release/wenzheng classify` on N messages (t_N) and
#               on 1 message (t_1, i.e. process start + model load); per message =
#               (t_N - t_1) / (N - 1). Each is the median of 3 runs.
#             The Rust figure includes JSON parsing and writing, calibration, top-3 and key terms;
#             the Python one only segmentation, vectorizing and predict, so it favours Python.
#
# The last line printed is
#   python_per_message_us=... rust_per_message_us=... speedup=...x rust_model_load_ms=...
#
# Usage (from anywhere; it works in the repo root):
#   bash benches/python_compare.sh
# Environment:
#   WZ_BUILD=auto|always|never   auto (default): run `cargo build --release --bin wenzheng` only
#                                when the binary is missing or older than src/, Cargo.toml or
#                                Cargo.lock; never: use the binary as it is.
#   WZ_PYTHON_ONLY=1             skip the Rust half (no build, no model needed).
#   WZ_MIN_MESSAGES, WZ_RUNS     number of messages timed (2000) and runs per timing (3).
# Runtime: about 2-4 minutes on 2 cores (mostly jieba segmenting the 8,176 training rows), plus
# the first-time pip install and any cargo build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="benches/.venv"          # git-ignored
BIN="target/release/wenzheng"
MODEL="${WENZHENG_MODEL:-models/department.wzm}"
DEPARTMENTS="${WENZHENG_DEPARTMENTS:-models/departments.toml}"
BUILD="${WZ_BUILD:-auto}"
PYTHON_ONLY="${WZ_PYTHON_ONLY:-0}"

# Private scratch directory (never a fixed name under /tmp: other jobs share it).
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

# 1. Python environment: a virtualenv with jieba, scikit-learn and numpy, created once.
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import jieba, sklearn, numpy' 2>/dev/null; then
    echo "# creating $VENV (jieba, scikit-learn, numpy)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check jieba scikit-learn numpy
fi

ARGS=(--scratch "$SCRATCH"
      --min-messages "${WZ_MIN_MESSAGES:-2000}"
      --runs "${WZ_RUNS:-3}")

if [[ "$PYTHON_ONLY" != "1" ]]; then
    # 2. The release binary, built only if needed (the target/ dir is shared and builds are slow).
    needs_build=0
    case "$BUILD" in
        always) needs_build=1 ;;
        never)  ;;
        auto)
            if [[ ! -x "$BIN" ]] || [[ -n "$(find src Cargo.toml Cargo.lock -newer "$BIN" -print -quit 2>/dev/null)" ]]; then
                needs_build=1
            fi ;;
        *) echo "error: WZ_BUILD must be auto, always or never (got '$BUILD')" >&2; exit 1 ;;
    esac
    if [[ "$needs_build" == 1 ]]; then
        echo "# building $BIN" >&2
        cargo build --release --bin wenzheng
    fi
    if [[ ! -x "$BIN" ]]; then
        echo "error: $BIN does not exist (WZ_BUILD=$BUILD)" >&2
        exit 1
    fi
    if [[ ! -f "$MODEL" ]]; then
        echo "error: no model at $MODEL; train one first: $BIN train" >&2
        exit 1
    fi
    ARGS+=(--rust-bin "$BIN" --model "$MODEL" --departments "$DEPARTMENTS")
fi

# 3 + 4. Baseline accuracy, then the speed comparison; the last line is the summary.
"$VENV/bin/python" benches/python_baseline.py "${ARGS[@]}"
