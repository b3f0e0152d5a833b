"""The reader's web site (`citebot web`, or beside the webhook): search, articles with the
cited passage marked, and the timeline."""
