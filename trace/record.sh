#!/bin/sh
# Regenerates the real-program traces in corpus/traces/ with the LD_PRELOAD
# recorder (libpa_trace_recorder.so) and validates each with `pa-trace check`.
#
#   trace/record.sh [RECORDER_SO [PA_TRACE]]
#
# Without arguments the two are looked for in build*/ below the repository
# (build them with: cmake --build BUILD --target pa_trace_recorder pa-trace).
# Environment: PA_TRACE_MAX_LINES (default 200000) caps the ops kept per
# trace (a prefix of a valid trace is valid); PYTHON (default
# /usr/bin/python3), CC_TRACED (default gcc), SQLITE3 (default sqlite3).
#
# The traces:
#   python.trace  CPython running workloads/python_workload.py with
#                 PYTHONMALLOC=malloc, so that every object goes through
#                 malloc rather than CPython's own pymalloc (an interpreter).
#   gcc.trace     cc1, the compiler proper, from `gcc -O2 -c` of
#                 trace/trace_format.c (a compiler); the driver and the
#                 assembler write traces of their own, which are dropped.
#   sqlite.trace  the sqlite3 shell running workloads/sqlite_workload.sql on
#                 an in-memory database (a data tool).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out_dir=$root/corpus/traces
max_lines=${PA_TRACE_MAX_LINES:-200000}
python=${PYTHON:-/usr/bin/python3}
cc=${CC_TRACED:-gcc}
sqlite=${SQLITE3:-sqlite3}

find_built() {
    find "$root" -path "$root/build*" -name "$1" -type f 2>/dev/null | head -n 1
}
rec=${1:-$(find_built libpa_trace_recorder.so)}
tool=${2:-$(find_built pa-trace)}
if [ -z "$rec" ] || [ -z "$tool" ]; then
    echo "record.sh: build libpa_trace_recorder.so and pa-trace first, or name them:" >&2
    echo "  $0 RECORDER_SO PA_TRACE" >&2
    exit 2
fi
rec=$(cd "$(dirname "$rec")" && pwd)/$(basename "$rec")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$out_dir"

# finish NAME RAW PROGRAM COMMAND: corpus/traces/NAME.trace from the raw
# recording RAW: a header, then at most max_lines ops.
finish() {
    name=$1 raw=$2 program=$3 command=$4
    total=$(grep -vc '^#' "$raw" || true)
    target=$out_dir/$name.trace
    {
        echo "# corpus/traces/$name.trace: allocation calls of a real program, one per line"
        echo "# (format: trace/trace_format.h; regenerate with trace/record.sh)"
        echo "# program: $program"
        echo "# command: $command"
        echo "# recorded with LD_PRELOAD=libpa_trace_recorder.so on $(uname -sm), $(ldd --version 2>&1 | head -n 1)"
        if [ "$total" -gt "$max_lines" ]; then
            echo "# trimmed: the first $max_lines of $total ops"
        else
            echo "# complete: all $total ops of the process"
        fi
        grep -v '^#' "$raw" | head -n "$max_lines"
    } >"$target"
    "$tool" check "$target"
}

cd "$root"

# An interpreter.
PYTHONMALLOC=malloc PYTHONHASHSEED=0 PA_TRACE_OUT="$tmp/python.%p" LD_PRELOAD="$rec" \
    "$python" -S -B trace/workloads/python_workload.py >/dev/null
finish python "$(ls "$tmp"/python.*)" "$("$python" --version 2>&1) (CPython), objects on malloc" \
    "PYTHONMALLOC=malloc PYTHONHASHSEED=0 $python -S -B trace/workloads/python_workload.py"

# A compiler: keep the trace of cc1.
PA_TRACE_OUT="$tmp/gcc.%p" LD_PRELOAD="$rec" \
    "$cc" -O2 -Itrace -c trace/trace_format.c -o "$tmp/trace_format.o"
cc1=$(grep -l '^# cmdline: [^ ]*/cc1 ' "$tmp"/gcc.* | head -n 1)
finish gcc "$cc1" "cc1 of $("$cc" --version | head -n 1)" \
    "$cc -O2 -Itrace -c trace/trace_format.c -o trace_format.o (the cc1 process)"

# A data tool.
PA_TRACE_OUT="$tmp/sqlite.%p" LD_PRELOAD="$rec" \
    "$sqlite" :memory: <trace/workloads/sqlite_workload.sql >/dev/null
finish sqlite "$(ls "$tmp"/sqlite.*)" "sqlite3 $("$sqlite" --version | cut -d' ' -f1)" \
    "$sqlite :memory: < trace/workloads/sqlite_workload.sql"
