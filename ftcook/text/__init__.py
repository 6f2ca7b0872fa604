"""Text from files people have: decoding (any charset), extraction (txt, md, html, epub) and segmentation
(paragraphs, sentences, grapheme clusters) that respects the script."""
