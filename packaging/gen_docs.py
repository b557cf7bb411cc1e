#!/usr/bin/env python3
"""Man pages and bash/zsh completion for portwarden, generated from the program's own --help.

    gen_docs.py PATH-TO-portwarden OUT-DIR VERSION

One source: `portwarden --help` lists the commands (with their one-line summaries) and
`portwarden CMD --help` (CLI11's or a command's own text) gives each page and each command's
options, so neither the pages nor the completion can drift from --help. Writes
OUT-DIR/man1/portwarden.1, OUT-DIR/man1/portwarden-CMD.1 per command, and
OUT-DIR/completion/{portwarden.bash,_portwarden}. Standard library only.
"""
import os
import re
import subprocess
import sys

# An option-like word in help text: -p, --top-ports, -sT, -oJ (not 1000-2000, not e-mail).
OPTION_WORD = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")
# A line that defines options: indented, starting with "-" ("  -p,--ports TEXT   ports ...").
OPTION_LINE = re.compile(r"^ {1,4}(-\S.*?)(?: {2,}(\S.*))?$")
SECTION_LINE = re.compile(r"^([A-Za-z][A-Za-z ]*):$")
# Sections whose "  NAME   text" lines are entries (tagged paragraphs) like options.
ENTRY_SECTIONS = ("POSITIONALS", "SUBCOMMANDS", "COMMANDS")
# nmap-style aliases named at the start of a description: "-PE: ICMP echo", "-iL FILE: read".
ALIAS_AT_START = re.compile(r"^(-[A-Za-z][A-Za-z0-9]*)(?=[\[: ])")


def help_text(binary, args):
    run = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"gen_docs: {binary} {' '.join(args)} --help exited {run.returncode}: {run.stderr.strip()}")
    return run.stdout


def commands_of(top_help):
    """(name, summary) of every command in the "commands:" block of `portwarden --help`."""
    out, inside = [], False
    for line in top_help.splitlines():
        if line.strip() == "commands:":
            inside = True
            continue
        if inside and not line.strip():
            break
        if inside:
            name = line.split()[0]
            summary = re.split(r" {2,}", line.strip(), maxsplit=1)[-1]
            out.append((name, summary))
    return out


def subcommands_of(text):
    """Names in a CLI11 "Subcommands:" block (firewall check)."""
    names, inside = [], False
    for line in text.splitlines():
        if line == "Subcommands:":
            inside = True
        elif inside and line.startswith("  ") and line.strip():
            names.append(line.split()[0])
        elif inside:
            inside = False
    return names


def completion_options(text):
    """The options a command takes: those its option lines define, their nmap aliases, and the
    bracketed ones of a hand-written usage ("[-o FILE]")."""
    found = []
    for line in text.splitlines():
        m = OPTION_LINE.match(line)
        if m:
            for piece in m.group(1).split(","):
                found.append(piece.split()[0].split("=")[0])
            alias = ALIAS_AT_START.match(m.group(2) or "")
            if alias:
                found.append(alias.group(1))
        elif line.lower().startswith("usage:") or line.startswith("   "):
            for bracket in re.findall(r"\[([^\[\]]*)", line):
                found += [w for w in OPTION_WORD.findall(bracket) if bracket.lstrip().startswith(w)]
    seen = []
    for word in found:
        if OPTION_WORD.fullmatch(word) and word not in seen:
            seen.append(word)
    return seen


def roff(text):
    """Escapes text for a roff line: backslashes, hyphens (so options copy as ASCII), leading dots."""
    text = text.replace("\\", "\\e").replace("-", "\\-").replace('"', "\\(dq")
    return "\\&" + text if text[:1] in (".", "'") else text


def split_at_column(line, column):
    """("NAME", "TEXT") of "  NAME TEXT" with one space before TEXT: the first space from the
    other entries' description column on."""
    at = line.find(" ", column - 2)
    return (line[2:at], line[at + 1:]) if line.startswith("  ") and at > 2 and at + 1 < len(line) else None


def page_body(text):
    """roff for one --help text: sections, options as tagged paragraphs, the rest verbatim."""
    lines, out, verbatim = text.splitlines(), [], False

    def start_verbatim():
        nonlocal verbatim
        if not verbatim:
            if out and out[-1] != ".PP" and not out[-1].startswith(".SH"):
                out.append(".PP")  # after a tagged paragraph: back to the left margin
            out.append(".nf")
            verbatim = True

    def end_verbatim():
        nonlocal verbatim
        if verbatim:
            out.append(".fi")
            verbatim = False

    i, current, column = 0, "", 0
    while i < len(lines):
        line = lines[i]
        section, option = SECTION_LINE.match(line), OPTION_LINE.match(line)
        entry = re.match(r"^  (\S.*?) {2,}(\S.*)$", line) if current in ENTRY_SECTIONS else None
        parts = (entry.group(1), entry.group(2)) if entry else None
        if entry:
            column = entry.start(2)
        elif current in ENTRY_SECTIONS and column:
            parts = split_at_column(line, column)
        if section:
            end_verbatim()
            current = section.group(1).upper()
            out.append(f".SH {roff(current)}")
        elif option or parts:
            end_verbatim()
            spec, desc = (option.group(1), option.group(2)) if option else parts
            desc = [desc] if desc else []
            while i + 1 < len(lines) and re.match(r"^ {5,}\S", lines[i + 1]) and not OPTION_LINE.match(lines[i + 1]):
                i += 1
                desc.append(lines[i].strip())
            out += [".TP", f".B {roff(spec.strip())}", roff(" ".join(desc)) if desc else ".br"]
        elif not line.strip():
            end_verbatim()
            out.append(".PP")
        else:
            start_verbatim()
            out.append(roff(line))
        i += 1
    end_verbatim()
    return out


def header(name, summary, version):
    return [f'.TH {name.upper()} 1 "" "portwarden {version}" "portwarden manual"', ".nh", ".ad l",
            ".SH NAME", f"{roff(name)} \\- {roff(summary)}"]


def command_page(binary, name, summary, version):
    text = help_text(binary, [name])
    out = header(f"portwarden-{name}", summary, version)
    out += [".SH SYNOPSIS", f".B portwarden {roff(name)}", "[options]", ".SH DESCRIPTION"]
    out += page_body(text)
    options = completion_options(text)
    for sub in subcommands_of(text):
        sub_text = help_text(binary, [name, sub])
        out.append(f".SH {roff(f'{name} {sub}'.upper())}")
        out += page_body(sub_text)
        options += [o for o in completion_options(sub_text) if o not in options]
    out += [".SH SEE ALSO", "\\fBportwarden\\fR(1)"]
    return "\n".join(out) + "\n", options, subcommands_of(text)


def main_page(top_help, commands, version):
    out = header("portwarden", "find out, fast and truthfully, what state every port is in", version)
    out += [".SH SYNOPSIS", ".B portwarden", "\\fIcommand\\fR [options]", ".SH DESCRIPTION"]
    out += page_body("\n".join(l for l in top_help.splitlines() if not l.startswith("usage:")))
    out += [".SH SEE ALSO", ", ".join(f"\\fBportwarden\\-{roff(n)}\\fR(1)" for n, _ in commands)]
    return "\n".join(out) + "\n"


def bash_completion(commands, options, subcommands):
    cases = "\n".join(f"    {name}) opts=\"{' '.join(options[name])}\" ;;" for name, _ in commands)
    subs = "\n".join(f"    {name}) subs=\"{' '.join(s)}\" ;;" for name, s in subcommands.items() if s)
    return f"""# bash completion for portwarden; generated from portwarden --help by packaging/gen_docs.py
_portwarden() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} cmd=${{COMP_WORDS[1]}} opts="" subs=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "{' '.join(n for n, _ in commands)} --help --version" -- "$cur"))
    return
  fi
  case $cmd in
{cases}
    *) opts="{' '.join(options.get('scan', []))}" ;;  # no command: the arguments of scan
  esac
  case $cmd in
{subs}
  esac
  if [ "$COMP_CWORD" -eq 2 ] && [ -n "$subs" ] && [[ $cur != -* ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    compopt -o default 2>/dev/null
    COMPREPLY=()
  fi
}}
complete -F _portwarden portwarden
"""


def zsh_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def zsh_completion(commands, options, subcommands):
    described = "\n".join(f"    {zsh_quote(n + ':' + s.replace(':', chr(92) + ':'))}" for n, s in commands)
    cases = "\n".join(f"    {n}) opts=({' '.join(zsh_quote(o) for o in options[n])}) ;;" for n, _ in commands)
    subs = "\n".join(f"    {n}) subs=({' '.join(s)}) ;;" for n, s in subcommands.items() if s)
    return f"""#compdef portwarden
# zsh completion for portwarden; generated from portwarden --help by packaging/gen_docs.py
_portwarden() {{
  local -a commands opts subs
  commands=(
{described}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'portwarden command' commands
    compadd -- --help --version
    return
  fi
  case $words[2] in
{cases}
    *) opts=({' '.join(zsh_quote(o) for o in options.get('scan', []))}) ;;
  esac
  case $words[2] in
{subs}
  esac
  if (( CURRENT == 3 && $#subs )) && [[ $PREFIX != -* ]]; then
    compadd -a subs
  elif [[ $PREFIX == -* ]]; then
    compadd -a opts
  else
    _files
  fi
}}
_portwarden "$@"
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen_docs.py PATH-TO-portwarden OUT-DIR VERSION")
    binary, out_dir, version = sys.argv[1:]
    top_help = help_text(binary, [])
    commands = [(n, s) for n, s in commands_of(top_help) if n != "version"]
    if not commands:
        sys.exit("gen_docs: no commands in portwarden --help")
    man_dir = os.path.join(out_dir, "man1")
    for old in os.listdir(man_dir) if os.path.isdir(man_dir) else []:
        os.remove(os.path.join(man_dir, old))  # a command that is gone leaves no page behind
    options, subcommands = {}, {}
    for name, summary in commands:
        page, options[name], subcommands[name] = command_page(binary, name, summary, version)
        write(os.path.join(out_dir, "man1", f"portwarden-{name}.1"), page)
    write(os.path.join(out_dir, "man1", "portwarden.1"), main_page(top_help, commands, version))
    write(os.path.join(out_dir, "completion", "portwarden.bash"), bash_completion(commands, options, subcommands))
    write(os.path.join(out_dir, "completion", "_portwarden"), zsh_completion(commands, options, subcommands))


if __name__ == "__main__":
    main()
