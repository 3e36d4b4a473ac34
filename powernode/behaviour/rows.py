"""The platform's create rules for plain rows: what `bulk_load(..., validate=True)` runs.

    rules = RowRules(User)
    row = rules.prepare(row)        # the create defaults, as `User.create` would set them
    rules.check(index, row)         # the per-row validators: raises RowInvalid on the first bad row
    rules.check_load()              # after the last row: belongs_to rows exist, uniqueness set-wise

A row is a dict keyed by field or column names. Validators that read one value run on
it directly (no instance is built); the few that read several attributes get a light
stand-in for the record. What needs the database is asked once per load: each required
`belongs_to` target with `id = ANY(...)`, each uniqueness rule with one join of the
load's values against the table (and within the load itself).
"""
from ..fields import default_value
from .uniqueness import taken_rows
from .validations import Presence, Uniqueness, existing_ids

__all__ = ["RowRules", "RowInvalid"]

CONTEXT = "create"
_MISSING = object()


class RowInvalid(Exception):
    """Row `index` breaks the platform's rules: `errors` maps attributes to messages."""

    def __init__(self, index, errors):
        self.index, self.errors = index, errors
        summary = "; ".join(f"{attribute} {text}" for attribute, texts in errors.items() for text in texts)
        super().__init__(f"row {index}: {summary}")


class _Row:
    """Enough of a record for validators that read other attributes (Comparison, Confirmation)."""

    __slots__ = ("__data__", "__rel__", "_dirty", "_new_record", "_fields")

    def __init__(self, data, fields):
        self.__data__, self.__rel__, self._dirty, self._new_record, self._fields = data, {}, set(), True, fields

    def __getattr__(self, name):
        field = self._fields.get(name)
        return self.__data__.get(field.name) if field is not None else None


class RowRules:
    """One model's create defaults and validators, prepared for a stream of rows."""

    def __init__(self, model):
        meta = model._meta
        behaviour = meta.behaviour
        self.model = model
        self.by_key = {**meta.fields, **{f.column_name: f for f in meta.sorted_fields}}
        self.defaults = [d for d in behaviour.create_defaults if d.name not in ("created_at", "updated_at", "id")]
        self.value_checks, self.record_validators, self.references, self.unique = [], [], [], []
        for validator in behaviour.validators:
            if not validator.applies(CONTEXT):
                continue
            if isinstance(validator, Uniqueness):
                self.unique.append(validator)
                continue
            row_check = validator.row_check()
            if row_check is None:
                self.record_validators.append(validator)
                continue
            for attribute in validator.attributes:
                field = validator.fields[attribute]
                if field is None:  # a virtual attribute (`password`): rows never carry one
                    continue
                self.value_checks.append((attribute, field, default_value(field), row_check))
                if isinstance(validator, Presence) and attribute in validator.associations:
                    self.references.append((attribute, field, validator))
        self.seen_ids = {attribute: {} for attribute, _, _ in self.references}  # id -> first row
        # one value per load for what a row leaves out, as the bulk path renders defaults once
        self.unset = [(f.name, default_value(f)) for f in meta.sorted_fields if f.default is not None and not f.primary_key]
        self.defaults_of = dict(self.unset)
        self.unique_rows = {(id(v), a): [] for v in self.unique for a in v.attributes}

    def prepare(self, row):
        """The row as `create` would insert it: the create defaults filled in (keys as the row had them)."""
        if not self.defaults:
            return row
        names = {self.by_key[key].name: key for key in row if key in self.by_key}
        data = dict(self.defaults_of)  # what a column the row leaves out would hold, as create sees it
        data.update({self.by_key[key].name: value for key, value in row.items() if key in self.by_key})
        for default in self.defaults:
            default.fill(data)
        return {names.get(name, name): value for name, value in data.items()
                if name in names or value is not self.defaults_of.get(name, _MISSING)}

    def check(self, index, row):
        """Run the per-row validators on `row`; remember what the load-wide checks need."""
        errors = {}
        for attribute, field, default, check in self.value_checks:
            value = row.get(field.name, _MISSING)
            if value is _MISSING:
                value = row.get(field.column_name, default)
            texts = check(value)
            if texts:
                errors.setdefault(attribute, []).extend(texts)
        if self.record_validators:
            data = {self.by_key[key].name: value for key, value in row.items() if key in self.by_key}
            for name, value in self.unset:
                data.setdefault(name, value)
            record = _Row(data, self.by_key)
            for validator in self.record_validators:
                validator.validate(record, errors, CONTEXT)
        if errors:
            raise RowInvalid(index, errors)
        for attribute, field, _ in self.references:
            value = self._read(row, field)
            if value is not None:
                self.seen_ids[attribute].setdefault(value, index)
        for validator in self.unique:
            scope = tuple(self._read(row, f) for f in validator.scope_fields)
            for attribute in validator.attributes:
                value = self._read(row, validator.fields[attribute])
                if not validator.skipped(value):
                    self.unique_rows[(id(validator), attribute)].append((index, value, scope))

    def _read(self, row, field):
        value = row.get(field.name, _MISSING)
        if value is _MISSING:
            value = row.get(field.column_name, _MISSING)
        return self.defaults_of.get(field.name) if value is _MISSING else value

    def check_load(self):
        """The checks that ask the database, once for the whole load; raises RowInvalid for the first bad row."""
        failures = []
        for attribute, field, validator in self.references:
            seen = self.seen_ids[attribute]
            for value in set(seen) - existing_ids(field, seen):
                failures.append((seen[value], attribute, validator.error(validator.default_key)))
        for validator in self.unique:
            for attribute in validator.attributes:
                for index in taken_rows(validator, attribute, self.unique_rows[(id(validator), attribute)]):
                    failures.append((index, attribute, validator.error("taken")))
        if failures:
            index, attribute, text = min(failures, key=lambda failure: failure[0])
            raise RowInvalid(index, {attribute: [text]})
