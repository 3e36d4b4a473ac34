"""Ruby (Onigmo) regular expressions, as the platform's `format:` validators write them, in Python's syntax.

    translate(r"\\A[a-z0-9\\-]+\\z")          -> r"\\A[a-z0-9\\-]+\\Z"
    compile_ruby(r"\\A\\h+\\z", "i")            -> re.Pattern, matched with .search() as Ruby's =~ is

What differs, and how it is carried over:

| Ruby                         | Python                                                        |
|------------------------------|---------------------------------------------------------------|
| `\\z` (end of string)         | `\\Z`                                                          |
| `\\Z` (end, or before a final newline) | `(?=\\n?\\Z)`                                        |
| `^`, `$` (always line anchors) | the same, compiled with `re.MULTILINE`                      |
| `\\d \\w \\s` (ASCII only)      | explicit ASCII classes (Python's are Unicode)                 |
| `\\h`, `\\H` (hex digit)        | `[0-9a-fA-F]`, `[^0-9a-fA-F]`                                 |
| `[[:alpha:]]` and the other POSIX brackets (Unicode-aware) | the matching Unicode classes             |
| flag `m` (dot matches newline) | `s`; flags `i`, `x` unchanged, also inside `(?mix-mix:...)`  |
| `(?<name>...)`, `\\k<name>`     | `(?P<name>...)`, `(?P=name)`                                  |

Anything without a faithful Python form (`\\G`, `\\K`, `\\p{...}`, `\\R`, `\\X`, conditionals,
absent operators) raises `UntranslatableRegex` naming it: the generator lists such a
validator as not mirrored instead of guessing.
"""
import re

__all__ = ["translate", "compile_ruby", "uri_regexp", "URI_REGEXP_BODY", "UntranslatableRegex"]


class UntranslatableRegex(ValueError):
    """A Ruby construct with no faithful Python equivalent."""


# Ruby's \d \w \s are ASCII-only; Python's are Unicode unless re.ASCII (which would also make
# POSIX brackets and case folding ASCII-only), so they are spelled out.
_CLASS_ESCAPES = {
    "d": "0-9", "w": "a-zA-Z0-9_", "s": " \\t\\n\\x0b\\f\\r", "h": "0-9a-fA-F",
}
_NEGATED_ESCAPES = {"D": "d", "W": "w", "S": "s", "H": "h"}

# POSIX bracket classes in Onigmo's Unicode mode (the platform's sources are UTF-8).
_POSIX = {
    "digit": r"\d", "space": r"\s", "word": r"\w", "xdigit": "0-9a-fA-F", "ascii": "\\x00-\\x7f",
    "blank": " \\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000", "cntrl": "\\x00-\\x1f\\x7f-\\x9f",
}
# these are "everything but": a class holding one becomes an alternation
_POSIX_EXCEPT = {"alpha": r"\W\d_", "alnum": r"\W_"}
_UNSUPPORTED_ESCAPES = {"G": r"\G (match start)", "K": r"\K (keep)", "p": r"\p{...} (property)",
                        "P": r"\P{...} (property)", "R": r"\R (linebreak)", "X": r"\X (grapheme)",
                        "g": r"\g<...> (subexpression call)"}


def compile_ruby(source: str, flags: str = "") -> "re.Pattern":
    """A compiled Python pattern that matches what Ruby's `/source/flags` matches."""
    return re.compile(translate(source, flags), re.MULTILINE)


def translate(source: str, flags: str = "") -> str:
    """Python source for Ruby's `/source/flags` (to compile with re.MULTILINE, as `compile_ruby` does)."""
    prefix = "".join(_flag(f) for f in flags if f in "imx")
    body = _Translator(source, extended="x" in flags).run()
    return f"(?{prefix}){body}" if prefix else body


def _flag(ruby_flag):
    return {"i": "i", "m": "s", "x": "x"}[ruby_flag]


class _Translator:
    def __init__(self, source, extended):
        self.s, self.i, self.out = source, 0, []
        self.extended = [extended]  # one entry per open group: is `x` in force there

    def run(self):
        while self.i < len(self.s):
            self.step()
        return "".join(self.out)

    def peek(self, offset=0):
        j = self.i + offset
        return self.s[j] if j < len(self.s) else ""

    def step(self):
        c = self.s[self.i]
        if c == "\\":
            self.out.append(self.escape(in_class=False))
        elif c == "[":
            self.out.append(self.char_class())
        elif c == "(":
            self.group()
        elif c == ")":
            if len(self.extended) > 1:
                self.extended.pop()
            self.out.append(c)
            self.i += 1
        elif c == "#" and self.extended[-1]:
            end = self.s.find("\n", self.i)  # an x-mode comment, dropped
            self.i = len(self.s) if end < 0 else end + 1
        else:
            self.out.append(c)
            self.i += 1

    def escape(self, in_class):
        letter = self.peek(1)
        self.i += 2
        if letter == "":
            raise UntranslatableRegex("a trailing backslash")
        if letter in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[letter] if in_class else f"[{_CLASS_ESCAPES[letter]}]"
        if letter in _NEGATED_ESCAPES:
            inner = _CLASS_ESCAPES[_NEGATED_ESCAPES[letter]]
            if in_class:
                raise UntranslatableRegex(f"\\{letter} inside a character class")
            return f"[^{inner}]"
        if in_class:
            return "\\" + letter
        if letter == "z":
            return r"\Z"
        if letter == "Z":
            return r"(?=\n?\Z)"
        if letter == "k" and self.peek() == "<":
            end = self.s.index(">", self.i)
            name, self.i = self.s[self.i + 1:end], end + 1
            return f"(?P={name})"
        if letter in _UNSUPPORTED_ESCAPES:
            raise UntranslatableRegex(_UNSUPPORTED_ESCAPES[letter])
        return "\\" + letter

    def char_class(self):
        """`[...]`, with POSIX brackets (`[[:alpha:]_]`); nested classes and `&&` are refused."""
        self.i += 1
        negated = self.peek() == "^"
        self.i += negated
        items, excepts = [], []
        if self.peek() == "]":  # a leading ] is literal
            items.append("\\]")
            self.i += 1
        while True:
            c = self.peek()
            if c == "":
                raise UntranslatableRegex("an unterminated character class")
            if c == "]":
                self.i += 1
                break
            if c == "\\":
                items.append(self.escape(in_class=True))
            elif self.s.startswith("[:", self.i):
                name = self.posix()
                if name in _POSIX_EXCEPT:
                    excepts.append(f"[^{_POSIX_EXCEPT[name]}]")
                else:
                    items.append(_POSIX[name])
            elif c == "[" or self.s.startswith("&&", self.i):
                raise UntranslatableRegex("a nested character class or && intersection")
            else:
                items.append(c)
                self.i += 1
        plain = f"[{'^' if negated else ''}{''.join(items)}]" if items else None
        if not excepts:
            return plain
        if negated:
            raise UntranslatableRegex("[[:alpha:]] or [[:alnum:]] inside a negated class")
        return "(?:" + "|".join(excepts + ([plain] if plain else [])) + ")"

    def posix(self):
        end = self.s.index(":]", self.i)
        name = self.s[self.i + 2:end]
        self.i = end + 2
        if name not in _POSIX and name not in _POSIX_EXCEPT:
            raise UntranslatableRegex(f"[[:{name}:]] (no faithful Python class)")
        return name

    def group(self):
        s, i = self.s, self.i
        if not s.startswith("(?", i):
            self.extended.append(self.extended[-1])
            self.out.append("(")
            self.i += 1
            return
        rest = s[i + 2:]
        if rest.startswith("#"):  # (?# comment ): Python has it too
            end = s.index(")", i)
            self.i = end + 1
            return
        if rest.startswith("<") and not rest.startswith(("<=", "<!")):
            end = s.index(">", i)
            self.out.append(f"(?P<{s[i + 3:end]}>")
            self.extended.append(self.extended[-1])
            self.i = end + 1
            return
        if rest[:1] in (":", "=", "!", ">") or rest.startswith(("<=", "<!")):
            opener = "(?" + (rest[:2] if rest.startswith("<") else rest[:1])
            self.out.append(opener)
            self.extended.append(self.extended[-1])
            self.i += len(opener)
            return
        match = re.match(r"([imx]*)(?:-([imx]*))?(:|\))", rest)
        if match is None:
            raise UntranslatableRegex(f"the group {s[i:i + 6]}...")
        on, off, closer = match.group(1), match.group(2) or "", match.group(3)
        self.i += 2 + match.end()
        extended = ("x" in on) or (self.extended[-1] and "x" not in off)
        python_on = "".join(_flag(f) for f in on)
        python_off = "".join(_flag(f) for f in off)
        flags = python_on + (f"-{python_off}" if python_off else "")
        if closer == ")":
            # (?i) alone: Ruby scopes it to the end of the enclosing group; Python 3.11 only
            # allows global flags at the very start
            if self.out or len(self.extended) > 1 or off:
                raise UntranslatableRegex(f"an inline flag group (?{on}{'-' + off if off else ''}) mid-pattern")
            self.out.append(f"(?{python_on})")
            self.extended[-1] = extended
            return
        self.out.append(f"(?{flags}:" if flags else "(?:")
        self.extended.append(extended)


#: Ruby's `URI::DEFAULT_PARSER.make_regexp` (RFC 2396) after its scheme look-ahead, in Ruby's
#: syntax (extended mode), as the platform's `format: { with: URI.regexp(%w[http https]) }` holds it
URI_REGEXP_BODY = r"""
        ([a-zA-Z][\-+.a-zA-Z\d]*):                           (?# 1: scheme)
        (?:
           ((?:[\-_.!~*'()a-zA-Z\d;?:@&=+$,]|%[a-fA-F\d]{2})(?:[\-_.!~*'()a-zA-Z\d;/?:@&=+$,\[\]]|%[a-fA-F\d]{2})*)                    (?# 2: opaque)
        |
           (?:(?:
             //(?:
                 (?:(?:((?:[\-_.!~*'()a-zA-Z\d;:&=+$,]|%[a-fA-F\d]{2})*)@)?        (?# 3: userinfo)
                   (?:((?:(?:[a-zA-Z0-9\-.]|%\h\h)+|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[(?:(?:[a-fA-F\d]{1,4}:)*(?:[a-fA-F\d]{1,4}|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})|(?:(?:[a-fA-F\d]{1,4}:)*[a-fA-F\d]{1,4})?::(?:(?:[a-fA-F\d]{1,4}:)*(?:[a-fA-F\d]{1,4}|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}))?)\]))(?::(\d*))?))? (?# 4: host, 5: port)
               |
                 ((?:[\-_.!~*'()a-zA-Z\d$,;:@&=+]|%[a-fA-F\d]{2})+)                 (?# 6: registry)
               )
             |
             (?!//))                           (?# XXX: '//' is the mark for hostport)
             (/(?:[\-_.!~*'()a-zA-Z\d:@&=+$,]|%[a-fA-F\d]{2})*(?:;(?:[\-_.!~*'()a-zA-Z\d:@&=+$,]|%[a-fA-F\d]{2})*)*(?:/(?:[\-_.!~*'()a-zA-Z\d:@&=+$,]|%[a-fA-F\d]{2})*(?:;(?:[\-_.!~*'()a-zA-Z\d:@&=+$,]|%[a-fA-F\d]{2})*)*)*)?                    (?# 7: path)
           )(?:\?((?:[\-_.!~*'()a-zA-Z\d;/?:@&=+$,\[\]]|%[a-fA-F\d]{2})*))?                 (?# 8: query)
        )
        (?:\#((?:[\-_.!~*'()a-zA-Z\d;/?:@&=+$,\[\]]|%[a-fA-F\d]{2})*))?                  (?# 9: fragment)
      """


def uri_regexp(*schemes) -> str:
    """Python source of Ruby's `URI.regexp(schemes)`: an absolute URI of one of `schemes`, found anywhere."""
    ruby = "(?=(?-mix:" + "|".join(schemes) + "):)" + URI_REGEXP_BODY
    return translate(ruby, "x")
