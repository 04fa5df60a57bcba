# Sourced by serve.sh and serve-soak.sh after setup.sh: a fleet of $HOSTS generated hosts (seed 1)
# and a `serve` over it on $HTTP_PORT, answering $CLIENTS queries at once, its stderr in
# $WORK/$1-serve.log; both servers end with the script.
"$CLI" fleet generate --hosts "$HOSTS" --seed 1 --server "127.0.0.1:$PORT" --ttl 0 2>"$WORK/$1-generate.log" >/dev/null
"$CLI" serve --listen "127.0.0.1:$HTTP_PORT" --server "127.0.0.1:$PORT" --max-queries "$CLIENTS" 2>"$WORK/$1-serve.log" &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null || true; kill "$REDIS_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null && break; sleep 0.1; done
