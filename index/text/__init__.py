"""Text: reading corpus files into articles, cutting passages and sentences, words and
languages, and the rules that make untrusted text safe."""
