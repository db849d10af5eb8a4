"""Reading documents and turning text into terms: files -> documents -> passages -> terms, the
Analyzer (stems, stopwords, English words) and acronyms and spelling; one segment per source file."""
