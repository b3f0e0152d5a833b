"""Answering a question: routing to models, candidates from each retriever, fusion,
diversification; `Engine` is the façade."""
