"""The platform's value behaviour, declared: encrypted and JSON-coded columns, enums, money, passwords, credentials.

From `reference/powernode-behaviour.json`, per model:

    encrypted_attributes, serialized_attributes  -> field options, as Rails declares them:
        email = StringField(255, encrypts=Encrypts(deterministic=True, downcase=True))
        backup_codes = TextField(null=True, serialize=JSON, encrypts=Encrypts())
    enums            -> enums = [Enum("status", [...])]
    monetized        -> monetize = [Monetize("subtotal", cents="subtotal_cents")]
    secure_password  -> has_secure_password = SecurePassword("password")

The catalog does not say which models store `Security::CredentialEncryptionService`
payloads (that is custom platform code): `CREDENTIAL_PAYLOADS` below is the reviewed
list, with the evidence for each, and `docs/values.md` says what could not be confirmed.
"""
import textwrap

from ..source import literal

CODERS = {"ActiveRecord::Coders::JSON": "JSON"}

# Rails name -> (evidence, [(declaration, attribute, column, namespace)]). Held by tests/test_values_docs.py.
CREDENTIAL_PAYLOADS = {
    "Ai::ProviderCredential": (
        "vector public-27 (namespace ai, an API key); catalog: credentials_format, encryption_key_id presence",
        [("EncryptedCredentials", "credentials", "encrypted_credentials", "ai")]),
    "Devops::IntegrationCredential": (
        "catalog: credentials_format, encryption_key_id presence; namespace devops from the platform's public source",
        [("EncryptedCredentials", "credentials", "encrypted_credentials", "devops")]),
    "Devops::GitProviderCredential": (
        "catalog: credentials_format, encryption_key_id presence; namespace git from the platform's public source",
        [("EncryptedCredentials", "credentials", "encrypted_credentials", "git")]),
    "McpServer": (
        "vector public-28 (namespace mcp); single values (encrypt_value) as the platform's public source writes them",
        [("EncryptedValue", f"oauth_{name}", f"oauth_{name}_encrypted", "mcp")
         for name in ("access_token", "client_secret", "refresh_token")]),
}


def contribute(parts, writer):
    behaviour = parts.behaviour
    columns = {column["name"] for column in parts.table["columns"]}
    _column_options(parts, behaviour, columns)
    lines = []
    lines += _enums(parts, behaviour.get("enums") or {})
    lines += _money(parts, behaviour.get("monetized") or {})
    lines += _secure_password(parts, behaviour.get("secure_password") or [])
    lines += _credentials(parts, CREDENTIAL_PAYLOADS.get(parts.model))
    parts.behaviour_lines += lines


def _column_options(parts, behaviour, columns):
    serialized = {name: info for name, info in (behaviour.get("serialized_attributes") or {}).items()
                  if isinstance(info, dict) and "coder" in info}
    encrypted = behaviour.get("encrypted_attributes") or {}
    for name in sorted(set(serialized) | set(encrypted)):
        if name not in columns:
            continue  # an attribute without a column: the platform never stores it (docs/values.md)
        if name in serialized:
            coder = CODERS.get(serialized[name]["coder"])
            if coder is None:
                raise SystemExit(f"generate: no coder for {parts.model}.{name} ({serialized[name]['coder']})")
            parts.imports.add("powernode.behaviour.coders", coder)
            parts.option(name, f"serialize={coder}")
        if name in encrypted:
            options = [f"{key}=True" for key in ("deterministic", "downcase") if encrypted[name].get(key)]
            parts.imports.add("powernode.behaviour.encryption", "Encrypts")
            parts.option(name, f"encrypts=Encrypts({', '.join(options)})")


def _claim(parts, names, what):
    for name in names:
        if not parts.claim(name):
            raise SystemExit(f"generate: {parts.model}'s {what} needs the attribute {name!r}, which is taken")


def _symbol(option, attribute):
    """An enum's prefix/suffix option: True, a name, or None."""
    if isinstance(option, dict):
        return option.get("symbol")
    return True if option is True else None


def _enums(parts, enums):
    if not enums:
        return []
    from powernode.behaviour.enums import Enum, _plural

    parts.imports.add("powernode.behaviour.enums", "Enum")
    lines = ["enums = ["]
    for attribute, info in sorted(enums.items()):
        enum = Enum(attribute, info["mapping"], prefix=_symbol(info.get("prefix"), attribute),
                    suffix=_symbol(info.get("suffix"), attribute))
        _claim(parts, [enum.predicate(name) for name in enum.mapping] + [_plural(attribute)], f"enum {attribute}")
        mapping = enum.mapping
        values = list(mapping) if all(key == value for key, value in mapping.items()) else mapping
        options = "".join(f", {name}={literal(getattr(enum, name))}" for name in ("prefix", "suffix")
                          if getattr(enum, name) is not None)
        lines += _wrapped(f'    Enum("{attribute}", ', values, f"{options}),")
    return lines + ["]"]


def _wrapped(head, values, tail):
    """`head` + a list or dict literal + `tail`: one line when it fits, else the items packed below."""
    items = ([literal(value) for value in values] if isinstance(values, list)
             else [f"{literal(key)}: {literal(value)}" for key, value in values.items()])
    opening, closing = "[]" if isinstance(values, list) else "{}"
    flat = f"{head}{opening}{', '.join(items)}{closing}{tail}"
    if len(flat) <= 90:
        return [flat]
    packed = textwrap.wrap(", ".join(items) + ",", 90, initial_indent=" " * 8, subsequent_indent=" " * 8,
                           break_long_words=False, break_on_hyphens=False)
    return [head + opening, *packed, f"    {closing}{tail}"]


def _money(parts, monetized):
    if not monetized:
        return []
    parts.imports.add("powernode.behaviour.money", "Monetize")
    lines = ["monetize = ["]
    for name, info in sorted(monetized.items()):
        _claim(parts, [name], "monetize")
        lines.append(f'    Monetize("{name}", cents="{info["subunit_column"]}"),')
    return lines + ["]"]


def _secure_password(parts, declarations):
    lines = []
    for declaration in declarations:
        attribute = declaration["attribute"]
        if declaration.get("digest_column", f"{attribute}_digest") != f"{attribute}_digest":
            raise SystemExit(f"generate: {parts.model}: unexpected digest column for {attribute}")
        names = [attribute, f"{attribute}_confirmation", f"set_{attribute}", f"authenticate_{attribute}"]
        _claim(parts, names + (["authenticate"] if attribute == "password" else []), "has_secure_password")
        parts.imports.add("powernode.behaviour.passwords", "SecurePassword")
        lines.append(f'has_secure_password = SecurePassword("{attribute}")')
    return lines


def _credentials(parts, payloads):
    if not payloads:
        return []
    declarations = payloads[1]
    _claim(parts, [attribute for _, attribute, _, _ in declarations], "credential payload")
    parts.imports.add("powernode.behaviour.credentials", *{kind for kind, _, _, _ in declarations})
    sources = [f'{kind}("{attribute}", column="{column}", namespace="{namespace}")'
               for kind, attribute, column, namespace in declarations]
    if len(sources) == 1:
        return [f"{declarations[0][1]} = {sources[0]}"]
    return ["credential_values = ["] + [f"    {source}," for source in sources] + ["]"]
