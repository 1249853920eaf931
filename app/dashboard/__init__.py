"""The working group's and director's pages for one campaign: results, texts, exports."""
