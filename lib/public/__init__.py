"""What the public sees: the privacy rules, the public figures, their charts and map, the static site, i18n.

Every public number passes through ``privacy``. May import the domain packages (``lib.maps``,
``lib.trust``, ``lib.engagement``) and everything below them; never ``lib.deck`` or ``lib.app``.
"""
