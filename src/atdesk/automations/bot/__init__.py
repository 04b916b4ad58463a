"""The knowledge-base bot: articles, the index it answers from and when it hands over."""
