"""Reading books for the ``author`` recipe: EPUB (``epub.py``, ebooklib behind safety checks), XHTML to clean
paragraphs (``extract.py``), front and back matter (``matter.py``) and plain-text books (``text.py``)."""
