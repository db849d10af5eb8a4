"""Keeping the archive fresh: followed feeds, articles added by link, corrections (`qabot follow`)."""
