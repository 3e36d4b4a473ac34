"""The few ActiveSupport inflections the generator needs to read Rails associations."""
import re

IRREGULAR = {"people": "person", "children": "child", "data": "data", "media": "media", "criteria": "criterion"}
UNCOUNTABLE_ENDINGS = ("ss", "us", "is", "news", "series", "metadata")


def singularize(word: str) -> str:
    head, _, last = word.rpartition("_")
    prefix = head + "_" if head else ""
    if last in IRREGULAR:
        return prefix + IRREGULAR[last]
    if last.endswith(UNCOUNTABLE_ENDINGS):
        return word
    for plural, singular in (("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x"),
                             ("statuses", "status"), ("lyses", "lysis"), ("theses", "thesis"), ("s", "")):
        if last.endswith(plural):
            return prefix + last[: -len(plural)] + singular
    return word


def camelize(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def underscore(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", camel).lower()


def demodulize(rails_name: str) -> str:
    return rails_name.rsplit("::", 1)[-1]
