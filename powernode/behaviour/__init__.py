"""The platform's model behaviour, mirrored: what its Active Record models do beyond the schema.

One module per Rails feature; the generated models declare what they use
(`docs/architecture.md`). Read from `reference/powernode-behaviour.json`.
"""
