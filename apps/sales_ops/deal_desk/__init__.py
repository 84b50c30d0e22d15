"""The deal desk: requests for non-standard prices and terms, the approval matrix, routing, decisions."""
