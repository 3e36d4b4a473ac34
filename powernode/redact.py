"""Text safe to show: no credential a connection string carries, no value PostgreSQL quotes.

    credentials("postgresql://u:pw@h/db?sslpassword=x")   # 'postgresql://u:***@h/db?sslpassword=***'
    values('invalid input syntax for type uuid: "tok_123"')  # 'invalid input syntax for type uuid (value withheld)'

`credentials` works on any text (an error message quoting a URL, a malformed URL that no
parser accepts): libpq URLs (`user:password@` and secret query parameters, whose names libpq
percent-decodes) and keyword/value strings (`password='a b'`).
"""
import re
from urllib.parse import unquote

__all__ = ["credentials", "values", "MASK"]

MASK = "***"
# libpq's parameters that hold secrets (and any a later libpq adds with these words in its name)
_SECRET_NAME = re.compile(r"pass|secret|token|key(?!words)", re.IGNORECASE)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]*")
_KEYWORD_VALUE = re.compile(r"(?P<name>\b[A-Za-z_]+)(?P<equals>\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'?|[^\s&'\"]+)")


def credentials(text: str) -> str:
    """`text` with every password and secret parameter of the connection strings in it masked."""
    text = _URL.sub(lambda match: _url(match.group(0)), str(text))
    return _KEYWORD_VALUE.sub(_keyword_value, text)


def _url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    authority = rest.split("/", 1)[0]  # libpq ends the credentials at the first "/"
    userinfo = ""
    if "@" in authority:
        cut = authority.rindex("@")
        user, colon, _ = rest[:cut].partition(":")
        userinfo, rest = f"{user}{colon}{MASK if colon else ''}@", rest[cut + 1:]
    location, question, query = rest.partition("?")
    if question:
        query = "&".join(_parameter(pair) for pair in query.split("&"))
    return f"{scheme}://{userinfo}{location}{question}{query}"


def _parameter(pair: str) -> str:
    name, equals, _ = pair.partition("=")
    return f"{name}={MASK}" if equals and _SECRET_NAME.search(unquote(name)) else pair


def _keyword_value(match) -> str:
    name = match.group("name")
    if not _SECRET_NAME.search(unquote(name)):
        return match.group(0)
    return f"{name}{match.group('equals')}{MASK}"


# PostgreSQL's messages that end by quoting the offending value, or name it mid-sentence
_QUOTED_TAIL = re.compile(r':\s*".*$')
_QUOTED_VALUE = re.compile(r'\bvalue "[^"]*"')


def values(message: str) -> str:
    """PostgreSQL's message without the value it quotes (`...: "<value>"`, `value "<value>" is ...`)."""
    message = _QUOTED_TAIL.sub(" (value withheld)", message)
    return _QUOTED_VALUE.sub("value (withheld)", message)
