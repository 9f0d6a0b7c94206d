"""The scoring JSON API, one module per subject: ranking (the ranking, an explanation, the runs),
overrides, selection (programme years, costs to serve, the shortlist), grid (the grid and the
ratings) and weights (the criteria, the weights, the what-if). Nothing is re-exported: the URLs
import the module they mean."""
