"""The assertions of `make check-vm`'s vsock boot (check-vm-stream.py --vsock).

The guest (tests/vm/init-vsock.c) ran the agent with --sink=vsock:1:9001 and
three receivers one after the other on vsock:9001 (1 killed while reading,
2 paused and continued, then killed while the agent was stalled on credit,
3 to the end); the console holds init's lines and, between "vm-init: ---
PATH ---" and "vm-init: --- end ---", the logs of the agent and of the
receivers.  check(console, frames) returns the
problems found and a summary line.

The bounds are written here, independently of init-vsock.c.
"""
import re

AGENT_LOG = "/tmp/agent.log"
RECV_LOG = "/tmp/recv-%d.log"
STEADY_COMM = "wl-steady"
# "A few seconds" of pause.
PAUSE_MIN_MS = 2000
# The agent's CPU time over the pause, against the same measure over the
# stretch just before it (same workload, reader running): a stalled agent
# does the same work per event, so the rate may at most double, plus a
# floor for the 10 ms granularity of a kernel without schedstat.  An
# agent that spun on a full socket would take every cycle the workload
# leaves idle.
PAUSE_CPU_RATE_FACTOR = 2.0
PAUSE_CPU_SLACK_US = 250000
# And never more than this share of the pause, whatever the baseline.
PAUSE_CPU_MAX_SHARE = 0.5


def sections(console):
    """{path: [lines]} of the logs init copied to the console."""
    out, cur = {}, None
    for line in console:
        m = re.match(r"^vm-init: --- (\S+) ---$", line)
        if m:
            cur = out.setdefault(m.group(1), [])
            continue
        if line == "vm-init: --- end ---":
            cur = None
            continue
        if cur is not None:
            cur.append(line)
    return out


def index(lines, pattern):
    rx = re.compile(pattern)
    for i, line in enumerate(lines):
        m = rx.search(line)
        if m:
            return i, m
    return None, None


def counters(line):
    return {k: int(v) for k, v in re.findall(r" (\w+)=(\d+)", line.split("counters:", 1)[1])}


def check(console, frames):
    problems = []
    logs = sections(console)
    agent_log = logs.get(AGENT_LOG)
    recv_logs = [logs.get(RECV_LOG % n) for n in (1, 2, 3)]
    if agent_log is None or None in recv_logs:
        problems.append("console: the logs of the agent and of the three receivers are not all there")
        return problems, None
    init = [l for l in console if l.startswith("vm-init: ")]

    # 1. The agent started while nothing listened, then connected.
    ia, _ = index(init, r"^vm-init: agent pid \d+ ready$")
    ir, _ = index(init, r"^vm-init: agent refused: nothing listens")
    ir1, m_r1 = index(init, r"^vm-init: receiver 1 pid (\d+) started$")
    if ia is None or ir is None or ir1 is None or not ia < ir < ir1:
        problems.append("console: not 'agent ready', then 'agent refused', then 'receiver 1 started'")
    ic, _ = index(agent_log, r"sink vsock:1:9001: cannot connect: ")
    iok, m_ok = index(agent_log, r"sink vsock:1:9001: connected after (\d+) failed attempts?;")
    if ic is None or iok is None or not ic < iok or int(m_ok.group(1)) < 1:
        problems.append("agent log: no refused connect before its first connection")
    for n, log in enumerate(recv_logs, 1):
        if index(log, r"info: connection 1 opened from vsock cid 1 port \d+$")[0] is None:
            problems.append("receiver %d log: no 'connection 1 opened from vsock cid 1 port N'" % n)
        bad = [l for l in log if ": error: " in l or ": warning: " in l]
        if bad:
            problems.append("receiver %d log: %s" % (n, bad[0]))

    # 2. Receiver 1 killed while the steady workload ran; the agent came back.
    isteady, m_s = index(init, r"^vm-init: steady workload pid (\d+) started$")
    ikill, _ = index(init, r"^vm-init: receiver 1 pid %s killed by signal 9$"
                     % (m_r1.group(1) if m_r1 else r"\d+"))
    ir2, _ = index(init, r"^vm-init: receiver 2 pid \d+ started$")
    iend = None
    if m_s:
        iend, _ = index(init, r"^vm-init: steady workload pid %s exited with status 0$" % m_s.group(1))
    if None in (isteady, ikill, ir2, iend) or not isteady < ikill < ir2 < iend:
        problems.append("console: receiver 1 not SIGKILLed and receiver 2 not started while the "
                        "steady workload ran (or it did not exit 0)")
    ilost, _ = index(agent_log, r"sink vsock:1:9001: connection lost: ")
    if ilost is None or index(agent_log[ilost:], r"sink vsock:1:9001: connected")[0] is None:
        problems.append("agent log: no 'connection lost' followed by a new connection")

    # 3. The final counters balance, and no receiver decoded more than was written.
    final = [l for l in agent_log if "counters:" in l]
    written = None
    if not final:
        problems.append("agent log: no counters line")
    else:
        c = counters(final[-1])
        written = c.get("written", 0)
        if c.get("produced") != written + c.get("dropped_queue_full", 0) + c.get("queued", 0):
            problems.append("agent: final counters do not balance: %s" % final[-1])
        if c.get("reconnects", 0) < 3:
            problems.append("agent: %d connection(s), expected at least 3" % c.get("reconnects", 0))
        if len(frames) > written:
            problems.append("stream: %d frames decoded, more than the %d the agent wrote"
                            % (len(frames), written))
    m3 = None
    for line in recv_logs[2]:
        m3 = re.search(r"stats: frames=(\d+) .* errors=(\d+)$", line) or m3
    if m3 is None or int(m3.group(2)) != 0 or int(m3.group(1)) >= len(frames):
        problems.append("receiver 3: no clean exit stats, errors, or receivers 1 and 2 decoded nothing")

    # 4. Receiver 2, continued after its pause, killed while the agent was
    # stalled on credit (the last record written most likely cut at the
    # credit's end: it must reach receiver 3 whole, and the error-line check
    # above shows it did).
    icont, _ = index(init, r"^vm-init: receiver 2 pid \d+ continued at ")
    istall, _ = index(init, r"^vm-init: agent stalled \(queued [1-9]\d*\) \d+ ms after the stop$")
    ikill2, _ = index(init, r"^vm-init: receiver 2 pid \d+ killed by signal 9$")
    ir3, _ = index(init, r"^vm-init: receiver 3 pid \d+ started$")
    if None in (icont, istall, ikill2, ir3, iend) or not icont < istall < ikill2 < ir3 < iend:
        problems.append("console: receiver 2 not killed while the agent was stalled, "
                        "then replaced while the steady workload ran")

    # 5. The pause: the credit ran out, the agent queued, it did not spin,
    # and the backlog arrived afterwards.
    _, mstop = index(init, r"^vm-init: receiver 2 pid \d+ stopped at (\d+) ns$")
    _, mcont = index(init, r"^vm-init: receiver 2 pid \d+ continued at (\d+) ns after a pause of "
                     r"(\d+) ms; agent cpu (\d+) us over the pause, (\d+) us over (\d+) ms before it; "
                     r"agent counters during the pause: (\d+) lines, queued at most (\d+), "
                     r"dropped_queue_full (\d+) more, writes stalled: (yes|no)$")
    summary = None
    if mstop is None or mcont is None:
        problems.append("console: no receiver 2 pause lines")
    else:
        stop_ns, cont_ns = int(mstop.group(1)), int(mcont.group(1))
        pause_ms, cpu_us, base_us, base_ms, lines, queued, dropped = (
            int(mcont.group(i)) for i in range(2, 9))
        if pause_ms < PAUSE_MIN_MS:
            problems.append("pause: %d ms, expected at least %d" % (pause_ms, PAUSE_MIN_MS))
        if lines == 0:
            problems.append("pause: the agent logged no counters during it (blocked?)")
        if (queued == 0 and dropped == 0) or mcont.group(9) != "yes":
            problems.append("pause: the agent's writes never stalled with records queued or dropped: "
                            "the vsock credit did not run out")
        bound = min(PAUSE_CPU_RATE_FACTOR * base_us * pause_ms / max(base_ms, 1) + PAUSE_CPU_SLACK_US,
                    PAUSE_CPU_MAX_SHARE * pause_ms * 1000)
        if cpu_us > bound:
            problems.append("pause: agent used %d us of CPU in %d ms, bound %d us (%d us in %d ms before)"
                            % (cpu_us, pause_ms, bound, base_us, base_ms))
        if index(init, r"^vm-init: agent queue empty again \d+ ms after SIGCONT$")[0] is None:
            problems.append("console: the agent's queue did not empty after SIGCONT")
        during = [f for f in frames
                  if isinstance(f.get("guest_monotonic_ns"), int) and stop_ns <= f["guest_monotonic_ns"] <= cont_ns]
        if not any(f.get("guest_comm") == STEADY_COMM for f in during):
            problems.append("stream: none of the events made during the pause was delivered")
        summary = ("vsock: refused then connected; receiver killed and replaced; %d frames decoded "
                   "of %s written; pause %d ms: queued up to %d, dropped %d, agent cpu %.1f%% "
                   "(%.1f%% before, bound %d us), %d events of the pause delivered after it; "
                   "receiver 2 killed while the agent was stalled, receiver 3 decoded whole frames"
                   % (len(frames), written, pause_ms, queued, dropped,
                      100.0 * cpu_us / (pause_ms * 1000), 100.0 * base_us / (max(base_ms, 1) * 1000),
                      bound, len(during)))
    return problems, summary
