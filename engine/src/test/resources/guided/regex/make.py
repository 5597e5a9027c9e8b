"""Reference answers for PythonRegexTest, from CPython's own `re` with the re.ASCII flag (\d \w \s are ASCII in
guided_regex), no QuantServe code.

Writes cases.json:
  "enumerated": for each pattern, an alphabet and a length; every string over the alphabet up to that length, in
                order of length then of alphabet position, and whether re.fullmatch(pattern, s, re.ASCII) matches, as a hex
                string of bits (bit i of the whole string = string i; most significant bit of each hex digit first);
  "explicit":   (pattern, string, matches) for strings no small alphabet reaches (Unicode classes, escapes);
  "invalid":    patterns re itself refuses, with its message.
Run: python3 make.py  (Python 3.11 wrote the committed file.)
"""
import itertools
import json
import re
import sys

ENUMERATED = [
    ("a", "ab", 3), ("ab|cd", "abcd", 3), ("a*", "ab", 4), ("a+b?", "ab", 4), ("(ab)*", "ab", 5),
    ("a{2}", "ab", 4), ("a{2,}", "ab", 4), ("a{,2}", "ab", 4), ("a{1,3}b", "ab", 5), ("a{2,3}?", "ab", 4),
    ("a{,}", "ab", 3), ("a{0}b", "ab", 3), ("[abc]+", "abcd", 4), ("[^a]*", "ab\n", 3), ("[a-c]{2}", "abcd", 3),
    ("[-a]", "a-b", 2), ("[a-]", "a-b", 2), ("[]a]", "a]b", 2), ("[^]a]", "a]b", 2), ("[\\]a]+", "a]b", 3),
    ("[\\\\x]", "\\xa", 2), ("\\d+", "0a9", 3), ("\\D", "0a-", 2), ("\\w+", "a_-0", 3), ("\\W", "a_- ", 2),
    ("\\s*x", " \tx\n", 3), ("\\S+", " a\n", 3), (".", "a\n", 2), (".*", "a\n", 3), ("a.b", "ab\n", 3),
    ("(a|b)*abb", "ab", 5), ("(?:ab|a)(?:bc|c)", "abc", 4), ("(?P<x>a)b", "ab", 3),
    ("^ab$", "ab", 3), ("^(a|b)$", "ab", 2), ("\\Aab\\Z", "ab", 3), ("^a|b$", "ab", 2), ("a|", "ab", 2),
    ("|a", "ab", 2), ("()", "a", 2), ("(a|)+", "ab", 3), ("x{", "x{", 3), ("x{a}", "x{a}", 4), ("x{1", "x{1", 3),
    ("{", "{a", 2), ("\\.", ".a", 2), ("\\$a", "$a", 2), ("\\x41", "AB", 2), ("\\u0041+", "AB", 3),
    ("\\101", "AB", 2), ("\\0a", "\0a", 2), ("\\012", "\na", 2), ("[\\d-]", "0-a", 2), ("a\\|b", "a|b", 3),
    ("(a)(b)?", "ab", 3), ("(ab|cd)+?", "abcd", 4), ("a*?b", "ab", 3), ("[\\w.]+@[\\w]+", "a.@", 4),
    ("\\d{3}-\\d{2}", "01-", 6), ("(yes|no)", "yesno", 3), ("[A-Z][a-z]*", "Aab", 3), ("-?\\d+(\\.\\d+)?", "-0.1", 4),
    ("[0-9a-f]{2}", "0fg", 2), ("[\\s\\d]", " 0a\t", 2), ("[^\\d\\s]", " 0a\t", 2), ("[\\D]", "0a", 2),
    ("a(?#note)b", "ab", 3), ("\\t\\n", "\t\na", 2), ("[\\t-\\r]", "\t\r\x0ba", 2), ("(?:a|b(?:c|d)+)*", "abcd", 4),
    ("a(b|c|)d", "abcd", 3), ("(a|ab)(c|bcd)", "abcd", 4), ("[aeiou]{1,2}x", "aex", 3)
]

EXPLICIT_PATTERNS = {
    "\\w+": ["café", "日本語", "a_1", "a-b", "٣٤", "Ⅻ", "½", "x\u0301", "😀", ""],
    "\\d": ["٣", "½", "5", "a", "߀", "Ⅷ"],
    "\\D": ["٣", "5", "😀"],
    "\\s": ["\u00a0", "\u2003", "\x1c", "\x85", "\u200b", " ", "a", "\u3000", "\ufeff"],
    ".": ["\n", "é", "😀", "\u2028", "\r"],
    "[^a]": ["😀", "a", "\n", "é"],
    "\\U0001F600+": ["😀", "😀😀", "😁", ""],
    "\\N{EM DASH}": ["—", "-"],
    "[α-ω]+": ["αβγ", "ω", "Α", "a"],
    "[😀-😂]": ["😀", "😁", "😂", "😃"],
    "\\W+": ["!?", "é", " ", "_", "€", "日本"],
    "[^\\W\\d]+": ["abc", "a1", "é", "_"],
    "\\S\\s\\S": ["a b", "é\u00a0é", "a\tb", "ab"],
    "[\\u00e0-\\u00ff]+": ["àÿ", "é", "a", "Ā"],
    "x\\x7f\\u00ff": ["x\x7f\u00ff", "x\x7fy"],
    "\\{\"k\": \\d\\}": ["{\"k\": 7}", "{\"k\": 77}", "{\"k\":7}", "{\"k\": x}"],
}

INVALID = ["a**", "{1}", "(?<y>a)", "*a", "(a", "a)", "[a", "[b-a]", "\\q", "a{3,2}", "\\x4", "(?P<1>a)", "+", "[\\d-z]",
           "\\N{NOT A NAME}", "(?P=x)", "a\\", "\\U00110000"]


def strings(alphabet, length):
    for n in range(length + 1):
        for t in itertools.product(alphabet, repeat=n):
            yield "".join(t)


def bits_hex(flags):
    flags = list(flags) + [False] * (-len(flags) % 4)
    return "".join("%x" % (8 * a + 4 * b + 2 * c + d) for a, b, c, d in zip(*[iter(flags)] * 4))


def main():
    enumerated = []
    for pattern, alphabet, length in ENUMERATED:
        compiled = re.compile(pattern, re.ASCII)
        flags = [compiled.fullmatch(s) is not None for s in strings(alphabet, length)]
        assert any(flags) and len(flags) <= 20000, pattern
        enumerated.append({"pattern": pattern, "alphabet": alphabet, "length": length, "matches": bits_hex(flags),
                           "count": len(flags)})
    explicit = []
    for pattern, cases in EXPLICIT_PATTERNS.items():
        compiled = re.compile(pattern, re.ASCII)
        for s in cases:
            explicit.append({"pattern": pattern, "string": s, "matches": compiled.fullmatch(s) is not None})
    invalid = []
    for pattern in INVALID:
        try:
            re.compile(pattern, re.ASCII)
        except re.error as e:
            invalid.append({"pattern": pattern, "python": str(e)})
        else:
            sys.exit("re accepts " + pattern)
    with open("cases.json", "w", encoding="utf-8") as f:
        json.dump({"python": sys.version.split()[0], "enumerated": enumerated, "explicit": explicit,
                   "invalid": invalid}, f, ensure_ascii=True, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
