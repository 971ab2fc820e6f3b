#!/usr/bin/env python3
"""check-vm-stream.py [--vsock] CONSOLE_LOG STREAM_JSONL

The assertions of `make check-vm`: what the guest says it did (its console
log: pids from fork() and gettid() inside the guest) against what the agent
reported (the receiver's JSON lines).  Exits 1 naming every mismatch.

The expected workload is written down here, independently of
tests/vm/workload.c, so a workload that silently ran less fails too.

--vsock: the vsock boot, whose receivers ran in the guest; its own
assertions are in check_vm_vsock.py, on top of these.
"""
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_vm_vsock  # noqa: E402

SPAWNED = "process.spawned"
EXITED = "process.exited"
CONNECT = "net.connect_attempted"
# comm is the exec'd file name cut to 15 bytes (TASK_COMM_LEN - 1).
GATE_COMM = "cellos-workload"
DRIVER_COMM = "vm-workload"
# Processes the workload must have exec'd, with how many of each.
EXPECTED_RAN = {"wl-alpha": 3, "wl-beta": 1, "wl-gamma": 1, "wl-delta": 1,
                "wl-forker": 1, "wl-thread": 1, "wl-chain": 1, "wl-connect": 1}
# Processes that exec'd again at once (an exec chain): name -> the second
# program.  Both execs are reported, each with its own name, in order.
EXPECTED_CHAINS = {"wl-chain": "wl-omega"}
# Processes that made one TCP connect in the guest (net.connect_attempted
# from the agent's cgroup BPF program attached at the guest's root).
EXPECTED_CONNECTED = {"wl-connect": 1}
# Children that never exec'd (one spawned, with the inherited comm).
EXPECTED_FORKED = {"wl-forker": 1}
# Threads (no event at all).
EXPECTED_THREADS = {"wl-thread": 1}

problems = []


def problem(msg):
    problems.append(msg)


def read_console(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        # Strip the firmware's terminal escapes and the serial line's CRs.
        return [re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", l).rstrip("\r\n") for l in f]


def find(lines, pattern):
    """(index, match) of the first line matching pattern, or (None, None)."""
    rx = re.compile(pattern)
    for i, line in enumerate(lines):
        m = rx.search(line)
        if m:
            return i, m
    return None, None


def find_all(lines, pattern):
    rx = re.compile(pattern)
    return [m for m in (rx.search(l) for l in lines) if m]


def check_console(lines):
    """Returns (agent_pid, workload_pid) and records problems."""
    ia, ma = find(lines, r"^vm-init: agent pid (\d+) ready$")
    iw, mw = find(lines, r"^vm-init: workload pid (\d+) started$")
    if ma is None:
        problem("console: no 'agent pid N ready' line")
    if mw is None:
        problem("console: no 'workload pid N started' line")
    if ma is None or mw is None:
        return None, None
    agent, workload = int(ma.group(1)), int(mw.group(1))
    if not ia < iw:
        problem("console: the workload started before the agent was ready")
    ifirst, _ = find(lines, r"^vm-workload: ")
    if ifirst is not None and ifirst < ia:
        problem("console: the workload printed before the agent was ready")
    if find(lines, r"runs ungated$")[1] is not None:
        problem("console: the workload ran without cellos-workload-exec")
    if find(lines, r"^vm-init: workload pid %d exited with status 0$" % workload)[1] is None:
        problem("console: the workload did not exit with status 0")
    if find(lines, r"^vm-init: agent pid %d exited with status 0$" % agent)[1] is None:
        problem("console: the agent did not exit with status 0 after SIGTERM")
    return agent, workload


def read_stream(path):
    frames, errors = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                obj = json.loads(line)
            except ValueError as e:
                problem("stream line %d is not JSON (%s)" % (n, e))
                continue
            if not isinstance(obj, dict):
                problem("stream line %d is not an object" % n)
            elif "error" in obj:
                errors.append(obj)
            elif "probe_source" in obj:
                frames.append(obj)
    return frames, errors


def check_counts(what, found, expected):
    got = collections.Counter(name for name, _ in found)
    if got != collections.Counter(expected):
        problem("console: the workload %s %s, expected %s"
                % (what, dict(got), expected))


def main():
    args = sys.argv[1:]
    vsock = args[:1] == ["--vsock"]
    if vsock:
        args = args[1:]
    if len(args) != 2:
        sys.exit("usage: check-vm-stream.py [--vsock] CONSOLE_LOG STREAM_JSONL")
    console = read_console(args[0])
    agent, workload = check_console(console)
    frames, errors = read_stream(args[1])
    vsock_summary = None
    if vsock:
        found, vsock_summary = check_vm_vsock.check(console, frames)
        problems.extend(found)

    for e in errors:
        problem("stream: receiver error line: %s" % json.dumps(e))
    if not frames:
        problem("stream: no frames at all")

    last = None
    for i, fr in enumerate(frames):
        ns = fr.get("guest_monotonic_ns")
        if not isinstance(ns, int):
            problem("stream: frame %d has no integer guest_monotonic_ns" % i)
        elif last is not None and ns <= last:
            problem("stream: guest_monotonic_ns not strictly increasing at frame %d (%d after %d)"
                    % (i, ns, last))
        last = ns if isinstance(ns, int) else last

    # Process events per pid; connects apart (they come from another
    # source, so their place among a pid's process events is not fixed).
    events = collections.defaultdict(list)
    connects = []
    for fr in frames:
        if fr.get("probe_source") == CONNECT:
            connects.append((fr.get("guest_comm"), fr.get("guest_pid")))
        else:
            events[fr.get("guest_pid")].append((fr.get("probe_source"), fr.get("guest_comm")))

    ran = [(m.group(1), int(m.group(2))) for m in find_all(console, r"^vm-workload: ran (\S+) pid (\d+)$")]
    forked = [(m.group(1), int(m.group(2))) for m in find_all(console, r"^vm-workload: forked (\S+) pid (\d+)$")]
    threads = [(m.group(1), int(m.group(2))) for m in find_all(console, r"^vm-workload: thread (\S+) tid (\d+)$")]
    check_counts("ran", ran, EXPECTED_RAN)
    check_counts("forked", forked, EXPECTED_FORKED)
    check_counts("made threads", threads, EXPECTED_THREADS)
    connected = [(m.group(1), int(m.group(2)))
                 for m in find_all(console, r"^vm-workload: connected (\S+) pid (\d+) port \d+$")]
    check_counts("connected", connected, EXPECTED_CONNECTED)
    if sorted(connects) != sorted(connected):
        problem("stream: %s frames %s, expected one per workload connect %s"
                % (CONNECT, connects, connected))

    # Every process of the workload, with exactly the events it must have.
    expected = {}
    if workload is not None:
        # init forked it and it exec'd twice: the gate, then the driver.
        expected[workload] = [(SPAWNED, GATE_COMM), (SPAWNED, DRIVER_COMM), (EXITED, DRIVER_COMM)]
    for name, pid in ran + forked:
        expected[pid] = [(SPAWNED, name), (EXITED, name)]
    for name, pid in ran:
        if name in EXPECTED_CHAINS:
            nxt = EXPECTED_CHAINS[name]
            expected[pid] = [(SPAWNED, name), (SPAWNED, nxt), (EXITED, nxt)]
    for pid, want in sorted(expected.items()):
        got = events.get(pid, [])
        if got != want:
            problem("stream: pid %d has %s, expected %s" % (pid, got, want))
    for name, tid in threads:
        if tid in events:
            problem("stream: thread %d of %s has events %s, expected none" % (tid, name, events[tid]))

    # Nothing of the workload's under a pid the workload did not report.
    workload_comms = set(EXPECTED_RAN) | set(EXPECTED_CHAINS.values()) | {GATE_COMM, DRIVER_COMM}
    for pid, evs in sorted(events.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        if pid not in expected and any(c in workload_comms for _, c in evs):
            problem("stream: pid %s has workload events %s the workload did not report" % (pid, evs))
    if agent is not None and agent in expected:
        problem("stream: the agent's pid %d is among the workload's" % agent)

    if problems:
        for p in problems:
            print("FAIL: " + p, file=sys.stderr)
        sys.exit(1)
    print("# stream: %d frames, 0 errors, ns strictly increasing; %d workload processes "
          "each spawned then exited as expected; agent pid %d ready before workload pid %d"
          % (len(frames), len(expected), agent, workload))
    if vsock_summary:
        print("# " + vsock_summary)


if __name__ == "__main__":
    main()
