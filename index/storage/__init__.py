"""An index version on disk: the layout of versions, the SQLite catalogue with its vector
cache and keyword search, and the FAISS files."""
