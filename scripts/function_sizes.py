#!/usr/bin/env python3
"""Lists the longest function bodies in C++ sources (a quick check of the "functions < 100
lines" rule; lambdas count toward the function that holds them).

    scripts/function_sizes.py [--max N] [--top K] PATH...

PATH: files or directories (*.cpp, *.hpp below them). Prints the K longest functions (lines
from the signature's line to the closing brace) and exits 1 if any has N lines or more
(default 100). Brace-counting, not a parser: strings, chars and comments are skipped; a block
is a function when the text before its '{' ends in ')' (optionally const/noexcept/override or
a constructor's initializer list) and is not a control statement.
"""
import argparse
import pathlib
import re
import sys

CONTROL = re.compile(r'\b(if|for|while|switch|catch|else|do)\b\s*(\(.*\))?\s*$')


def strip(text):
    """Blanks out comments, string and char literals (keeps newlines and braces' positions)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c == 'R' and text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(')' + (m.group(1) if m else '') + '"', i)
            j = n if end < 0 else end + len(m.group(1) if m else '') + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(' ' * (j + 1 - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def functions(path):
    text = strip(re.sub(r'(?m)^[ \t]*#.*$', '', path.read_text(errors='replace')))  # no preprocessor lines
    stack = []  # (is_function, start_line, name)
    line = 1
    last_end = 0  # where the text before the next '{' starts
    for i, c in enumerate(text):
        if c == '\n':
            line += 1
        elif c in '{};':
            head = text[last_end:i].strip()
            head_line = ' '.join(head.split())
            if c == ';':
                last_end = i + 1
                continue
            if c == '{':
                inside_function = any(kind == 'fn' for kind, _, _ in stack)
                block = re.match(r'^(namespace|class|struct|enum|union|template)\b', head_line) or CONTROL.search(
                    head_line) or re.search(r'\b(try|else|do)$', head_line) or head_line == ''
                fn = not block and re.search(r'\)\s*((const|noexcept|override|final|mutable|->\s*[\w:<>]+)\s*)*$',
                                             head_line) is not None
                if not block and not fn and re.search(r'[\w>]$', head_line):
                    stack.append(('init', 0, ''))  # a brace initializer inside a head: not a block
                    continue
                last_end = i + 1
                name = re.findall(r'([\w:~]+)\s*\(', head_line)
                start = line - head.count('\n')
                stack.append(('fn' if fn and not inside_function else 'block', start, name[0] if name else '?'))
            elif stack:
                kind, start, name = stack.pop()
                if kind == 'init':
                    continue
                last_end = i + 1
                if kind == 'fn':
                    yield name, start, line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--max', type=int, default=100)
    ap.add_argument('--top', type=int, default=10)
    ap.add_argument('paths', nargs='+')
    args = ap.parse_args()
    files = []
    for p in map(pathlib.Path, args.paths):
        files += sorted(p.rglob('*.[ch]pp')) if p.is_dir() else [p]
    found = []
    for f in files:
        for name, start, end in functions(f):
            found.append((end - start + 1, f'{f}:{start}', name))
    found.sort(reverse=True)
    for size, where, name in found[:args.top]:
        print(f'{size:5d}  {where}  {name}')
    over = [x for x in found if x[0] >= args.max]
    if over:
        print(f'{len(over)} function(s) of {args.max} lines or more', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
