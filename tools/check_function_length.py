#!/usr/bin/env python3
# The repository's rule "no function in tools/ is over 80 lines" (docs/architecture.md), checked:
# prints every C++ function longer than LIMIT lines (definition line to closing brace) in FILES
# and exits 1 when there is any. A heuristic brace matcher over the text with comments and string
# literals blanked out: enough for this code base's formatting (clang-format), not a C++ parser.
# Usage: tools/check_function_length.py LIMIT FILE...
import re, sys
def functions(path):
    text = open(path).read()
    # strip comments and strings crudely
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    text = re.sub(r'R"(\w*)\((.*?)\)\1"', lambda m: '""' + '\n' * m.group(0).count('\n'), text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(\\.|[^'\\\n])'", "''", text)
    lines = text.split('\n')
    stack = []  # entries: ('container'|'function'|'block', start_line, name)
    out = []
    pending = ''
    for i, line in enumerate(lines):
        for j, ch in enumerate(line):
            if ch == '{':
                head = (pending + line[:j]).strip()
                in_function = any(k == 'function' for k, _, _ in stack)
                if in_function:
                    stack.append(('block', i, ''))
                elif re.search(r'\b(namespace|class|struct|union|enum)\b[^()]*$', head) or head.endswith('extern "C"') or re.search(r'=\s*$', head) or head.endswith(','):
                    stack.append(('container', i, head))
                elif '(' in head:
                    name = re.findall(r'([~\w:]+)\s*\([^()]*', head)
                    stack.append(('function', i, name[0] if name else head[-40:]))
                else:
                    stack.append(('container', i, head))
                pending = ''
                line_rest_start = j + 1
            elif ch == '}':
                if stack:
                    kind, start, name = stack.pop()
                    if kind == 'function':
                        out.append((i - start + 1, name, start + 1))
                pending = ''
            elif ch == ';':
                pending = ''
        if not line.rstrip().endswith('{'):
            pending += ' ' + line
            if len(pending) > 2000: pending = pending[-2000:]
    return out
limit = int(sys.argv[1])
bad = 0
for p in sys.argv[2:]:
    for n, name, line in functions(p):
        if n > limit:
            print(f'{p}:{line}: {name}: {n} lines'); bad += 1
print(bad, 'functions over', limit)
sys.exit(1 if bad else 0)
