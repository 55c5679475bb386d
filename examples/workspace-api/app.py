"""A workspace API, the kind of service fedsim's users run: one replica per region.

Each replica uses the Cassandra driver with its default settings against its region's cluster,
and looks workspaces up in the registry on the Main Cluster (caching what it learnt, as a platform
router does). It knows the federation only from the FEDSIM_* variables fedsim gives every replica;
its connections to other regions pay the links below it, with no translator.

  GET  /health           200 once both sessions are up
  GET  /workspaces/ID    the workspace's home cluster and element count (registry, then its home)
  POST /workspaces       creates a workspace homed on this region's cluster (a registry write)
"""
import json
import os
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cassandra.cluster import Cluster

REGION = os.environ["FEDSIM_REGION"]
MAIN = os.environ.get("MAIN_CLUSTER", "main")
KEYSPACE = os.environ.get("KEYSPACE", "app")


def env(cluster, what):
    return os.environ[f"FEDSIM_CLUSTER_{cluster.upper().replace('-', '_')}_{what}"]


def session(cluster):
    """A default driver session: contact points from the environment, nothing else set."""
    hosts = [p.rsplit(":", 1)[0] for p in env(cluster, "CONTACT_POINTS").split(",")]
    return Cluster(hosts).connect()


clusters = os.environ["FEDSIM_CLUSTERS"].split(",")
# This region's own cluster: a worker whose datacenter is here, else the Main Cluster.
HOME = next((c for c in clusters if c != MAIN and env(c, "DATACENTER") == REGION), MAIN)
main, home = session(MAIN), session(HOME)
routes = {}  # workspace -> home cluster, learnt from the registry


class Api(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            return self.answer(200, {"region": REGION, "home": HOME})
        if not self.path.startswith("/workspaces/"):
            return self.answer(404, {"error": "no such path"})
        ws = self.path.split("/")[2]
        try:
            if ws not in routes:
                row = main.execute("SELECT cluster FROM fedsim_registry.workspaces WHERE id = %s", [ws]).one()
                if row is None:
                    return self.answer(404, {"error": f"workspace {ws} is not in the registry"})
                routes[ws] = row.cluster
        except Exception as e:  # the registry cannot be read: the Main Cluster is down or cut off
            return self.answer(503, {"error": f"registry on {MAIN}: {type(e).__name__}"})
        if routes[ws] != HOME:
            return self.answer(421, {"error": f"workspace {ws} lives in {routes[ws]}, not here"})
        try:
            n = home.execute(f"SELECT count(*) FROM {KEYSPACE}.elements WHERE workspace = %s", [ws]).one()[0]
        except Exception as e:
            return self.answer(503, {"error": f"{HOME}: {type(e).__name__}"})
        return self.answer(200, {"workspace": ws, "cluster": HOME, "elements": n})

    def do_POST(self):
        if self.path != "/workspaces":
            return self.answer(404, {"error": "no such path"})
        ws = f"{REGION}-api-{uuid.uuid4().hex[:12]}"
        try:
            main.execute(
                "INSERT INTO fedsim_registry.workspaces (id, cluster, created_at) VALUES (%s, %s, toTimestamp(now()))", [ws, HOME]
            )
        except Exception as e:
            return self.answer(503, {"error": f"registry on {MAIN}: {type(e).__name__}"})
        routes[ws] = HOME
        return self.answer(201, {"workspace": ws, "cluster": HOME})

    def log_message(self, *args):  # one line per request would drown the replica's log
        pass


print(f"workspace-api in {REGION}: home cluster {HOME}, registry on {MAIN}", flush=True)
ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Api).serve_forever()
