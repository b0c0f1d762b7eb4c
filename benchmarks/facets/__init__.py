"""The facet audit: the top values of each entity facet over the shared corpora, labelled."""
