"""Privacy: a person's data (their access request, their erasure) and how long data is kept."""
