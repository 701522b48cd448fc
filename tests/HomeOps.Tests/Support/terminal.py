"""Drives a command on a pseudo-terminal, as an operator at a keyboard would.

usage: terminal.py SECONDS COMMAND...   (the conversation comes on stdin as JSON)
The conversation is a list of [expect, send] pairs: wait until the output since the last
answer contains `expect`, then type `send` ("\u0003" is Ctrl-C). Prints the whole
transcript, then exits with the command's exit code (128+signal when a signal ended it),
or 124 when an expected text never came.
"""
import json, os, pty, select, sys, time

def main():
    limit = float(sys.argv[1])
    conversation = json.load(sys.stdin)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    transcript, since = b"", 0
    deadline = time.monotonic() + limit

    def read(wait):
        nonlocal transcript
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return False
        if not chunk:
            return False
        transcript += chunk
        return True

    alive = True
    for expect, send in conversation:
        while alive and expect.encode() not in transcript[since:]:
            if time.monotonic() > deadline:
                sys.stdout.write(transcript.decode(errors="replace"))
                sys.stdout.write(f"\n[terminal.py: never saw {expect!r}]\n")
                os.kill(pid, 9)
                sys.exit(124)
            alive = read(0.2)
        since = transcript.index(expect.encode(), since) + len(expect)
        os.write(fd, send.encode())
    while alive and time.monotonic() < deadline:
        alive = read(0.2)
    if alive:  # still running at the deadline: end it rather than wait for it forever
        sys.stdout.write("\n[terminal.py: the command was still running at the deadline]\n")
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(transcript.decode(errors="replace"))
    sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))

main()
