"""Co-creator voting: rounds, topics, votes, suggestions and results."""
