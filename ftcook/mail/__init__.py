"""Reading mail for the ``email`` recipe: mailbox formats (``sources``), one message to text (``message``),
quotes, signatures and disclaimers (``clean``), who "me" is (``me``) and the thread index (``store``)."""
