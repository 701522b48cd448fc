"""Shared plumbing for the stand-in CLIs (talosctl, kubectl, helm, flux, cilium, op).

State lives in the directory named by HOMEOPS_STANDIN_STATE, as JSON files:
  calls.log     one JSON line per invocation: {"tool", "argv", "time", "pid"} (append-only)
  knobs.json    written by tests, read by the stand-ins (see README.md for the shape)
  counters.json how often each fail knob has fired
  <tool>.json   each tool's own state (talos.json, helm.json, flux.json, kubectl.json, op.json, cilium.json)
Every read-modify-write of state happens under an flock on state.lock; delays are slept outside it,
so parallel invocations (one per node) really run in parallel.
"""
import atexit
import contextlib
import fcntl
import json
import os
import signal
import sys
import time

_STATE = os.environ.get("HOMEOPS_STANDIN_STATE")


def state_dir():
    if not _STATE:
        sys.stderr.write("stand-in: HOMEOPS_STANDIN_STATE is not set\n")
        sys.exit(70)
    os.makedirs(_STATE, exist_ok=True)
    return _STATE


def _path(name):
    return os.path.join(state_dir(), name)


@contextlib.contextmanager
def locked():
    with open(_path("state.lock"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def load(name, default=None):
    try:
        with open(_path(name)) as f:
            return json.load(f)
    except FileNotFoundError:
        return {} if default is None else default


def save(name, data):
    tmp = _path(name + ".tmp.%d" % os.getpid())
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, _path(name))


def knobs():
    return load("knobs.json")


def version(tool, default):
    return knobs().get("versions", {}).get(tool, default)


def die(message, code=1):
    sys.stderr.write(message if message.endswith("\n") else message + "\n")
    sys.exit(code)


def _matches(entry, tool, command, node):
    if entry.get("tool") != tool:
        return False
    want = entry.get("command")
    if want and not (command == want or command.startswith(want + " ")):
        return False
    return not entry.get("node") or entry.get("node") == node


def _current_phase(log):
    """The phase the caller's bootstrap run is in: the last phase-started of its event log since the last run-started
    (the log is appended and flushed per event, and a phase's tool calls all happen between its phase-started and the next)."""
    phase = None
    try:
        with open(log) as f:
            for line in f:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("event") == "run-started":
                    phase = None
                elif event.get("event") == "phase-started":
                    phase = event.get("phase")
    except OSError:
        return None
    return phase


def _kill_group(kill, tool, command, node, lock=True):
    """SIGKILL the caller's whole process group (homeops and every tool it runs), holding the state lock, so no other call
    of the group changes any state after this instant. Recorded first in kills.log. The caller must lead its group (a
    test starts it with setsid): a stand-in must never kill the test run that called it."""
    if os.getpgrp() != os.getppid():
        die("stand-in: kill knob refused: the caller (pid %d) does not lead its process group; start it with setsid" % os.getppid(), 70)
    with locked() if lock else contextlib.nullcontext():
        with open(_path("kills.log"), "a") as f:
            f.write(json.dumps({"id": kill.get("id"), "phase": kill.get("phase"), "tool": tool, "command": command, "node": node,
                                "when": kill.get("when", "before"), "time": time.time(), "pid": os.getpid()}) + "\n")
            f.flush()
        os.killpg(os.getpgrp(), signal.SIGKILL)


def _kill_point(k, tool, command, node):
    """The `kill` knob: the `call`-th call matching tool/command (either may be absent: any) made while the caller's run is
    in `phase` kills the run, at the call's start ("before": no effect) or as it exits ("after": its effect done, its
    answer never read). Counted per knob `id`, so a new id counts afresh."""
    kill = k.get("kill")
    if not kill or (kill.get("tool") and not _matches(kill, tool, command, node)):
        return
    if kill.get("phase") and _current_phase(kill.get("log", "")) != kill["phase"]:
        return
    with locked():
        counters = load("counters.json")
        key = "kill.%s" % kill.get("id")
        counters[key] = counters.get(key, 0) + 1
        save("counters.json", counters)
        if counters[key] != int(kill.get("call", 1)):
            return
        if kill.get("when", "before") == "before":
            _kill_group(kill, tool, command, node, lock=False)  # still under the lock: nothing after this call takes effect
    atexit.register(_kill_group, kill, tool, command, node)


def begin(tool, argv, command, node=None):
    """Log the call (with the delay it is about to sleep), fire a matching kill knob, sleep any matching delay, then fire a
    matching fail knob (exits) if one is left."""
    k = knobs()
    delay = sum(float(d.get("seconds", 0)) for d in k.get("delay", []) if _matches(d, tool, command, node))
    with locked():
        with open(_path("calls.log"), "a") as f:
            f.write(json.dumps({"tool": tool, "argv": argv, "command": command, "node": node, "delay": delay,
                                "time": time.time(), "pid": os.getpid()}) + "\n")
    _kill_point(k, tool, command, node)
    if delay > 0:
        time.sleep(delay)
    for i, fail in enumerate(k.get("fail", [])):
        if not _matches(fail, tool, command, node):
            continue
        with locked():
            counters = load("counters.json")
            key = "fail.%d" % i
            fired = counters.get(key, 0)
            if fired >= int(fail.get("times", 1)):
                continue
            counters[key] = fired + 1
            save("counters.json", counters)
        if fail.get("stdout"):
            sys.stdout.write(fail["stdout"])
        die(fail.get("stderr", "stand-in: injected failure"), int(fail.get("exit", 1)))


class UnknownFlag(Exception):
    pass


def parse(argv, flags, aliases=None):
    """Cobra-style flags: --name value, --name=value, -x value, bools as --name or --name=false.
    flags: {"name": "bool" | "value" | "list"}. Returns (values, positionals); raises UnknownFlag."""
    aliases = aliases or {}
    values, positionals, i = {}, [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            positionals.extend(argv[i + 1:])
            break
        if arg.startswith("-") and arg != "-":
            name, _, inline = arg.lstrip("-").partition("=")
            has_inline = "=" in arg
            if not arg.startswith("--"):
                if name not in aliases:
                    raise UnknownFlag("unknown shorthand flag: '%s' in %s" % (name[:1], arg))
                name = aliases[name]
            if name not in flags:
                raise UnknownFlag("unknown flag: --%s" % name)
            kind = flags[name]
            if kind == "bool":
                values[name] = inline.lower() not in ("false", "0") if has_inline else True
            else:
                if not has_inline:
                    i += 1
                    if i >= len(argv):
                        raise UnknownFlag("flag needs an argument: --%s" % name)
                    inline = argv[i]
                if kind == "list":
                    values.setdefault(name, []).extend(inline.split(","))
                else:
                    values[name] = inline
        else:
            positionals.append(arg)
        i += 1
    return values, positionals


def require_file(path, tool_error):
    if not path or not os.path.isfile(path):
        die(tool_error % path)


def split_command(argv, global_flags, aliases=None, words=1):
    """Cobra accepts persistent flags before the command: returns (command words, argv without them)."""
    aliases = aliases or {}
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        name = argv[i].lstrip("-").split("=", 1)[0]
        name = aliases.get(name, name) if not argv[i].startswith("--") else name
        if "=" not in argv[i] and global_flags.get(name) in ("value", "list"):
            i += 1
        i += 1
    return argv[i:i + words], argv[:i] + argv[i + words:]


def tabwriter(rows, padding=3):
    """Go's text/tabwriter with minwidth 0, this padding, pad char ' ' and flags 0 (as talosctl's tables:
    talos@v1.10.5:cmd/talosctl/cmd/talos/etcd.go:51,220,278): every cell but a line's last is padded to its column's
    widest cell plus the padding, empty cells too; the last cell is written as is (so a line may end in spaces)."""
    widths = {}
    for row in rows:
        for i, cell in enumerate(row[:-1]):
            widths[i] = max(widths.get(i, 0), len(cell))
    return "".join("".join(cell.ljust(widths[i] + padding) for i, cell in enumerate(row[:-1])) + row[-1] + "\n" for row in rows)


def _env_any(*names):
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return ""


def egress(url):
    """A Go tool's https request with the default transport. It goes through HTTPS_PROXY (then https_proxy) unless NO_PROXY
    (then no_proxy) exempts the host (golang.org/x/net/http/httpproxy.FromEnvironment). A proxy on a loopback address
    nothing serves refuses at once: the request fails and nothing leaves the machine (returns False). Otherwise the request
    is recorded in egress.log ({"tool", "url", "time"}) as leaving the machine, and True is returned; tests assert on it."""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    proxy = _env_any("HTTPS_PROXY", "https_proxy") if url.startswith("https:") else _env_any("HTTP_PROXY", "http_proxy")
    exempt = [h.strip().lstrip(".") for h in _env_any("NO_PROXY", "no_proxy").split(",") if h.strip()]
    proxied = proxy and not any(e == "*" or host == e or host.endswith("." + e) for e in exempt)
    if proxied and proxy.split("://", 1)[-1].split(":", 1)[0] in ("127.0.0.1", "localhost", "[::1]"):
        return False
    with locked():
        with open(_path("egress.log"), "a") as f:
            f.write(json.dumps({"tool": os.path.basename(sys.argv[0]), "url": url, "time": time.time()}) + "\n")
    return True
