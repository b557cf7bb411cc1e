#!/usr/bin/env python3
"""Man pages and completion, generated at build time from --help (packaging/gen_docs.py), checked
against the binary's --help now:
  - one page per command of `portwarden --help`, plus portwarden(1); each renders with `man -l`;
  - the option words of each rendered page (-p, --top-ports, -sT ...) equal those of its --help
    (with a subcommand's --help for firewall check, and the command's summary line);
  - bash completion, run the way bash runs it (COMP_WORDS, _portwarden), completes commands,
    firewall's subcommand, flags of a command (scan --top-, audit --webh) and flags of the
    nmap-habit form without a command; zsh completion, run with compadd/_describe recorded.
No network. Usage: docs_test.py PATH-TO-portwarden DOCS-DIR"""
import os
import re
import shutil
import subprocess
import sys

OPTION_WORD = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")
failures = []
passed = 0


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print(f"FAIL: {what}")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, check=False, **kw)


def help_of(pw, args):
    return run([pw, *args, "--help"]).stdout


def rendered(page):
    env = dict(os.environ, MANWIDTH="250", MAN_KEEP_FORMATTING="", LC_ALL="C.UTF-8")
    r = run(["man", "-l", page], env=env)
    return r.returncode, r.stdout


def commands(top):
    block = top.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [(l.split()[0], l) for l in block.splitlines()]


def check_pages(pw, docs):
    top = help_of(pw, [])
    cmds = [(n, line) for n, line in commands(top) if n != "version"]
    check(len(cmds) >= 10, f"commands in portwarden --help: {[n for n, _ in cmds]}")
    pages = {"portwarden.1": (top, "")}
    for name, line in cmds:
        text = help_of(pw, [name])
        subs = re.findall(r"^Subcommands:\n((?:  \S.*\n)+)", text, re.M)
        for sub in (subs[0].split("\n") if subs else []):
            if sub.strip():
                text += help_of(pw, [name, sub.split()[0]])
        pages[f"portwarden-{name}.1"] = (text, line)
    found = sorted(os.listdir(os.path.join(docs, "man1")))
    check(found == sorted(pages), f"man pages {found}, want {sorted(pages)}")
    for page, (text, summary) in pages.items():
        path = os.path.join(docs, "man1", page)
        if not os.path.exists(path):
            continue
        code, out = rendered(path)
        check(code == 0 and "NAME" in out and "SYNOPSIS" in out, f"man -l {page}: exit {code}")
        want = set(OPTION_WORD.findall(text)) | set(OPTION_WORD.findall(summary))
        got = set(OPTION_WORD.findall(out))
        check(got == want, f"{page}: options only in the page {sorted(got - want)}, only in --help {sorted(want - got)}")
        check(len(want) > 2, f"{page}: only {sorted(want)}")


def bash_complete(completion, words):
    """COMPREPLY of _portwarden for the command line `words` (the last one being completed)."""
    script = f"""source {completion}
COMP_WORDS=({' '.join(f"'{w}'" for w in words)})
COMP_CWORD={len(words) - 1}
_portwarden
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    r = run(["bash", "--norc", "--noprofile", "-c", script])
    return [l for l in r.stdout.splitlines() if l] if r.returncode == 0 else [f"exit {r.returncode}: {r.stderr}"]


def check_bash(docs):
    completion = os.path.join(docs, "completion", "portwarden.bash")
    cases = [
        (["portwarden", "sc"], ["scan"]),
        (["portwarden", "in"], ["inventory"]),
        (["portwarden", "scan", "--top-"], ["--top-ports"]),
        (["portwarden", "audit", "--webh"], ["--webhook", "--webhook-required"]),
        (["portwarden", "firewall", "ch"], ["check"]),
        (["portwarden", "firewall", "check", "--sc"], ["--scan"]),
        (["portwarden", "watch", "--dur"], ["--duration"]),
        (["portwarden", "-sT", "--rea"], ["--reason"]),  # no command: the flags of scan
        (["portwarden", "probe", "--j"], ["--json"]),
    ]
    for words, want in cases:
        got = bash_complete(completion, words)
        check(got == want, f"bash: {' '.join(words)}<TAB> gave {got}, want {want}")


def check_zsh(docs):
    zsh = shutil.which("zsh")
    check(zsh is not None, "zsh is not installed (scripts/install-deps.sh installs it)")
    if zsh is None:
        return
    completion = os.path.join(docs, "completion", "_portwarden")
    check(run([zsh, "-n", completion]).returncode == 0, "zsh -n _portwarden")

    def complete(words, prefix):
        # compadd/_describe/_files recorded instead of shown: what the function offers.
        script = f"""compadd() {{ local a; for a in "$@"; do [[ $a == -a ]] && continue; [[ $a == -- ]] && continue;
  if [[ $a == opts || $a == subs ]]; then print -l -- ${{(P)a}}; else print -- $a; fi; done }}
_describe() {{ print -l -- ${{(P)4%%:*}} }}
_files() {{ print -- FILES }}
words=({' '.join(f"'{w}'" for w in words)}); CURRENT={len(words)}; PREFIX='{prefix}'
source {completion}
"""
        r = run([zsh, "-f", "-c", script])
        return [l for l in r.stdout.splitlines() if l.startswith(prefix)] if r.returncode == 0 else [f"exit {r.returncode}: {r.stderr}"]

    got = complete(["portwarden", "sc"], "sc")
    check(got == ["scan"], f"zsh: portwarden sc<TAB> gave {got}")
    got = complete(["portwarden", "scan", "--top-"], "--top-")
    check("--top-ports" in got, f"zsh: portwarden scan --top-<TAB> offers {got[:5]}")
    got = complete(["portwarden", "firewall", "ch"], "ch")
    check(got == ["check"], f"zsh: portwarden firewall ch<TAB> gave {got}")


def main():
    pw, docs = sys.argv[1], sys.argv[2]
    check_pages(pw, docs)
    check_bash(docs)
    check_zsh(docs)
    print(f"docs: {passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
