#!/usr/bin/env python3
# Runs tests/wasi cases under Wasmtime (the PyPI `wasmtime` package, the
# reference engine: `pip install wasmtime==50.*`) in the same scratch tree
# tests/wasi.rs builds, and diffs what the program prints against the
# case's expected NAME.stdout, which smelt must print. A difference is
# either a smelt bug or a deliberate deviation that docs/wasi.md "The
# sandbox" documents (with the reason).
#
#   scripts/wasi-vs-wasmtime.py symlinks trailing dirfd   # some cases
#   scripts/wasi-vs-wasmtime.py                          # every case
#
# Only `--dir HOST::GUEST` and `--env K=V` run flags are translated; a case
# with other flags (or none: no preopen) is reported as skipped. Exit
# status: 0 when every case run printed the same, 1 otherwise.
import difflib
import os
import shutil
import sys
import tempfile

import wasmtime

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "wasi")


def make_tree(root):
    """The tree of tests/wasi.rs `Tree::new`."""
    os.makedirs(f"{root}/box/sub")
    os.makedirs(f"{root}/outside")
    os.makedirs(f"{root}/bin")
    with open(f"{root}/box/data.txt", "w") as f:
        f.write("hello from the host\n")
    with open(f"{root}/box/sub/inner.txt", "w") as f:
        f.write("inner file\n")
    with open(f"{root}/outside/secret.txt", "w") as f:
        f.write("top secret\n")
    os.symlink("data.txt", f"{root}/box/link_in")
    os.symlink("../outside/secret.txt", f"{root}/box/link_out")
    os.symlink(f"{root}/outside/secret.txt", f"{root}/box/link_abs")
    os.symlink("../../outside/secret.txt", f"{root}/box/sub/link_up")
    os.symlink("../outside", f"{root}/box/link_dir_out")


def parse_spec(name):
    spec = {"program": name, "args": [], "stdin": "", "run-flags": ["--dir", "."]}
    with open(os.path.join(CORPUS, f"{name}.spec")) as f:
        for line in f:
            if not line.strip():
                continue
            key, _, value = line.partition(":")
            value = value.strip()
            if key == "program":
                spec["program"] = value
            elif key == "args":
                spec["args"] = value.split()
            elif key == "stdin":
                spec["stdin"] = value.replace("\\n", "\n")
            elif key == "run-flags":
                spec["run-flags"] = value.split()
    return spec


def run_case(name):
    spec = parse_spec(name)
    flags, dirs, env = spec["run-flags"], [], []
    i = 0
    while i < len(flags):
        if flags[i] == "--dir" and i + 1 < len(flags):
            host, _, guest = flags[i + 1].partition("::")
            dirs.append((host, guest or host))
        elif flags[i] == "--env" and i + 1 < len(flags) and "=" in flags[i + 1]:
            env.append(tuple(flags[i + 1].split("=", 1)))
        else:
            return None
        i += 2
    if not dirs:
        return None
    root = tempfile.mkdtemp(prefix="smelt-vs-wasmtime-")
    try:
        make_tree(root)
        box = os.path.join(root, "box")
        engine = wasmtime.Engine()
        store = wasmtime.Store(engine)
        cfg = wasmtime.WasiConfig()
        cfg.argv = [spec["program"]] + spec["args"]
        cfg.env = env
        for host, guest in dirs:
            cfg.preopen_dir(os.path.join(box, host), guest)
        stdin = os.path.join(root, "stdin")
        stdout = os.path.join(root, "stdout")
        with open(stdin, "w") as f:
            f.write(spec["stdin"])
        cfg.stdin_file = stdin
        cfg.stdout_file = stdout
        store.set_wasi(cfg)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        module = wasmtime.Module.from_file(engine, os.path.join(CORPUS, f"{spec['program']}.wasm"))
        instance = linker.instantiate(store, module)
        try:
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap:
            pass
        except wasmtime.Trap:
            # A trap case (trap.spec): only what it printed before counts.
            pass
        with open(stdout) as f:
            return f.read()
    finally:
        shutil.rmtree(root)


def main():
    names = sys.argv[1:] or sorted(
        f[: -len(".spec")] for f in os.listdir(CORPUS) if f.endswith(".spec")
    )
    status = 0
    for name in names:
        got = run_case(name)
        if got is None:
            print(f"{name}: skipped (run flags Wasmtime's WasiConfig cannot express here)")
            continue
        with open(os.path.join(CORPUS, f"{name}.stdout")) as f:
            want = f.read()
        if got == want:
            print(f"{name}: same as Wasmtime")
            continue
        status = 1
        print(f"{name}: differs from Wasmtime (- smelt's expected, + Wasmtime)")
        for line in difflib.unified_diff(
            want.splitlines(), got.splitlines(), "smelt", "wasmtime", n=0, lineterm=""
        ):
            if not line.startswith(("---", "+++")):
                print("  " + line)
    sys.exit(status)


if __name__ == "__main__":
    main()
