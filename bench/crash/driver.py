#!/usr/bin/env python3
"""Load and read-back for the crash test (bench/crash/run.sh). Python 3 standard library only.

  driver.py load  --base URL --password PW --out DIR [--writers 8] [--seed N]
      Writers create customers, tickets (in the batched writer's path, in a transaction of
      their own, with and without an Idempotency-Key) and ticket events (notes, handling
      opinions) until DIR/stop exists. Every write answered 2xx is appended to
      DIR/acked.jsonl with the id it returned; a write whose connection was cut before an
      answer is appended to DIR/unknown.jsonl (its outcome is not known: not a loss either
      way). Requests sent with a key are sent again, with the same key, until answered.
      Counters go to DIR/load.json.

  driver.py check --base URL --password PW --out DIR
      Reads every acknowledged record back through the API, counts the missing ones and the
      duplicates, writes DIR/check.json and prints a summary.

  driver.py table DIR...
      The figures of several runs as one Markdown table.
"""

import argparse
import collections
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

ADDRESSES = [
    "杭州市西湖区文三路{n}号",
    "浙江省绍兴市越城区解放路{n}号",
    "江苏省南京市鼓楼区中山路{n}号",
    "杭州市桐庐县迎春路{n}号",
]
# Kinds a ticket without a key is opened as. The batched writer takes every kind but a
# quality complaint, which is written in a transaction of its own with its quality item.
BATCHED_KINDS = ["emergency", "consultation", "repair", "complaint_other", "installation"]
CHANNELS = ["phone", "email", "visit", "portal"]
COMPLAINTS = ("complaint_quality", "complaint_other")


class Refused(Exception):
    """No connection could be made: the request was never sent."""


class Cut(Exception):
    """The connection broke after the request was (or may have been) sent: no answer."""


REFUSED = "refused"


class Client:
    """One keep-alive connection; reconnects after a failure."""

    def __init__(self, base, timeout=20.0):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.timeout = timeout
        self.conn = None
        self.token = None

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        """(status, parsed JSON or None, response headers); raises Refused or Cut."""
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if body is not None:
            h["Content-Type"] = "application/json"
            body = json.dumps(body).encode()
        if headers:
            h.update(headers)
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.connect()
            except OSError as e:
                self.close()
                raise Refused(str(e)) from e
        try:
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise Cut(f"{type(e).__name__}: {e}") from e
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return r.status, data, r


def sign_in(client, password, deadline_s=120):
    """Sign in as admin, waiting for the server to come back if it is down."""
    end = time.monotonic() + deadline_s
    while True:
        client.token = None
        try:
            st, data, _ = client.request(
                "POST", "/api/v1/sessions", {"username": "admin", "password": password}
            )
            if st == 200 or st == 201:
                client.token = data["token"]
                return
            raise SystemExit(f"sign-in answered {st}: {data}")
        except (Refused, Cut):
            if time.monotonic() > end:
                raise SystemExit("the server did not come back to sign in")
            time.sleep(0.1)


# ---------------------------------------------------------------------------------------
# load


class Shared:
    def __init__(self, out):
        self.lock = threading.Lock()
        self.customers = []  # acknowledged customer ids
        self.tickets = {}  # acknowledged ticket id -> version last seen
        self.ticket_ids = []
        self.stats = collections.Counter()
        self.acked = open(os.path.join(out, "acked.jsonl"), "a", encoding="utf-8")
        self.unknown = open(os.path.join(out, "unknown.jsonl"), "a", encoding="utf-8")

    def log(self, f, rec):
        with self.lock:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            f.flush()

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] += n


class Writer(threading.Thread):
    def __init__(self, idx, args, shared, tag):
        super().__init__(daemon=True)
        self.idx = idx
        self.args = args
        self.sh = shared
        self.tag = tag
        self.rng = random.Random(args.seed * 1000 + idx)
        self.client = Client(args.base)
        self.n = 0

    def stopping(self):
        return os.path.exists(os.path.join(self.args.out, "stop"))

    def uid(self, what):
        self.n += 1
        return f"{self.tag}-w{self.idx}-{what}{self.n}"

    def send(self, what, method, path, body, key=None):
        """Send a write. Without a key: once; with one: again (same key) until answered.
        Returns (status, data, replayed, cut), None when the connection broke after
        sending (outcome unknown), or REFUSED when it was never sent."""
        headers = {"Idempotency-Key": key} if key else None
        cut = False
        tries = 0
        while True:
            tries += 1
            try:
                st, data, resp = self.client.request(method, path, body, headers)
            except Refused:
                self.sh.count(f"{what}.refused")
                time.sleep(0.05)
                if not key:
                    return REFUSED
                continue
            except Cut:
                cut = True
                self.sh.count(f"{what}.cut")
                if not key:
                    return None
                time.sleep(0.05)
                continue
            if st == 401:
                # The session is read from the database; sign in again and resend.
                self.sh.count("reauth")
                sign_in(self.client, self.args.password)
                continue
            if 200 <= st < 300:
                replayed = (resp.getheader("Idempotent-Replay") or "").lower() == "true"
                if key and tries > 1:
                    self.sh.count(f"{what}.resent_answered")
                if replayed:
                    self.sh.count(f"{what}.replayed")
                return st, data, replayed, cut
            self.sh.count(f"{what}.http_{st}")
            if self.sh.stats["http_errors_logged"] < 200:
                self.sh.count("http_errors_logged")
                self.sh.log(self.sh.unknown, {"t": "http_error", "what": what, "status": st,
                                              "path": path, "answer": data})
            return st, data, False, cut

    def create_customer(self):
        name = self.uid("c")
        body = {
            "name": "崩溃测试 " + name,
            "address": self.rng.choice(ADDRESSES).format(n=self.rng.randint(1, 999)),
            "contacts": [{"name": "联系人", "phone": "138%08d" % self.rng.randint(0, 99999999)}],
        }
        r = self.send("customer", "POST", "/api/v1/customers", body)
        if r is REFUSED:
            return
        if r is None:
            self.sh.log(self.sh.unknown, {"t": "customer", "name": body["name"]})
            return
        st, data, _, _ = r
        if 200 <= st < 300:
            self.sh.count("customer.acked")
            self.sh.log(self.sh.acked, {"t": "customer", "id": data["id"], "name": body["name"]})
            with self.sh.lock:
                self.sh.customers.append(data["id"])

    def create_ticket(self):
        with self.sh.lock:
            if not self.sh.customers:
                return
            customer = self.rng.choice(self.sh.customers)
        p = self.rng.random()
        if p < 0.4:
            path_kind, kind, key = "batched", self.rng.choice(BATCHED_KINDS), None
        elif p < 0.6:
            path_kind, kind, key = "own", "complaint_quality", None
        else:
            path_kind = "keyed"
            kind = self.rng.choice(BATCHED_KINDS + ["complaint_quality"])
            key = None
        summary = self.uid("t")
        if path_kind == "keyed":
            key = "crash-" + summary
        body = {"kind": kind, "channel": self.rng.choice(CHANNELS),
                "customer_id": customer, "summary": summary}
        r = self.send("ticket", "POST", "/api/v1/tickets", body, key)
        if r is REFUSED:
            return
        if r is None:
            self.sh.log(self.sh.unknown, {"t": "ticket", "summary": summary, "path": path_kind})
            return
        st, data, replayed, cut = r
        if not 200 <= st < 300:
            return
        self.sh.count("ticket.acked")
        self.sh.count(f"ticket.acked.{path_kind}")
        self.sh.log(self.sh.acked, {"t": "ticket", "id": data["id"], "summary": summary,
                                    "path": path_kind, "key": key, "resent": cut,
                                    "replayed": replayed, "customer_id": customer})
        version = data["version"]
        if kind in COMPLAINTS:
            version = self.give_opinion(data["id"], version)
        if version is not None:
            with self.sh.lock:
                self.sh.tickets[data["id"]] = version
                self.sh.ticket_ids.append(data["id"])

    def give_opinion(self, ticket, version):
        opinion = self.uid("o")
        key = ("crash-" + opinion) if self.rng.random() < 0.5 else None
        body = {"type": "give_opinion", "version": version, "opinion": opinion}
        r = self.send("event", "POST", f"/api/v1/tickets/{ticket}/events", body, key)
        if r is REFUSED:
            return version
        if r is None:
            self.sh.log(self.sh.unknown, {"t": "event", "ticket": ticket, "type": "give_opinion",
                                          "text": opinion})
            return None  # the version is unknown now: no notes on this ticket
        st, data, replayed, cut = r
        if not 200 <= st < 300:
            return None
        self.record_event(ticket, "give_opinion", opinion, key, cut, replayed)
        return data["version"]

    def add_note(self):
        with self.sh.lock:
            if not self.sh.ticket_ids:
                return
            ticket = self.rng.choice(self.sh.ticket_ids)
            version = self.sh.tickets[ticket]
        text = self.uid("n")
        key = ("crash-" + text) if self.rng.random() < 0.5 else None
        body = {"type": "note", "version": version, "text": text}
        r = self.send("event", "POST", f"/api/v1/tickets/{ticket}/events", body, key)
        if r is REFUSED:
            return
        if r is None:
            self.sh.log(self.sh.unknown, {"t": "event", "ticket": ticket, "type": "note",
                                          "text": text})
            return
        st, _, replayed, cut = r
        if 200 <= st < 300:
            self.record_event(ticket, "note", text, key, cut, replayed)

    def record_event(self, ticket, typ, text, key, cut, replayed):
        self.sh.count("event.acked")
        self.sh.count(f"event.acked.{typ}{'.keyed' if key else ''}")
        self.sh.log(self.sh.acked, {"t": "event", "ticket": ticket, "type": typ, "text": text,
                                    "key": key, "resent": cut, "replayed": replayed})

    def run(self):
        try:
            sign_in(self.client, self.args.password)
            while not self.stopping():
                p = self.rng.random()
                if p < 0.2:
                    self.create_customer()
                elif p < 0.55:
                    self.create_ticket()
                else:
                    self.add_note()
        except BaseException as e:  # a writer that dies is reported, not hidden
            self.sh.count("writer_died")
            print(f"writer {self.idx} died: {type(e).__name__}: {e}", file=sys.stderr)
            raise
        finally:
            self.client.close()


def cmd_load(args):
    os.makedirs(args.out, exist_ok=True)
    sh = Shared(args.out)
    tag = args.tag or time.strftime("%H%M%S")
    seed = Writer(999, args, sh, tag)
    sign_in(seed.client, args.password)
    for _ in range(4):  # customers to open the first tickets for
        seed.create_customer()
    seed.client.close()
    if not sh.customers:
        raise SystemExit("could not create the first customers")
    writers = [Writer(i, args, sh, tag) for i in range(args.writers)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    with open(os.path.join(args.out, "load.json"), "w", encoding="utf-8") as f:
        json.dump(dict(sh.stats), f, indent=1, sort_keys=True)
    print(json.dumps(dict(sh.stats), sort_keys=True))


# ---------------------------------------------------------------------------------------
# check


def get(client, path, password):
    end = time.monotonic() + 120
    while True:
        try:
            st, data, _ = client.request("GET", path)
        except (Refused, Cut) as e:
            if time.monotonic() > end:
                raise SystemExit(f"GET {path}: no answer for 120 s ({e})")
            time.sleep(0.2)
            continue
        if st == 401:
            sign_in(client, password)
            continue
        return st, data


def cmd_check(args):
    client = Client(args.base, timeout=120)
    sign_in(client, args.password)
    acked = [json.loads(l) for l in open(os.path.join(args.out, "acked.jsonl"), encoding="utf-8")]
    unknown_path = os.path.join(args.out, "unknown.jsonl")
    unknown = [json.loads(l) for l in open(unknown_path, encoding="utf-8")] if os.path.exists(unknown_path) else []
    res = collections.Counter()
    lost = []

    for rec in (r for r in acked if r["t"] == "customer"):
        res["customers_acked"] += 1
        st, data = get(client, f"/api/v1/customers/{rec['id']}", args.password)
        if st != 200 or data.get("name") != rec["name"]:
            res["customers_missing"] += 1
            lost.append({"record": rec, "status": st, "found": data})

    tickets = {}
    for rec in (r for r in acked if r["t"] == "ticket"):
        res["tickets_acked"] += 1
        res[f"tickets_acked_{rec['path']}"] += 1
        st, data = get(client, f"/api/v1/tickets/{rec['id']}", args.password)
        if st != 200 or data.get("summary") != rec["summary"]:
            res["tickets_missing"] += 1
            res[f"tickets_missing_{rec['path']}"] += 1
            lost.append({"record": rec, "status": st, "found": data})
        else:
            tickets[rec["id"]] = data

    # Every ticket in the database, by summary: a keyed ticket sent again must be there once.
    seen = collections.Counter()
    cursor = None
    while True:
        q = "/api/v1/tickets?limit=200" + (f"&cursor={cursor}" if cursor else "")
        st, page = get(client, q, args.password)
        if st != 200:
            raise SystemExit(f"ticket list answered {st}: {page}")
        for t in page["items"]:
            seen[t["summary"]] += 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    for rec in (r for r in acked if r["t"] == "ticket"):
        if seen[rec["summary"]] > 1:
            res["tickets_duplicated"] += 1
            if rec.get("key"):
                res["tickets_duplicated_keyed"] += 1
    res["tickets_in_database"] = sum(seen.values())
    for rec in (r for r in unknown if r["t"] == "ticket"):
        res["tickets_unknown"] += 1
        if seen[rec["summary"]]:
            res["tickets_unknown_present"] += 1

    events = collections.defaultdict(list)
    for rec in (r for r in acked if r["t"] == "event"):
        events[rec["ticket"]].append(rec)
    for rec in (r for r in unknown if r["t"] == "event"):
        events[rec["ticket"]].append(dict(rec, unknown=True))
    for ticket, recs in sorted(events.items()):
        st, trail = get(client, f"/api/v1/tickets/{ticket}/events", args.password)
        found = collections.Counter()
        if st == 200:
            for a in trail:
                if a["action"] == "note":
                    found[("note", a.get("note"))] += 1
                elif isinstance(a.get("after"), dict) and a["after"].get("opinion"):
                    found[("give_opinion", a["after"]["opinion"])] += 1
        for rec in recs:
            n = found[(rec["type"], rec["text"])]
            if rec.get("unknown"):
                res["events_unknown"] += 1
                res["events_unknown_present"] += 1 if n else 0
                continue
            res["events_acked"] += 1
            if n == 0:
                res["events_missing"] += 1
                lost.append({"record": rec, "status": st,
                             "ticket_acked_and_found": ticket in tickets})
            elif n > 1:
                res["events_duplicated"] += 1
                if rec.get("key"):
                    res["events_duplicated_keyed"] += 1

    res["customers_unknown"] = sum(1 for r in unknown if r["t"] == "customer")
    out = {"counts": dict(res), "lost": lost[:200]}
    with open(os.path.join(args.out, "check.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False, sort_keys=True)
    print(json.dumps(dict(res), sort_keys=True))
    for item in lost[:20]:
        print("LOST:", json.dumps(item, ensure_ascii=False)[:400])


# ---------------------------------------------------------------------------------------
# table


def cmd_table(args):
    head = ("| mode | kills | customers acked / missing | tickets acked / missing "
            "| events acked / missing | keyed resent: dup. tickets / events "
            "| writes cut by a kill (unknown) / refused while down "
            "| cut, yet found: tickets / events | other non-2xx |")
    print(head)
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for d in args.dirs:
        meta = json.load(open(os.path.join(d, "meta.json"), encoding="utf-8"))
        c = json.load(open(os.path.join(d, "check.json"), encoding="utf-8"))["counts"]
        load = json.load(open(os.path.join(d, "load.json"), encoding="utf-8"))
        g = lambda k: c.get(k, 0)  # noqa: E731
        cut = sum(v for k, v in load.items() if k.endswith(".cut"))
        refused = sum(v for k, v in load.items() if k.endswith(".refused"))
        other = {k: v for k, v in load.items() if ".http_" in k}
        other_s = ", ".join(f"{k} {v}" for k, v in sorted(other.items())) or "none"
        print(f"| {meta['mode']} | {meta['kills']} "
              f"| {g('customers_acked')} / {g('customers_missing')} "
              f"| {g('tickets_acked')} / {g('tickets_missing')} "
              f"| {g('events_acked')} / {g('events_missing')} "
              f"| {g('tickets_duplicated_keyed')} / {g('events_duplicated_keyed')} "
              f"| {cut} / {refused} "
              f"| {g('tickets_unknown_present')} / {g('events_unknown_present')} | {other_s} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("load", "check"):
        p = sub.add_parser(name)
        p.add_argument("--base", required=True)
        p.add_argument("--password", required=True)
        p.add_argument("--out", required=True)
        p.add_argument("--writers", type=int, default=8)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--tag", default="")
    t = sub.add_parser("table")
    t.add_argument("dirs", nargs="+")
    args = ap.parse_args()
    {"load": cmd_load, "check": cmd_check, "table": cmd_table}[args.cmd](args)


if __name__ == "__main__":
    main()
