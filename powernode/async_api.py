"""The models' asyncio methods, on every model and importing nothing async until one is called.

Peewee's own (`playhouse.pwasyncio.AsyncModelMixin`: `acreate`, `aget`, `asave`, ...) are
looked up from it when first used, so the synchronous package needs neither asyncpg nor
greenlet; the package adds `asave(validate=...)`, `adestroy()` and `anearest()`.
"""

__all__ = ["AsyncMethods", "PEEWEE_METHODS"]

#: AsyncModelMixin's methods (tests/test_async.py checks this against the installed peewee)
PEEWEE_METHODS = ("acreate", "aget", "aget_or_none", "aget_by_id", "aget_or_create", "aset_by_id",
                  "adelete_by_id", "abulk_create", "abulk_update", "adelete_instance", "afetch")


class _Peewee:
    """A descriptor for peewee's async model method `name`, bound as peewee binds it."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner):
        from playhouse.pwasyncio import AsyncModelMixin

        return AsyncModelMixin.__dict__[self.name].__get__(instance, owner)


def bridged(model, fn, *args, **kwargs):
    from .aio import run

    return run(model, fn, *args, **kwargs)


class AsyncMethods:
    """Mixin of `PowernodeModel`: `await User.aget(...)`, `await user.asave()`, ..."""

    for _name in PEEWEE_METHODS:
        locals()[_name] = _Peewee()
    del _name

    async def asave(self, force_insert=False, only=None, validate=True):
        """`save()` from asyncio: validated unless `validate=False`, then written."""
        return await bridged(type(self), self.save, force_insert, only, validate)

    async def adestroy(self):
        """`destroy()` from asyncio (its associations' `dependent:` options, in one transaction)."""
        return await bridged(type(self), self.destroy)
