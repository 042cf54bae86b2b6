#!/usr/bin/python3
"""Writes a dense copy of a .dg model: every `gate ... { ... }` statement
removed (what `dgc --dense` means: every unit computed), weight file paths
rewritten for the copy's directory. The baseline for fw-figures.
usage: strip_gates.py IN.dg OUT.dg"""
import os
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
text = open(src).read()
out, i, n = [], 0, len(text)
at_statement = True      # after start, ';', '{' or '}': a word here is a key


def skip_comment(j):
    if text.startswith("#", j) or text.startswith("//", j):
        k = text.find("\n", j)
        return n if k < 0 else k
    if text.startswith("/*", j):
        return text.index("*/", j) + 2
    return j


while i < n:
    j = skip_comment(i)
    if j != i:
        out.append(text[i:j])
        i = j
        continue
    c = text[i]
    if c == '"':
        j = i + 1
        while text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        out.append(text[i:j + 1])
        i = j + 1
        at_statement = False
        continue
    m = re.match(r"gate\b", text[i:]) if at_statement else None
    if m:                  # skip to the end of this statement and its block
        depth, j = 0, i
        while True:
            k = skip_comment(j)
            if k != j:
                j = k
                continue
            if text[j] == '"':
                j += 1
                while text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
            elif text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            elif text[j] == ";" and depth == 0:
                break
            j += 1
        i = j + 1
        continue
    if c in ";{}":
        at_statement = True
    elif not c.isspace():
        at_statement = False
    out.append(c)
    i += 1

rel = os.path.relpath(os.path.dirname(os.path.abspath(src)), os.path.dirname(os.path.abspath(dst)))
dense = re.sub(r'^(\s*weights\s+")([^"]*)"',
               lambda m: m.group(1) + os.path.join(rel, m.group(2)) + '"', "".join(out), flags=re.M)
with open(dst + ".tmp", "w") as f:
    f.write("# Dense copy of %s: gates removed by strip_gates.py.\n" % src + dense)
os.replace(dst + ".tmp", dst)
