"""Adding articles the way news arrives: links and files made into corpus Markdown."""
