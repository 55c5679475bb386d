#!/usr/bin/env python3
"""A region's known series, pushed through its own vmagents and read back where they belong.

Run by fedsim as a `command` workload, a client of its region (FEDSIM_REGION; its connections to
other regions pay the links). Every 200 ms it pushes one sample of `fedsim_sample{layout, origin}`
(value = its sequence number) to each layout's vmagent of its region: `add` operations of Jepsen's
set workload, key `<layout>/<region>`, acknowledged when the agent answers 2xx. It stops pushing
SETTLE seconds before the run ends, waits until every acknowledged sample is in its home store
(or the run ends), then reads back (docs/OPERATIONS.md's lines):
  - `read` of `<layout>/<region>`: the samples in the layout's home store (the durability read);
  - federated only, `read` of `federated/<region>@<other region>`: the samples of this region
    found in another region's store (residency: must be none);
  - federated only, `read` of `federated/<region>@global`: what the global query layer returns.
"""
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

REGION = os.environ["FEDSIM_REGION"]
SECONDS = float(os.environ.get("FEDSIM_SECONDS", "30"))
SETTLE = float(os.environ.get("SETTLE", "15"))
EVERY = float(os.environ.get("EVERY", "0.2"))
START = time.time()


def env(service, what="ADDRESS"):
    return os.environ["FEDSIM_SERVICE_%s_%s" % (service.upper().replace("-", "_"), what)]


def addresses(service):
    return dict(p.split("=", 1) for p in env(service, "ADDRESSES").split(","))


def replica(service, region):
    return "%s-%s-1" % (service, region)


CENTRAL_REGION = next(iter(addresses("vm-central")))
LAYOUTS = {
    # layout: (its agent in this region, its home store's address, the replica that serves it)
    "centralized": (env("vmagent-c"), env("vm-central"), replica("vm-central", CENTRAL_REGION)),
    "federated": (env("vmagent-f"), addresses("vm")[REGION], replica("vm", REGION)),
}
process = {"centralized": 0, "federated": 1, "read": 2}


def report(**op):
    print(json.dumps(dict(op, time=time.time() * 1000)), flush=True)


def push(layout, seq, ts_ms):
    agent = LAYOUTS[layout][0]
    line = 'fedsim_sample{layout="%s",origin="%s"} %d %d\n' % (layout, REGION, seq, ts_ms)
    req = urllib.request.Request("http://%s:8429/api/v1/import/prometheus" % agent, data=line.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=2) as r:
        return r.status


def export(base, layout):
    q = urllib.parse.urlencode({"match[]": 'fedsim_sample{layout="%s",origin="%s"}' % (layout, REGION), "start": "0"})
    with urllib.request.urlopen("%s/api/v1/export?%s" % (base, q), timeout=5) as r:
        found = set()
        for line in r.read().decode().splitlines():
            if line.strip():
                found.update(int(v) for v in json.loads(line)["values"])
        return sorted(found)


acked = {layout: set() for layout in LAYOUTS}
seq, last_ts = 0, 0
while time.time() < START + SECONDS - SETTLE:
    seq += 1
    ts = max(int(time.time() * 1000), last_ts + 1)
    last_ts = ts
    for layout in LAYOUTS:
        key = "%s/%s" % (layout, REGION)
        report(type="invoke", process=process[layout], f="add", value=seq, key=key, cluster=replica("vmagent-" + layout[0], REGION))
        try:
            push(layout, seq, ts)
            acked[layout].add(seq)
            report(type="ok", process=process[layout], f="add", value=seq)
        except urllib.error.HTTPError as e:
            report(type="fail", process=process[layout], f="add", value=seq, error="HTTP %d" % e.code)
        except Exception as e:  # no answer: the agent may have taken it
            refused = isinstance(getattr(e, "reason", None), ConnectionRefusedError)
            report(type="fail" if refused else "info", process=process[layout], f="add", value=seq, error=str(e)[:200])
    time.sleep(max(0.0, EVERY - (time.time() - ts / 1000)))


def read(key, base, layout, cluster):
    report(type="invoke", process=process["read"], f="read", key=key, cluster=cluster)
    try:
        report(type="ok", process=process["read"], f="read", value=export(base, layout))
    except Exception as e:
        report(type="fail", process=process["read"], f="read", error=str(e)[:200])


# Wait until every acknowledged sample is in its home store, or the run ends.
deadline = START + SECONDS - 5  # the reads below need a few seconds before fedsim's SIGTERM
for layout, (_, store, _) in LAYOUTS.items():
    while time.time() < deadline:
        try:
            if acked[layout] <= set(export("http://%s:8428" % store, layout)):
                break
        except Exception:
            pass
        time.sleep(0.5)
for layout, (_, store, cluster) in LAYOUTS.items():
    read("%s/%s" % (layout, REGION), "http://%s:8428" % store, layout, cluster)
for other, address in addresses("vm").items():
    if other != REGION:
        read("federated/%s@%s" % (REGION, other), "http://%s:8428" % address, "federated", replica("vm", other))
read("federated/%s@global" % REGION, "http://%s:8481" % env("global-query"), "federated", replica("global-query", CENTRAL_REGION))
