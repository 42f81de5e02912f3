"""The town hall presenter deck: slides built from public figures, their words, images and exports.

May import: ``lib.public`` and everything below it; never ``lib.app``.
"""
