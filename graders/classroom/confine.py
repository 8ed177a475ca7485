"""Confine the process it runs in, then exec the graded command: the first code of every graded run.

Run as ``python -I -B -m graders.classroom.confine [options] -- COMMAND...``. It is the
grader's code, started by the grader, before any student code exists in the process:

- resource limits (no core files, a file-size cap, an address-space cap, a process cap);
- it stays as the parent of the command, a "child subreaper": every process the command
  starts, even one that detaches into a new session, is re-parented to it when its own
  parent dies, and all of them are killed when the command ends or the grader says stop
  (SIGTERM). It is outside the Landlock domain, so the run cannot signal it;
- with ``--landlock``, a Landlock ruleset (Linux 5.13+, the kernel's unprivileged
  sandbox): files readable only under the ``--read`` paths, writable only under the
  ``--write`` paths, and (Linux 6.12+) no signals to, nor abstract sockets of, processes
  outside the sandbox. Everything COMMAND starts inherits it and cannot undo it.

It exits with 125 and one line on stderr when it cannot do what it was asked, so the
grader never runs student code with less protection than it recorded.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import struct
import sys
from collections.abc import Sequence

EXIT_CANNOT_CONFINE = 125

# <linux/landlock.h>
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_CHILD_SUBREAPER = 36
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_REMOVE_DIR, _REMOVE_FILE, _MAKE_CHAR, _MAKE_DIR, _MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
_MAKE_SOCK, _MAKE_FIFO, _MAKE_BLOCK, _MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_READ = _EXECUTE | _READ_FILE | _READ_DIR
_FILE_ONLY = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV


class ConfineError(Exception):
    """The kernel refused a protection that was asked for."""


def landlock_abi() -> int:
    """The Landlock ABI version the kernel offers, 0 when it offers none."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        version = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(0, int(version))


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE … MAKE_SYM
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    if abi >= 5:
        rights |= _IOCTL_DEV
    return rights


def apply_landlock(read: Sequence[str], write: Sequence[str], listable: Sequence[str] = ()) -> int:
    """Restrict this process (and all it starts) to ``read`` and ``write``; return the ABI used.

    ``listable`` folders may be listed (names only), for Python's import system to walk.
    """
    abi = landlock_abi()
    if abi < 1:
        raise ConfineError("this kernel offers no Landlock")
    libc = ctypes.CDLL(None, use_errno=True)
    handled = _fs_rights(abi)
    if abi >= 6:
        attr = struct.pack("=QQQ", handled, 0, _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL)
    elif abi >= 4:
        attr = struct.pack("=QQ", handled, 0)
    else:
        attr = struct.pack("=Q", handled)
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.syscall(_SYS_CREATE_RULESET, buffer, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        raise ConfineError(f"landlock_create_ruleset failed: {os.strerror(ctypes.get_errno())}")
    try:
        for path in read:
            _allow(libc, ruleset, path, _READ, handled)
        for path in write:
            _allow(libc, ruleset, path, handled, handled)
        for path in listable:
            _allow(libc, ruleset, path, _READ_DIR, handled)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise ConfineError(f"no_new_privs failed: {os.strerror(ctypes.get_errno())}")
        if libc.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise ConfineError(f"landlock_restrict_self failed: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
    return abi


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int, handled: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path this machine does not have
    try:
        if not os.path.isdir(path):
            rights &= _FILE_ONLY  # directory rights on a file are refused with EINVAL
        rule = ctypes.create_string_buffer(struct.pack("=Qi", rights & handled, fd), 12)
        if libc.syscall(_SYS_ADD_RULE, ruleset, ctypes.c_int(_RULE_PATH_BENEATH), rule, ctypes.c_uint32(0)) != 0:
            raise ConfineError(f"landlock_add_rule({path}) failed: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)


def apply_limits(memory_mb: int, max_file_mb: int, max_processes: int) -> None:
    """No core files, capped files and memory, and (for a uid of its own) capped processes."""
    import resource

    limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, max_file_mb * 1024 * 1024)]
    if memory_mb > 0:
        limits.append((resource.RLIMIT_AS, memory_mb * 1024 * 1024))
    if max_processes > 0:
        limits.append((resource.RLIMIT_NPROC, max_processes))
    for which, value in limits:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="graders.classroom.confine")
    parser.add_argument("--landlock", action="store_true")
    parser.add_argument("--read", action="append", default=[])
    parser.add_argument("--write", action="append", default=[])
    parser.add_argument("--list", action="append", default=[])
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--max-file-mb", type=int, default=256)
    parser.add_argument("--max-processes", type=int, default=0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("kata grade: cannot become the run's subreaper", file=sys.stderr)
        return EXIT_CANNOT_CONFINE
    stop = {"asked": False}

    def on_stop(signum: int, frame: object) -> None:
        stop["asked"] = True
        _kill_children()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    child = os.fork()
    if child == 0:
        os._exit(_confine_and_exec(args, command))
    status = _wait_for(child)
    while _kill_children():
        pass
    return status


def _confine_and_exec(args: argparse.Namespace, command: list[str]) -> int:
    """In the forked child: limits, Landlock, then the command itself."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        apply_limits(args.memory_mb, args.max_file_mb, args.max_processes)
        if args.landlock:
            apply_landlock(args.read, args.write, args.list)
    except (ConfineError, OSError, ValueError) as exc:
        print(f"kata grade: cannot confine the graded run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_CONFINE
    try:
        os.execv(command[0], command)
    except OSError as exc:
        print(f"kata grade: cannot start {command[0]}: {exc.strerror}", file=sys.stderr)
    return EXIT_CANNOT_CONFINE


def _wait_for(child: int) -> int:
    """The command's exit status, as a shell gives it (128 + N for signal N); others are reaped on the way."""
    while True:
        try:
            pid, status = os.wait()
        except InterruptedError:
            continue
        except ChildProcessError:
            return EXIT_CANNOT_CONFINE
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            return 128 - code if code < 0 else code


def _kill_children() -> bool:
    """Kill and reap every direct child (orphans of the run land here); True if there were any."""
    me = str(os.getpid())
    found = False
    try:
        entries = os.listdir("/proc")
    except OSError:
        entries = []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[1].decode() == me:
            found = True
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return found
        if pid == 0:
            return found


if __name__ == "__main__":
    sys.exit(main())
