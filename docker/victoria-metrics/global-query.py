#!/usr/bin/env python3
"""The federated layout's global query layer: one endpoint over every region's store.

The federation document's option B puts a vmselect over the regional vmselects; the cluster
components are in no package reachable here, so this small proxy does that job at query time:
a request is sent to every region's store (FEDSIM_SERVICE_<STORE>_ADDRESSES, each through the
region's gateway, so it pays the links) and the answers are merged. Data stays in its region;
nothing is copied. Serves /api/v1/export (JSON lines, concatenated) and /api/v1/query (instant
vectors, concatenated, each series labelled with the region that answered), /health.
A region that does not answer makes the answer partial: the response says which (`X-Partial`).
"""
import json
import os
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STORE = os.environ.get("STORE", "vm")
PORT = int(os.environ.get("PORT", "8481"))
TIMEOUT = float(os.environ.get("TIMEOUT", "5"))


def stores():
    var = "FEDSIM_SERVICE_%s_ADDRESSES" % STORE.upper().replace("-", "_")
    pairs = [p.split("=", 1) for p in os.environ.get(var, "").split(",") if "=" in p]
    return [(region, "http://%s:8428" % address) for region, address in pairs]


def ask(store, path):
    region, base = store
    try:
        with urllib.request.urlopen(base + path, timeout=TIMEOUT) as r:
            return region, r.read(), None
    except (urllib.error.URLError, OSError) as e:
        return region, b"", str(e)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            return self.answer(200, b"ok\n", [])
        if not (self.path.startswith("/api/v1/export") or self.path.startswith("/api/v1/query")):
            return self.answer(404, b"not served by the global query layer\n", [])
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda s: ask(s, self.path), stores()))
        failed = [region for region, _, err in answers if err]
        if self.path.startswith("/api/v1/export"):
            body = b"".join(a if a.endswith(b"\n") or not a else a + b"\n" for _, a, err in answers if not err)
        else:
            result = []
            for region, a, err in answers:
                if err:
                    continue
                for series in json.loads(a).get("data", {}).get("result", []):
                    series["metric"]["storage_region"] = region
                    result.append(series)
            body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()
        self.answer(200, body, failed)

    def answer(self, status, body, failed):
        self.send_response(status)
        if failed:
            self.send_header("X-Partial", ",".join(failed))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    print("global query layer over %s on :%d" % (", ".join(r for r, _ in stores()), PORT), flush=True)
    sys.stdout.flush()
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
